"""Silver medalists for a job (recruiters): those among its matches (GET), and a draft permission request to them
(POST /jobs/{id}/silver-medalists: the campaign wizard reviews it before it is scheduled)."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/jobs/{job_id}/silver-medalists", methods=["GET"])
@api.recruiter
def job_silver_medalists(job_id):
    return json_response(wiring.silver_medalists().for_job(job_id))


@routes.route("/jobs/{job_id}/silver-medalists", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def job_silver_medalists_request(job_id):
    return json_response(wiring.silver_medalists().request_permission(job_id), 201)
