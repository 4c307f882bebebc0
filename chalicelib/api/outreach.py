"""One-to-one outreach (recruiters): POST /outreach writes to hand-picked people, GET /outreach/{id} says how it
goes (services/outreach.py)."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, read_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)


@routes.route("/outreach", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def outreach_create():
    """201 {"id", "queued", "skipped": [{"candidate_id", "reason"}]}; 409 when outreach is turned off."""
    return json_response(wiring.outreach().create(read_json(routes.current_request), current_principal().user_id),
                         201)


@routes.route("/outreach/{outreach_id}", methods=["GET"])
@api.recruiter
def outreach_get(outreach_id):
    return json_response(wiring.outreach().get(outreach_id))


@routes.route("/outreach/{outreach_id}/cancel", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def outreach_cancel(outreach_id):
    """Nobody gets a step that has not gone yet."""
    return json_response(wiring.outreach().cancel(outreach_id))
