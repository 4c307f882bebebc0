"""Careers-page sign-up input: what the form may send and what we keep of it."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .candidates import parse_bool, validate_profile
from .emails import normalize_email
from .errors import ValidationError
from .text import is_web_url, one_line

PROFILE_INPUTS = (
    "first_name", "last_name", "phone", "city", "country", "remote_ok", "skills", "roles",
    "linkedin_url", "portfolio_url", "sms_consent", "tags",
)
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


def _clean(value: object, limit: int) -> str | None:
    """Metadata the page sends, not the person (UTM tags, form id, consent version): kept as one line of
    printable text, never refused, since a person's sign-up must not fail on a page's hidden field."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return one_line(str(value))[:limit] or None


def _single(data: dict, name: str):
    value = data.get(name)
    if isinstance(value, list) and name not in LIST_INPUTS:
        value = value[-1] if value else None
    return value


def parse_signup(data: dict, allowed_origins: tuple[str, ...]) -> SignupRequest:
    """Validate a sign-up (JSON object or decoded form). Collects every bad field before raising."""
    if not isinstance(data, dict):
        raise ValidationError("body must be a JSON object or a form")
    honeypot = bool(str(_single(data, "website") or "").strip())
    problems: dict[str, str] = {}

    email = ""
    try:
        email = normalize_email(_single(data, "email"))
    except ValidationError as exc:
        problems.update(exc.fields)

    try:
        consent = parse_bool(_single(data, "consent"), "consent")
    except ValidationError:
        consent = None
    if consent is not True:
        problems["consent"] = "required: the person must agree to be contacted"

    profile: dict = {}
    try:
        profile = validate_profile(
            {name: _single(data, name) for name in PROFILE_INPUTS if name in data}
        )
    except ValidationError as exc:
        problems.update(exc.fields)

    redirect_to = _single(data, "redirect_to") or None
    # it becomes a Location header: no whitespace, CR/LF or other controls (is_web_url), and our origins only
    if redirect_to is not None and (
        not is_web_url(redirect_to, MAX_REDIRECT_CHARS, dotted_host=False)
        or not allowed_origin(redirect_to, allowed_origins)
    ):
        problems["redirect_to"] = "must be a URL on an allowed careers-site origin"

    utm = {}
    for name in UTM_INPUTS:
        value = _single(data, name)
        value = _clean(value, 100) if isinstance(value, str) else None
        if value:
            utm[name[4:]] = value

    if problems and not honeypot:
        raise ValidationError("invalid sign-up: " + ", ".join(sorted(problems)), problems)

    def text(name: str) -> str | None:
        return _clean(_single(data, name), 200)

    return SignupRequest(
        email=email,
        profile=profile,
        utm=utm,
        redirect_to=redirect_to if "redirect_to" not in problems else None,
        honeypot=honeypot,
        form_id=text("form_id"),
        page=text("page"),
        consent_version=text("consent_version"),
    )
