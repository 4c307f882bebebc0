"""SNS HTTP(S) deliveries: which fields are signed, and which certificate URLs we trust."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import ValidationError
from .jsonbody import loads as strict_json

TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
SIGNED_FIELDS = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"),
}
# Every envelope field SNS defines is a string: any other type is not from SNS.
TEXT_FIELDS = ("Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
               "SigningCertURL", "SubscribeURL", "UnsubscribeURL", "Token")
_SNS_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


class NotVerified(Exception):
    """Anything about the message we cannot trust: 403, nothing changes."""


def parse_envelope(raw: bytes) -> dict:
    """The SNS envelope, strictly parsed, its fields strings. Raises ValidationError (400): SNS sends neither."""
    envelope = strict_json(raw)
    if not isinstance(envelope, dict):
        raise ValidationError("body is not an SNS message (a JSON object)", {"body": "must be an object"})
    wrong = {name: "must be text" for name in TEXT_FIELDS if envelope.get(name) is not None
             and not isinstance(envelope[name], str)}
    if wrong:
        raise ValidationError("not an SNS message: " + ", ".join(sorted(wrong)), wrong)
    if envelope.get("Type") not in TYPES:
        raise ValidationError("not an SNS message type we accept", {"Type": "unknown"})
    return envelope


def string_to_sign(envelope: dict) -> bytes:
    """The exact text SNS signs: "Name\\nvalue\\n" for each signed field present, in this order."""
    parts = []
    for name in SIGNED_FIELDS[envelope["Type"]]:
        if name == "Subject" and envelope.get("Subject") is None:
            continue  # Subject is signed only when the message has one
        value = envelope.get(name)
        if not isinstance(value, str):
            raise NotVerified(f"missing {name}")
        parts.append(f"{name}\n{value}\n")
    return "".join(parts).encode("utf-8")


def trusted_sns_url(url: object, *, pem: bool) -> bool:
    """https on sns.<region>.amazonaws.com (and a .pem path for certificates)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if (parts.scheme != "https" or not parts.hostname or not _SNS_HOST.match(parts.hostname)
            or parts.port not in (None, 443)):
        return False
    if parts.username or parts.password:
        return False
    return parts.path.endswith(".pem") if pem else True
