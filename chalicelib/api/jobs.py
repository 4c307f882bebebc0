"""Jobs (recruiters): openings, the pool members who match them, and job-alert campaigns."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, page, page_params, read_json
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/jobs", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def job_create():
    return json_response(wiring.jobs().create(read_json(routes.current_request)), 201)


@routes.route("/jobs", methods=["GET"])
@api.recruiter
def job_list():
    return json_response(page(*wiring.jobs().list(*page_params(routes.current_request))))


@routes.route("/jobs/{job_id}", methods=["GET"])
@api.recruiter
def job_get(job_id):
    service = wiring.jobs()
    return json_response(service.view(service.get(job_id)))


@routes.route("/jobs/{job_id}/matches", methods=["GET"])
@api.recruiter
def job_matches(job_id):
    request = routes.current_request
    limit, _ = page_params(request)
    pool = (request.query_params or {}).get("pool")
    return json_response(page(wiring.jobs().matches(job_id, pool=pool, limit=limit), None))


@routes.route("/jobs/{job_id}/alert", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def job_alert(job_id):
    return json_response(wiring.campaigns().job_alert(job_id), 201)
