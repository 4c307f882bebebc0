"""Ranking people for a job: skills (rarer skills weigh more), location or remote fit, engagement.

score = 60 x skill fit + 25 x place fit + 15 x engagement, 0 to 100, with reasons a recruiter can
read. Skill fit is the share of the job's skills a person has, each skill weighted by its inverse
document frequency among the people ranked (a rare skill says more than a common one).
"""
from __future__ import annotations

import math
from collections import Counter
from datetime import datetime

from .clock import parse_iso, utcnow
from .vocabulary import CandidateStatus

NEVER_LISTED = (CandidateStatus.UNSUBSCRIBED, CandidateStatus.BOUNCED, CandidateStatus.COMPLAINED)
EMAILABLE = (CandidateStatus.SUBSCRIBED,)
# Why a listed person gets no job alert, by status (the others listed are EMAILABLE)
NOT_EMAILABLE: dict[str, str] = {
    CandidateStatus.NOT_SUBSCRIBED: "no marketing consent (sourced, imported or from the ATS)",
    CandidateStatus.PENDING: "signed up but has not confirmed yet",
}


def not_emailable_reason(status: str | None) -> str:
    return NOT_EMAILABLE.get(status or "", f"status {status or 'unknown'}")


def skill_weights(job_skills: list[str], people: list[dict]) -> dict[str, float]:
    frequency = Counter(skill for p in people for skill in set(p.get("skills") or ()) if skill in job_skills)
    total = max(1, len(people))
    return {skill: math.log(1 + total / (1 + frequency[skill])) for skill in job_skills}


def _days_since(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, (now - parse_iso(value)).total_seconds() / 86400)
    except ValueError:
        return None


def _place(job: dict, person: dict) -> tuple[float, list[tuple[str, str]]]:
    """How well the person's place fits the job's (0 to 1), and why: ("remote" | "city" | "country", the place)."""
    why: list[tuple[str, str]] = []
    place = 0.0
    same_city = bool(job.get("city")) and (person.get("city") or "").casefold() == job["city"].casefold()
    same_country = bool(job.get("country")) and person.get("country") == job.get("country")
    if job.get("remote") and person.get("remote_ok"):
        place = 1.0
        why.append(("remote", ""))
    if same_city:
        place = 1.0
        why.append(("city", person.get("city") or ""))
    elif same_country:
        place = max(place, 0.6)
        why.append(("country", person.get("country") or ""))
    elif not job.get("city") and not job.get("country") and not job.get("remote"):
        place = 0.5  # the job names no place: nobody is out of place
    return place, why


PLACE_REASONS = {"remote": "remote ok", "city": "in {}", "country": "in {}"}


def score(job: dict, person: dict, weights: dict[str, float], now: datetime) -> tuple[float, list[str]]:
    reasons: list[str] = []
    job_skills = job.get("skills") or []
    have = set(person.get("skills") or ())
    matched = [s for s in job_skills if s in have]
    total_weight = sum(weights.values()) or 1.0
    skill_fit = sum(weights[s] for s in matched) / total_weight if job_skills else 0.0
    if matched:
        reasons.append("matched skills: " + ", ".join(matched))

    place, why = _place(job, person)
    reasons += [PLACE_REASONS[kind].format(where) for kind, where in why]

    engagement = 0.0
    score_value = person.get("engagement_score") or 0
    if score_value:
        engagement += min(1.0, float(score_value) / 100) * 0.5
    days = _days_since(person.get("last_engaged_at"), now)
    if days is not None:
        engagement += 0.5 * max(0.0, 1 - days / 180)
        reasons.append(f"engaged {_days(days)} ago")
    total = round(60 * skill_fit + 25 * place + 15 * engagement, 1)
    return total, reasons


def _days(days: float) -> str:
    return f"{int(days)} day{'s' if int(days) != 1 else ''}"


def in_words(job: dict, person: dict, now: datetime | None = None) -> list[str]:
    """Why a person ranks where they do for a job, as sentences a recruiter reads (the facts `score` weighs)."""
    now = now or utcnow()
    job_skills = job.get("skills") or []
    have = set(person.get("skills") or ())
    matched, missing = [s for s in job_skills if s in have], [s for s in job_skills if s not in have]
    words = []
    if job_skills:
        words.append(f"Has {len(matched)} of the job's {len(job_skills)} skills"
                     + (f": {', '.join(matched)}." if matched else ".")
                     + (f" Missing: {', '.join(missing)}." if missing and matched else ""))
    place = {"remote": "Open to remote work, and the job is remote.", "city": "Lives in {}, where the job is.",
             "country": "Lives in {}, the job's country."}
    _, why = _place(job, person)
    words += [place[kind].format(where) for kind, where in why]
    if not why and (job.get("city") or job.get("country")):
        words.append("Not in the job's " + ("city" if job.get("city") else "country") + ".")
    elif not why and job.get("remote"):
        words.append("Not marked as open to remote work.")
    days = _days_since(person.get("last_engaged_at"), now)
    engaged = f"Last engaged {_days(days)} ago" if days is not None else "No engagement yet"
    score_value = person.get("engagement_score")
    words.append(engaged + (f" (engagement score {float(score_value):g})." if score_value else "."))
    return words


def rank(job: dict, people: list[dict], now: datetime | None = None) -> list[dict]:
    """People who may be listed, best first; each with score, reasons and whether we may email them."""
    now = now or utcnow()
    eligible = [p for p in people if p.get("status") not in NEVER_LISTED]
    weights = skill_weights(job.get("skills") or [], eligible)
    scored = [(score(job, person, weights, now), person) for person in eligible]
    scored.sort(key=lambda entry: (-entry[0][0], entry[1].get("id", "")))
    return [{"candidate": person, "score": value, "reasons": reasons, "emailable": person.get("status") in EMAILABLE}
            for (value, reasons), person in scored]
