"""The candidate profile: which fields exist, how input is validated, and how profiles merge.

A profile is a plain dict. Validation returns only the fields present in the input, normalized;
an empty value means "no value" (ignored by merges, clears a field in a PATCH).
"""
from __future__ import annotations

import re
from typing import Callable

from .countries import COUNTRY_ALIASES, ISO_COUNTRIES
from .emails import normalize_email
from .errors import ValidationError
from .phones import ImpossiblePhone, profile_phone
from .skills import normalize_list, normalize_skill, normalize_tag, split_list
from .text import is_web_url, unsafe_reason

STATUSES = ("pending", "subscribed", "not_subscribed", "unsubscribed", "bounced", "complained")
STAGES = ("applied", "interviewing", "offer", "hired", "rejected")
SENIORITIES = ("intern", "junior", "mid", "senior", "lead", "principal", "executive")
# Statuses a recruiter may set by hand; the others come from double opt-in and email events.
RECRUITER_STATUSES = ("not_subscribed", "unsubscribed")

TEXT_FIELDS = ("first_name", "last_name", "city", "seniority", "source")
LIST_FIELDS = ("skills", "roles", "tags")
BOOL_FIELDS = ("remote_ok", "sms_consent")
URL_FIELDS = ("linkedin_url", "portfolio_url")
TIME_FIELDS = ("last_contacted_at",)
PROFILE_FIELDS = (
    TEXT_FIELDS + ("phone", "country") + LIST_FIELDS + BOOL_FIELDS + URL_FIELDS
    + ("stage", "status") + TIME_FIELDS
)
# Everything the API shows of a candidate, in this order.
PUBLIC_FIELDS = (
    "id", "email", "first_name", "last_name", "phone", "city", "country", "remote_ok", "skills",
    "roles", "tags", "linkedin_url", "portfolio_url", "seniority", "source", "status", "stage",
    "sms_consent", "utm", "consent", "preferences", "engagement_score", "last_contacted_at",
    "last_engaged_at", "confirmed_at", "created_at", "updated_at",
)

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
    """One line of text: whitespace (tabs, line breaks) collapsed to single spaces; other controls refused."""
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


def _one_of(value: object, field: str, allowed: tuple[str, ...]) -> str | None:
    text = _text(value, field)
    if text is None:
        return None
    key = text.lower().replace(" ", "_")
    if key not in allowed:
        raise ValidationError.field(field, "must be one of " + ", ".join(allowed))
    return key


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


def validate_profile(data: dict, *, allowed_statuses: tuple[str, ...] = RECRUITER_STATUSES,
                     known_country: object = None) -> dict:
    """Normalize the profile fields present in `data`. Collects every bad field before raising.

    `known_country`: the person's stored country, to read a national phone number when `data` gives none.
    """
    result: dict = {}
    problems: dict[str, str] = {}
    for field in PROFILE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        try:
            if field in TEXT_FIELDS:
                if field == "seniority":
                    result[field] = _one_of(value, field, SENIORITIES)
                elif field == "source":
                    result[field] = (_text(value, field) or "").lower().replace(" ", "_") or None
                else:
                    result[field] = _text(value, field)
            elif field == "phone":
                result[field] = _phone(value, data.get("country") or known_country)
            elif field == "country":
                text = _text(value, field)
                text = COUNTRY_ALIASES.get(text.upper(), text.upper()) if text else None
                if text and text not in ISO_COUNTRIES:
                    raise ValidationError.field(field, "must be an ISO 3166 alpha-2 code such as GB")
                result[field] = text
            elif field in LIST_FIELDS:
                normalizer = normalize_skill if field == "skills" else normalize_tag
                result[field] = _list(value, field, normalizer)
            elif field in BOOL_FIELDS:
                result[field] = parse_bool(value, field)
            elif field in URL_FIELDS:
                result[field] = _url(value, field)
            elif field == "stage":
                result[field] = _one_of(value, field, STAGES)
            elif field == "status":
                result[field] = _one_of(value, field, allowed_statuses)
            elif field in TIME_FIELDS:
                result[field] = parse_time(value, field)
        except ValidationError as exc:
            problems.update(exc.fields)
    if problems:
        raise ValidationError("invalid candidate fields: " + ", ".join(sorted(problems)), problems)
    return result


def validate_new_candidate(data: object) -> tuple[str, dict]:
    """A recruiter's upsert body: email plus profile fields; unknown fields are an error."""
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object")
    unknown = set(data) - set(PROFILE_FIELDS) - {"email"}
    problems = {name: "unknown field" for name in sorted(unknown)}
    email = None
    try:
        email = normalize_email(data.get("email"))
    except ValidationError as exc:
        problems.update(exc.fields)
    try:
        profile = validate_profile(data)
    except ValidationError as exc:
        problems.update(exc.fields)
    if problems or email is None:  # no problem means the email was read
        raise ValidationError("invalid candidate: " + ", ".join(sorted(problems)), problems)
    return email, profile


def validate_patch(data: object, *, known_country: object = None) -> dict:
    if not isinstance(data, dict) or not data:
        raise ValidationError("body must be a JSON object with the fields to change")
    unknown = set(data) - set(PROFILE_FIELDS)
    if unknown:
        problems = {name: "unknown field" for name in sorted(unknown)}
        if "email" in unknown:
            problems["email"] = "cannot be changed; erase the person and add the new address"
        raise ValidationError("invalid fields: " + ", ".join(sorted(problems)), problems)
    return validate_profile(data, known_country=known_country)


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
    return merged


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
    return merged


def changed_fields(before: dict, after: dict) -> list[str]:
    return sorted(
        field for field in set(before) | set(after)
        if not (_empty(before.get(field)) and _empty(after.get(field)))
        and before.get(field) != after.get(field)
    )


def public_view(candidate: dict) -> dict:
    return {field: candidate.get(field) for field in PUBLIC_FIELDS}
