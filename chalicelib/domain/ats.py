"""ATS webhooks: the signature scheme and what each event says."""
from __future__ import annotations

import hashlib
import hmac
import re

from .candidates import STAGES
from .clock import iso, parse_iso
from .errors import Unauthorized, ValidationError
from .jsonbody import check as check_json, loads as strict_json
from .text import unsafe_reason

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


# Fields of `data` the CRM keys, links or stores as they come: ids, text of one line.
_ID_FIELDS = ("job_id", "offer_id")
_TEXT_FIELDS = ("email", "stage")


def parse_event(data: object) -> dict:
    """The event, every field the service reads well typed; raises ValidationError (400) otherwise.

    `data` is the raw body (parsed here with the strict JSON reader) or a value already parsed, which
    is held to the same rules (no lone surrogates, bounded numbers and depth).
    """
    data = strict_json(data) if isinstance(data, (bytes, bytearray, str)) else check_json(data)
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object", {"body": "must be an object"})
    problems = {}
    event_id = data.get("id")
    if not _is_id(event_id):
        problems["id"] = "required: the event's unique id (text or a whole number, at most 200 characters)"
    kind = data.get("type")
    if not isinstance(kind, str) or not kind or len(kind) > 100:
        problems["type"] = "required"
    occurred = data.get("occurred_at")
    try:
        occurred = iso(parse_iso(occurred))
    except ValueError:
        problems["occurred_at"] = "an ISO 8601 time in the years 1900 to 2200"
    payload = data.get("data")
    if isinstance(payload, dict):
        problems.update(_payload_problems(payload))
    else:
        problems["data"] = "an object"
        payload = {}  # never read: the problem is raised below
    if problems:
        raise ValidationError("invalid ATS event: " + ", ".join(sorted(problems)), problems)
    if kind in TYPES and kind not in ("job.opened", "job.filled") and not payload.get("email"):
        raise ValidationError.field("data.email", "required: the candidate's email")
    if kind == "candidate.stage_changed" and payload.get("stage") not in STAGES:
        raise ValidationError.field("data.stage", "one of " + ", ".join(STAGES))
    if kind in ("job.opened", "job.filled") and not payload.get("job_id"):
        raise ValidationError.field("data.job_id", "required: the ATS's job id")
    # ids as text: ATSs send 42 or "42", and the outcome and job records key them as strings
    ids = {name: str(payload[name]) for name in _ID_FIELDS if payload.get(name) is not None}
    return {"id": str(event_id), "type": kind, "occurred_at": occurred, "data": {**payload, **ids}}


def _is_id(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    text = str(value)
    return bool(text.strip()) and len(text) <= 200 and unsafe_reason(text, single_line=True) is None


def _payload_problems(payload: dict) -> dict[str, str]:
    problems = {}
    for name in _ID_FIELDS:
        if payload.get(name) is not None and not _is_id(payload[name]):
            problems[f"data.{name}"] = "an id: text or a whole number, at most 200 characters"
    for name in _TEXT_FIELDS:
        value = payload.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > 320
                                  or unsafe_reason(value, single_line=True)):
            problems[f"data.{name}"] = "text of one line"
    return problems


# How far along the hiring path each stage is: an event never moves a person backwards,
# except a rejection, which always applies.
STAGE_ORDER = {None: 0, "applied": 1, "interviewing": 2, "offer": 3, "hired": 4}


def next_stage(current: str | None, incoming: str) -> str:
    if current is None or incoming == "rejected" or current == "rejected":  # no stage yet: any is a step forward
        return incoming
    return incoming if STAGE_ORDER.get(incoming, 0) >= STAGE_ORDER.get(current, 0) else current
