"""ATS webhooks: the signature scheme and what each event says."""
from __future__ import annotations

import hashlib
import hmac
import re
from typing import Annotated

from pydantic import AfterValidator, ConfigDict, Field, PlainValidator, StringConstraints, model_validator

from .bodies import Body, described, parse_as
from .body_fields import nested
from .clock import iso, parse_iso
from .errors import Unauthorized, ValidationError
from .jsonbody import check as check_json, loads as strict_json
from .text import unsafe_reason
from .vocabulary import Stage

TOLERANCE_SECONDS = 300
TYPES = ("job.opened", "job.filled", "application.created", "candidate.stage_changed", "offer.created",
         "offer.accepted", "offer.declined", "candidate.hired")
_HEADER = re.compile(r"^t=(\d{1,12}),v1=([0-9a-fA-F]{64})$")


def signature(secret: str, timestamp: int, raw: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()


def verify_signature(header: str | None, raw: bytes, secret: str, now: float) -> None:
    """`X-CRM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, 5 minutes either way."""
    match = _HEADER.match((header or "").replace(" ", ""))
    if not match or not secret:
        raise Unauthorized("missing or malformed X-CRM-Signature", code="bad_signature")
    timestamp = int(match.group(1))
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise Unauthorized("signature timestamp outside the 5 minute tolerance", code="bad_signature")
    if not hmac.compare_digest(signature(secret, timestamp, raw), match.group(2).lower()):
        raise Unauthorized("signature does not match", code="bad_signature")


JOB_TYPES = ("job.opened", "job.filled")


def _is_id(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    text = str(value)
    return bool(text.strip()) and len(text) <= 200 and unsafe_reason(text, single_line=True) is None


def _as_id(value: object) -> str:
    """Ids as text: ATSs send 42 or "42", and the outcome and job records key them as strings."""
    if not _is_id(value):
        raise described()
    return str(value)


def _one_line(value: str) -> str:
    if unsafe_reason(value, single_line=True):
        raise described()
    return value


def _time(value: str) -> str:
    try:
        return iso(parse_iso(value))
    except ValueError:
        raise described() from None


AtsId = Annotated[str, PlainValidator(_as_id)]
Line = Annotated[str, StringConstraints(max_length=320), AfterValidator(_one_line)]


class AtsData(Body):
    """The event's `data`: what the CRM keys, links or stores as it comes is typed; the rest is handed on."""
    model_config = ConfigDict(extra="allow")  # names, title, skills...: the service reads them through its checks
    email: Line | None = Field(None, description="text of one line")
    stage: Line | None = Field(None, description="text of one line")
    job_id: AtsId | None = Field(None, description="an id: text or a whole number, at most 200 characters")
    offer_id: AtsId | None = Field(None, description="an id: text or a whole number, at most 200 characters")


class AtsEvent(Body):
    """The envelope every ATS event has."""
    model_config = ConfigDict(extra="ignore")  # an ATS adds fields of its own
    id: AtsId = Field(description="required: the event's unique id (text or a whole number, at most 200 characters)")
    type: Annotated[str, StringConstraints(min_length=1, max_length=100)] = Field(description="required")
    occurred_at: Annotated[str, AfterValidator(_time)] = Field(description="an ISO 8601 time in the years 1900 to 2200")
    data: AtsData = Field(description="an object")

    @model_validator(mode="after")
    def _what_the_type_needs(self) -> AtsEvent:
        problems = {}
        if self.type in TYPES and self.type not in JOB_TYPES and not self.data.email:
            problems["data.email"] = "required: the candidate's email"
        if self.type == "candidate.stage_changed" and self.data.stage not in tuple(Stage):
            problems["data.stage"] = "one of " + ", ".join(Stage)
        if self.type in JOB_TYPES and not self.data.job_id:
            problems["data.job_id"] = "required: the ATS's job id"
        if problems:
            raise nested(ValidationError("invalid ATS event", problems))
        return self


def parse_event(data: object) -> dict:
    """The event, every field the service reads well typed; raises ValidationError (400) otherwise.

    `data` is the raw body (parsed here with the strict JSON reader) or a value already parsed, which
    is held to the same rules (no lone surrogates, bounded numbers and depth).
    """
    data = strict_json(data) if isinstance(data, (bytes, bytearray, str)) else check_json(data)
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object", {"body": "must be an object"})
    event = parse_as(AtsEvent, data, "invalid ATS event")
    return {"id": event.id, "type": event.type, "occurred_at": event.occurred_at,
            "data": event.data.model_dump(exclude_unset=True)}


# How far along the hiring path each stage is: an event never moves a person backwards,
# except a rejection, which always applies.
STAGE_ORDER: dict[str | None, int] = {None: 0, Stage.APPLIED: 1, Stage.INTERVIEWING: 2, Stage.OFFER: 3, Stage.HIRED: 4}


def next_stage(current: str | None, incoming: str) -> str:
    if current is None or Stage.REJECTED in (incoming, current):  # no stage yet: any is a step forward
        return incoming
    return incoming if STAGE_ORDER.get(incoming, 0) >= STAGE_ORDER.get(current, 0) else current
