"""The content calendar (recruiters): campaigns by day and each pool's cadence (GET /calendar?from=&to=)."""
from __future__ import annotations

from .. import wiring
from ..http import json_response, one_param
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/calendar", methods=["GET"])
@api.recruiter
def calendar():
    return json_response(wiring.calendar().calendar(*day_params(routes.current_request)))


def day_params(request) -> tuple[str | None, str | None]:
    """`from` and `to` as sent (checked by the calendar); each at most once."""
    return one_param(request, "from"), one_param(request, "to")
