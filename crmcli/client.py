"""The HTTP side of `crm`: one small client over a replaceable transport.

A transport is anything with `send(method, path, headers, body) -> (status, headers, body)`;
`HttpTransport` uses urllib against a running stack, tests pass one that calls Chalice's test client.
Standard library only, so `crm` starts fast and runs anywhere Python does.
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

DEFAULT_ENDPOINT = "http://127.0.0.1:8000"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}
USER_AGENT = "talent-crm-cli/1"


class CliError(Exception):
    """A problem on our side of the wire (usage, files, connection): exit code 2."""

    exit_code = 2


class TransportError(CliError):
    """The request did not get an HTTP answer (refused, DNS, timeout, reset)."""


class ApiError(Exception):
    """The API answered with an error in the contract's format: exit code 1."""

    exit_code = 1

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None,
                 retry_after: str | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message
        self.fields = fields or {}
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.status in (429, 500, 502, 503, 504)

    def describe(self) -> str:
        lines = [f"error: {self.message} ({self.code}, HTTP {self.status})"]
        lines += [f"  {name}: {problem}" for name, problem in sorted(self.fields.items())]
        if self.retry_after:
            lines.append(f"  retry after {self.retry_after} s")
        if self.status == 401:
            lines.append("  hint: check --api-key / CRM_API_KEY (a revoked key stops working within 30 s)")
        return "\n".join(lines)


class Transport(Protocol):
    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        ...


class HttpTransport:
    """urllib against `endpoint` (which may carry a stage path, e.g. https://…/api)."""

    def __init__(self, endpoint: str, timeout: float = 120.0):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        data = body if body or method in ("POST", "PUT", "PATCH") else None  # a bodiless POST: Content-Length 0
        request = urllib.request.Request(self.endpoint + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            with error:
                return error.code, dict(error.headers.items()), error.read()
        except urllib.error.URLError as error:
            raise TransportError(self._explain(error.reason)) from None
        except (OSError, http.client.HTTPException) as error:
            raise TransportError(self._explain(error)) from None

    def _explain(self, reason: object) -> str:
        text = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) else str(reason)
        message = f"cannot reach {self.endpoint}: {text}"
        if is_local(self.endpoint):
            message += "\n  is the local stack running? Start it with `make run` in another terminal."
        else:
            message += "\n  check --endpoint / CRM_ENDPOINT (a deployed stage's URL ends in its stage, e.g. /api)"
        return message


def is_local(endpoint: str) -> bool:
    return (urlsplit(endpoint).hostname or "") in LOCAL_HOSTS


def resolve_endpoint(given: str | None, environ=os.environ) -> str:
    endpoint = (given or environ.get("CRM_ENDPOINT") or "").strip()
    if not endpoint:
        port = environ.get("CRM_PORT")
        endpoint = f"http://127.0.0.1:{port}" if port else DEFAULT_ENDPOINT
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CliError(f"endpoint {endpoint!r} is not an http(s) URL, e.g. {DEFAULT_ENDPOINT}")
    return endpoint.rstrip("/")


def resolve_api_key(given: str | None, endpoint: str, environ=os.environ, cwd: Path | None = None) -> str:
    """--api-key, else CRM_API_KEY, else (local stack only) CRM_API_KEY in the stack's secrets.json."""
    key = (given or environ.get("CRM_API_KEY") or "").strip()
    if key:
        return key
    if not is_local(endpoint):
        raise CliError(f"no API key for {endpoint}: pass --api-key KEY or set CRM_API_KEY\n"
                       "  (an operator makes one with `crm apikey create --name NAME` and CRM_STAGE set)")
    secrets = local_data_dir(endpoint, environ, cwd) / "secrets.json"
    try:
        key = str(json.loads(secrets.read_text(encoding="utf-8")).get("CRM_API_KEY") or "").strip()
    except FileNotFoundError:
        key = ""
    except (OSError, ValueError, AttributeError) as error:
        raise CliError(f"no API key: cannot read {secrets}: {error}") from None
    if not key:
        raise CliError(f"no API key: pass --api-key KEY or set CRM_API_KEY\n"
                       f"  for the local stack, `make run` prints the key and keeps it in {secrets} "
                       "(not found: is the stack on this endpoint started? Or set CRM_DATA_DIR)")
    return key


def local_data_dir(endpoint: str, environ=os.environ, cwd: Path | None = None) -> Path:
    """CRM_DATA_DIR (relative to the current folder); else the folder the last local stack started
    recorded (crmlocal/stack_record.py), if it serves `endpoint`'s port; else .local here."""
    from crmlocal.stack_record import recorded_stack

    given = environ.get("CRM_DATA_DIR")
    record = None if given else recorded_stack(environ)
    if record is not None and record.api_port == urlsplit(endpoint).port:
        return record.data_dir
    data_dir = Path(given or ".local")
    return data_dir if data_dir.is_absolute() else (cwd or Path.cwd()) / data_dir


class Client:
    def __init__(self, transport: Transport, api_key: str):
        self.transport = transport
        self.api_key = api_key

    def request(self, method: str, path: str, *, query: dict | None = None, json_body: Any = None,
                data: bytes | None = None, content_type: str | None = None) -> Any:
        query = {k: v for k, v in (query or {}).items() if v not in (None, "")}
        if query:
            path += ("&" if "?" in path else "?") + urlencode(query)
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json", "User-Agent": USER_AGENT}
        body = b""
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif data is not None:
            body = data
            headers["Content-Type"] = content_type or "application/octet-stream"
        elif method in ("POST", "PATCH", "PUT"):
            headers["Content-Type"] = "application/json"
        status, response_headers, raw = self.transport.send(method, path, headers, body)
        return _decode(status, {k.lower(): v for k, v in (response_headers or {}).items()}, raw or b"")

    def get(self, path: str, **query) -> Any:
        return self.request("GET", path, query=query)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, json_body=body)

    def list(self, path: str, *, limit: int = 50, cursor: str | None = None, follow: bool = False,
             **query) -> tuple[list[dict], str | None]:
        """Items of a list route and the cursor left over; with `follow`, every page."""
        items: list[dict] = []
        while True:
            page = self.get(path, limit=limit, cursor=cursor, **query) or {}
            items += page.get("items") or []
            cursor = page.get("next_cursor")
            if not cursor or not follow:
                return items, cursor


def _decode(status: int, headers: dict, raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        data = json.loads(text) if text.strip() else None
    except ValueError:
        data = None
    if 200 <= status < 300:
        if data is None and text.strip():
            raise ApiError(status, "not_json", f"expected JSON, got {headers.get('content-type', 'no type')}: "
                                               f"{text[:200]!r}")
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return _raise(status, str(error.get("code") or f"http_{status}"), str(error.get("message") or ""),
                      error.get("fields") if isinstance(error.get("fields"), dict) else None, headers)
    # not our format: API Gateway ({"message": "Forbidden"}), a proxy's HTML page, ...
    message = data.get("message") if isinstance(data, dict) and isinstance(data.get("message"), str) else None
    _raise(status, f"http_{status}", message or text.strip()[:300] or http.client.responses.get(status, "error"),
           None, headers)


def _raise(status, code, message, fields, headers):
    raise ApiError(status, code, message, fields, headers.get("retry-after"))
