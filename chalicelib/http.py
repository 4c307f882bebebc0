"""The HTTP edge shared by all routes: error format, auth, body parsing, paging, CORS.

Kept apart from app.py so routes stay one-liners; imports only chalice and the standard library.
"""
from __future__ import annotations

import json
import traceback
from functools import wraps
from urllib.parse import parse_qs

from chalice import Response

from .domain.errors import CrmError, PayloadTooLarge, Unauthorized, UnsupportedMediaType, ValidationError

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html; charset=utf-8"
ALL_TYPES = ["*/*"]  # we check media types ourselves so the answer has the contract's error format


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str),
                    status_code=status, headers={"Content-Type": JSON, **(headers or {})})


def html_response(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": HTML, **(headers or {})})


def error_response(error: CrmError, headers: dict | None = None) -> Response:
    extra = dict(headers or {})
    if getattr(error, "retry_after", None):
        extra["Retry-After"] = str(error.retry_after)
    if error.status == 401:
        extra["WWW-Authenticate"] = 'Bearer realm="talent-crm"'
    return json_response(error.to_dict(), error.status, extra)


def media_type(request) -> str:
    return (request.headers.get("content-type") or "").split(";")[0].strip().lower()


def raw_body(request, limit: int | None = None) -> bytes:
    body = request.raw_body or b""
    if isinstance(body, str):
        body = body.encode()
    if limit is not None and len(body) > limit:
        raise PayloadTooLarge(f"body is {len(body)} bytes; at most {limit}")
    return body


def read_json(request, limit: int = 1024 * 1024):
    body = raw_body(request, limit)
    if media_type(request) != JSON:
        raise UnsupportedMediaType("send application/json")
    try:
        return json.loads(body.decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(f"body is not valid JSON: {exc}", {"body": "invalid JSON"}, code="invalid_json") from None


def read_form_or_json(request, limit: int) -> dict:
    """A JSON object or an HTML form (each field a list only when it repeats)."""
    body = raw_body(request, limit)
    kind = media_type(request)
    if kind == JSON:
        data = read_json(request, limit)
        if not isinstance(data, dict):
            raise ValidationError("body must be a JSON object", {"body": "must be an object"})
        return data
    if kind == FORM:
        try:
            fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except UnicodeDecodeError:
            raise ValidationError("form must be UTF-8", {"body": "not UTF-8"}) from None
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
    raise UnsupportedMediaType(f"send {FORM} (an HTML form) or {JSON}")


def page_params(request, default: int = 50, maximum: int = 500) -> tuple[int, str | None]:
    params = request.query_params or {}
    raw = params.get("limit")
    limit = default
    if raw is not None:
        try:
            limit = int(raw)
        except ValueError:
            raise ValidationError.field("limit", "must be a whole number") from None
        if not 1 <= limit <= maximum:
            raise ValidationError.field("limit", f"must be between 1 and {maximum}")
    return limit, params.get("cursor") or None


def page(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}


def bearer_token(request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


class Api:
    """Decorators for route functions: errors in the contract's format, and recruiter auth."""

    def __init__(self, app, verify_key):
        self.app = app
        self._verify_key = verify_key

    def public(self, view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from .observability import bind_correlation_id

            context = getattr(self.app.current_request, "context", None) or {}
            bind_correlation_id(context.get("requestId"))
            try:
                return view(*args, **kwargs)
            except CrmError as error:
                return error_response(error)
            except Exception:
                from .observability import logger

                logger().error("unhandled error", extra={"trace": traceback.format_exc(limit=20)})
                return json_response({"error": {"code": "internal_error",
                                                "message": "something went wrong on our side"}}, 500)
            finally:
                from .observability import flush

                flush()

        return wrapper

    def recruiter(self, view):
        @wraps(view)
        def authorized(*args, **kwargs):
            if not self._verify_key(bearer_token(self.app.current_request)):
                raise Unauthorized("send a valid API key as 'Authorization: Bearer <key>'")
            return view(*args, **kwargs)

        return self.public(authorized)
