"""Candidates in the workspace: browse with filters, a person's profile (edit, tags, touchpoints, pools, timeline, export, erasure).

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
