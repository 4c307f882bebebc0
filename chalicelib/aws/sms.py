"""SNS SMS: publishes one text message to one E.164 number (the services' SmsGateway port)."""
from __future__ import annotations

from ..services.ports import Refused
from .clients import client


class SmsRefused(Refused):
    """SNS did not accept the message, after the client's retries. `retryable` tells throttling and
    outages from bad requests."""


# SNS's codes for "not now" (botocore retries the throttling ones first; these are what outlasted it)
_RETRYABLE = {"Throttling", "ThrottlingException", "Throttled", "ThrottledException",
              "TooManyRequestsException", "RequestLimitExceeded", "KMSThrottling", "InternalError",
              "InternalFailure", "ServiceUnavailable"}


class SmsSender:
    """Promotional SMS (marketing rates and routes; transactional is for one-time codes)."""

    def send(self, phone_e164: str, text: str, *, sender_id: str | None = None) -> str:
        from botocore.exceptions import ClientError

        attributes = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Promotional"}}
        if sender_id:
            attributes["AWS.SNS.SMS.SenderID"] = {"DataType": "String", "StringValue": sender_id}
        try:
            return client("sns").publish(PhoneNumber=phone_e164, Message=text,
                                         MessageAttributes=attributes)["MessageId"]
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = error.get("Code", "Unknown")
            raise SmsRefused(code, error.get("Message", ""), code in _RETRYABLE) from None
