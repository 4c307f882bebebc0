"""SES v2: sends raw MIME with the configuration set and message tags (the services' Mailer port).

One SesMailer per configuration set (chalicelib/wiring.py `mailer_for`): marketing, transactional, outreach; the
campaign channel chooses by the campaign's kind (domain/deliverability.py `stream_of`), the rest is transactional.
"""
from __future__ import annotations

from ..services.ports import Refused
from .clients import client


class SendRefused(Refused):
    """SES did not accept the message, after the client's retries. `retryable` tells throttling and
    outages from bad requests."""


# SES's codes for "not now" (botocore retries the throttling ones first; these are what outlasted it)
_RETRYABLE = {"TooManyRequestsException", "ThrottlingException", "Throttling", "LimitExceededException",
              "ServiceUnavailable", "InternalFailure", "SendingPausedException"}


class SesMailer:
    def __init__(self, configuration_set: str | None):
        self._configuration_set = configuration_set

    def send_raw(self, *, from_email: str, to: str, raw: bytes, tags: dict[str, str] | None = None) -> str:
        from botocore.exceptions import ClientError

        request: dict[str, object] = {
            "FromEmailAddress": from_email,
            "Destination": {"ToAddresses": [to]},
            "Content": {"Raw": {"Data": raw}},
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        if tags:
            request["EmailTags"] = [{"Name": k, "Value": v} for k, v in tags.items()]
        try:
            return client("sesv2").send_email(**request)["MessageId"]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "Unknown")
            raise SendRefused(code, error.get("Message", ""), code in _RETRYABLE) from None

    def sendable(self, address: str) -> bool:
        """Whether SES sends From `address`: the address's own identity, or its domain's, is verified."""
        from botocore.exceptions import ClientError

        for identity in (address, address.rsplit("@", 1)[-1]):
            try:
                found = client("sesv2").get_email_identity(EmailIdentity=identity)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NotFoundException", "BadRequestException"):
                    continue
                raise
            # VerificationStatus: what the emulator sets; on AWS VerifiedForSendingStatus follows it
            if found.get("VerifiedForSendingStatus") or found.get("VerificationStatus") == "SUCCESS":
                return True
        return False
