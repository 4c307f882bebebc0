"""The deliverability doctor over HTTP (admins): GET /doctor runs `crm doctor`'s checks for this stage.

The same service as the workspace's Settings page (services/doctor.py); the checks are domain/doctor.py's.
"""
from __future__ import annotations

from .. import wiring
from ..http import json_response
from . import blueprint
from .retention import unknown_params

routes, api = blueprint(__name__)


@routes.route("/doctor", methods=["GET"])
@api.recruiter
def doctor_report():
    unknown_params(routes.current_request, ())
    return json_response(wiring.doctor().report())
