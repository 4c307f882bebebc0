"""What every SNS HTTP endpoint of ours does with an envelope, whatever its topic carries (SES events, replies,
inbound texts): verified (signature, the expected topic, certificate and SubscribeURL hosts: domain/sns.py,
aws/sns_verify.py), a redelivery (same MessageId) a no-op, subscriptions confirmed, the message read as strict
JSON. What a message means is the caller's `on_message(envelope, message) -> status`.

An envelope we fail half-way loses its replay guard, so SNS's retry does it again whole; a message we cannot
read keeps it (SNS would only deliver the same bytes again).
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from ..domain.clock import iso, utcnow
from ..domain.errors import ValidationError
from ..domain.jsonbody import loads as strict_json
from ..domain.sns import NotVerified, parse_envelope, trusted_sns_url
from ..observability import logger

REPLAY_GUARD = timedelta(days=14)
NOT_VERIFIED = {"error": {"code": "not_verified", "message": "message not verified as from our SNS topic"}}


class SnsInbox:
    def __init__(self, keys, verifier, confirmer, carries: str):
        self.keys = keys
        self.verify = verifier
        self.confirm = confirmer
        self.carries = carries  # what its notifications are, for the logs ("an SES event", "an inbound SMS")

    def receive(self, raw: bytes, settings, topic_of: Callable[[dict], str],
                on_message: Callable[[dict, dict], str]) -> tuple[int, dict]:
        """(status code, body) for one SNS delivery; `topic_of(envelope)`: the topic it must come from."""
        envelope = parse_envelope(raw)
        try:
            self.verify(envelope, topic_arn=topic_of(envelope), trusted_cert=settings.sns_trusted_cert)
            if envelope["Type"] == "SubscriptionConfirmation" and not trusted_sns_url(envelope.get("SubscribeURL"),
                                                                                      pem=False):
                raise NotVerified("untrusted SubscribeURL")
        except NotVerified as exc:
            logger().warning("SNS message refused", extra={"reason": str(exc), "type": envelope.get("Type"),
                                                            "carries": self.carries})
            return 403, NOT_VERIFIED
        guard = f"sns#{envelope['MessageId']}"
        if not self.keys.put_new(guard, created_at=iso(), expires_at=utcnow() + REPLAY_GUARD):
            return 200, {"status": "duplicate"}
        try:
            return 200, self._handle(envelope, on_message)
        except Exception:
            self.keys.delete(guard)  # let SNS's retry do it again
            raise

    def _handle(self, envelope: dict, on_message: Callable[[dict, dict], str]) -> dict:
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
            logger().warning(f"SNS notification is not {self.carries}: ignored", extra={"problem": exc.message})
            return {"status": "ignored"}
        if not isinstance(message, dict):
            logger().warning(f"SNS notification is not {self.carries}: ignored", extra={"problem": "not an object"})
            return {"status": "ignored"}
        return {"status": on_message(envelope, message)}
