"""Campaigns: what a campaign may say, who may get which step, and when the next step is due.

Everything here is pure: the services feed it people, sends and the time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, ValidatorFunctionWrapHandler, field_validator, model_validator

from .bodies import ABSENT, CHOICE, Body, described, parse_as, problem_of
from .body_fields import ids_of, with_problems
from .clock import is_id, iso, parse_iso
from .durations import parse_duration
from .emails import normalize_email
from .errors import Conflict, ValidationError
from .permission import last_request, objected
from .preferences import MONTH_WINDOW, blocked_until, blocks, channels_off, paused_until
from .send_window import SendWindow, next_opening, zone_for
from .subject_tests import SUBJECTS_PROBLEM, Winner, checked_subjects
from .templates import CATEGORY_PROBLEM
from .text import unsafe_reason
from .vocabulary import (CampaignAction, CampaignKind, CampaignStatus, CandidateStatus, Category, Channel,
                         DecisionAction, DecisionReason, EnrollmentMode, Stage, StepCondition)

# What may end a person's place in a campaign (`exit_on`), and what does when the campaign does not say.
EXITS = (DecisionReason.UNSUBSCRIBED, DecisionReason.BOUNCED, DecisionReason.APPLIED, DecisionReason.HIRED,
         DecisionReason.REPLIED, DecisionReason.CLICKED)
DEFAULT_EXITS = EXITS[:5]
MAX_STEPS = 10
# What a campaign is defined by besides its name, channel and category (kept together: store/campaigns.py)
DEFINITION = ("audience", "steps", "send_at", "enrollment", "exit_on", "sender", "send_window", "kind",
              "recipients", "skipped", "reason", "permission_months")
CAP_WINDOW = timedelta(days=7)
# Stages that count as having applied (`exit_on: applied`).
APPLIED_OR_LATER = (Stage.APPLIED, Stage.INTERVIEWING, Stage.OFFER, Stage.HIRED)

# status -> the actions allowed from it
TRANSITIONS: dict[str, set[CampaignAction]] = {
    CampaignStatus.DRAFT: {CampaignAction.SCHEDULE, CampaignAction.CANCEL},
    CampaignStatus.SCHEDULED: {CampaignAction.PAUSE, CampaignAction.CANCEL},
    CampaignStatus.SENDING: {CampaignAction.PAUSE, CampaignAction.CANCEL},
    CampaignStatus.PAUSED: {CampaignAction.RESUME, CampaignAction.CANCEL},
    CampaignStatus.SENT: set(),
    CampaignStatus.CANCELLED: set(),
}

# ---------------------------------------------------------------- the campaign body

NAME_PROBLEM = "required text of at most 200 characters, without control characters"
STEP_PROBLEM = "an object with template_id, delay and condition"
KIND_PROBLEM = "campaign or permission_request (one-to-one outreach: POST /outreach)"
PERMISSION_PROBLEM = "a permission request is one email: channel email and a single step"
EXIT_PROBLEM = "a list of: " + ", ".join(EXITS)


class Step(Body):
    template_id: str = Field(description="a template id")
    delay: str = Field("P0D", description="a duration must be text such as P3D or PT2H")
    condition: Annotated[StepCondition, CHOICE] = Field(StepCondition.ALWAYS,
                                                     description="one of " + ", ".join(StepCondition))
    # a subject test (subject_tests.py): these subjects replace the template's, one per recipient
    subjects: Annotated[list[str] | None, BeforeValidator(lambda v: None if v is None else checked_subjects(v))] = \
        Field(None, description=SUBJECTS_PROBLEM)
    winner: Winner | None = Field(None, description="an object with metric, test_share and after")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(STEP_PROBLEM)
        return value

    @model_validator(mode="after")
    def _winner_needs_subjects(self) -> "Step":
        if self.winner is not None and not self.subjects:
            raise ValueError("a winner picks among subjects: give the step two to four subjects")
        return self

    @field_validator("template_id")
    @classmethod
    def _template_id(cls, value: str) -> str:
        if not is_id(value, "tmpl"):
            raise described()
        return value

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: str) -> str:
        parse_duration(value)  # its ValueError says what is wrong (too long, not ISO 8601)
        return value  # kept as written


_pool_ids = ids_of("pool")


def _excluded_pools(value: Any) -> list[str]:
    return [] if value is None else _pool_ids(value)  # null: none, as always


class Audience(Body):
    pools: Annotated[list[str], BeforeValidator(ids_of("pool", required=True))] = Field(
        description="a non-empty list of pool ids")
    exclude_pools: Annotated[list[str], BeforeValidator(_excluded_pools)] = Field(
        default_factory=list, description="a list of pool ids")


def _exits(value: Any) -> list[DecisionReason]:
    """exit_on as a whole, each once: one problem for the list."""
    if not isinstance(value, list) or not all(isinstance(e, str) and e in EXITS for e in value):
        raise described()
    return [DecisionReason(e) for e in dict.fromkeys(value)]


SENDER_PROBLEM = "an object with user_id (a team member), or with name and email"


class Sender(Body):
    """Who a campaign's emails come from: a team member, or a name and an address (a verified SES identity:
    the service checks it when the campaign is scheduled)."""
    user_id: str | None = Field(None, description="a team member's id (user_...)")
    name: str | None = Field(None, max_length=100, description="one line of at most 100 characters")
    email: Annotated[str | None, BeforeValidator(lambda v: v if v is None else problem_of(normalize_email)(v))] = \
        Field(None, description="an email address")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(SENDER_PROBLEM)
        return value

    @field_validator("user_id")
    @classmethod
    def _user(cls, value: str | None) -> str | None:
        if value is not None and not is_id(value, "user"):
            raise ValueError("a team member's id (user_...)")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or unsafe_reason(value, single_line=True)
                                  or any(ch in value for ch in '"<>')):
            raise ValueError("one line of at most 100 characters, without quotes or angle brackets")
        return None if value is None else " ".join(value.split())

    @model_validator(mode="after")
    def _one_kind(self) -> "Sender":
        if (self.user_id is None) == (self.email is None) or (self.user_id is not None and self.name is not None):
            raise ValueError(SENDER_PROBLEM)
        return self

    def stored(self) -> dict:
        return self.model_dump(exclude_none=True)


class CampaignBody(Body):
    """The contract's campaign. Template and pool ids are checked by the service (they must exist)."""
    name: str = Field(max_length=200, description=NAME_PROBLEM)
    channel: Annotated[Channel, CHOICE] = Field(Channel.EMAIL, description="email or sms")
    category: Annotated[Category, CHOICE] = Field(description=CATEGORY_PROBLEM)
    audience: Audience = Field(description="an object with pools and optionally exclude_pools")
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS, description=f"a list of 1 to {MAX_STEPS} steps")
    # years 1900..2200 (parse_iso): the scheduler's arithmetic stays in range
    send_at: str | None = Field(None, description="an ISO 8601 time such as 2026-12-01T09:00:00Z")
    enrollment: Annotated[EnrollmentMode, CHOICE] = Field(EnrollmentMode.ONCE, description="once or continuous")
    exit_on: Annotated[list[DecisionReason], BeforeValidator(_exits)] = Field(
        default_factory=lambda: list(DEFAULT_EXITS), description=EXIT_PROBLEM)
    sender: Sender | None = Field(None, description=SENDER_PROBLEM)
    send_window: SendWindow | None = Field(None, description="an object with start, end, days and timezone")
    kind: Annotated[CampaignKind, CHOICE] = Field(CampaignKind.CAMPAIGN, description=KIND_PROBLEM)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: CampaignKind) -> CampaignKind:
        if value == CampaignKind.OUTREACH:  # its steps are text and its people a list: POST /outreach makes it
            raise ValueError(KIND_PROBLEM)
        return value

    @model_validator(mode="after")
    def _permission_request(self) -> "CampaignBody":
        if permission_problem({"kind": self.kind, "channel": self.channel, "steps": self.steps}):
            raise ValueError(PERMISSION_PROBLEM)
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip() or unsafe_reason(value):
            raise described()
        return " ".join(value.split())

    @field_validator("send_at")
    @classmethod
    def _send_at(cls, value: str | None) -> str | None:
        try:
            return None if value is None else iso(parse_iso(value))
        except ValueError:
            raise described() from None

    @field_validator("steps", mode="wrap")
    @classmethod
    def _first_step_always(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """The first step has no previous step to have opened or clicked: told with the steps' other problems."""
        first = value[0] if isinstance(value, list) and value and isinstance(value[0], dict) else {}
        wrong = first.get("condition") in (StepCondition.NOT_OPENED, StepCondition.NOT_CLICKED)
        problems: dict[tuple[str | int, ...], str] = {
            (0, "condition"): "the first step has no previous step: use always"} if wrong else {}
        return with_problems(value, handler, problems)


def validate_campaign(body: object) -> dict:
    """The contract's campaign body, normalized. Template and pool ids are checked by the service."""
    return _definition(parse_as(CampaignBody, body, "invalid campaign"))


def _definition(campaign: CampaignBody) -> dict:
    audience = campaign.audience
    return {
        "name": campaign.name, "channel": campaign.channel, "category": campaign.category,
        "audience": {"pools": audience.pools, "exclude_pools": audience.exclude_pools} if audience else None,
        "steps": [step.model_dump(exclude_none=True) for step in campaign.steps] if campaign.steps is not None else None,
        "send_at": campaign.send_at, "enrollment": campaign.enrollment, "exit_on": campaign.exit_on,
        "sender": campaign.sender.stored() if campaign.sender else None,
        "send_window": campaign.send_window.stored() if campaign.send_window else None,
        "kind": campaign.kind,
    }


class CampaignPatch(CampaignBody):
    """A draft's change (PATCH /campaigns/{id}, the workspace's wizard): any of the campaign's fields, each
    checked as when a campaign is made; only the fields sent change. A draft being written may have no step
    yet: `incomplete` says what it lacks before it is scheduled."""
    name: str = Field(ABSENT, max_length=200, description=NAME_PROBLEM)
    category: Annotated[Category, CHOICE] = Field(ABSENT, description=CATEGORY_PROBLEM)
    audience: Audience = Field(ABSENT, description="an object with pools and optionally exclude_pools")
    steps: list[Step] = Field(ABSENT, max_length=MAX_STEPS, description=f"a list of at most {MAX_STEPS} steps")


def validate_campaign_patch(body: object) -> dict:
    """The fields a draft's change sends, normalized as validate_campaign's."""
    patch = parse_as(CampaignPatch, body, "invalid campaign")
    definition = _definition(patch)
    return {name: definition[name] for name in patch.model_fields_set}


def incomplete(campaign: dict) -> dict[str, str]:
    """What a draft lacks before it may be scheduled (a draft started in the workspace gets its parts in turn)."""
    missing = {}
    if not campaign.get("name"):
        missing["name"] = NAME_PROBLEM
    if not (campaign.get("audience") or {}).get("pools") and not campaign.get("recipients"):
        missing["audience.pools"] = "choose at least one pool"
    if not campaign.get("steps"):
        missing["steps"] = "add at least one step"
    if not campaign.get("category"):
        missing["category"] = "choose a category"
    if permission_problem(campaign):  # a draft's parts may have come in several changes: checked as a whole
        missing["channel" if campaign.get("channel") not in (None, Channel.EMAIL) else "steps"] = PERMISSION_PROBLEM
    return missing


def permission_problem(campaign: dict) -> bool:
    """A permission request that is not one email: another channel, or more than one step (no step yet is a
    draft's business: `incomplete`)."""
    if kind_of(campaign) != CampaignKind.PERMISSION_REQUEST:
        return False
    steps = campaign.get("steps")
    return (campaign.get("channel") or Channel.EMAIL) != Channel.EMAIL or (steps is not None and len(steps) > 1)


def kind_of(campaign: dict) -> CampaignKind:
    """The campaign's kind (campaigns made before kinds existed are campaigns)."""
    return CampaignKind(campaign.get("kind") or CampaignKind.CAMPAIGN)


def without_consent_refused() -> Conflict:
    """CRM_OUTREACH_WITHOUT_CONSENT=off: no permission request or outreach is made or scheduled."""
    return Conflict("writing to people without marketing consent is turned off (CRM_OUTREACH_WITHOUT_CONSENT=off)",
                    {"kind": "permission requests and one-to-one outreach are turned off"},
                    code="outreach_without_consent_off")


def claim_statuses(campaign: dict) -> tuple[CandidateStatus, ...]:
    """The statuses a person may have when a send of this campaign is claimed (the claim's condition): marketing
    needs consent; a permission request is for people without it; outreach writes to either."""
    kind = kind_of(campaign)
    if kind == CampaignKind.PERMISSION_REQUEST:
        return (CandidateStatus.NOT_SUBSCRIBED,)
    if kind == CampaignKind.OUTREACH:
        return (CandidateStatus.SUBSCRIBED, CandidateStatus.NOT_SUBSCRIBED)
    return (CandidateStatus.SUBSCRIBED,)


# ---------------------------------------------------------------- a time as a recruiter picks it

MIN_SEND_YEAR, MAX_SEND_YEAR = 2000, 2200


def send_time(local: str, zone: str, now: datetime) -> str:
    """`local` (a datetime-local field: 2026-05-04T09:30) in the IANA time zone `zone`, as the UTC time a
    campaign's send_at holds. ValidationError names the field: send_at (missing, unreadable, past) or timezone."""
    from zoneinfo import ZoneInfo, available_timezones

    if zone not in available_timezones():
        raise ValidationError.field("timezone", "choose a time zone from the list")
    try:
        moment = datetime.fromisoformat(local.strip())
    except ValueError:
        raise ValidationError.field("send_at", "a date and time, such as 2026-05-04 09:30") from None
    if moment.tzinfo is not None or not MIN_SEND_YEAR <= moment.year <= MAX_SEND_YEAR:
        raise ValidationError.field("send_at", "a date and time, such as 2026-05-04 09:30")
    at = moment.replace(tzinfo=ZoneInfo(zone))
    if at <= now:
        raise ValidationError.field("send_at", "that time has passed: choose a later one, or Now")
    return iso(at)


# ---------------------------------------------------------------- step delays as people write them

_DELAY = re.compile(r"^(\d{1,5})\s*(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w)$")
_DELAY_UNITS = {"m": ("PT", "M"), "h": ("PT", "H"), "d": ("P", "D"), "w": ("P", "W")}
_ISO = re.compile(r"^P[0-9YMWDTHS]+$")
NO_DELAY = ("", "0", "none", "now", "immediately", "no delay")
DELAY_PROBLEM = "a delay such as 3 days, 12 hours or 1 week (or ISO 8601: P3D, PT12H)"


def read_delay(text: str) -> str:
    """A step's delay as a recruiter writes it ("3 days", "12 hours", "1 week", "0") or as ISO 8601 ("P3D"),
    in ISO 8601. ValueError says what it takes."""
    words = " ".join(text.lower().split())
    if words in NO_DELAY:
        return "P0D"
    match = _DELAY.match(words)
    if match:
        start, end = _DELAY_UNITS[match.group(2)[0]]
        written = f"{start}{int(match.group(1))}{end}"
    else:
        written = text.strip().upper()
    try:
        parse_duration(written)
    except ValueError as exc:  # an ISO 8601 duration's own problem (too long), else what a delay may be
        raise ValueError(str(exc) if written.startswith("P") and match is None and _ISO.match(written)
                         else DELAY_PROBLEM) from None
    return written


def delay_words(duration: str) -> str:
    """An ISO 8601 delay in words: "no delay", "3 days", "1 week", "2 days 4 hours", "1 month"."""
    try:
        parsed = parse_duration(duration)
    except ValueError:
        return duration
    parts = []
    years, months = divmod(parsed.months, 12)
    weeks, days = divmod(parsed.delta.days, 7) if parsed.delta.days % 7 == 0 else (0, parsed.delta.days)
    hours, rest = divmod(parsed.delta.seconds, 3600)
    for amount, unit in ((years, "year"), (months, "month"), (weeks, "week"), (days, "day"), (hours, "hour"),
                         (rest // 60, "minute"), (rest % 60, "second")):
        if amount:
            parts.append(f"{amount} {unit}{'' if amount == 1 else 's'}")
    return " ".join(parts) or "no delay"


class CampaignTestBody(Body):
    """POST /campaigns/{id}/test: who gets the test, and which step (the service knows how many there are)."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (CONTRACT: additionalProperties)
    email: Annotated[str, BeforeValidator(problem_of(normalize_email))] = Field(description="required")
    step: int = Field(0, ge=0, lt=MAX_STEPS, description="a step number from 0 to the campaign's last step")


def check_transition(status: str, action: CampaignAction) -> None:
    if action not in TRANSITIONS.get(status, set()):
        raise Conflict(f"a {status} campaign cannot {action}", {"status": status}, code="invalid_state")


# ---------------------------------------------------------------- who gets a step

@dataclass(frozen=True)
class Decision:
    action: DecisionAction
    reason: DecisionReason | None = None
    until: str | None = None  # defer: when the person may get it


def recent(times: list[str] | None, now: datetime, window: timedelta = CAP_WINDOW) -> list[str]:
    cutoff = iso(now - window)
    return sorted(t for t in (times or []) if t >= cutoff)


def _exit_or_skip(exits: bool, reason: DecisionReason) -> Decision:
    return Decision(DecisionAction.EXIT if exits else DecisionAction.SKIP, reason)


def decide(*, candidate: dict | None, campaign: dict, step_index: int, now: datetime, cap: int,
           previous_send: dict | None = None, clicked_campaign: bool = False, replied_campaign: bool = False,
           sequence: bool = False) -> Decision:
    """Whether this person gets this step now. The caller re-checks nothing: this is the rule.

    For SMS `cap` is the SMS cap; the person also needs SMS consent and a usable number, and is
    never texted in their local night (the step waits for their morning). Outside the campaign's send window
    (send_window.py) the step waits for its next opening in the person's time.
    """
    if candidate is None:
        return Decision(DecisionAction.EXIT, DecisionReason.ERASED)
    if kind_of(campaign) != CampaignKind.CAMPAIGN:
        return _decide_without_consent(candidate, campaign, now, clicked_campaign, replied_campaign)
    exit_on = set(campaign["exit_on"])
    status = candidate.get("status")
    if status == CandidateStatus.UNSUBSCRIBED:
        return _exit_or_skip(DecisionReason.UNSUBSCRIBED in exit_on, DecisionReason.UNSUBSCRIBED)
    if status == CandidateStatus.BOUNCED:
        return _exit_or_skip(DecisionReason.BOUNCED in exit_on, DecisionReason.BOUNCED)
    if status == CandidateStatus.COMPLAINED:  # whatever exit_on says
        return Decision(DecisionAction.EXIT, DecisionReason.COMPLAINED)
    stage = candidate.get("stage")
    if stage == Stage.HIRED and DecisionReason.HIRED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.HIRED)
    if stage in APPLIED_OR_LATER and DecisionReason.APPLIED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.APPLIED)
    if clicked_campaign and DecisionReason.CLICKED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.CLICKED)
    if replied_campaign and DecisionReason.REPLIED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.REPLIED)
    if status != CandidateStatus.SUBSCRIBED:
        return Decision(DecisionAction.SKIP, DecisionReason.NOT_SUBSCRIBED)
    consent = candidate.get("consent") or {}
    if consent.get("marketing") is not True:
        return Decision(DecisionAction.SKIP, DecisionReason.NO_CONSENT)
    blocked = blocks(candidate, campaign, now)  # their own choices: a pause, a channel, a topic, a monthly cap
    if blocked is not None:
        until = blocked_until(candidate, blocked, now) if sequence else None
        return Decision(DecisionAction.DEFER, blocked, until) if until else Decision(DecisionAction.SKIP, blocked)

    step = campaign["steps"][step_index]
    condition = step.get("condition", StepCondition.ALWAYS)
    if condition == StepCondition.NOT_OPENED and previous_send and previous_send.get("opened_at"):
        return Decision(DecisionAction.SKIP, DecisionReason.OPENED_PREVIOUS_STEP)
    if condition == StepCondition.NOT_CLICKED and previous_send and previous_send.get("clicked_at"):
        return Decision(DecisionAction.SKIP, DecisionReason.CLICKED_PREVIOUS_STEP)

    sms = campaign.get("channel") == Channel.SMS
    if sms:
        from .quiet_hours import sms_eligibility

        verdict, detail = sms_eligibility(candidate, now)  # detail: the reason to skip, the moment to defer to
        if verdict == DecisionAction.SKIP and isinstance(detail, DecisionReason):
            return Decision(DecisionAction.SKIP, detail)
        if verdict == DecisionAction.DEFER and isinstance(detail, datetime):
            return Decision(DecisionAction.DEFER, DecisionReason.QUIET_HOURS, iso(detail))
    sent = recent(candidate.get("sms_sends" if sms else "marketing_sends"), now)
    if len(sent) >= cap:
        if sequence:
            # the moment the oldest send in the window leaves it
            frees = parse_iso(sent[len(sent) - cap]) + CAP_WINDOW
            return Decision(DecisionAction.DEFER, DecisionReason.FREQUENCY_CAP, iso(frees))
        return Decision(DecisionAction.SKIP, DecisionReason.FREQUENCY_CAP)
    window = campaign.get("send_window")
    if window:
        opening = next_opening(window, zone_for(window, candidate), now)
        if opening > now:
            return Decision(DecisionAction.DEFER, DecisionReason.OUTSIDE_SEND_WINDOW, iso(opening))
    return Decision(DecisionAction.SEND)


def _decide_without_consent(candidate: dict, campaign: dict, now: datetime, clicked: bool, replied: bool) -> Decision:
    """A permission request or one-to-one outreach: people with or without marketing consent, never anyone
    who opted out, objected, bounced or complained (whatever exit_on says: they leave a sequence for good).
    No marketing frequency cap: outreach has its own rules when it is asked for (services/outreach.py)."""
    if (campaign.get("channel") or Channel.EMAIL) != Channel.EMAIL:  # never texted without consent (PATCHed drafts)
        return Decision(DecisionAction.SKIP, DecisionReason.NO_SMS_CONSENT)
    status = candidate.get("status")
    preferences = candidate.get("preferences") or {}
    if objected(candidate):
        return Decision(DecisionAction.EXIT, DecisionReason.OBJECTED)
    if status in (CandidateStatus.BOUNCED, CandidateStatus.COMPLAINED):
        return Decision(DecisionAction.EXIT, DecisionReason(status))
    if status == CandidateStatus.UNSUBSCRIBED or preferences.get("unsubscribed_all"):
        return Decision(DecisionAction.EXIT, DecisionReason.UNSUBSCRIBED)
    exit_on = set(campaign["exit_on"])
    stage = candidate.get("stage")
    if stage == Stage.HIRED and DecisionReason.HIRED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.HIRED)
    if stage in APPLIED_OR_LATER and DecisionReason.APPLIED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.APPLIED)
    if clicked and DecisionReason.CLICKED in exit_on:
        return Decision(DecisionAction.EXIT, DecisionReason.CLICKED)
    # an outreach stops on a reply whatever its exit_on (one stored before that was enforced may lack it)
    if replied and (DecisionReason.REPLIED in exit_on or kind_of(campaign) == CampaignKind.OUTREACH):
        return Decision(DecisionAction.EXIT, DecisionReason.REPLIED)
    own = own_choice_refusal(candidate, now)
    if own is not None:
        return Decision(DecisionAction.SKIP, own)
    if kind_of(campaign) == CampaignKind.PERMISSION_REQUEST:
        if status == CandidateStatus.SUBSCRIBED:
            return Decision(DecisionAction.SKIP, DecisionReason.HAS_CONSENT)
        if status != CandidateStatus.NOT_SUBSCRIBED:  # pending: their own sign-up awaits its confirmation
            return Decision(DecisionAction.SKIP, DecisionReason.NOT_SUBSCRIBED)
        if asked_recently(candidate, campaign, now):
            return Decision(DecisionAction.SKIP, DecisionReason.ASKED_RECENTLY)
    elif status not in claim_statuses(campaign):
        return Decision(DecisionAction.SKIP, DecisionReason.NOT_SUBSCRIBED)
    window = campaign.get("send_window")
    if window:
        opening = next_opening(window, zone_for(window, candidate), now)
        if opening > now:
            return Decision(DecisionAction.DEFER, DecisionReason.OUTSIDE_SEND_WINDOW, iso(opening))
    return Decision(DecisionAction.SEND)


def own_choice_refusal(person: dict, now: datetime) -> DecisionReason | None:
    """The person's own choices that keep even a permission request or a one-to-one email from them: a pause
    (everything), or email turned off (domain/preferences.py)."""
    if paused_until(person, now):
        return DecisionReason.PAUSED_BY_PERSON
    if Channel.EMAIL in channels_off(person):
        return DecisionReason.CHANNEL_OPT_OUT
    return None


DEFAULT_PERMISSION_MONTHS = 12


def asked_recently(candidate: dict, campaign: dict | None, now: datetime, months: int | None = None) -> bool:
    """Whether the person got a permission request within the campaign's months (CRM_PERMISSION_REQUEST_MONTHS
    when it was made), other than this campaign's own (a redelivered message: its claim says it went)."""
    last, by = last_request(candidate)
    if not last or (campaign is not None and by == campaign["id"]):
        return False
    months = months or int((campaign or {}).get("permission_months") or DEFAULT_PERMISSION_MONTHS)
    return last > iso(months_before(now, months))


def months_before(moment: datetime, months: int) -> datetime:
    """The same day `months` calendar months earlier (the last day of a shorter month)."""
    import calendar

    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# Reasons a person waits for a step, and gets it later: reachable, as far as a review counts
WAITING = (DecisionReason.QUIET_HOURS, DecisionReason.OUTSIDE_SEND_WINDOW, DecisionReason.AWAITING_SUBJECT_WINNER)


def reachable(decision: Decision) -> DecisionReason | None:
    """A campaign's review of its audience, read off the sender's decision for the first step: None when the
    person gets it (now, or a text at their morning), else why not. Over the cap, a sequence's person waits
    for the cap to allow it: not reachable now, for that reason."""
    if decision.action == DecisionAction.SEND or decision.reason in WAITING:
        return None
    return decision.reason or DecisionReason.NOT_SUBSCRIBED


def next_step_due(campaign: dict, step_index: int, after: datetime) -> tuple[int, str] | None:
    """(next step index, when) after step `step_index` went out (or was skipped); None: finished."""
    following = step_index + 1
    if following >= len(campaign["steps"]):
        return None
    try:
        return following, iso(parse_duration(campaign["steps"][following]["delay"]).after(after))
    except ValueError:  # a delay stored before durations were bounded (over 100 years): that step never comes
        return None


def with_send(times: list[str] | None, now: datetime) -> list[str]:
    """The cap list after one more send now (older entries dropped; kept 30 days for a person's own monthly cap)."""
    return recent(times, now, MONTH_WINDOW) + [iso(now)]
