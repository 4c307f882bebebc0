"""Errors the API turns into the contract's error format: status, machine-readable code, fields."""
from __future__ import annotations


class CrmError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code

    def to_dict(self) -> dict:
        body: dict[str, str | dict[str, str]] = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationError(CrmError):
    status = 400
    code = "validation_error"

    @classmethod
    def field(cls, name: str, problem: str) -> "ValidationError":
        return cls(f"{name}: {problem}", {name: problem})


class Unauthorized(CrmError):
    status = 401
    code = "unauthorized"


class Forbidden(CrmError):
    """Authenticated, or from the wrong place, but not allowed to do this."""
    status = 403
    code = "forbidden"


class NotFound(CrmError):
    status = 404
    code = "not_found"


class Conflict(CrmError):
    status = 409
    code = "conflict"


class PayloadTooLarge(CrmError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(CrmError):
    status = 415
    code = "unsupported_media_type"


class RateLimited(CrmError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class EmailTaken(Exception):
    """The address already belongs to a person (one person per normalized address); `candidate_id` is theirs."""

    def __init__(self, candidate_id: str | None):
        super().__init__(candidate_id)
        self.candidate_id = candidate_id


class VersionConflict(Exception):
    """The person changed since they were read (optimistic lock): read again and decide again."""


class SignInRefused(Unauthorized):
    """Wrong email or password, a locked or disabled account, too many attempts: one answer for all, so the
    answer never tells which addresses have accounts."""

    def __init__(self) -> None:
        super().__init__("wrong email or password", code="sign_in_failed")
