"""Local and tests only: a certificate and key to sign SNS messages the way SNS does, so the real
verification of /webhooks/ses runs (CRM_SNS_TRUSTED_CERT holds the certificate)."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem"


class FakeSns:
    def __init__(self):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=365)).sign(self.key, hashes.SHA256()))
        self.certificate_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, envelope: dict, version: str = "1") -> dict:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        from chalicelib.domain.sns import string_to_sign

        signed = dict(envelope, SignatureVersion=version, SigningCertURL=envelope.get("SigningCertURL", CERT_URL))
        algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
        signed["Signature"] = base64.b64encode(self.key.sign(string_to_sign(signed), padding.PKCS1v15(), algorithm)).decode()
        return signed

    def notification(self, message: str, *, topic_arn: str, message_id: str, version: str = "1") -> dict:
        from chalicelib.domain.clock import iso

        return self.sign({"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn, "Message": message,
                          "Timestamp": iso(), "SigningCertURL": CERT_URL}, version)
