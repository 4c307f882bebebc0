"""Signs SNS envelopes the way SNS does, with a test key, so the real verification runs."""
import copy
import json
from functools import lru_cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses-events"
TOPIC = "arn:aws:sns:us-east-1:000000000000:crm-ses-events"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"


@lru_cache(maxsize=1)
def signer():
    from crmlocal.fake_sns import FakeSns

    return FakeSns()


def key_and_cert():
    return signer().key, signer().certificate_pem


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(envelope: dict, version: str = "1") -> dict:
    return signer().sign(dict(envelope, SigningCertURL=envelope.get("SigningCertURL", CERT_URL)), version)


def notification(ses_event: dict, message_id: str, version: str = "1") -> dict:
    """The AWS sample envelope carrying `ses_event`, re-addressed to our topic and signed."""
    envelope = copy.deepcopy(fixture("sns_envelope_notification.json"))
    envelope.update(MessageId=message_id, TopicArn=TOPIC, Message=json.dumps(ses_event), SigningCertURL=CERT_URL)
    envelope.pop("Subject", None)
    return sign(envelope, version)


def ses_event(name: str, *, message_id: str, email: str) -> dict:
    """An AWS sample SES event about one of our sends."""
    event = copy.deepcopy(fixture(name))
    event["mail"]["messageId"] = message_id
    event["mail"]["destination"] = [email]
    for section, field in (("bounce", "bouncedRecipients"), ("complaint", "complainedRecipients"),
                           ("deliveryDelay", "delayedRecipients")):
        if section in event:
            event[section][field] = [dict(event[section][field][0], emailAddress=email)]
    if "delivery" in event:
        event["delivery"]["recipients"] = [email]
    return event
