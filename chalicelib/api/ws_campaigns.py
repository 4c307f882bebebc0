"""Campaigns in the workspace: the wizard (audience, steps, settings, review), scheduling, pause, resume, cancel, a campaign's page.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
