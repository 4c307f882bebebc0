"""Jobs in the workspace: open a job, its ranked matches with reasons, a job alert to them.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
