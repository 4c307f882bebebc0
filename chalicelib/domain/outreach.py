"""One-to-one outreach (POST /outreach): what a recruiter's request may say, and who it may not reach.

An outreach is a campaign of kind `outreach` (domain/campaigns.py): its people are a list (`recipients`), its
steps carry their own text (`template`: a subject and a text body with Jinja2 merge fields, checked in the
project's sandbox like any template: domain/templates.py), and it is sent by the campaign pipeline, so the claim
(at most once), send windows, replies ending the sequence and the sender's identity hold as for any campaign.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from .bodies import Body, described, parse_as
from .body_fields import ids_of
from .campaigns import DEFAULT_EXITS, EXIT_PROBLEM, SENDER_PROBLEM, Sender, _exits, own_choice_refusal
from .clock import iso, parse_iso
from .durations import parse_duration
from .errors import ValidationError
from .permission import objected
from .text import unsafe_reason
from .vocabulary import CandidateStatus, Category, DecisionReason

MAX_PEOPLE = 50
MAX_STEPS = 3
MAX_BODY = 20_000
RECENT_CONTACT = timedelta(days=7)  # nobody is written to within a week of another contact, by any channel
# the category an outreach's email carries (the store needs one; no marketing category applies)
OUTREACH_CATEGORY = Category.CAREER_ADVICE
STEP_PROBLEM = "an object with subject, body and delay"
# the sequence ends when the person answers, as well as on the campaign defaults
OUTREACH_EXITS = list(dict.fromkeys([*DEFAULT_EXITS, DecisionReason.REPLIED]))


class OutreachStep(Body):
    subject: str = Field(min_length=1, max_length=200, description="one line of at most 200 characters")
    body: str = Field(min_length=1, max_length=MAX_BODY, description=f"text of at most {MAX_BODY} characters")
    delay: str = Field("P0D", description="a duration such as P3D (after the previous email)")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(STEP_PROBLEM)
        return value

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if not value.strip() or unsafe_reason(value, single_line=True):
            raise described()
        return " ".join(value.split())

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        if not value.strip() or unsafe_reason(value):
            raise ValueError("text without control characters")
        return value.replace("\r\n", "\n").strip() + "\n"

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: str) -> str:
        parse_duration(value)
        return value


REASON_PROBLEM = "why you are writing to these people: one line of at most 500 characters"


class OutreachBody(Body):
    candidate_ids: Annotated[list[str], BeforeValidator(ids_of("cand", required=True))] = Field(
        description=f"a list of 1 to {MAX_PEOPLE} candidate ids")
    sender: Sender | None = Field(None, description=SENDER_PROBLEM)
    reason: str = Field(min_length=1, max_length=500, description=REASON_PROBLEM)
    steps: list[OutreachStep] = Field(min_length=1, max_length=MAX_STEPS,
                                      description=f"a list of 1 to {MAX_STEPS} steps")
    exit_on: Annotated[list[DecisionReason], BeforeValidator(_exits)] = Field(
        default_factory=lambda: list(OUTREACH_EXITS), description=EXIT_PROBLEM)

    @field_validator("exit_on")
    @classmethod
    def _stops_on_reply(cls, value: list[DecisionReason]) -> list[DecisionReason]:
        """A person who answered is never followed up, whatever else the recruiter chose to end it on."""
        return value if DecisionReason.REPLIED in value else [*value, DecisionReason.REPLIED]

    @field_validator("candidate_ids")
    @classmethod
    def _at_most(cls, value: list[str]) -> list[str]:
        if len(value) > MAX_PEOPLE:
            raise ValueError(f"at most {MAX_PEOPLE} people at a time")
        return value

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if not value.strip() or unsafe_reason(value, single_line=True):
            raise described()
        return " ".join(value.split())


def validate_outreach(body: object) -> OutreachBody:
    """The request, each step's subject and body checked as a template is (syntax, unknown merge fields, a trial
    render within the sandbox's limits): ValidationError naming steps[i].subject / steps[i].body."""
    from .templates import validate_template

    request = parse_as(OutreachBody, body, "invalid outreach")
    problems: dict[str, str] = {}
    for index, step in enumerate(request.steps):
        try:
            validate_template(step_template(step.subject, step.body) | {"name": "outreach",
                                                                         "category": OUTREACH_CATEGORY})
        except ValidationError as exc:
            for field, problem in (exc.fields or {"body": exc.message}).items():
                part = "subject" if field == "subject" else "body"
                problems.setdefault(f"steps[{index}].{part}", problem)
    if problems:
        raise ValidationError("invalid outreach: " + ", ".join(sorted(problems)), problems)
    return request


def step_template(subject: str, body: str) -> dict:
    """An outreach step as the email builder takes a template: the text is both parts (the HTML part is made
    from the rendered text: campaign_email.py)."""
    return {"subject": subject, "html": body, "text": body}


# ---------------------------------------------------------------- who may not be written to

def refusal(person: dict | None, now: datetime, open_outreach: bool) -> DecisionReason | None:
    """Why this person may not get an outreach now (None: they may). The daily cap is counted by the service."""
    if person is None:
        return DecisionReason.NOT_FOUND
    status = person.get("status")
    if objected(person):
        return DecisionReason.OBJECTED
    if status in (CandidateStatus.BOUNCED, CandidateStatus.COMPLAINED):
        return DecisionReason(status)
    if status == CandidateStatus.UNSUBSCRIBED or (person.get("preferences") or {}).get("unsubscribed_all"):
        return DecisionReason.UNSUBSCRIBED
    if status not in (CandidateStatus.SUBSCRIBED, CandidateStatus.NOT_SUBSCRIBED):
        return DecisionReason.NOT_SUBSCRIBED  # pending: their own sign-up awaits its confirmation
    own = own_choice_refusal(person, now)  # their pause, or email turned off, on their own page
    if own is not None:
        return own
    if open_outreach:
        return DecisionReason.IN_OUTREACH
    if recently_contacted(person, now):
        return DecisionReason.RECENTLY_CONTACTED
    return None


def recently_contacted(person: dict, now: datetime) -> bool:
    """Contacted by any channel (an email, a logged call, LinkedIn message or meeting) within RECENT_CONTACT."""
    last = person.get("last_contacted_at")
    if not last:
        return False
    try:
        return parse_iso(last) > now - RECENT_CONTACT
    except ValueError:
        return False


def day_key(sender_email: str, now: datetime) -> str:
    """The stats key counting a sender's outreach emails of the day (UTC)."""
    return f"outreach#{sender_email.lower()}#{iso(now)[:10]}"
