"""Deliverability (recruiters read, an admin resumes): the autopilot's rates, state and what it paused."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response
from . import blueprint, current_principal

routes, api = blueprint(__name__)


@routes.route("/deliverability", methods=["GET"])
@api.recruiter
def deliverability_report():
    return json_response(wiring.deliverability().report())


@routes.route("/deliverability/resume", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def deliverability_resume():
    """An admin lifts the account-wide pause of marketing sending (audited, as every POST)."""
    return json_response(resume_sending())


def resume_sending() -> dict:
    """The account's marketing sending resumed by the signed-in member (the page's button too)."""
    from ..domain.vocabulary import CampaignAction

    campaigns = wiring.campaigns()
    return wiring.deliverability().resume_account(current_principal().role,
                                                  lambda campaign_id: campaigns.act(campaign_id, CampaignAction.RESUME))
