"""SES events through SNS: verified, de-duplicated, and acted on.

Permanent bounce: the address is suppressed at once (status `bounced`). Transient bounces:
suppressed after 3 within 30 days. Complaint: unsubscribed and suppressed (status `complained`).
Delivery, Reject, DeliveryDelay and Rendering Failure update the send. A campaign send's permanent bounce or
complaint, counted once, feeds the deliverability autopilot (services/deliverability.py: its rates and pauses);
transient bounces do not count there. Everything ties back to the
send through the SES message id, or, for an event that comes before the worker recorded the send (a chunk's
record is written once all its sends answered), through the send key its message tags name. A redelivered SNS
message (same MessageId) and a duplicate event change nothing; an event we failed half-way is done again whole
by SNS's retry (the address suppressed before the send is marked).

Replies come through here too: SES receiving notifications from CRM_INBOUND_TOPIC_ARN, verified the same way
and handed to the reply service (services/replies.py). Each topic's subscription is confirmed.
"""
from __future__ import annotations

from datetime import timedelta

from ..domain.analytics import counters
from ..domain.campaigns import MAX_STEPS
from ..domain.clock import is_id, iso, utcnow
from ..domain.emails import normalize_email
from ..domain.errors import ValidationError
from ..domain.ses_events import parse_ses_event
from ..domain.tracking import send_key
from ..domain.vocabulary import SUPPRESSED_STATUSES, CandidateStatus, DecisionReason, SendStatus
from ..observability import count, logger
from .sns_inbox import SnsInbox

SOFT_BOUNCE_WINDOW = timedelta(days=30)
SOFT_BOUNCES_TO_SUPPRESS = 3


class SesWebhookService:
    def __init__(self, settings, keys, sends, candidates, timeline, memberships, stats, verifier, confirmer,
                 exits=None, replies=None, deliverability=None):
        self.settings = settings
        self.deliverability = deliverability  # DeliverabilityService: rates per campaign and account, pauses
        self.exits = exits
        self.replies = replies  # ReplyService: the inbound topic's notifications
        self.keys = keys
        self.sends = sends
        self.candidates = candidates
        self.timeline = timeline
        self.memberships = memberships
        self.stats = stats
        self.inbox = SnsInbox(keys, verifier, confirmer, "an SES event")

    def receive(self, raw: bytes) -> tuple[int, dict]:
        return self.inbox.receive(raw, self.settings, self._topic, self._on_message)

    def _topic(self, envelope: dict) -> str:
        """The topic the envelope must be from: the inbound one when it names it (and replies are handled)."""
        inbound = self.settings.inbound_topic_arn
        return inbound if self.replies is not None and envelope.get("TopicArn") == inbound else \
            self.settings.ses_topic_arn

    def _on_message(self, envelope: dict, message: dict) -> str:
        if self.replies is not None and envelope.get("TopicArn") == self.settings.inbound_topic_arn:
            return self.replies.receive(message)
        return self.handle_event(message)

    # ------------------------------------------------------------ one SES event

    def handle_event(self, message: dict) -> str:
        event = parse_ses_event(message)
        if event.ignored:  # SES never sends these: worth a look, but the rest of the event still counts
            logger().warning("SES event fields of the wrong type ignored",
                             extra={"type": event.raw_type, "fields": event.ignored[:20]})
        handler = getattr(self, f"_{event.kind}", None)
        if handler is None:
            logger().info("SES event type ignored", extra={"type": event.raw_type})
            return "ignored"
        send = self._send_of(event)
        count(f"Ses{event.kind.title().replace('_', '')}")
        return handler(event, send)

    def _send_of(self, event) -> dict | None:
        """The send the event is about: by its SES message id, else (not recorded yet, or the index behind)
        by the campaign send its message tags name, while that send carries no other message id."""
        send = self.sends.by_message(event.message_id) if event.message_id else None
        if send is not None:
            return send
        key = _tagged_key(event.tags)
        send = self.sends.get(key) if key else None
        if send is None or send.get("status") == SendStatus.SKIPPED:
            return None
        return send if send.get("message_id") in (None, event.message_id) else None

    def _people(self, event, send) -> list[str]:
        """Candidate ids this event is about: the send's person, else by the recipients' addresses."""
        addresses = self._addresses(event)
        if send:
            person = self.candidates.get(send["candidate_id"])
            if person and (not addresses or person["email"] in addresses):
                return [person["id"]]
        return [cid for cid in (self.candidates.id_for_email(a) for a in addresses) if cid]

    @staticmethod
    def _addresses(event) -> list[str]:
        addresses = []
        for raw in event.recipients:
            try:
                addresses.append(normalize_email(raw.split("<")[-1].rstrip(">")))
            except ValidationError:
                continue
        return addresses

    def _count(self, send, metric: str) -> None:
        if send and send.get("campaign_id"):
            self.stats.add(f"campaign#{send['campaign_id']}", counters(metric, send.get("step", 0), send.get("variant")))

    def _autopilot(self, event, send, people: list[str], metric: str) -> None:
        """A campaign send's first permanent bounce or complaint, to the deliverability rates (and pauses)."""
        if self.deliverability is None or not send or not send.get("campaign_id"):
            return
        address = next(iter(self._addresses(event)), None)
        if address is None and people:
            address = (self.candidates.get(people[0]) or {}).get("email")
        self.deliverability.event(send["campaign_id"], metric, address or "")

    def _suppress(self, candidate_id: str, status: CandidateStatus, reason: str, at: str) -> None:
        def change(current: dict) -> dict:
            if current.get("status") in SUPPRESSED_STATUSES and status == CandidateStatus.BOUNCED:
                return current  # already suppressed: a complaint stays a complaint
            updated = dict(current, status=status, updated_at=iso())
            if status == CandidateStatus.COMPLAINED:
                updated["preferences"] = {**(current.get("preferences") or {}), "unsubscribed_all": True,
                                          "source": "complaint", "updated_at": iso()}
            return updated

        result = self.candidates.update(candidate_id, change)
        if result and result[1] is not result[0]:
            self.memberships.apply([result])
            self.timeline.add(candidate_id, status, {"reason": reason, "at": at})
            if self.exits:
                self.exits.end(candidate_id, DecisionReason(status))
            logger().info("address suppressed", extra={"candidate_id": candidate_id, "status": status})

    def _bounce(self, event, send) -> str:
        at = event.at or iso()
        if event.permanent:
            # suppressed before the send is marked: if we fail half-way, SNS's retry suppresses again
            # (_suppress changes nothing the second time); the rates count the send's first mark only
            people = self._people(event, send)
            for candidate_id in people:
                self._suppress(candidate_id, CandidateStatus.BOUNCED, event.detail or "permanent bounce", at)
            if send and not self.sends.mark_first(send["pk"], "bounced_at", at):
                return "duplicate"
            self._count(send, "bounced")
            self._autopilot(event, send, people, "bounced")
            return "suppressed" if people else "unknown_recipient"
        if send:
            self.sends.mark_first(send["pk"], "bounced_at", at)
        people = self._people(event, send)
        for candidate_id in people:
            guard = f"softbounce#{candidate_id}#{event.feedback_id or event.message_id}"
            if not self.keys.put_new(guard, created_at=at, expires_at=utcnow() + SOFT_BOUNCE_WINDOW):
                continue
            # counted by when it reached us: SES reports within minutes, and a replayed old event
            # must not be dropped from the window
            self.timeline.add(candidate_id, "soft_bounce", {"detail": event.detail, "bounced_at": at})
            cutoff = iso(utcnow() - SOFT_BOUNCE_WINDOW)
            recent = [e for e in self.timeline.all(candidate_id) if e["kind"] == "soft_bounce" and e["at"] >= cutoff]
            if len(recent) >= SOFT_BOUNCES_TO_SUPPRESS:
                self._suppress(candidate_id, CandidateStatus.BOUNCED, f"{len(recent)} transient bounces in 30 days", at)
        return "transient"

    def _complaint(self, event, send) -> str:
        at = event.at or iso()
        people = self._people(event, send)  # as a bounce: suppressed first, the send marked (and counted) after
        for candidate_id in people:
            self._suppress(candidate_id, CandidateStatus.COMPLAINED, event.detail or "complaint", at)
        if not send or self.sends.mark_first(send["pk"], "complained_at", at):
            self._count(send, "complained")
            self._autopilot(event, send, people, "complained")
        return "suppressed"

    def _delivery(self, event, send) -> str:
        if send and self.sends.mark_first(send["pk"], "delivered_at", event.at or iso()):
            self._count(send, "delivered")
            return "delivered"
        return "duplicate" if send else "unknown_send"

    def _reject(self, event, send) -> str:
        if send and self.sends.mark_first(send["pk"], "bounced_at", iso(), status=SendStatus.FAILED,
                                          error=f"rejected: {event.detail}"):
            self._count(send, "rejected")
        return "rejected"

    def _rendering_failure(self, event, send) -> str:
        if send and self.sends.mark_first(send["pk"], "bounced_at", iso(), status=SendStatus.FAILED,
                                          error=f"rendering failure: {event.detail}"[:500]):
            self._count(send, "failed")
        return "failed"

    def _delivery_delay(self, event, send) -> str:
        if send:
            self.sends.mark_first(send["pk"], "delayed_at", event.at or iso())
        return "delayed"

    def _send(self, event, send) -> str:
        return "accepted"

    def _open(self, event, send) -> str:
        return "ignored_ses_tracking"  # we track opens and clicks ourselves (/t/o, /t/c)

    _click = _open

    def _subscription(self, event, send) -> str:
        return "ignored"


def _tagged_key(tags: dict[str, str]) -> str | None:
    """The send key a campaign email's message tags name (services/sending/channels.py), if they are well formed:
    SNS-verified, but they still become a DynamoDB key."""
    campaign_id, step, candidate_id = tags.get("campaign_id"), tags.get("step"), tags.get("candidate_id")
    if not (is_id(campaign_id, "camp") and is_id(candidate_id, "cand") and isinstance(step, str)
            and step.isascii() and step.isdigit() and len(step) <= 2 and int(step) < MAX_STEPS):
        return None
    return send_key(str(campaign_id), int(step), str(candidate_id))
