"""How a campaign message is rendered and sent to one person, by email or by SMS.

Each channel does two things: `prepare` renders the message when the recipient is read (ahead of
the claim; an email whose claim is lost is never sent), and `send` hands it to its port
(services/ports.py) on a send thread, turning the answer into an Outcome:
- sent: the provider took it (its message id is recorded, and for an email our own Message-ID);
- failed: a render error or a refusal for good (recorded, never retried);
- retry: a retryable refusal that outlasted the client's own retries (chalicelib/aws/clients.py);
  the pipeline then releases the claim, since the provider surely did not take it, and the person
  goes back through the queue. No retry loop here: one retry policy, botocore's.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from ...domain.campaign_email import BuiltEmail, Sender, build_campaign_email, unsubscribe_url
from ...domain.quiet_hours import normalize_phone
from ...domain.templates import render
from ...domain.deliverability import stream_of
from ...domain.tracking import send_key
from ...domain.errors import CrmError
from ...domain.vocabulary import BatchOutcome, MailStream
from ...observability import count, logger
from ..ports import Mailer, Refused, SmsGateway

SMS_TEXT_CHARS = 400  # of the template's text, before " Opt out: <link>" (at most 480 in all)


@dataclass
class Outcome:
    key: str
    candidate_id: str
    status: BatchOutcome  # sent, failed, retry
    message_id: str | None = None
    error: str | None = None
    links: list | None = None
    own_message_id: str | None = None  # the Message-ID we wrote (SES sends under its own, `message_id`)


@dataclass
class Text:
    """An SMS ready to go: the number and the words."""
    phone: str
    text: str


def _failed(campaign: dict, step: int, person: dict, error: str) -> Outcome:
    return Outcome(send_key(campaign["id"], step, person["id"]), person["id"], BatchOutcome.FAILED, error=error)


def _refused(campaign: dict, step: int, person: dict, refused: Refused) -> Outcome:
    """A refusal for good is recorded; a retryable one sends the person back through the queue."""
    if not refused.retryable:
        return _failed(campaign, step, person, str(refused)[:500])
    return Outcome(send_key(campaign["id"], step, person["id"]), person["id"], BatchOutcome.RETRY, error="throttled")


class EmailChannel:
    """Campaign emails through the Mailer port (SES), each under the global send rate. `reply_domain`
    (CRM_REPLY_DOMAIN): each email's Reply-To is reply+<its send's token> there, so replies come back to us.
    `mailers`: the mailer of each MailStream (SES configuration set), chosen by the campaign's kind
    (domain/deliverability.py stream_of); `mailer` serves a stream without its own."""

    def __init__(self, sender: Sender, mailer: Mailer, limiter, reply_domain: str = "", senders=None,
                 mailers: Mapping[MailStream, Mailer] | None = None):
        self.sender = sender
        self.mailer = mailer
        self.mailers = dict(mailers or {})
        self.limiter = limiter
        self.reply_domain = reply_domain
        self.senders = senders  # services/senders.py: a campaign's own sender (a recruiter), resolved
        self._as: dict[str, Sender] = {}  # campaign id -> who its emails come from, for one invocation

    def forget(self) -> None:
        """A new invocation reads the campaigns' senders again (a renamed recruiter signs with the new name)."""
        self._as = {}

    def sender_of(self, campaign: dict) -> Sender:
        """Who the campaign's emails come from: its sender, else the company's address. A sender who cannot be
        resolved any more (a member removed after scheduling) falls back to the company's, and says so."""
        if campaign["id"] not in self._as:
            chosen = self.sender
            if campaign.get("sender") and self.senders is not None:
                try:
                    resolved = self.senders.resolve(campaign["sender"])
                    chosen = replace(self.sender, from_email=resolved.email,
                                     from_name=resolved.display(self.sender.company.get("name") or ""))
                except CrmError as problem:
                    logger().warning("campaign sender unavailable: sent from the company's address",
                                     extra={"campaign_id": campaign["id"], "problem": problem.message})
            self._as[campaign["id"]] = chosen
        return self._as[campaign["id"]]

    def prepare(self, campaign: dict, step: int, template: dict, job: dict | None,
                person: dict) -> BuiltEmail | Outcome:
        try:
            return build_campaign_email(self.sender_of(campaign), template, candidate=person, job=job,
                                        campaign_id=campaign["id"], step=step, reply_domain=self.reply_domain,
                                        kind=campaign.get("kind"))
        except Exception as exc:  # a template that cannot render for this person: recorded, not retried
            logger().error("campaign email did not render", extra={"candidate_id": person["id"], "error": str(exc)})
            return _failed(campaign, step, person, f"render: {exc}")

    def mailer_of(self, campaign: dict) -> Mailer:
        """The mailer (configuration set) of the campaign's kind: marketing, or one-to-one outreach."""
        return self.mailers.get(stream_of(campaign), self.mailer)

    def send(self, campaign: dict, step: int, person: dict, email: BuiltEmail) -> Outcome:
        self.limiter.acquire()
        try:
            message_id = self.mailer_of(campaign).send_raw(
                from_email=self.sender_of(campaign).from_email, to=person["email"], raw=email.raw,
                tags={"campaign_id": campaign["id"], "step": str(step), "candidate_id": person["id"]})
        except Refused as refused:
            if refused.retryable:
                count("SendThrottled")
            return _refused(campaign, step, person, refused)
        return Outcome(send_key(campaign["id"], step, person["id"]), person["id"], BatchOutcome.SENT,
                       message_id=message_id, links=email.links, own_message_id=email.message_id)


class SmsChannel:
    """Campaign texts through the SmsGateway port (SNS): the template's text part, plain, with how to opt out."""

    def __init__(self, sender: Sender, sms: SmsGateway):
        self.sender = sender
        self.sms = sms

    def prepare(self, campaign: dict, step: int, template: dict, job: dict | None, person: dict) -> Text | Outcome:
        link = unsubscribe_url(self.sender, campaign["id"], step, person["id"])
        try:
            text = render(dict(template, html=template.get("text") or ""), candidate=person, job=job,
                          company=self.sender.company, unsubscribe_url=link, preferences_url=link).text
        except Exception as exc:
            return _failed(campaign, step, person, f"render: {exc}")
        words = " ".join(text.split("--")[0].split())[:SMS_TEXT_CHARS]  # the footer after "--" is dropped
        phone = normalize_phone(person.get("phone"), person.get("country"))
        if phone is None:  # decide() skips people with no valid number (no_phone), so this does not happen
            return _failed(campaign, step, person, "no valid phone number")
        return Text(phone, f"{words} Opt out: {link}")

    def send(self, campaign: dict, step: int, person: dict, text: Text) -> Outcome:
        try:
            message_id = self.sms.send(text.phone, text.text)
        except Refused as refused:
            return _refused(campaign, step, person, refused)
        return Outcome(send_key(campaign["id"], step, person["id"]), person["id"], BatchOutcome.SENT,
                       message_id=message_id)
