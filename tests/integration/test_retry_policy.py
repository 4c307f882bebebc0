"""One retry policy: botocore's standard mode, 4 attempts in all, set in chalicelib/aws/clients.py.

The HTTP answers are made up in botocore's `before-send` event (nothing leaves the process), so these
count the attempts botocore really makes and the backoff it really asks for. Throttling and outages
are attempted four times, then reported as a retryable refusal (the send path puts the person back
on the queue); a refusal for good is attempted once.
"""
import json
from types import SimpleNamespace

import pytest


class _Body:
    def __init__(self, data: bytes):
        self.data = data

    def stream(self, **kwargs):
        yield self.data


@pytest.fixture
def answered(monkeypatch):
    """answered(service, answers): the service's client gets `answers` (status, headers, body) in turn,
    the last one repeated; returns the list of requests it saw and the backoff delays botocore slept."""
    import botocore.endpoint
    from botocore.awsrequest import AWSResponse

    from chalicelib.aws import clients

    slept: list[float] = []
    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=slept.append))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    clients.reset()

    def answer(service: str, answers: list[tuple[int, dict, bytes]]):
        requests: list = []

        def send(request, **kwargs):
            status, headers, body = answers[min(len(requests), len(answers) - 1)]
            requests.append(request)
            return AWSResponse(request.url, status, headers, _Body(body))

        clients.client(service).meta.events.register_first("before-send", send)
        return requests, slept

    yield answer
    clients.reset()


def _ses_error(status: int, code: str) -> tuple[int, dict, bytes]:
    return status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, json.dumps(
        {"message": f"{code} (made up)"}).encode()


SES_SENT = (200, {"Content-Type": "application/json"}, b'{"MessageId": "m-1"}')


def _sns_error(status: int, code: str) -> tuple[int, dict, bytes]:
    return status, {"Content-Type": "text/xml"}, (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>made up</Message></Error>"
        "<RequestId>r-1</RequestId></ErrorResponse>").encode()


def _send_email():
    from chalicelib.aws.mailer import SesMailer

    return SesMailer("crm-events").send_raw(from_email="talent@example.com", to="someone@example.com",
                                            raw=b"Subject: hi\r\n\r\nhello")


@pytest.mark.parametrize("service", ["sesv2", "sns", "sqs"])
def test_every_client_has_the_one_retry_policy(service):
    from chalicelib.aws import clients

    clients.reset()
    try:
        assert clients.client(service).meta.config.retries == {"mode": "standard", "total_max_attempts": 4}
    finally:
        clients.reset()


@pytest.mark.parametrize("status, code", [
    (429, "TooManyRequestsException"), (400, "ThrottlingException"), (400, "Throttling"),
    (400, "LimitExceededException"), (500, "InternalFailure"), (503, "ServiceUnavailable"),
])
def test_ses_throttling_and_outages_are_attempted_four_times_then_retryable(answered, status, code):
    from chalicelib.aws.mailer import SendRefused
    from chalicelib.services.ports import Refused

    requests, slept = answered("sesv2", [_ses_error(status, code)])
    with pytest.raises(SendRefused) as refused:
        _send_email()
    assert isinstance(refused.value, Refused)
    assert (refused.value.code, refused.value.retryable) == (code, True)
    assert len(requests) == 4  # the first attempt and botocore's three retries, no more
    assert len(slept) == 3 and all(0 <= delay <= 4 for delay in slept)  # its backoff, between them


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException", "MailFromDomainNotVerifiedException",
                                  "AccountSuspendedException"])
def test_ses_refusals_for_good_are_attempted_once(answered, code):
    from chalicelib.aws.mailer import SendRefused

    requests, slept = answered("sesv2", [_ses_error(400, code)])
    with pytest.raises(SendRefused) as refused:
        _send_email()
    assert (refused.value.code, refused.value.retryable) == (code, False)
    assert len(requests) == 1 and slept == []


@pytest.mark.parametrize("throttled", [1, 2, 3])
def test_ses_throttling_that_passes_within_the_attempts_is_a_send(answered, throttled):
    requests, slept = answered("sesv2", [_ses_error(429, "TooManyRequestsException")] * throttled + [SES_SENT])
    assert _send_email() == "m-1"
    assert len(requests) == throttled + 1 and len(slept) == throttled


@pytest.mark.parametrize("status, code", [(400, "Throttling"), (400, "ThrottledException"), (500, "InternalError")])
def test_sns_throttling_is_attempted_four_times_then_retryable(answered, status, code):
    from chalicelib.aws.sms import SmsRefused, SmsSender

    requests, slept = answered("sns", [_sns_error(status, code)])
    with pytest.raises(SmsRefused) as refused:
        SmsSender().send("+447911123456", "Hi")
    assert (refused.value.code, refused.value.retryable) == (code, True)
    assert len(requests) == 4 and len(slept) == 3


@pytest.mark.parametrize("code", ["InvalidParameter", "AuthorizationError", "OptedOut"])
def test_sns_refusals_for_good_are_attempted_once(answered, code):
    from chalicelib.aws.sms import SmsRefused, SmsSender

    requests, _ = answered("sns", [_sns_error(400, code)])
    with pytest.raises(SmsRefused) as refused:
        SmsSender().send("+447911123456", "Hi")
    assert refused.value.retryable is False and len(requests) == 1
