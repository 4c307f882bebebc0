"""Local and tests only: a certificate and key to sign SNS messages the way SNS does, so the real
verification of /webhooks/ses runs (CRM_SNS_TRUSTED_CERT holds the certificate).

The local stack keeps one signer in CRM_DATA_DIR (`FakeSns.kept`) and trusts its certificate unless told
otherwise: the outbox's "Reply as the candidate" signs its SES receiving notification with it."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from pathlib import Path

CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-local.pem"
KEY_FILE, CERT_FILE = "sns-local-key.pem", "sns-local-cert.pem"


class FakeSns:
    def __init__(self, key=None, certificate_pem: str | None = None):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        if key is not None and certificate_pem is not None:
            self.key, self.certificate_pem = key, certificate_pem
            return
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.now(timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(self.key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
                .not_valid_after(now + timedelta(days=365)).sign(self.key, hashes.SHA256()))
        self.certificate_pem = cert.public_bytes(serialization.Encoding.PEM).decode()

    @classmethod
    def kept(cls, data_dir: str | Path) -> "FakeSns":
        """The local stack's signer, its key and certificate kept in `data_dir` (0600): made on first use, and
        again once the certificate is within a day of expiring."""
        from cryptography import x509
        from cryptography.hazmat.primitives import serialization

        from .private import private_dir, write_private

        folder = private_dir(data_dir)
        try:
            pem = (folder / CERT_FILE).read_text()
            expires = x509.load_pem_x509_certificate(pem.encode()).not_valid_after_utc
            key = serialization.load_pem_private_key((folder / KEY_FILE).read_bytes(), password=None)
            if expires > datetime.now(timezone.utc) + timedelta(days=1):
                return cls(key, pem)
        except (OSError, ValueError):
            pass
        signer = cls()
        write_private(folder / KEY_FILE, signer.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        write_private(folder / CERT_FILE, signer.certificate_pem.encode())
        return signer

    def trusted_by(self, trusted_cert: str) -> bool:
        """Whether CRM_SNS_TRUSTED_CERT (a PEM certificate, or a file holding one) is this signer's certificate."""
        if not trusted_cert:
            return False
        try:
            pem = trusted_cert if "BEGIN CERTIFICATE" in trusted_cert else Path(trusted_cert).read_text()
        except OSError:
            return False
        return pem.strip() == self.certificate_pem.strip()

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
