"""Local only: the outbox's "Reply as the candidate". The reply a candidate's mail program would write to an
email of the outbox (To its Reply-To, In-Reply-To its Message-ID, the original quoted below), wrapped as SES
receiving wraps it (a `Received` notification of an SNS action, the email in Base64) and signed as SNS signs a
delivery, by the stack's own signer (fake_sns.FakeSns.kept). It then goes through the webhook's own path
(SesWebhookService.receive), verification included: timeline, counts, sequence exits and the forward happen as
they would in AWS."""
from __future__ import annotations

import base64
import json
import uuid
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from chalicelib.domain.clock import iso


class CannotReply(Exception):
    """Why the outbox cannot deliver a reply (said on the page)."""


def candidate_reply(original: str, text: str, *, out_of_office: bool = False) -> bytes:
    """The raw reply to `original` (raw MIME as sent): from its To, to its Reply-To (else its From)."""
    sent = message_from_string(original, policy=policy.default)
    candidate = _address(sent.get("To"))
    answer_to = _address(sent.get("Reply-To")) or _address(sent.get("From"))
    if not candidate or not answer_to:
        raise CannotReply("this email has no address to answer from or to")
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = candidate
    reply["To"] = answer_to
    reply["Subject"] = ("Automatic reply: " if out_of_office else "Re: ") + str(sent.get("Subject", ""))
    reply["Date"] = formatdate(usegmt=True)
    reply["Message-ID"] = make_msgid(domain=candidate.rpartition("@")[2])
    if sent.get("Message-ID"):
        reply["In-Reply-To"] = reply["References"] = str(sent["Message-ID"])
    if out_of_office:
        reply["Auto-Submitted"] = "auto-replied"
    body = sent.get_body(preferencelist=("plain",))
    quoted = "\n".join(f"> {line}" for line in (body.get_content() if body is not None else "").splitlines())
    reply.set_content(f"{text}\n\nOn {sent.get('Date', 'an earlier day')}, {sent.get('From', '')} wrote:\n{quoted}\n")
    return reply.as_bytes()


def _address(value) -> str | None:
    pairs = getaddresses([str(value)]) if value else []
    return next((address.lower() for _, address in pairs if "@" in address), None)


def received_notification(raw: bytes, *, topic_arn: str) -> dict:
    """SES receiving's notification of an SNS action (Base64 encoding), as in the AWS documentation's sample."""
    reply = message_from_string(raw.decode("utf-8", "replace"), policy=policy.default)
    recipients = [address for _, address in getaddresses([str(reply.get("To", ""))]) if "@" in address]
    now, ses_id = iso(), uuid.uuid4().hex
    verdict = {"status": "PASS"}
    return {
        "notificationType": "Received",
        "receipt": {"timestamp": now, "processingTimeMillis": 1, "recipients": recipients, "spamVerdict": verdict,
                    "virusVerdict": verdict, "spfVerdict": verdict, "dkimVerdict": verdict, "dmarcVerdict": verdict,
                    "action": {"type": "SNS", "topicArn": topic_arn, "encoding": "BASE64"}},
        "mail": {"timestamp": now, "source": str(reply.get("From", "")), "messageId": ses_id,
                 "destination": recipients, "headersTruncated": False,
                 "commonHeaders": {"from": [str(reply.get("From", ""))], "to": recipients,
                                   "subject": str(reply.get("Subject", ""))}},
        "content": base64.b64encode(raw).decode("ascii"),
    }


def reply_from_outbox(message_id: str, text: str, *, out_of_office: bool) -> str:
    """Delivers the candidate's reply to the outbox email `message_id`; returns what the webhook made of it."""
    from chalicelib import wiring

    from .fake_sns import FakeSns
    from .outbox import email_view

    email = email_view(message_id)
    if email is None:
        raise CannotReply("the outbox holds no such email")
    service = wiring.ses_webhook()
    settings = service.settings
    signer = FakeSns.kept(settings.data_dir)
    if not signer.trusted_by(settings.sns_trusted_cert):
        raise CannotReply("this stack trusts another SNS certificate (CRM_SNS_TRUSTED_CERT), so it would refuse "
                          "a reply signed here")
    notice = received_notification(candidate_reply(email["raw"], text, out_of_office=out_of_office),
                                   topic_arn=settings.inbound_topic_arn)
    envelope = signer.notification(json.dumps(notice), topic_arn=settings.inbound_topic_arn,
                                   message_id=str(uuid.uuid4()))
    status, answer = service.receive(json.dumps(envelope).encode())
    if status != 200:
        raise CannotReply(f"the webhook refused the reply ({status}: {answer.get('error', {}).get('message')})")
    return str(answer.get("status"))
