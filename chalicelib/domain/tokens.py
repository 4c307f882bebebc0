"""Signed, expiring tokens for links in emails (confirm, later unsubscribe and tracking)."""
from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


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
        try:
            payload = self._serializer.loads(token, max_age=max_age_seconds)
        except SignatureExpired:
            raise TokenError("expired") from None
        except (BadSignature, ValueError, TypeError):
            raise TokenError("invalid") from None
        if not isinstance(payload, dict):
            raise TokenError("invalid")
        return payload
