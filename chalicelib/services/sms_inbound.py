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

from ..domain.phones import normalize_phone
from ..domain.sms_keywords import keyword
from ..domain.vocabulary import SmsKeyword
from ..observability import count, logger
from .sns_inbox import SnsInbox

SOURCE = "sms_reply"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class SmsInboundService:
    def __init__(self, settings, keys, phones, preferences, verifier, confirmer):
        self.settings = settings
        self.keys = keys
        self.phones = phones  # store/phones.py PhoneLookup
        self.preferences = preferences  # services/preferences.py: the one way texts are turned off and on
        self.inbox = SnsInbox(keys, verifier, confirmer, "an inbound SMS")

    def receive(self, raw: bytes) -> tuple[int, dict]:
        return self.inbox.receive(raw, self.settings, lambda envelope: self.settings.sms_inbound_topic_arn,
                                  lambda envelope, message: self.handle_message(message))

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
