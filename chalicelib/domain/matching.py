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


def score(job: dict, person: dict, weights: dict[str, float], now: datetime) -> tuple[float, list[str]]:
    reasons: list[str] = []
    job_skills = job.get("skills") or []
    have = set(person.get("skills") or ())
    matched = [s for s in job_skills if s in have]
    total_weight = sum(weights.values()) or 1.0
    skill_fit = sum(weights[s] for s in matched) / total_weight if job_skills else 0.0
    if matched:
        reasons.append("matched skills: " + ", ".join(matched))

    place = 0.0
    same_city = bool(job.get("city")) and (person.get("city") or "").casefold() == job["city"].casefold()
    same_country = bool(job.get("country")) and person.get("country") == job.get("country")
    if job.get("remote") and person.get("remote_ok"):
        place = 1.0
        reasons.append("remote ok")
    if same_city:
        place = 1.0
        reasons.append(f"in {person.get('city')}")
    elif same_country:
        place = max(place, 0.6)
        reasons.append(f"in {person.get('country')}")
    elif not job.get("city") and not job.get("country") and not job.get("remote"):
        place = 0.5  # the job names no place: nobody is out of place

    engagement = 0.0
    score_value = person.get("engagement_score") or 0
    if score_value:
        engagement += min(1.0, float(score_value) / 100) * 0.5
    days = _days_since(person.get("last_engaged_at"), now)
    if days is not None:
        engagement += 0.5 * max(0.0, 1 - days / 180)
        reasons.append(f"engaged {int(days)} day{'s' if int(days) != 1 else ''} ago")
    total = round(60 * skill_fit + 25 * place + 15 * engagement, 1)
    return total, reasons


def rank(job: dict, people: list[dict], now: datetime | None = None) -> list[dict]:
    """People who may be listed, best first; each with score, reasons and whether we may email them."""
    now = now or utcnow()
    eligible = [p for p in people if p.get("status") not in NEVER_LISTED]
    weights = skill_weights(job.get("skills") or [], eligible)
    scored = [(score(job, person, weights, now), person) for person in eligible]
    scored.sort(key=lambda entry: (-entry[0][0], entry[1].get("id", "")))
    return [{"candidate": person, "score": value, "reasons": reasons, "emailable": person.get("status") in EMAILABLE}
            for (value, reasons), person in scored]
