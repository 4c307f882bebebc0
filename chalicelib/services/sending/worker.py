"""The send worker: each message of the send queue to its path; a confirmation email sent at most once.

Campaign messages go to the campaign path (pipeline.CampaignSender: a batch's campaign messages
together). A confirmation message names one email: it is claimed (conditional put on its send key)
before SES is called. If the worker dies after SES accepted the email but before the claim is marked
sent, the claim stays `claimed`: it is never sent again automatically. The claim is released only
when SES surely refused the email (throttling or an outage that outlasted the client's retries), so
that SQS, bringing the message back, can send it.
"""
from __future__ import annotations

from ...domain.messages import build_mime, confirmation_email
from ...domain.suppression import is_suppressed
from ...observability import count, logger
from ..ports import Refused, SendStore, TimelineStore


class RetryLater(Exception):
    """Raised for a message that should come back through the queue (SES throttling, outage)."""


class SendWorker:
    def __init__(self, settings, candidates, timeline: TimelineStore, sends: SendStore, mailer, signups,
                 campaigns=None):
        self.settings = settings
        self.campaigns = campaigns  # the campaign path (pipeline.CampaignSender), built by wiring
        self.candidates = candidates
        self.timeline = timeline
        self.sends = sends
        self.mailer = mailer
        self.signups = signups

    def handle(self, message: dict, remaining_ms=lambda: 60_000) -> str:
        """Returns what happened: sent, skipped:<why>, failed:<code>. Raises RetryLater."""
        kind = message.get("type")
        if kind == "confirmation":
            return self._confirmation(message)
        if kind == "campaign" and self.campaigns is not None:
            return self.campaigns.handle(message, remaining_ms)
        logger().error("unknown send message type", extra={"type": kind})
        return "skipped:unknown_type"

    def handle_batch(self, messages: list[dict], remaining_ms=lambda: 60_000) -> list:
        """One invocation's messages, in order: for each, what happened or the exception that failed it.
        Campaign messages go through the campaign path together (one pipeline across messages)."""
        outcomes: list = [None] * len(messages)
        campaign = {i for i, m in enumerate(messages) if m.get("type") == "campaign" and self.campaigns is not None}
        if campaign:
            ordered = sorted(campaign)
            batch = self.campaigns.handle_batch([messages[i] for i in ordered], remaining_ms)
            for index, outcome in zip(ordered, batch):
                outcomes[index] = outcome
        for index, message in enumerate(messages):
            if index not in campaign:
                try:
                    outcomes[index] = self.handle(message, remaining_ms)
                except Exception as exc:
                    outcomes[index] = exc
        return outcomes

    def _confirmation(self, message: dict) -> str:
        candidate_id, consent_id = message.get("candidate_id"), message.get("consent_id")
        if not isinstance(candidate_id, str) or not candidate_id:
            return "skipped:no_candidate"
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            return "skipped:no_candidate"  # erased meanwhile
        if is_suppressed(candidate):
            return "skipped:suppressed"  # bounced or complained since the sign-up
        consent = self.timeline.get(candidate_id, consent_id) if consent_id else None
        if consent is None or consent["data"].get("confirmed_at"):
            return "skipped:no_pending_consent"

        days = max(1, self.settings.confirm_ttl_seconds // 86400)
        subject, text, html_body = confirmation_email(  # nothing the sign-up typed: it is not confirmed yet
            confirm_url=self.signups.confirm_url(candidate_id, consent_id),
            company=self.settings.company_name, valid_days=days,
        )
        key = f"confirm#{candidate_id}#{consent_id}"
        if not self.sends.claim(key, kind="confirmation", candidate_id=candidate_id, subject=subject):
            return "skipped:already_claimed"
        raw = build_mime(from_email=self.settings.from_email, from_name=self.settings.company_name,
                         to=candidate["email"], subject=subject, text=text, html_body=html_body)
        return self._send(key, candidate_id, candidate["email"], raw, {"kind": "confirmation"}, subject)

    def _send(self, key: str, candidate_id: str, to: str, raw: bytes, tags: dict, subject: str) -> str:
        try:
            message_id = self.mailer.send_raw(from_email=self.settings.from_email, to=to, raw=raw,
                                              tags={**tags, "send_key": tag(key)})
        except Refused as refused:
            if refused.retryable:
                self.sends.release(key)  # not released (erased, or no longer claimed): the message, back, finds out
                count("SendThrottled")
                raise RetryLater(refused.code) from None
            self.sends.mark_failed(key, str(refused))
            logger().warning("SES refused an email", extra={"candidate_id": candidate_id, "code": refused.code})
            count("SendFailed")
            return f"failed:{refused.code}"
        self.sends.mark_sent(key, message_id)
        self.timeline.add(candidate_id, "email_sent", {"subject": subject, "message_id": message_id,
                                                       "send_key": key, **tags})
        count("EmailSent")
        return "sent"


def tag(value: str) -> str:
    """SES tag values allow letters, digits, _ . - and @ only."""
    return "".join(ch if ch.isalnum() or ch in "_.-@" else "_" for ch in value)[:256]
