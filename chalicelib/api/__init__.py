"""The HTTP API: one Chalice blueprint per feature, each in its own module; app.py registers them.

Every route goes through `api.public` or `api.recruiter` (chalicelib/http.py: the contract's error body,
parameter checks, recruiter auth) and hands over to a service from chalicelib/wiring.py. Imports that
reach boto3, PynamoDB or Powertools stay inside the route functions: importing app.py loads none of them.
"""
from __future__ import annotations

from chalice import Blueprint

from ..http import Api


def blueprint(import_name: str) -> tuple[Blueprint, Api]:
    """A feature's blueprint and the decorators for its routes."""
    routes = Blueprint(import_name)
    return routes, Api(routes, _verify_key)


def _verify_key(key: str | None) -> bool:
    from .. import wiring

    return wiring.api_keys().verify(key)
