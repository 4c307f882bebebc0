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
from ..domain.errors import Forbidden
from ..domain.vocabulary import AuditOutcome
from ..http import Api, bearer_token, client_ip, route_of

_principal: ContextVar[Principal | None] = ContextVar("principal", default=None)


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
        principal = wiring.auth().authenticate(bearer_token(request))
        method, route = route_of(request)
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
