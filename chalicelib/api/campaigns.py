"""Campaigns (recruiters): create, list, read, and one route per action on a campaign."""
from __future__ import annotations

from .. import wiring
from ..domain.vocabulary import CampaignAction
from ..http import ALL_TYPES, json_response, page, page_params, read_json
from . import blueprint

routes, api = blueprint(__name__)
ACTIONS = tuple(CampaignAction)


@routes.route("/campaigns", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_create():
    return json_response(wiring.campaigns().create(read_json(routes.current_request)), 201)


@routes.route("/campaigns", methods=["GET"])
@api.recruiter
def campaign_list():
    return json_response(page(*wiring.campaigns().list(*page_params(routes.current_request))))


@routes.route("/campaigns/{campaign_id}", methods=["GET"])
@api.recruiter
def campaign_get(campaign_id):
    service = wiring.campaigns()
    return json_response(service.view(service.get(campaign_id)))


@routes.route("/campaigns/{campaign_id}", methods=["PATCH"], content_types=ALL_TYPES)
@api.recruiter
def campaign_patch(campaign_id):
    """A draft's change: the fields sent (409 once it is scheduled)."""
    return json_response(wiring.campaigns().patch(campaign_id, read_json(routes.current_request)))


@routes.route("/campaigns/{campaign_id}/review", methods=["GET"])
@api.recruiter
def campaign_review(campaign_id):
    """Who the audience holds and who can be reached, by reason; `complete: false`: ask again for the rest."""
    return json_response(wiring.campaigns().review(campaign_id))


# The status actions read no body: what is sent with them is ignored, as it always was.

@routes.route("/campaigns/{campaign_id}/schedule", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_schedule(campaign_id):
    return json_response(wiring.campaigns().act(campaign_id, CampaignAction.SCHEDULE))


@routes.route("/campaigns/{campaign_id}/pause", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_pause(campaign_id):
    return json_response(wiring.campaigns().act(campaign_id, CampaignAction.PAUSE))


@routes.route("/campaigns/{campaign_id}/resume", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_resume(campaign_id):
    return json_response(wiring.campaigns().act(campaign_id, CampaignAction.RESUME))


@routes.route("/campaigns/{campaign_id}/cancel", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_cancel(campaign_id):
    return json_response(wiring.campaigns().act(campaign_id, CampaignAction.CANCEL))


@routes.route("/campaigns/{campaign_id}/test", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_test(campaign_id):
    return json_response(wiring.campaigns().test(campaign_id, read_json(routes.current_request)))


@routes.route("/campaigns/{campaign_id}/{action}", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def campaign_unknown_action(campaign_id, action):
    """Any other action. Without this route API Gateway (and Chalice locally) would answer an unmatched
    path itself: 403 {"message": "Missing Authentication Token"}, not the contract's 404 error body.
    The named routes above win over this one (a fixed segment beats a path parameter)."""
    from ..domain.errors import NotFound

    raise NotFound(f"no action {action}; use {', '.join(ACTIONS[:-1])} or {ACTIONS[-1]}")
