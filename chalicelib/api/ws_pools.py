"""Pools in the workspace: the rule builder with a live count and sample, static pools, a pool's page.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
