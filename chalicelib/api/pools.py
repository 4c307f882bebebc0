"""Pools (recruiters): static and rule-based groups of candidates, and their members."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, page, page_params, read_json
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/pools", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def pool_create():
    return json_response(wiring.pools().create(read_json(routes.current_request)), 201)


@routes.route("/pools", methods=["GET"])
@api.recruiter
def pool_list():
    return json_response(page(*wiring.pools().list(*page_params(routes.current_request))))


@routes.route("/pools/preview", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def pool_preview():
    """Who some rules would hold, before the pool is saved (the workspace's live count)."""
    return json_response(wiring.pools().preview(read_json(routes.current_request, 64 * 1024)))


@routes.route("/pools/{pool_id}", methods=["GET"])
@api.recruiter
def pool_get(pool_id):
    return json_response(wiring.pools().get(pool_id))


@routes.route("/pools/{pool_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def pool_patch(pool_id):
    return json_response(wiring.pools().patch(pool_id, read_json(routes.current_request)))


@routes.route("/pools/{pool_id}", methods=["DELETE"])
@api.recruiter
def pool_delete(pool_id):
    return json_response(wiring.pools().delete(pool_id))


@routes.route("/pools/{pool_id}/members", methods=["GET"])
@api.recruiter
def pool_members(pool_id):
    return json_response(page(*wiring.pools().members(pool_id, *page_params(routes.current_request))))


@routes.route("/pools/{pool_id}/members", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def pool_add_members(pool_id):
    return json_response(wiring.pools().add_members(pool_id, read_json(routes.current_request)))


@routes.route("/pools/{pool_id}/members/{candidate_id}", methods=["DELETE"])
@api.recruiter
def pool_remove_member(pool_id, candidate_id):
    return json_response(wiring.pools().remove_member(pool_id, candidate_id))
