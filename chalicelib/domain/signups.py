"""Careers-page sign-up input: what the form may send and what we keep of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator

from .bodies import described, parse_as
from .body_fields import checked
from .candidates import Email, SignupProfile, parse_bool, profile_of
from .errors import ValidationError
from .text import is_web_url, one_line

LIST_INPUTS = ("skills", "roles", "tags")
UTM_INPUTS = ("utm_source", "utm_medium", "utm_campaign")
MAX_BODY_BYTES = 16 * 1024
MAX_REDIRECT_CHARS = 2000


@dataclass
class SignupRequest:
    email: str
    profile: dict
    utm: dict
    redirect_to: str | None
    honeypot: bool
    form_id: str | None = None
    page: str | None = None
    consent_version: str | None = None
    extra: dict = field(default_factory=dict)


def origin_of(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default_port = {"http": 80, "https": 443}[parts.scheme]
    try:
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname.lower()
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default_port else "")


def allowed_origin(url: str, allowed: tuple[str, ...]) -> bool:
    origin = origin_of(url)
    return origin is not None and origin in {origin_of(item) for item in allowed}


def _redirect_ok(url: object, allowed: tuple[str, ...]) -> bool:
    """It becomes a Location header: no whitespace, CR/LF or other controls (is_web_url), and our origins only."""
    return is_web_url(url, MAX_REDIRECT_CHARS, dotted_host=False) and allowed_origin(str(url), allowed)


def _clean(value: object, limit: int) -> str | None:
    """Metadata the page sends, not the person (UTM tags, form id, consent version): kept as one line of
    printable text, never refused, since a person's sign-up must not fail on a page's hidden field."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return one_line(str(value))[:limit] or None


def _agreed(value: object) -> object:
    """The form's spellings of yes ("on", "yes", "true", "1") as True; anything else as it came."""
    try:
        return parse_bool(value, "consent")
    except ValidationError:
        return value


def _filled(value: object, _: str = "") -> bool:
    return bool(str(value or "").strip())


Metadata = Annotated[str | None, checked(lambda value, _: _clean(value, 200))]
Utm = Annotated[str | None, checked(lambda value, _: _clean(value, 100) if isinstance(value, str) else None)]


class Signup(SignupProfile):
    """POST /signups: a JSON object or a decoded form (every value text, a repeated field a list)."""
    # Careers pages post their own fields too (a submit button's name, tracking ids): never the person's fault.
    model_config = ConfigDict(extra="ignore")

    email: Email = Field(description="required")
    consent: Annotated[Literal[True], BeforeValidator(_agreed)] = Field(
        description="required: the person must agree to be contacted")
    redirect_to: str | None = Field(None, description="must be a URL on an allowed careers-site origin")
    utm_source: Utm = None
    utm_medium: Utm = None
    utm_campaign: Utm = None
    form_id: Metadata = None
    page: Metadata = None
    consent_version: Metadata = None
    website: Annotated[bool, checked(_filled)] = Field(
        False, description="the honeypot: people leave it empty")

    @field_validator("redirect_to", mode="plain")
    @classmethod
    def _on_our_site(cls, value: object, info: ValidationInfo) -> str | None:
        if value and not _redirect_ok(value, (info.context or {}).get("allowed_origins", ())):
            raise described()
        return str(value) if value else None

    def request(self) -> SignupRequest:
        return SignupRequest(
            email=self.email,
            profile=profile_of(self),
            utm={name[4:]: value for name in UTM_INPUTS if (value := getattr(self, name))},
            redirect_to=self.redirect_to,
            honeypot=self.website,
            form_id=self.form_id,
            page=self.page,
            consent_version=self.consent_version,
        )


def _last(name: str, value: object) -> object:
    """A field a form repeats: its last value (lists are lists)."""
    if isinstance(value, list) and name not in LIST_INPUTS:
        return value[-1] if value else None
    return value


def parse_signup(data: dict, allowed_origins: tuple[str, ...]) -> SignupRequest:
    """Validate a sign-up (JSON object or decoded form). Collects every bad field before raising; a filled
    honeypot is never told what was wrong (the service then ignores the sign-up)."""
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object or a form")
    data = {name: _last(name, value) for name, value in data.items()}
    try:
        return parse_as(Signup, data, "invalid sign-up", allowed_origins=allowed_origins).request()
    except ValidationError:
        if not _filled(data.get("website")):
            raise
    redirect_to = data.get("redirect_to")
    return SignupRequest(email="", profile={}, utm={}, honeypot=True,
                         redirect_to=str(redirect_to) if _redirect_ok(redirect_to, allowed_origins) else None)
