"""Texts people send to our number (AWS End User Messaging SMS two-way messaging, published to an SNS topic).

Verified exactly like the SES events (domain/sns.py, aws/sns_verify.py) and only from CRM_SMS_INBOUND_TOPIC_ARN;
a redelivered SNS message (same MessageId) changes nothing. The message: {"originationNumber",
"destinationNumber", "messageKeyword", "messageBody", "inboundMessageId", ...}. STOP and the like
(domain/sms_keywords.py) turn texts off for every person with that number, recorded on their timeline; START or
UNSTOP turns them back on only for someone who had agreed to texts before; HELP is answered by AWS. A number we
do not know, or any other message: 200, ignored.
"""
from __future__ import annotations

import re
from datetime import timedelta

from ..domain.clock import iso, utcnow
from ..domain.errors import ValidationError
from ..domain.jsonbody import loads as strict_json
from ..domain.phones import normalize_phone
from ..domain.sms_keywords import keyword
from ..domain.sns import NotVerified, parse_envelope, trusted_sns_url
from ..domain.vocabulary import SmsKeyword
from ..observability import count, logger

REPLAY_GUARD = timedelta(days=14)
SOURCE = "sms_reply"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsInboundService:
    def __init__(self, settings, keys, phones, preferences, verifier, confirmer):
        self.settings = settings
        self.keys = keys
        self.phones = phones  # store/phones.py PhoneLookup
        self.preferences = preferences  # services/preferences.py: the one way texts are turned off and on
        self.verify = verifier
        self.confirm = confirmer

    def receive(self, raw: bytes) -> tuple[int, dict]:
        envelope = parse_envelope(raw)
        try:
            self.verify(envelope, topic_arn=self.settings.sms_inbound_topic_arn,
                        trusted_cert=self.settings.sns_trusted_cert)
            if envelope["Type"] == "SubscriptionConfirmation" and not trusted_sns_url(envelope.get("SubscribeURL"),
                                                                                      pem=False):
                raise NotVerified("untrusted SubscribeURL")
        except NotVerified as exc:
            logger().warning("SNS SMS message refused", extra={"reason": str(exc), "type": envelope.get("Type")})
            return 403, {"error": {"code": "not_verified", "message": "message not verified as from our SNS topic"}}
        guard = f"sns#{envelope['MessageId']}"
        if not self.keys.put_new(guard, created_at=iso(), expires_at=utcnow() + REPLAY_GUARD):
            return 200, {"status": "duplicate"}
        try:
            return 200, self._handle(envelope)
        except Exception:
            self.keys.delete(guard)  # let SNS's retry do it again
            raise

    def _handle(self, envelope: dict) -> dict:
        kind = envelope["Type"]
        if kind == "SubscriptionConfirmation":
            self.confirm(envelope.get("SubscribeURL"))
            logger().info("SNS subscription confirmed", extra={"topic": envelope.get("TopicArn")})
            return {"status": "subscription_confirmed"}
        if kind == "UnsubscribeConfirmation":
            logger().warning("SNS subscription ended", extra={"topic": envelope.get("TopicArn")})
            return {"status": "noted"}
        try:
            message = strict_json(envelope.get("Message") or "", field="Message")
        except ValidationError as exc:
            logger().warning("SNS notification is not an inbound SMS: ignored", extra={"problem": exc.message})
            return {"status": "ignored"}
        if not isinstance(message, dict):
            return {"status": "ignored"}
        return {"status": self.handle_message(message)}

    def handle_message(self, message: dict) -> str:
        """What one inbound text did: opted_out, opted_in, unchanged, no_consent_before, ignored, unknown_number."""
        word = keyword(message.get("messageBody")) or keyword(message.get("messageKeyword"))
        if word is None or word == SmsKeyword.HELP:
            return "ignored"
        numbers = _numbers(message.get("originationNumber"))
        ids = self.phones.ids_for_phone(numbers) if numbers else []
        if not ids:
            logger().info("an SMS keyword from a number we do not know: ignored", extra={"keyword": word})
            return "unknown_number"
        inbound = message.get("inboundMessageId")
        detail = {"keyword": word, "inbound_message_id": inbound if isinstance(inbound, str) else None,
                  "message": str(message.get("messageBody") or "")[:160]}
        outcomes = [self.preferences.sms(i, on=word == SmsKeyword.START, source=SOURCE, detail=detail) for i in ids]
        count("SmsOptOut" if word == SmsKeyword.STOP else "SmsOptIn")
        for wanted in ("opted_out", "opted_in", "no_consent_before"):
            if wanted in outcomes:
                return wanted
        return "unchanged"


def _numbers(raw: object) -> list[str]:
    """How the sender's number may be stored: E.164 as AWS sends it, and as phonenumbers writes it."""
    if not isinstance(raw, str) or not _E164.match(raw.strip()):
        return []
    number = raw.strip()
    return list(dict.fromkeys(n for n in (number, normalize_phone(number, None)) if n))
