"""Email address normalization: one person per normalized address."""
from __future__ import annotations

import hashlib
import hmac

from email_validator import EmailNotValidError, validate_email

from .errors import ValidationError


def normalize_email(raw: object, field: str = "email") -> str:
    """Trimmed, lower-cased, IDN domain as punycode. Raises ValidationError naming `field`."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationError.field(field, "required")
    text = raw.strip()
    if len(text) > 254:
        raise ValidationError.field(field, "too long")
    try:
        result = validate_email(text, check_deliverability=False, allow_smtputf8=True)
    except EmailNotValidError as exc:
        raise ValidationError.field(field, f"not a valid email address ({exc})") from None
    domain = result.ascii_domain or result.domain
    return f"{result.local_part.lower()}@{domain.lower()}"


def email_hash(email: str, secret: str) -> str:
    """Keyed hash of a normalized address: lets us recognise an erased address without keeping it."""
    return hmac.new(secret.encode(), email.encode(), hashlib.sha256).hexdigest()


def erased_key(email: str, secret: str) -> str:
    """The tombstone an erasure leaves: only a keyed hash of the address."""
    return f"erased#{email_hash(email, secret)}"


def mask_email(email: str) -> str:
    """For logs: never the address itself."""
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:12]
