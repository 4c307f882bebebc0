"""A person's profile in the workspace: see and edit it, tags, touchpoints, static pools, the timeline in words,
export, erasure with a confirmation.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
