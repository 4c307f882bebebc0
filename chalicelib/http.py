"""The HTTP edge shared by all routes: error format, auth, body parsing, paging, CORS.

Kept apart from app.py so routes stay one-liners; imports only chalice and the standard library.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import traceback
from functools import lru_cache, wraps
from urllib.parse import parse_qs, unquote

from chalice import Response

from .domain.errors import CrmError, PayloadTooLarge, UnsupportedMediaType, ValidationError
from .domain.jsonbody import loads as strict_json
from .domain.text import unsafe_reason

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
HTML = "text/html; charset=utf-8"
ALL_TYPES = ["*/*"]  # we check media types ourselves so the answer has the contract's error format
MAX_FORM_FIELDS = 100
MAX_PATH_PARAM = 512  # ids and tokens; DynamoDB keys hold at most 2048 bytes
MAX_QUERY_VALUE = 2048
MAX_QUERY_PARAMS = 50


def json_response(body, status: int = 200, headers: dict | None = None) -> Response:
    return secured(Response(body=json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str),
                            status_code=status, headers={"Content-Type": JSON, **(headers or {})}))


def html_response(body: str, status: int = 200, headers: dict | None = None) -> Response:
    return secured(Response(body=body, status_code=status, headers={"Content-Type": HTML, **(headers or {})}))


# ---------------------------------------------------------------- security headers

# Pages load scripts, styles and images from this origin only, run no inline script, are never framed,
# and send no Referer (tracking and preference pages carry tokens in their URLs). Inline <style> blocks
# are allowed by their hashes, computed from the page itself: the markup is ours (every value escaped),
# CSS runs no code, and default-src 'self' stops an injected style from loading anything from elsewhere.
# Inline style="" attributes stay blocked.
_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'{styles}; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
HTML_SECURITY_HEADERS = {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
_STYLE_BLOCK = re.compile(r"<style>(.*?)</style>", re.S | re.I)


def content_security_policy(page: str) -> str:
    hashes = "".join(f" '{_style_hash(css)}'" for css in dict.fromkeys(_STYLE_BLOCK.findall(page)))
    return _CSP.format(styles=hashes)


@lru_cache(maxsize=64)
def _style_hash(css: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode()


def secured(response: Response) -> Response:
    """nosniff on every answer; on HTML pages also the CSP, no framing and no Referer. Idempotent, and
    headers a route set itself win."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Chalice types a header value as str | list[str] (multi-value headers); Content-Type is a single value.
    content_type = next((value for name, value in headers.items()
                         if name.lower() == "content-type" and isinstance(value, str)), "")
    if content_type.lower().startswith("text/html"):
        page = response.body if isinstance(response.body, str) else ""
        headers.setdefault("Content-Security-Policy", content_security_policy(page))
        for name, value in HTML_SECURITY_HEADERS.items():
            headers.setdefault(name, value)
    return response


def error_response(error: CrmError, headers: dict | None = None) -> Response:
    extra = dict(headers or {})
    retry_after = getattr(error, "retry_after", None)  # RateLimited and any error that says when to retry
    if retry_after:
        extra["Retry-After"] = str(retry_after)
    if error.status == 401:
        extra["WWW-Authenticate"] = 'Bearer realm="talent-crm"'
    return json_response(error.to_dict(), error.status, extra)


# Chalice answers some requests itself, before any route function: a method the path does not have (405),
# a binary answer the client did not accept (400). Its body is {"Code", "Message"}; this middleware
# (registered by app.py for every HTTP request) gives those answers the contract's error body instead.
CHALICE_CODES = {"MethodNotAllowedError": "method_not_allowed", "BadRequest": "bad_request",
                 "UnsupportedMediaType": "unsupported_media_type", "InternalServerError": "internal_error"}


def chalice_answers_in_contract_format(event, get_response) -> Response:
    response = get_response(event)
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
        return response
    code = CHALICE_CODES.get(body["Code"], f"http_{response.status_code}")
    headers = {name: value for name, value in response.headers.items() if name.lower() != "content-type"}
    return json_response({"error": {"code": code, "message": str(body["Message"])}}, response.status_code, headers)


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
    """The body through the strict JSON reader (domain/jsonbody.py); an empty body is None."""
    body = raw_body(request, limit)
    if media_type(request) != JSON:
        raise UnsupportedMediaType("send application/json")
    return strict_json(body) if body else None


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
        fields = _parse_form(body)
        return {k: v[0] if len(v) == 1 else v for k, v in fields.items()}
    raise UnsupportedMediaType(f"send {FORM} (an HTML form) or {JSON}")


def form_text(form: dict, name: str, *, strict: bool = True) -> str:
    """A form field's text ("" when absent). A repeated field (a list) or a JSON non-string is refused (no page
    sends one) or, not strict, read as no text (sign-in answers with its own page, never an error body)."""
    value = form.get(name, "")
    if isinstance(value, str):
        return value
    if strict:
        raise ValidationError.field(name, "one value, as text")
    return ""


def _parse_form(body: bytes) -> dict[str, list[str]]:
    """A urlencoded form, strictly UTF-8 (percent-encoded bytes too: no lone surrogates), no control
    characters but tab and line breaks (which single-line fields collapse), a bounded number of fields."""
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, errors="strict",
                          max_num_fields=MAX_FORM_FIELDS)
    except UnicodeDecodeError:
        raise ValidationError("form must be UTF-8", {"body": "not UTF-8"}) from None
    except ValueError:
        raise ValidationError(f"a form has at most {MAX_FORM_FIELDS} fields", {"body": "too many fields"}) from None
    for name, values in fields.items():
        if len(name) > 100 or unsafe_reason(name, single_line=True):
            raise ValidationError("a form field name is not one line of text", {"body": "bad field name"})
        for value in values:
            if problem := unsafe_reason(value):
                raise ValidationError.field(name, problem)
    return fields


def check_params(request) -> None:
    """Path and query parameters are one line of text, bounded: they reach DynamoDB keys, logs, headers."""
    for name, value in (getattr(request, "uri_params", None) or {}).items():
        _check_param(name, value, MAX_PATH_PARAM)
        if "%" in value:  # API Gateway may hand them over still percent-encoded: %0d%0a, %00
            _check_param(name, unquote(value, errors="replace"), MAX_PATH_PARAM)
    params = getattr(request, "query_params", None) or {}
    if len(params) > MAX_QUERY_PARAMS:
        raise ValidationError(f"at most {MAX_QUERY_PARAMS} query parameters", {"query": "too many parameters"})
    for name in params:
        if len(name) > 100 or unsafe_reason(name, single_line=True):
            raise ValidationError("a query parameter name is not one line of text", {"query": "bad parameter name"})
        for value in params.getlist(name) if hasattr(params, "getlist") else [params[name]]:
            _check_param(name, value, MAX_QUERY_VALUE)


def _check_param(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError.field(name, f"at most {limit} characters")
    if problem := unsafe_reason(value, single_line=True):
        raise ValidationError.field(name, problem)


def one_param(request, name: str) -> str | None:
    """A query parameter given at most once (a repeated one is refused rather than guessed at); None if absent."""
    params = getattr(request, "query_params", None) or {}
    if name not in params:
        return None
    values = list(params.getlist(name)) if hasattr(params, "getlist") else [params[name]]
    if len(values) > 1:
        raise ValidationError.field(name, "give it once")
    return values[0]


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
    cursor = params.get("cursor") or None
    if cursor is not None:
        _check_cursor(cursor)
    return limit, cursor


def _check_cursor(cursor: str) -> None:
    """Cursors we give out are base64url JSON objects (store.candidates.encode_cursor). Read strictly here,
    so that a forged one nested a thousand deep or holding a lone surrogate never reaches the store."""
    try:
        key = strict_json(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), field="cursor")
    except (ValueError, ValidationError):  # binascii.Error is a ValueError
        key = None
    if not isinstance(key, dict):
        raise ValidationError.field("cursor", "not a cursor this list gave out")


def page(items: list, next_cursor: str | None) -> dict:
    return {"items": items, "next_cursor": next_cursor}


def bearer_token(request) -> str | None:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def cookie(request, name: str) -> str | None:
    """One cookie's value (the workspace's session), or None."""
    from http.cookies import CookieError, SimpleCookie

    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(request.headers.get("cookie") or "")
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None and morsel.value else None


def same_origin(request, public_url: str) -> bool:
    """A state-changing request a browser sent from our own pages. Sec-Fetch-Site says so where browsers send
    it (all current ones); else the Origin must be ours. Pages send no Referer, so a form's Origin is "null"
    in some browsers: that, or no header at all, is refused. A form on another site never passes."""
    site = request.headers.get("sec-fetch-site")
    if site:
        return site.lower() == "same-origin"
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/") in {_origin(public_url), _origin("http://" + (request.headers.get("host") or ""))}
    return False


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class Api:
    """Decorators for route functions: errors in the contract's format, and the team's sign-in.

    `gate` (chalicelib/api/__init__.py) says who a recruiter request acts as and whether that role may, and
    records what the audit log keeps."""

    def __init__(self, app, gate):
        self.app = app
        self._gate = gate

    def public(self, view, *, params_checked: bool = False):
        """`params_checked`: the view checks the parameters itself (a page answers a bad one with a page)."""
        @wraps(view)
        def wrapper(*args, **kwargs):
            from .observability import bind_correlation_id

            request = self.app.current_request
            context = getattr(request, "context", None) or {}
            bind_correlation_id(context.get("requestId"))
            try:
                if not params_checked:
                    check_params(request)
                result = view(*args, **kwargs)
                return secured(result) if isinstance(result, Response) else result
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
            request = self.app.current_request
            principal = self._gate.admit(request)
            result = view(*args, **kwargs)
            self._gate.done(request, principal, kwargs, result)
            return result

        return self.public(authorized)

    def page(self, view):
        """A workspace page: the same gate as recruiter routes (the session cookie counts as a bearer), but a
        person who is not signed in is sent to the sign-in page, and errors are pages, not JSON."""
        @wraps(view)
        def shown(*args, **kwargs):
            request = self.app.current_request
            try:
                check_params(request)
                principal = self._gate.admit(request)
                result = view(*args, **kwargs)
            except CrmError as error:
                return secured(self._gate.error_page(request, error))
            self._gate.done(request, principal, kwargs, result)
            return secured(result) if isinstance(result, Response) else result

        return self.public(shown, params_checked=True)


def route_of(request) -> tuple[str, str]:
    """(method, path template), e.g. ("GET", "/candidates/{candidate_id}")."""
    context = getattr(request, "context", None) or {}
    return request.method.upper(), str(context.get("resourcePath") or request.path)


def client_ip(request) -> str | None:
    context = getattr(request, "context", None) or {}
    ip = (context.get("identity") or {}).get("sourceIp")
    return str(ip)[:64] if ip else None
