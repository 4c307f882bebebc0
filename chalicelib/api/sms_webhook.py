"""Inbound texts: AWS End User Messaging SMS two-way messaging, delivered by SNS (signature-verified) from
CRM_SMS_INBOUND_TOPIC_ARN. STOP and the like turn texts off (services/sms_inbound.py)."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, json_response, raw_body
from . import blueprint

routes, api = blueprint(__name__)
MAX_BODY = 64 * 1024  # an SNS envelope of one text message (at most 1,600 characters) is a few KiB


@routes.route("/webhooks/sms", methods=["POST"], content_types=ALL_TYPES)
@api.public
def sms_webhook():
    status, answer = wiring.sms_inbound().receive(raw_body(routes.current_request, MAX_BODY))
    return json_response(answer, status)
