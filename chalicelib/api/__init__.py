"""The HTTP API: one Chalice blueprint per feature, each in its own module; app.py registers them.

Every route goes through `api.public` or `api.recruiter` (chalicelib/http.py: the contract's error body,
parameter checks, the team's sign-in) and hands over to a service from chalicelib/wiring.py. Imports that
reach boto3, PynamoDB or Powertools stay inside the route functions: importing app.py loads none of them.

A recruiter route passes the gate below: the bearer (a sign-in token or an API key) names a team member,
the member's role must allow the route (domain/accounts.py `may`), and writes and reads of one person's full
data are written to the audit log, refusals too.
"""
from __future__ import annotations

import json
from contextvars import ContextVar

from chalice import Blueprint, Response

from ..domain.accounts import ERASURES, Principal, audited, may
from ..domain.errors import CrmError, Forbidden, Unauthorized
from ..domain.vocabulary import AuditOutcome
from ..http import Api, bearer_token, client_ip, cookie, route_of, same_origin

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)
SESSION_COOKIE = "crm_session"  # the workspace's sign-in: a token or an API key, HttpOnly, SameSite=Strict


def blueprint(import_name: str) -> tuple[Blueprint, Api]:
    """A feature's blueprint and the decorators for its routes."""
    routes = Blueprint(import_name)
    return routes, Api(routes, _Gate())


def current_principal() -> Principal:
    """The member the current recruiter request acts as (set by the gate before the route runs)."""
    principal = _principal.get()
    if principal is None:
        raise RuntimeError("current_principal() outside a recruiter route")
    return principal


class _Gate:
    def admit(self, request) -> Principal:
        from .. import wiring

        _principal.set(None)
        method, route = route_of(request)
        credential = bearer_token(request)
        if credential is None and (credential := cookie(request, SESSION_COOKIE)) is not None:
            # a browser sends the cookie wherever the request comes from: a change must come from our own pages
            if method not in ("GET", "HEAD") and not same_origin(request, wiring.get_settings().public_url):
                raise Forbidden("a change to the workspace must come from its own pages", code="cross_site")
        principal = wiring.auth().authenticate(credential)
        if not may(principal.role, method, route):
            wiring.audit().record(principal, action=f"{method} {route}", target=_target(request, None),
                                  ip=client_ip(request), outcome=AuditOutcome.REFUSED)
            raise Forbidden(f"a {principal.role} may not {method} {route}")
        _principal.set(principal)
        return principal

    def done(self, request, principal: Principal, params: dict, result) -> None:
        from .. import wiring

        method, route = route_of(request)
        status = result.status_code if isinstance(result, Response) else 200
        if status < 400 and audited(method, route):
            target = _target(request, result)
            if target and (method, route) in ERASURES:
                target = wiring.audit().pseudonym(target)
            wiring.audit().record(principal, action=f"{method} {route}", target=target, ip=client_ip(request))


    def error_page(self, request, error: CrmError) -> Response:
        """What a workspace page answers for an error: the sign-in page for a visitor who is not signed in
        (an htmx request is told to go there), else the error as a page."""
        from ..web.workspace import error_page, sign_in_redirect

        if isinstance(error, Unauthorized):
            return sign_in_redirect(request)
        return error_page(error, _principal.get())


def _target(request, result) -> str | None:
    """The record acted on: the route's first id parameter, else the id a create answered with."""
    for value in (request.uri_params or {}).values():
        return str(value)
    body = result.body if isinstance(result, Response) else result
    if isinstance(body, str) and body.startswith("{"):
        try:
            body = json.loads(body)
        except ValueError:
            return None
    return str(body["id"]) if isinstance(body, dict) and isinstance(body.get("id"), str) else None
