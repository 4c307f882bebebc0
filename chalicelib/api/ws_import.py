"""Importing a spreadsheet in the workspace: upload, map columns, preview the failures, import with progress, the error rows.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
"""
from __future__ import annotations

from . import blueprint

routes, api = blueprint(__name__)
