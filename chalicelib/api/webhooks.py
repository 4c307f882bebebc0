"""Webhooks: SES events and replies (SNS HTTP deliveries, signature-verified) and ATS events (HMAC-signed)."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, raw_body
from . import blueprint

routes, api = blueprint(__name__)
MAX_BODY = 256 * 1024
# An SNS delivery of a received email (up to 150 KB, its text escaped twice as JSON) can pass 256 KiB.
SES_MAX_BODY = 1024 * 1024


@routes.route("/webhooks/ses", methods=["POST"], content_types=ALL_TYPES)
@api.public
def ses_webhook():
    status, answer = wiring.ses_webhook().receive(raw_body(routes.current_request, SES_MAX_BODY))
    return json_response(answer, status)


@routes.route("/webhooks/ats", methods=["POST"], content_types=ALL_TYPES)
@api.public
def ats_webhook():
    request = routes.current_request
    return json_response(wiring.ats().receive(raw_body(request, MAX_BODY), request.headers.get("x-crm-signature")))
