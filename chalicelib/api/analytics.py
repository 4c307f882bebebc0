"""Analytics (recruiters): campaign and pool funnels, the hiring overview, goals and costs."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, page, page_params, read_json
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/analytics/campaigns/{campaign_id}", methods=["GET"])
@api.recruiter
def analytics_campaign(campaign_id):
    return json_response(wiring.analytics().campaign(campaign_id))


@routes.route("/analytics/campaigns/{campaign_id}/replies", methods=["GET"])
@api.recruiter
def analytics_campaign_replies(campaign_id):
    """A campaign's replies, newest first (the campaign page's list): `?limit=` up to 100, `?cursor=`."""
    limit, cursor = page_params(routes.current_request, 50, 100)
    return json_response(page(*wiring.reply_list().page(campaign_id, limit, cursor)))


@routes.route("/analytics/pools/{pool_id}", methods=["GET"])
@api.recruiter
def analytics_pool(pool_id):
    return json_response(wiring.analytics().pool(pool_id))


@routes.route("/analytics/overview", methods=["GET"])
@api.recruiter
def analytics_overview():
    params = routes.current_request.query_params or {}
    return json_response(wiring.analytics().overview(params.get("from"), params.get("to")))


@routes.route("/goals", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def goal_create():
    return json_response(wiring.analytics().add_goal(read_json(routes.current_request)), 201)


@routes.route("/goals", methods=["GET"])
@api.recruiter
def goal_list():
    return json_response(page(wiring.analytics().goals(), None))


@routes.route("/costs", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def cost_create():
    return json_response(wiring.analytics().add_cost(read_json(routes.current_request)), 201)


@routes.route("/costs", methods=["GET"])
@api.recruiter
def cost_list():
    params = routes.current_request.query_params or {}
    return json_response(page(wiring.analytics().costs_in(params.get("from"), params.get("to")), None))
