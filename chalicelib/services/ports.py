"""What the services need from the outside world to deliver a message, and how it says no.

Services depend on these, never on chalicelib.aws: the adapters there (aws/mailer.py: SES,
aws/sms.py: SNS) implement them, turn their service's errors into `Refused`, and are handed in by
chalicelib/wiring.py. Retrying throttling is the adapters' client's job (botocore's retry policy,
chalicelib/aws/clients.py); a `Refused` is what outlasted it.
"""
from __future__ import annotations

from typing import Protocol


class Refused(Exception):
    """The channel did not take the message. `retryable`: throttling or an outage, so the same
    message may go through later; otherwise a refusal for good (a bad address, a rejected message)."""

    def __init__(self, code: str, message: str, retryable: bool):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable


class Mailer(Protocol):
    def send_raw(self, *, from_email: str, to: str, raw: bytes, tags: dict[str, str] | None = None) -> str:
        """Sends one raw MIME email; returns the provider's message id or raises Refused."""


class SmsGateway(Protocol):
    def send(self, phone_e164: str, text: str, *, sender_id: str | None = None) -> str:
        """Sends one text message; returns the provider's message id or raises Refused."""
