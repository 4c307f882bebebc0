"""Consent over time (issue 16, item 4): who is due for a re-permission email, who is due for erasure, and why.

Pure rules, no AWS. A person's retention clock starts at their latest activity: created, engaged (open, click,
reply), contacted, consent given or confirmed, or kept by a recruiter. CRM_RETENTION_MONTHS after it:
- a subscribed person gets one re-permission email; confirming renews consent (the clock starts again); their own
  activity (engaging, confirming a new sign-up) while we wait keeps them too; no answer within
  CRM_REPERMISSION_DAYS: erased;
- a person without marketing consent (sourced, imported, from the ATS; unsubscribed, bounced, complained) is
  erased, unless a recruiter kept them with a reason (the keep starts the clock again);
- a pending sign-up is left to the pending expiry (services/privacy.py `expire_pending`); a person interviewing or
  with an offer (the ATS's stage) is left alone until the ATS moves them on.

The state kept per person (the key store, store/retention.py): `asked_at`, `deadline`, `send_key` while a
re-permission email awaits its answer; `kept_at`, `kept_by`, `reason` after a recruiter's keep.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from .bodies import Body, parse_as
from .clock import parse_iso
from .durations import Duration
from .errors import ValidationError
from .preferences import paused_until, preferences_of
from .text import unsafe_reason
from .vocabulary import CandidateStatus, RetentionAction, Stage

# The person's own doing: what keeps a subscribed person while their re-permission email waits for an answer.
OWN_ACTIVITY = ("last_engaged_at", "confirmed_at")
# Everything that starts the clock again (with the consent's times and a recruiter's keep).
ACTIVITY = ("created_at", "last_contacted_at", *OWN_ACTIVITY)
NEVER = datetime(1900, 1, 1, tzinfo=timezone.utc)
# In a hiring process now (the ATS says so): never erased or asked by retention until the ATS moves them on.
IN_PROCESS = (Stage.INTERVIEWING, Stage.OFFER)


@dataclass(frozen=True)
class Decision:
    action: RetentionAction
    due_at: datetime | None = None  # when the action falls due (the end of retention, or the answer's deadline)


def _time(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:  # a stored value we cannot read never moves the clock
        return None


def _latest(values) -> datetime:
    times = [t for t in (_time(v) for v in values) if t is not None]
    return max(times, default=NEVER)


def own_activity(person: dict) -> datetime:
    """The latest thing the person did themself: engaged, confirmed, gave consent, chose their preferences (a pause,
    channels, a frequency: the preference page's updated_at)."""
    consent = person.get("consent") or {}
    return _latest([*(person.get(name) for name in OWN_ACTIVITY), consent.get("given_at"),
                    consent.get("confirmed_at"), preferences_of(person).get("updated_at")])


def last_activity(person: dict, state: dict) -> datetime:
    """When the person's retention clock started."""
    return max(own_activity(person), _latest([*(person.get(name) for name in ACTIVITY), state.get("kept_at")]))


def retention_end(person: dict, state: dict, months: int) -> datetime:
    return Duration(months=months).after(last_activity(person, state))


def awaiting_answer(person: dict, state: dict) -> bool:
    """A re-permission email went out and the person has done nothing of their own since."""
    asked = _time(state.get("asked_at"))
    return asked is not None and own_activity(person) <= asked


def decide(person: dict, state: dict, now: datetime, months: int) -> Decision:
    """What retention does with the person at `now` (the daily job), or by `now` (the report: a month's end)."""
    status = person.get("status")
    if status == CandidateStatus.PENDING or person.get("stage") in IN_PROCESS:
        return Decision(RetentionAction.NONE)
    if status == CandidateStatus.SUBSCRIBED:
        if awaiting_answer(person, state):
            deadline = _time(state.get("deadline")) or now
            action = RetentionAction.ERASE if deadline <= now else RetentionAction.AWAIT
            return Decision(action, deadline)
        end = retention_end(person, state, months)
        pause = paused_until(person, now)
        if end <= now and pause:  # they chose a pause: not asked (then erased for not answering) while it lasts
            return Decision(RetentionAction.NONE, _time(pause))
        return Decision(RetentionAction.ASK if end <= now else RetentionAction.NONE, end)
    end = retention_end(person, state, months)
    if end <= now:
        return Decision(RetentionAction.ERASE, end)
    if state.get("kept_at") and retention_end(person, {}, months) <= now:
        return Decision(RetentionAction.KEPT, end)  # erased by now but for the recruiter's keep
    return Decision(RetentionAction.NONE, end)


def in_month(decision: Decision, start: datetime, end: datetime, now: datetime, days: int) -> Decision | None:
    """What of `decision` (taken at the end of the month [start, end)) happens within that month; None when it all
    happens before. A later month's report projects an ask due before it: its answer's deadline may fall in it."""
    if start <= now or decision.due_at is None or decision.due_at >= start:
        return decision
    if decision.action is RetentionAction.ASK:
        deadline = deadline_after(max(decision.due_at, now), days)
        if deadline >= end:
            return Decision(RetentionAction.AWAIT, deadline)
        if deadline >= start:
            return Decision(RetentionAction.ERASE, deadline)
    return None


def send_key(candidate_id: str, person: dict, state: dict) -> str:
    """The re-permission email's claim: the same for every retry of one ask (the activity that made the person
    due is its date), a new one after the person's clock starts again."""
    started = last_activity(person, state).strftime("%Y%m%dT%H%M%S")
    return f"repermission#{candidate_id}#{started}"


def cutoff(now: datetime, months: int) -> datetime:
    """People whose activity is older than this are due (or awaiting an answer)."""
    return Duration(months=months).before(now)


# ---------------------------------------------------------------- the email

def repermission_email(*, keep_url: str, remove_url: str, company: str, days: int) -> tuple[str, str, str]:
    """(subject, text, html). Only our words, the company's name and the signed links: nothing the person typed."""
    subject = f"Do you still want to hear from {company}?"
    intro = (f"You joined the {company} talent community a while ago and we have not heard from you since. "
             f"We only keep people who still want to hear from us.")
    text = (f"Hi,\n\n{intro}\n\nKeep me in the talent community:\n{keep_url}\n\nRemove me:\n{remove_url}\n\n"
            f"If we do not hear from you within {days} days, we will delete everything we hold about you.\n")
    e = html.escape
    button = ("display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;text-decoration:none;"
              "border-radius:4px")
    body = (
        "<!doctype html><html><body style=\"font-family:Arial,sans-serif;color:#1f2933;line-height:1.5\">"
        f"<p>Hi,</p><p>{e(intro)}</p>"
        f"<p><a href=\"{e(keep_url)}\" style=\"{button}\">Keep me in the talent community</a></p>"
        f"<p><a href=\"{e(remove_url)}\" style=\"color:#1d4ed8\">Remove me</a></p>"
        f"<p style=\"font-size:13px;color:#52606d\">If we do not hear from you within {days} days, we will delete "
        "everything we hold about you.</p></body></html>"
    )
    return subject, text, body


# ---------------------------------------------------------------- bodies and parameters

def _reason(text: str) -> str:
    """One line on the record: whitespace collapsed; control characters and lone surrogates refused."""
    if problem := unsafe_reason(text):
        raise ValueError(problem)
    if not text.strip():
        raise ValueError("required: why the person is kept, one line of text (at most 500 characters)")
    return " ".join(text.split())


class RetentionKeep(Body):
    """POST /candidates/{id}/retention: keep (with a reason) a person without consent past their retention, or
    withdraw the keep."""
    keep: bool = Field(description="required: true to keep the person, false to withdraw a keep")
    reason: Annotated[str, StringConstraints(max_length=500), AfterValidator(_reason)] | None = Field(
        None, description="why the person is kept, one line of text (at most 500 characters); required to keep")

    @model_validator(mode="after")
    def _reason_to_keep(self):
        if self.keep and not self.reason:
            raise ValidationError.field("reason", "required: why the person is kept")
        return self


def parse_keep(body: object) -> RetentionKeep:
    return parse_as(RetentionKeep, body, "invalid keep")


MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])", re.ASCII)
MONTHS_AHEAD = 120


def parse_month(text: object, now: datetime) -> tuple[datetime, datetime]:
    """`YYYY-MM` (default: this month) as [start, end); this month up to MONTHS_AHEAD months ahead."""
    if text is None or text == "":
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    else:
        match = MONTH.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError.field("month", "a month such as 2027-03 (YYYY-MM)")
        try:
            start = datetime(int(match.group(1)), int(match.group(2)), 1, tzinfo=timezone.utc)
        except ValueError:  # year 0
            raise ValidationError.field("month", "a month such as 2027-03 (YYYY-MM)") from None
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if not this_month <= start <= Duration(months=MONTHS_AHEAD).after(this_month):
        raise ValidationError.field("month", f"this month or one of the next {MONTHS_AHEAD}: the report says what "
                                             "will happen")
    return start, Duration(months=1).after(start)


def deadline_after(asked: datetime, days: int) -> datetime:
    return asked + timedelta(days=days)
