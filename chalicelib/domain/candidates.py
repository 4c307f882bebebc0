"""The candidate profile: which fields exist, how input is validated, and how profiles merge.

A profile is a plain dict. The request bodies that carry one are declared models (SignupProfile, Profile,
NewCandidate, CandidatePatch, Touchpoint, SuppressionLift) whose fields are read by the checks below
(_text, _list, parse_bool, ...), which jobs share. Validation returns only the fields present in the input,
normalized; an empty value means "no value" (ignored by merges, clears a field in a PATCH).
"""
from __future__ import annotations

import re
from typing import Annotated, Callable, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StringConstraints
from pydantic import ValidationInfo, field_validator

from .bodies import CHOICE, Body, described, parse_as
from .body_fields import checked, reading, refused
from .countries import COUNTRY_ALIASES, ISO_COUNTRIES
from .emails import normalize_email
from .errors import ValidationError
from .phones import ImpossiblePhone, profile_phone
from .skills import normalize_list, normalize_skill, normalize_tag, split_list
from .text import is_web_url, unsafe_reason
from .vocabulary import CandidateStatus, Stage

SENIORITIES = ("intern", "junior", "mid", "senior", "lead", "principal", "executive")
# Statuses a recruiter may set by hand; the others come from double opt-in and email events.
RecruiterStatus = Literal[CandidateStatus.NOT_SUBSCRIBED, CandidateStatus.UNSUBSCRIBED]
RECRUITER_STATUSES: tuple[CandidateStatus, ...] = get_args(RecruiterStatus)
TouchpointChannel = Literal["linkedin", "phone", "meeting", "note", "email", "event"]
TOUCHPOINT_CHANNELS: tuple[str, ...] = get_args(TouchpointChannel)

LIST_FIELDS = ("skills", "roles", "tags")
# Everything the API shows of a candidate, in this order.
PUBLIC_FIELDS = (
    "id", "email", "first_name", "last_name", "phone", "city", "country", "timezone", "remote_ok", "skills",
    "roles", "tags", "linkedin_url", "portfolio_url", "seniority", "source", "status", "stage", "furthest_stage",
    "sms_consent", "utm", "consent", "preferences", "engagement_score", "last_contacted_at",
    "last_engaged_at", "confirmed_at", "created_at", "updated_at",
)
EMAIL_FIXED = "cannot be changed; erase the person and add the new address"

_TRUE = {"true", "1", "yes", "y", "on"}
_FALSE = {"false", "0", "no", "n", "off", ""}
_PHONE = re.compile(r"^\+?[0-9 ().\-]{6,25}$")
_MAX_TEXT = 200
_MAX_LIST = 100


def parse_bool(value: object, field: str) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    raise ValidationError.field(field, "must be true or false")


def _text(value: object, field: str, limit: int = _MAX_TEXT) -> str | None:
    """One line of text: whitespace (tabs, line breaks) collapsed to single spaces; other controls refused.
    Numbers are taken as their text (a phone number or a postcode sent as a JSON number)."""
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValidationError.field(field, "must be text")
    raw = str(value)
    if len(raw) > 4 * limit:  # before the work of splitting a megabyte
        raise ValidationError.field(field, f"at most {limit} characters")
    if problem := unsafe_reason(raw):
        raise ValidationError.field(field, problem)
    text = " ".join(raw.split())
    if len(text) > limit:
        raise ValidationError.field(field, f"at most {limit} characters")
    return text or None


def _key(value: object, field: str) -> str | None:
    """A choice as people type it ("Not subscribed", "Senior"): one line, lower case, spaces as underscores."""
    text = _text(value, field)
    return text.lower().replace(" ", "_") if text else None


def _choices(allowed: tuple[str, ...]) -> str:
    return "must be one of " + ", ".join(allowed)


def _one_of(value: object, field: str, allowed: tuple[str, ...]) -> str | None:
    key = _key(value, field)
    if key is not None and key not in allowed:
        raise ValidationError.field(field, _choices(allowed))
    return key


def _url(value: object, field: str) -> str | None:
    text = _text(value, field, 500)
    if text is None:
        return None
    if not re.match(r"^https?://", text, re.I) and re.match(r"^[^\s/:]+\.[a-z]{2,}(/\S*)?$", text, re.I):
        text = "https://" + text  # "linkedin.com/in/x" as typed into a form
    if not is_web_url(text, 500):  # no whitespace, CR/LF or quotes: these links go into emails and pages
        raise ValidationError.field(field, "must be an http(s) URL")
    return text


def _list(value: object, field: str, normalizer: Callable[[str], str]) -> list[str]:
    if value is not None and not isinstance(value, (str, list, tuple)):
        raise ValidationError.field(field, "must be a list or comma-separated text")
    raw = list(value) if isinstance(value, (list, tuple)) else [value]
    if any(isinstance(item, (bool, dict, list)) for item in raw):
        raise ValidationError.field(field, "each item must be text")
    if any(isinstance(item, str) and unsafe_reason(item) for item in raw):  # before split_list strips them
        raise ValidationError.field(field, "items must not contain control characters")
    items = split_list(value)
    if any(len(item) > 100 for item in items):
        raise ValidationError.field(field, "each item at most 100 characters")
    result = normalize_list(items, normalizer)
    if len(result) > _MAX_LIST:
        raise ValidationError.field(field, f"at most {_MAX_LIST} items")
    return result


def _phone(value: object, country: object) -> str | None:
    """E.164 for a valid number (read with the person's country when it has no "+"), else as typed;
    an impossible number (no such calling code, too short or long for its country) is refused."""
    text = _text(value, "phone", 30)
    if text is None:
        return None
    if not _PHONE.match(text):
        raise ValidationError.field("phone", "must be a phone number")
    try:
        return profile_phone(text, country)
    except ImpossiblePhone as exc:
        raise ValidationError.field("phone", str(exc)) from None


def _country(value: object, field: str) -> str | None:
    text = _text(value, field)
    code = COUNTRY_ALIASES.get(text.upper(), text.upper()) if text else None
    if code and code not in ISO_COUNTRIES:
        raise ValidationError.field(field, "must be an ISO 3166 alpha-2 code such as GB")
    return code


def _zone(value: object, field: str) -> str | None:
    """An IANA time zone name (the one the send window reads first), as the tz database spells it."""
    from .send_window import known_zone

    text = _text(value, field)
    if text and not known_zone(text):
        raise ValidationError.field(field, "a time zone name such as Europe/Berlin")
    return text


def parse_time(value: object, field: str) -> str | None:
    from .clock import MAX_YEAR, MIN_YEAR, iso, parse_iso

    text = _text(value, field)
    if text is None:
        return None
    try:
        return iso(parse_iso(text))
    except ValueError:  # not ISO 8601, or outside the years parse_iso accepts
        problem = f"must be an ISO 8601 date or time in the years {MIN_YEAR} to {MAX_YEAR}"
    raise ValidationError.field(field, problem)


def _written(text: str) -> str:
    """Text a recruiter wrote: line breaks kept; other control characters and lone surrogates refused."""
    if problem := unsafe_reason(text):
        raise ValueError(problem)
    return text


def _reason(text: str) -> str:
    """One line on the record: whitespace collapsed (as a profile's text), other controls refused."""
    if not _written(text).strip():
        raise described()
    return " ".join(text.split())


# Profile fields: what each takes is what its check takes (a form or a CSV cell sends text).
Text = Annotated[str | None, checked(_text)]
Choice = Annotated[str | None, checked(_key)]
Country = Annotated[str | None, checked(_country)]
Flag = Annotated[bool | None, checked(parse_bool)]
Zone = Annotated[str | None, checked(_zone)]
Url = Annotated[str | None, checked(_url)]
Skills = Annotated[list[str], checked(lambda value, field: _list(value, field, normalize_skill))]
Tags = Annotated[list[str], checked(lambda value, field: _list(value, field, normalize_tag))]
Seniority = Annotated[str | None, checked(lambda value, field: _one_of(value, field, SENIORITIES))]
Time = Annotated[str | None, checked(parse_time)]
Email = Annotated[str, checked(normalize_email)]
# Stage and status: typed as they are spelled ("Interviewing", "not subscribed"), then held to the vocabulary.
StageField = Annotated[Annotated[Stage, CHOICE] | None, BeforeValidator(reading(_key))]
StatusField = Annotated[RecruiterStatus | None, BeforeValidator(reading(_key))]


class SignupProfile(Body):
    """The profile fields a person may give on the careers form; every profile has them."""
    first_name: Text = None
    last_name: Text = None
    city: Text = None
    country: Country = None  # before phone: a national number is read in it
    phone: str | None = Field(None, description="a phone number, national (read in the person's country) or +")
    remote_ok: Flag = None
    skills: Skills = Field(default_factory=list, description="a list or comma-separated text; aliases apply")
    roles: Tags = Field(default_factory=list)
    tags: Tags = Field(default_factory=list)
    linkedin_url: Url = None
    portfolio_url: Url = None
    sms_consent: Flag = None

    @field_validator("phone", mode="plain")
    @classmethod
    def _read_phone(cls, value: object, info: ValidationInfo) -> str | None:
        # the country sent, else the person's stored one (a PATCH): the phone check's problem text
        country = info.data.get("country") or (info.context or {}).get("known_country")
        return reading(lambda phone, _: _phone(phone, country))(value, info)


class Profile(SignupProfile):
    """Every profile field: what recruiters, imports and the ATS may set."""
    seniority: Seniority = None
    source: Choice = None
    stage: StageField = Field(None, description=_choices(tuple(Stage)))
    status: StatusField = Field(None, description=_choices(RECRUITER_STATUSES))
    last_contacted_at: Time = None
    timezone: Zone = None


class NewCandidate(Profile):
    """A recruiter's upsert body: email plus profile fields."""
    email: Email = Field(description="required")


class CandidatePatch(Profile):
    """A PATCH: the profile fields sent (model_fields_set); null clears one. The address is the person's key."""
    email: Annotated[None, refused(EMAIL_FIXED)] = Field(None, description=EMAIL_FIXED)


class Touchpoint(Body):
    """POST /candidates/{id}/touchpoints."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (openapi: additionalProperties)
    channel: TouchpointChannel = Field(description=_choices(TOUCHPOINT_CHANNELS))
    summary: Annotated[str, StringConstraints(max_length=2000), AfterValidator(_written)] | None = Field(
        None, description="text of at most 2000 characters")
    at: Time = Field(None, description="when it happened; default now")


class SuppressionLift(Body):
    """POST /candidates/{id}/lift-suppression: why, on the record."""
    model_config = ConfigDict(extra="ignore")  # as Touchpoint
    reason: Annotated[str, StringConstraints(max_length=500), AfterValidator(_reason)] = Field(
        description="required: why the suppression may be lifted (at most 500 characters)")


PROFILE_FIELDS = tuple(Profile.model_fields)


def profile_of(model: SignupProfile) -> dict:
    """The profile fields the body sent, normalized, as stored (the vocabulary's members as their text)."""
    return model.model_dump(mode="json", include=set(PROFILE_FIELDS) & model.model_fields_set)


def validate_profile(data: dict, *, known_country: object = None) -> dict:
    """Normalize the profile fields present in `data`. Collects every bad field before raising.

    `known_country`: the person's stored country, to read a national phone number when `data` gives none.
    """
    return profile_of(parse_as(Profile, data, "invalid candidate fields", known_country=known_country))


def validate_new_candidate(data: object) -> tuple[str, dict]:
    """A recruiter's upsert body: email plus profile fields; unknown fields are an error."""
    body = parse_as(NewCandidate, data, "invalid candidate")
    return body.email, profile_of(body)


def validate_patch(data: object, *, known_country: object = None) -> dict:
    if not isinstance(data, dict) or not data:
        raise ValidationError("body must be a JSON object with the fields to change")
    return profile_of(parse_as(CandidatePatch, data, "invalid fields", known_country=known_country))


def validate_touchpoint(data: object) -> Touchpoint:
    return parse_as(Touchpoint, data, "invalid touchpoint")


def lift_reason(data: object) -> str:
    """The reason of a lift; any body without one (none at all, too) is told what to send."""
    return parse_as(SuppressionLift, data if isinstance(data, dict) else {}, "invalid lift").reason


def _empty(value: object) -> bool:
    return value is None or value == [] or value == ""


def _merge(existing: dict, incoming: dict, overwrite: bool) -> dict:
    merged = dict(existing)
    for field, value in incoming.items():
        if _empty(value):
            continue
        if field in LIST_FIELDS:
            merged[field] = normalize_list(list(existing.get(field) or []) + list(value), str)
        elif overwrite or _empty(existing.get(field)):
            merged[field] = value
    return _placed(existing, merged)


def _placed(before: dict, after: dict) -> dict:
    """A phone kept as typed (national digits, no country to read them with) is placed, in E.164, once the person's
    country is known: the number texts go to and STOP replies come from is then the one stored."""
    phone, country = after.get("phone"), after.get("country")
    if not isinstance(phone, str) or phone.startswith("+") or not country or country == before.get("country"):
        return after
    try:
        return dict(after, phone=profile_phone(phone, country))
    except ImpossiblePhone:
        return after  # not a number of that country: kept as typed, as before


def merge_fill(existing: dict, incoming: dict) -> dict:
    """Fill blanks only and add list items: used before the person has proved the address is theirs."""
    return _merge(existing, incoming, overwrite=False)


def merge_update(existing: dict, incoming: dict) -> dict:
    """New values win, lists are united, nothing is blanked: recruiter upserts, imports, confirmations."""
    return _merge(existing, incoming, overwrite=True)


def apply_patch(existing: dict, patch: dict) -> dict:
    """Exactly what the recruiter sent: null clears a field, a list replaces the list."""
    merged = dict(existing)
    for field, value in patch.items():
        merged[field] = [] if field in LIST_FIELDS and value is None else value
    return _placed(existing, merged)


def changed_fields(before: dict, after: dict) -> list[str]:
    return sorted(
        field for field in set(before) | set(after)
        if not (_empty(before.get(field)) and _empty(after.get(field)))
        and before.get(field) != after.get(field)
    )


def public_view(candidate: dict) -> dict:
    return {field: candidate.get(field) for field in PUBLIC_FIELDS}
