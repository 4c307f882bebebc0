"""Replies to campaign emails: SES receiving publishes each email sent to the reply domain to
CRM_INBOUND_TOPIC_ARN (an SNS action); the SES webhook hands those notifications here.

A reply is matched to the send it answers by the token in its reply+<token> address (the envelope's recipients,
To, Cc, Delivered-To, X-Original-To), else by In-Reply-To / References (our Message-ID carries the token; SES's
own `<id@...amazonses.com>` is looked up by SES's message id). Then:
- a person's reply: the send marked replied (`replied` counted once per send), every sequence whose exit_on has
  `replied` left, the person's engagement up, `email_replied` on their timeline with what they wrote (the quoted
  history left out), filed under its campaign (reply_list.py), and the email forwarded to the sender's mailbox,
  where the conversation goes on;
- an automatic reply (out of office, an auto-responder): `auto_replied` on the timeline, the sequence goes on;
- a delivery report arriving as a reply, and our own forward: ignored (SES's bounce events handle bounces);
- an unknown or forged token, or a spam or virus verdict that FAILED: ignored and logged.
The same email delivered again (SES's message id) changes nothing.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

from ..domain.analytics import counters
from ..domain.clock import iso, parse_iso, utcnow
from ..domain.emails import normalize_email
from ..domain.engagement import add_event
from ..domain.errors import CrmError, ValidationError
from ..domain.replies import (BadReplyToken, Mail, Received, forward_email, read_mail, read_received,
                              read_reply_token, reply_text, ses_message_id, token_of_message_id, tokens_in)
from ..domain.vocabulary import DecisionReason
from ..observability import count, logger
from .ports import Mailer, Refused
from .reply_list import file_reply

REPLY_GUARD = timedelta(days=14)  # SES's retries of one email are minutes apart


class ReplyService:
    def __init__(self, settings, keys, sends, candidates, timeline, memberships, stats, exits, campaigns,
                 mailer: Mailer, senders=None):
        self.settings = settings
        self.keys = keys
        self.sends = sends  # TrackingSends: get, by_message, mark_first
        self.candidates = candidates
        self.timeline = timeline
        self.memberships = memberships
        self.stats = stats
        self.exits = exits
        self.campaigns = campaigns
        self.mailer = mailer
        self.senders = senders  # services/senders.py: whose mailbox a campaign's replies go to

    def receive(self, message: dict) -> str:
        """One SNS notification from the inbound topic; returns what became of it."""
        received = read_received(message)
        if received is None:  # SES's set-up notification, or not from SES receiving at all
            logger().info("inbound notification is no received email: ignored",
                          extra={"type": str(message.get("notificationType"))[:60]})
            return "ignored"
        if received.refused:
            logger().warning("inbound email ignored: SES's verdict failed",
                             extra={"verdict": received.refused, "ses_message_id": received.ses_message_id})
            count("ReplyRefused")
            return f"ignored_{received.refused}"
        if received.raw is None:
            logger().warning("inbound email without readable content: ignored",
                             extra={"ses_message_id": received.ses_message_id})
            return "ignored_no_content"
        guard = f"reply#{received.ses_message_id or hashlib.sha256(received.raw).hexdigest()}"
        if not self.keys.put_new(guard, created_at=iso(), expires_at=utcnow() + REPLY_GUARD):
            return "duplicate"
        try:
            return self._handle(received)
        except Exception:
            self.keys.delete(guard)  # SNS's retry does it again
            raise

    def _handle(self, received: Received) -> str:
        assert received.raw is not None
        mail = read_mail(received.raw)
        if mail.forwarded_by_us or self._ours(mail.from_address):
            logger().warning("our own email came back to the reply domain: ignored")
            return "ignored_own"
        if mail.report:
            logger().info("a delivery report reached the reply domain: not a reply", extra={"why": mail.report})
            return "ignored_report"
        send = self._send_of(received, mail)
        person = self.candidates.get(send["candidate_id"]) if send else None
        if send is None or person is None:  # no such send, or the person was erased since
            logger().warning("inbound email matched no send: ignored",
                             extra={"ses_message_id": received.ses_message_id, "references": len(mail.references)})
            count("ReplyUnmatched")
            return "unknown"
        at = iso()
        if mail.automatic:
            self.timeline.add(person["id"], "auto_replied", {**_about(send), "subject": mail.subject[:200],
                                                              "reason": mail.automatic}, at=at)
            self._count(send, "auto_replied")
            count("AutoReplyReceived")
            return "auto_replied"
        return self._replied(send, person, mail, received.raw, at)

    def _ours(self, address: str | None) -> bool:
        """Mail from our own sending address or reply domain is never a candidate's reply."""
        return address is not None and (address == self.settings.from_email
                                         or address.rpartition("@")[2] == self.settings.reply_domain)

    # ------------------------------------------------------------ which send it answers

    def _send_of(self, received: Received, mail: Mail) -> dict | None:
        addresses = list(received.recipients) + list(mail.addressed_to)
        for token in tokens_in(addresses, self.settings.reply_domain):
            send = self._send_named(token)
            if send is not None:
                return send
        for message_id in mail.references:
            send = self._send_of_message_id(message_id)
            if send is not None and send.get("campaign_id"):
                return send
        return None

    def _send_of_message_id(self, message_id: str) -> dict | None:
        token = token_of_message_id(message_id)
        if token is not None:
            return self._send_named(token)
        ses_id = ses_message_id(message_id)
        return self.sends.by_message(ses_id) if ses_id else None

    def _send_named(self, token: str) -> dict | None:
        try:
            named = read_reply_token(self.settings.secret, token)
        except BadReplyToken as exc:
            logger().warning("reply token not ours: ignored", extra={"problem": str(exc), "token": token[:8]})
            count("ReplyTokenRefused")
            return None
        return self.sends.get(named.send_key)

    # ------------------------------------------------------------ a person's reply

    def _replied(self, send: dict, person: dict, mail: Mail, raw: bytes, at: str) -> str:
        """Idempotent steps first: a failure part way (SNS retries) repeats as little as it can."""
        if self.sends.mark_first(send["pk"], "replied_at", at):
            self._count(send, "replied")
        left = self.exits.end(person["id"], DecisionReason.REPLIED) if self.exits is not None else []
        self._engaged(person["id"], at)
        text = reply_text(mail.body)
        entry = self.timeline.add(person["id"], "email_replied", {**_about(send), "subject": mail.subject[:200],
                                                                   "text": text, "from": mail.from_address}, at=at)
        file_reply(self.timeline, entry, person["id"], send["campaign_id"], _about(send)["step"])  # its campaign's list
        forwarded = self._forward(send, person, mail, raw, text)
        logger().info("reply recorded", extra={**_about(send), "sequences_left": len(left), "forwarded": forwarded})
        count("ReplyReceived")
        return "replied"

    def _count(self, send: dict, metric: str) -> None:
        self.stats.add(f"campaign#{send['campaign_id']}", counters(metric, send.get("step", 0), send.get("variant")))

    def _engaged(self, candidate_id: str, at: str) -> None:
        """A reply counts above a click (domain/engagement.py); the pools' copies follow."""
        now = parse_iso(at)

        def change(current: dict) -> dict:
            score = add_event(current.get("engagement_score"), current.get("engagement_at"), "reply", now)
            return dict(current, engagement_score=score, engagement_at=at,
                        last_engaged_at=max(current.get("last_engaged_at") or "", at))

        result = self.candidates.update(candidate_id, change)
        if result is not None:
            self.memberships.apply([result])

    def _forward(self, send: dict, person: dict, mail: Mail, raw: bytes, text: str) -> bool:
        """The reply to the sender's mailbox: the campaign's sender when it has one, else CRM_FROM_EMAIL. A
        refusal is logged, not retried: the reply is on the timeline either way."""
        campaign = self.campaigns.get(send["campaign_id"]) or {}
        to = self._sender_mailbox(campaign)
        step = int(send.get("step") or 0)
        context = f"the campaign “{campaign.get('name') or send['campaign_id']}”" + (f", step {step + 1}" if step else "")
        email = forward_email(original=raw, mail=mail, text=text, context=context, to=to,
                              from_email=self.settings.from_email, from_name=self.settings.company_name,
                              reply_to=self._reply_to(mail, person),
                              name=" ".join(filter(None, (person.get("first_name"), person.get("last_name")))))
        try:
            self.mailer.send_raw(from_email=self.settings.from_email, to=to, raw=email,
                                 tags={"kind": "reply_forward", "campaign_id": send["campaign_id"]})
        except Refused as refused:
            logger().error("reply not forwarded: the mailer refused it",
                           extra={"code": refused.code, "campaign_id": send["campaign_id"]})
            count("ReplyForwardFailed")
            return False
        return True

    def _sender_mailbox(self, campaign: dict) -> str:
        """The campaign's sender's address (a recruiter's own mailbox), else CRM_FROM_EMAIL; a sender who cannot be
        resolved any more (a member removed since) gets the company's mailbox."""
        if campaign.get("sender") and self.senders is not None:
            try:
                return self.senders.resolve(campaign["sender"]).email
            except CrmError:
                pass
        return self.settings.from_email

    @staticmethod
    def _reply_to(mail: Mail, person: dict) -> str:
        """Who answering the forward writes to: the address the reply came from, else the person's own."""
        try:
            return normalize_email(mail.from_address or "")
        except ValidationError:
            return person["email"]


def _about(send: dict) -> dict:
    return {"campaign_id": send["campaign_id"], "step": int(send.get("step") or 0)}
