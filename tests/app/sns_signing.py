"""Signs SNS envelopes the way SNS does, with a test key, so the real verification runs."""
import base64
import copy
import json
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ses-events"
TOPIC = "arn:aws:sns:us-east-1:000000000000:crm-ses-events"
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem"


@lru_cache(maxsize=1)
def key_and_cert():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, cert.public_bytes(serialization.Encoding.PEM).decode()


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(envelope: dict, version: str = "1") -> dict:
    from chalicelib.domain.sns import string_to_sign

    signed = dict(envelope, SignatureVersion=version, SigningCertURL=envelope.get("SigningCertURL", CERT_URL))
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key_and_cert()[0].sign(string_to_sign(signed), padding.PKCS1v15(), algorithm)
    signed["Signature"] = base64.b64encode(signature).decode()
    return signed


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
