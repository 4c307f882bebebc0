"""Templates in the workspace: the editor with merge fields, the live preview as a chosen person gets it, test sends.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
