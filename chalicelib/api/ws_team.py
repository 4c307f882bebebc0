"""The team in the workspace (admins): members, invitations, roles, API keys, the audit log.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
