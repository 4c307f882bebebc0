"""Verifies SNS message signatures (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA).

Certificates are fetched from the (checked) SigningCertURL once per container and cached.
CRM_SNS_TRUSTED_CERT (local and tests only) replaces the download: a PEM certificate, or a file
holding one; the URL must still pass the check.
"""
from __future__ import annotations

import base64
import threading
import urllib.request

from ..domain.sns import NotVerified, string_to_sign, trusted_sns_url

_certificates: dict[str, object] = {}
_lock = threading.Lock()


def _load_pem(pem: bytes):
    from cryptography import x509

    return x509.load_pem_x509_certificate(pem).public_key()


def _public_key(url: str, trusted_cert: str):
    with _lock:
        if url in _certificates:
            return _certificates[url]
    if trusted_cert:
        pem = trusted_cert.encode() if "BEGIN CERTIFICATE" in trusted_cert else open(trusted_cert, "rb").read()
    else:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (https, SNS host checked)
            pem = response.read(64 * 1024)
    key = _load_pem(pem)
    with _lock:
        _certificates[url] = key
    return key


def verify(envelope: dict, *, topic_arn: str, trusted_cert: str = "") -> None:
    """Raises NotVerified unless the message is from our topic and signed by SNS."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    if envelope.get("TopicArn") != topic_arn:
        raise NotVerified("not our topic")
    version = envelope.get("SignatureVersion")
    algorithm = {"1": hashes.SHA1, "2": hashes.SHA256}.get(version) if isinstance(version, str) else None
    if algorithm is None:
        raise NotVerified(f"unknown SignatureVersion {version!r}")
    url = envelope.get("SigningCertURL")
    if not isinstance(url, str) or not trusted_sns_url(url, pem=True):
        raise NotVerified("untrusted SigningCertURL")
    try:
        signature = base64.b64decode(envelope.get("Signature") or "", validate=True)
    except (ValueError, TypeError):
        raise NotVerified("signature is not base64") from None
    try:
        key = _public_key(url, trusted_cert)
    except Exception as exc:
        raise NotVerified(f"certificate unavailable: {exc}") from None
    try:
        key.verify(signature, string_to_sign(envelope), padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise NotVerified("bad signature") from None


def confirm_subscription(url: str) -> None:
    """GET the SubscribeURL (only an https://sns.<region>.amazonaws.com/ one)."""
    if not trusted_sns_url(url, pem=False):
        raise NotVerified("untrusted SubscribeURL")
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310
        response.read(64 * 1024)


def reset_cache() -> None:
    _certificates.clear()


__all__ = ["verify", "confirm_subscription", "NotVerified"]
