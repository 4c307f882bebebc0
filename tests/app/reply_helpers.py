"""Replies as SES receiving delivers them: the AWS documentation's sample notification carrying a reply to one
of our emails, in an SNS envelope on the inbound topic, signed as tests sign every SNS delivery (sns_signing)."""
import base64
import copy
import json
import re
import uuid

from tests.app import sns_signing

INBOUND = "arn:aws:sns:us-east-1:000000000000:crm-inbound"


def reply_to(sent_raw: str, text: str = "Yes, I'd love to hear more.", *, headers: tuple[str, ...] = (),
             subject: str | None = None, to: str | None = None, in_reply_to: str | None = None,
             sender: str = "Ada Lovelace <ada@example.com>") -> bytes:
    """A candidate's reply to an email of the outbox (its raw MIME): to its Reply-To, In-Reply-To its Message-ID,
    the email quoted under an "On ... wrote:" line, as mail programs write it."""
    reply_address = to or re.search(r"^Reply-To: <([^>]+)>", sent_raw, re.M).group(1)
    message_id = in_reply_to or re.search(r"^Message-ID: (<[^>]+>)", sent_raw, re.M).group(1)
    original_subject = re.search(r"^Subject: (.*)$", sent_raw, re.M).group(1).strip()
    head = [f"From: {sender}", f"To: {reply_address}", f"Subject: {subject or 'Re: ' + original_subject}",
            "Date: Mon, 30 Nov 2026 09:00:00 +0000", f"Message-ID: <{uuid.uuid4().hex}@mail.example.com>",
            f"In-Reply-To: {message_id}", f"References: {message_id}", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8", *headers]
    body = f"{text}\r\n\r\nOn Sat, 28 Nov 2026 at 10:00, Talent <talent@example.com> wrote:\r\n> Hello there\r\n"
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8")


def received(raw: bytes, *, encoding: str = "UTF8", ses_id: str | None = None, recipients: list[str] | None = None,
             **receipt) -> dict:
    """The AWS sample of a `Received` notification with `raw` as its content (UTF8 or BASE64)."""
    notice = copy.deepcopy(sns_signing.fixture("receiving_sns_action.json"))
    notice["content"] = raw.decode("utf-8") if encoding == "UTF8" else base64.b64encode(raw).decode("ascii")
    notice["receipt"]["action"].update(encoding=encoding, topicArn=INBOUND)
    to = recipients if recipients is not None else re.findall(rb"^To: (\S+)", raw, re.M)[0].decode().split(",")
    notice["receipt"]["recipients"] = notice["mail"]["destination"] = to
    notice["mail"]["messageId"] = ses_id or uuid.uuid4().hex
    notice["receipt"].update(receipt)
    return notice


def delivery(notice: dict, sns_id: str | None = None, topic: str = INBOUND) -> dict:
    """The AWS sample SNS envelope carrying `notice`, from `topic`, signed."""
    envelope = copy.deepcopy(sns_signing.fixture("sns_envelope_notification.json"))
    envelope.update(MessageId=sns_id or str(uuid.uuid4()), TopicArn=topic, Message=json.dumps(notice),
                    SigningCertURL=sns_signing.CERT_URL)
    envelope.pop("Subject", None)
    return sns_signing.sign(envelope)


def post_reply(client, notice: dict, sns_id: str | None = None, topic: str = INBOUND):
    return client.http.post("/webhooks/ses", headers={"Content-Type": "text/plain; charset=UTF-8"},
                            body=json.dumps(delivery(notice, sns_id, topic)))
