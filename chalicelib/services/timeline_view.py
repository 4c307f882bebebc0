"""A person's timeline in words: what each entry says, naming the campaigns, subjects and jobs it mentions
instead of showing their ids.

Names are read in batches for a page of entries (one read of campaign names, one of the ATS's job ids, one of
job titles), never one read per entry. A campaign or job that is gone since still reads sensibly.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from numbers import Number
from typing import Callable, Protocol

from ..domain.clock import parse_iso
from ..domain.vocabulary import CandidateStatus, Stage

# Touchpoint channels (domain/candidates.py TOUCHPOINT_CHANNELS) as a recruiter says them.
CHANNEL_LABELS = {"phone": "Call", "linkedin": "LinkedIn message", "meeting": "Meeting", "note": "Note",
                  "email": "Email", "event": "Event"}
STATUS_LABELS: dict[str, str] = {CandidateStatus.SUBSCRIBED: "Subscribed", CandidateStatus.NOT_SUBSCRIBED: "Not subscribed",
                 CandidateStatus.PENDING: "Waiting for confirmation", CandidateStatus.UNSUBSCRIBED: "Unsubscribed",
                 CandidateStatus.BOUNCED: "Bounced", CandidateStatus.COMPLAINED: "Marked email as spam"}
STAGE_LABELS: dict[str, str] = {Stage.APPLIED: "Applied", Stage.INTERVIEWING: "Interviewing", Stage.OFFER: "Offer",
                Stage.HIRED: "Hired", Stage.REJECTED: "Rejected"}
FIELD_LABELS = {"linkedin_url": "LinkedIn URL", "portfolio_url": "portfolio URL", "remote_ok": "remote",
                "sms_consent": "SMS consent", "last_contacted_at": "last contacted"}
UNSUBSCRIBE_SOURCES = {"one_click": "with the unsubscribe button of their mail app",
                       "preference_page": "on their email preferences page", "complaint": "by a spam complaint"}
ATS_JOB_KEY = "atsjob#"  # + the ATS's job id -> our job id (services/ats.py writes these keys)


class CampaignNames(Protocol):
    def names(self, campaign_ids: list[str]) -> dict[str, str]:
        """id -> name of those that exist."""


class JobTitles(Protocol):
    def titles(self, job_ids: list[str]) -> dict[str, str]:
        """id -> title of those that exist."""


class KeyRefs(Protocol):
    def refs(self, keys: list[str]) -> dict[str, str]:
        """key -> ref of those that exist."""


@dataclass(frozen=True)
class Names:
    """What a page of entries mentions, looked up once for the page."""
    campaigns: dict[str, str]
    jobs: dict[str, str]  # the id an entry carries (ours or the ATS's) -> title
    subjects: dict[tuple[str, int], str]  # (campaign id, step) -> the subject the person got

    def campaign(self, campaign_id: object) -> str:
        if not campaign_id:
            return "a campaign"
        name = self.campaigns.get(str(campaign_id))
        return f"the campaign “{name}”" if name else "a campaign deleted since"

    def job(self, job_id: object) -> str:
        if not job_id:
            return "a job"
        title = self.jobs.get(str(job_id))
        return f"“{title}”" if title else "a job not known to the CRM"

    def subject(self, campaign_id: object, step: object) -> str | None:
        return self.subjects.get((str(campaign_id), _step(step)))


class TimelineView:
    def __init__(self, campaigns: CampaignNames, jobs: JobTitles, keys: KeyRefs):
        self.campaigns = campaigns
        self.jobs = jobs
        self.keys = keys

    def describe(self, entries: list[dict]) -> list[dict]:
        """Each entry as {id, at, kind, title, text, note, tone}: `title` a few words, `text` a sentence,
        `note` what a person wrote (a touchpoint's summary) or None, `tone` a colour class."""
        names = self.names(entries)
        return [describe(entry, names) for entry in entries]

    def names(self, entries: list[dict]) -> Names:
        campaign_ids = {str(d["campaign_id"]) for d in _datas(entries) if d.get("campaign_id")}
        job_refs = {str(d["job_id"]) for d in _datas(entries) if d.get("job_id")}
        return Names(campaigns=self.campaigns.names(sorted(campaign_ids)) if campaign_ids else {},
                     jobs=self._job_titles(job_refs), subjects=_subjects(entries))

    def _job_titles(self, refs: set[str]) -> dict[str, str]:
        """An ATS entry carries the ATS's job id; a job the ATS opened is ours by a key. Our own ids work too."""
        if not refs:
            return {}
        ours = {ref: job_id for key, job_id in self.keys.refs([ATS_JOB_KEY + ref for ref in sorted(refs)]).items()
                if (ref := key[len(ATS_JOB_KEY):])}
        ours.update({ref: ref for ref in refs if ref not in ours and ref.startswith("job_")})
        titles = self.jobs.titles(sorted(set(ours.values()))) if ours else {}
        return {ref: titles[job_id] for ref, job_id in ours.items() if job_id in titles}


def _datas(entries: list[dict]) -> list[dict]:
    return [entry["data"] for entry in entries if isinstance(entry.get("data"), dict)]


def _step(step: object) -> int:
    """A step as stored: a number (int or Decimal), or its text in an older entry; anything else is the first."""
    if isinstance(step, Number) and not isinstance(step, bool):
        return int(step)  # type: ignore[call-overload]  # Number: int, float, Decimal
    return int(step) if isinstance(step, str) and step.isdigit() and len(step) < 4 else 0


def _subjects(entries: list[dict]) -> dict[tuple[str, int], str]:
    """Opens and clicks name the campaign and step only: the subject is the one their send carried."""
    return {(str(data["campaign_id"]), _step(data.get("step"))): str(data["subject"])
            for entry in entries if entry.get("kind") == "campaign_email_sent"
            and isinstance(data := entry.get("data"), dict) and data.get("campaign_id") and data.get("subject")}


# ---------------------------------------------------------------- one entry

Said = tuple[str, str]  # (title, text)


def describe(entry: dict, names: Names) -> dict:
    data = entry["data"] if isinstance(entry.get("data"), dict) else {}
    kind = str(entry.get("kind") or "")
    wording = WORDING.get(kind)
    title, text = wording(data, names) if wording else (humanize(kind), "")
    note = data.get("summary") if kind == "touchpoint" and data.get("summary") else None
    return {"id": entry.get("id"), "at": entry.get("at"), "kind": kind, "title": title, "text": text,
            "note": note, "tone": TONES.get(kind, "info")}


def _moment(value: object) -> datetime | None:
    try:
        return parse_iso(value)
    except (ValueError, TypeError):
        return None


def day(value: object) -> str:
    """5 Jan 2026 (UTC)."""
    moment = _moment(value)
    return f"{moment.day} {moment:%b %Y}" if moment else ""


def when(value: object) -> str:
    """5 Jan 2026, 14:03 UTC."""
    moment = _moment(value)
    return f"{moment.day} {moment:%b %Y}, {moment:%H:%M} UTC" if moment else ""


def humanize(key: object) -> str:
    text = str(key or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _listed(value: object) -> list:
    return value if isinstance(value, list) else []


def _quoted(subject: object) -> str:
    return f"“{subject}”" if subject else "an email"


def _step_note(step: object) -> str:
    return f" (step {_step(step) + 1})" if _step(step) > 0 else ""  # steps are counted from 1 for people


def _consent(data: dict, names: Names) -> Said:
    if data.get("source") == "repermission":
        return "Consent", "Consent renewed (re-permission email)"
    if data.get("source") == "permission_request":
        return "Consent", f"Joined the talent community from {names.campaign(data.get('campaign_id'))}"
    version = f" (consent wording {data['consent_version']})" if data.get("consent_version") else ""
    confirmed = f"; confirmed on {day(data['confirmed_at'])}" if data.get("confirmed_at") else "; not confirmed yet"
    return "Consent", f"Asked for email on the careers page{version}{confirmed}"


def _created(data: dict, names: Names) -> Said:
    source = f" (source: {humanize(data['source']).lower()})" if data.get("source") else ""
    return "Added", f"Added to the CRM{source}{_by(data.get('by'))}"


def _updated(data: dict, names: Names) -> Said:
    fields = _listed(data.get("fields"))
    changed = ", ".join(FIELD_LABELS.get(f, str(f).replace("_", " ")) for f in fields) or "the profile"
    return "Profile updated", f"Changed {changed}{_by(data.get('by'))}"


def _by(by: object) -> str:
    if not by:
        return ""
    return " by a recruiter" if by == "api" else f" by {'a CSV import' if by == 'csv_import' else humanize(by).lower()}"


def _touchpoint(data: dict, names: Names) -> Said:
    label = CHANNEL_LABELS.get(str(data.get("channel")), humanize(data.get("channel")) or "Touchpoint")
    return label, f"{label} logged" if data.get("summary") else f"{label} logged, no summary"


def _suppression_lifted(data: dict, names: Names) -> Said:
    was = STATUS_LABELS.get(str(data.get("previous_status")), humanize(data.get("previous_status")))
    reason = f"; reason: {data['reason']}" if data.get("reason") else ""
    return "Suppression lifted", f"No longer {was.lower()}: may be emailed again after a new sign-up{reason}"


def _email_sent(data: dict, names: Names) -> Said:
    what = {"confirmation": "Confirmation email", "repermission": "Re-permission email"}.get(str(data.get("kind")),
                                                                                       "Email")
    return "Email sent", f"{what} {_quoted(data.get('subject'))} sent"


def _campaign_email(data: dict, names: Names) -> Said:
    where = f"{names.campaign(data.get('campaign_id'))}{_step_note(data.get('step'))}"
    if data.get("status") == "failed":
        return "Email not sent", f"{_quoted(data.get('subject'))} from {where} could not be sent"
    return "Campaign email", f"{_quoted(data.get('subject'))} sent from {where}"


def _engaged(verb: str) -> Callable[[dict, Names], Said]:
    def said(data: dict, names: Names) -> Said:
        subject = names.subject(data.get("campaign_id"), data.get("step"))
        return verb, f"{verb} {_quoted(subject)} from {names.campaign(data.get('campaign_id'))}" \
                     f"{_step_note(data.get('step'))}"
    return said


def _unsubscribed(data: dict, names: Names) -> Said:
    how = UNSUBSCRIBE_SOURCES.get(str(data.get("source")), "")
    after = f", after {names.campaign(data['campaign_id'])}" if data.get("campaign_id") else ""
    return "Unsubscribed", " ".join(filter(None, ["Unsubscribed from all email", how])) + after


def _preferences(data: dict, names: Names) -> Said:
    off = _listed(data.get("unsubscribed_categories"))
    if not off:
        return "Email preferences", "Wants every kind of email"
    return "Email preferences", "No longer wants: " + ", ".join(humanize(c).lower() for c in off)


def _suppressed(title: str, what: str) -> Callable[[dict, Names], Said]:
    def said(data: dict, names: Names) -> Said:
        reason = f" ({data['reason']})" if data.get("reason") else ""
        return title, f"{what}{reason}: no more email"
    return said


def _soft_bounce(data: dict, names: Names) -> Said:
    detail = f": {data['detail']}" if data.get("detail") else ""
    return "Temporary bounce", f"An email could not be delivered for now{detail}"


def _signup_suppressed(data: dict, names: Names) -> Said:
    status = STATUS_LABELS.get(str(data.get("status")), humanize(data.get("status")))
    return "Sign-up", f"Signed up again while {status.lower()}: no email was sent"


def _ats(title: str, verb: str) -> Callable[[dict, Names], Said]:
    def said(data: dict, names: Names) -> Said:
        return title, f"{verb} {names.job(data.get('job_id'))}"
    return said


def _stage_changed(data: dict, names: Names) -> Said:
    stage = STAGE_LABELS.get(str(data.get("stage")), humanize(data.get("stage")))
    job = f" for {names.job(data['job_id'])}" if data.get("job_id") else ""
    return "Stage changed", f"Now {stage.lower() or 'at a new stage'}{job}"



def _frequency(data: dict, names: Names) -> Said:
    cap = data.get("max_per_month")
    return "How often", (f"Chose at most {cap} emails a month" if cap else "Chose no limit of their own")


def _paused_by_person(data: dict, names: Names) -> Said:
    until = str(data.get("paused_until") or "")[:10]
    return "Paused", f"Asked for no messages until {until}" if until else "Asked for a pause"


def _channels(data: dict, names: Names) -> Said:
    return "Channels", "Wants emails" if data.get("email") else "Turned emails off"


def _sms(on: bool) -> Callable[[dict, Names], Said]:
    def said(data: dict, names: Names) -> Said:
        how = " by replying STOP" if not on and data.get("source") == "sms_reply" else ""
        return ("Texts on", "Agreed to texts again") if on else ("Texts off", f"Stopped texts{how}")
    return said


def _outreach(data: dict, names: Names) -> Said:
    basis = humanize(data.get("legal_basis")).lower() or "legitimate interest"
    steps = data.get("steps") or 1
    said = f"{data.get('sender') or 'A recruiter'} wrote {_quoted(data.get('subject'))}"
    said += f" ({steps} steps)" if steps > 1 else ""
    return "One-to-one email", f"{said}; basis: {basis}; reason: {data.get('reason') or '-'}"

WORDING: dict[str, Callable[[dict, Names], Said]] = {
    "consent": _consent, "created": _created, "updated": _updated, "touchpoint": _touchpoint,
    "suppression_lifted": _suppression_lifted, "email_sent": _email_sent, "campaign_email_sent": _campaign_email,
    "email_opened": _engaged("Opened"), "email_clicked": _engaged("Clicked"), "unsubscribed": _unsubscribed,
    "preferences": _preferences, "bounced": _suppressed("Bounced", "The address bounced"),
    "complained": _suppressed("Marked as spam", "Marked an email as spam"), "soft_bounce": _soft_bounce,
    "signup_suppressed": _signup_suppressed, "application_created": _ats("Applied", "Applied for"),
    "candidate_stage_changed": _stage_changed, "offer_created": _ats("Offer made", "Offer made for"),
    "offer_accepted": _ats("Offer accepted", "Accepted the offer for"),
    "offer_declined": _ats("Offer declined", "Declined the offer for"), "candidate_hired": _ats("Hired", "Hired for"),
    "frequency_chosen": _frequency, "paused_by_person": _paused_by_person,
    "pause_ended": lambda data, names: ("Pause ended", "Asked to hear from us again"), "channels_chosen": _channels,
    "sms_opt_out": _sms(False), "sms_opt_in": _sms(True),
    "outreach": _outreach,
    "objected": lambda data, names: ("Objected", "Objected to being contacted: never asked again"),
    "retention_kept": lambda data, names: (
        "Kept past retention", f"Kept by {data.get('by') or 'a recruiter'}; reason: {data.get('reason') or '-'}"),
    "retention_keep_withdrawn": lambda data, names: (
        "Keep withdrawn", f"No longer kept past retention (by {data.get('by') or 'a recruiter'})"),
    "erasure_requested": lambda data, names: ("Erasure asked", "Asked to be deleted; a confirmation email went out"),
}
TONES = {"consent": "good", "touchpoint": "touch", "unsubscribed": "bad", "objected": "bad", "sms_opt_out": "warn",
         "bounced": "bad", "complained": "bad",
         "soft_bounce": "warn", "signup_suppressed": "warn", "candidate_hired": "good", "offer_accepted": "good"}
