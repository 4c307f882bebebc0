"""Signed, expiring tokens for links in emails and pages (confirm links, the preference form)."""
from __future__ import annotations

from itsdangerous import BadData, BadSignature, SignatureExpired, URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode


class TokenError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


class TokenSigner:
    def __init__(self, secret: str, purpose: str):
        if not secret:
            raise ValueError("CRM_SECRET is not set")
        self._serializer = URLSafeTimedSerializer(secret, salt=f"talent-crm.{purpose}")

    def sign(self, payload: dict) -> str:
        return self._serializer.dumps(payload)

    def verify(self, token: str, max_age_seconds: int | None = None) -> dict:
        """The payload, or TokenError: whatever the text, no other exception."""
        if not isinstance(token, str) or not _canonical_signature(token):
            raise TokenError("invalid")
        try:
            payload = self._serializer.loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise TokenError("expired") from None
        except (BadSignature, ValueError, TypeError):
            raise TokenError("invalid") from None
        if not isinstance(payload, dict):
            raise TokenError("invalid")
        return payload


def _canonical_signature(token: str) -> bool:
    """The signature (after the last dot) decodes and encodes back to itself: base64's unused low
    bits in its last character would otherwise let altered tokens verify."""
    signature = token.rpartition(".")[2]
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except (BadData, ValueError):  # not base64 (or not even encodable text): refused as well
        return False
