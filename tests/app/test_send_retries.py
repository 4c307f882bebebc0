"""The send path on botocore's retries only: a throttle or outage that outlasts the client's four
attempts is a "retry later" (claim and cap slot released, the person back through the queue), a
refusal for good is recorded at once, and nothing in the services retries on top.

SES and SNS answer through moto, except for the people a test makes the provider refuse: their
requests get a made-up answer in botocore's `before-send` event, so the attempts counted are
botocore's own (its backoff sleeps are recorded, not slept).
"""
import json
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from tests.app.campaign_helpers import act, campaign, pool, scheduled_broadcast, subscriber, template
from tests.app.helpers import form, outbox, tick

NOON_UTC = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def prompt_queues(monkeypatch):
    from datetime import timedelta

    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)  # the person comes back within the same tick


@pytest.fixture
def refusing(monkeypatch):
    """refusing(service, needle, answer, times): the first `times` requests of `service` whose body
    holds `needle` get `answer` (status, code), and moto never sees them; returns the attempts per
    needle, refused or not."""
    import botocore.endpoint
    from botocore.awsrequest import AWSResponse

    from chalicelib.aws.clients import client

    monkeypatch.setattr(botocore.endpoint, "time", SimpleNamespace(sleep=lambda seconds: None))
    installed = []
    attempts: dict[str, int] = {}

    def refuse(service: str, needle: str, answer: tuple[int, str], times: int) -> dict[str, int]:
        status, code = answer

        def send(request, **kwargs):
            body = request.body or b""
            if needle.encode() not in (body.encode() if isinstance(body, str) else body):
                return None  # moto answers
            attempts[needle] = attempts.get(needle, 0) + 1
            # botocore sends the same request object again on a retry
            request.url = request.__dict__.setdefault("aws_url", request.url)
            if attempts[needle] > times:
                return None
            request.url = "https://refused.invalid/"  # so that moto, called after this, leaves it alone
            if service == "sns":
                body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>no</Message>"
                        "</Error><RequestId>r</RequestId></ErrorResponse>").encode()
                headers = {"Content-Type": "text/xml"}
            else:
                body, headers = b'{"message": "no"}', {"x-amzn-ErrorType": code, "Content-Type": "application/json"}
            return AWSResponse(request.url, status, headers, SimpleNamespace(stream=lambda **kw: iter([body])))

        events = client(service).meta.events
        events.register_first("before-send", send)
        installed.append((events, send))
        return attempts

    yield refuse
    for events, handler in installed:  # the clients outlive the test
        events.unregister("before-send", handler)


@pytest.fixture
def queued(monkeypatch):
    """What the send path puts back on the send queue: (recipients, delay) per message."""
    from chalicelib import wiring

    queue = wiring.send_queue()
    real = queue.send
    seen = []

    def send(body, delay_seconds=0):
        seen.append((body.get("recipients"), delay_seconds))
        return real(body, delay_seconds)

    monkeypatch.setattr(queue, "send", send)
    return seen


def _sends(person_id: str) -> list[dict]:
    from chalicelib import wiring

    return wiring.send_repo().for_candidate(person_id)


@pytest.mark.parametrize("answer", [(429, "TooManyRequestsException"), (400, "ThrottlingException"),
                                    (503, "ServiceUnavailable"), (500, "InternalFailure")])
def test_an_email_refused_past_botocores_attempts_comes_back_through_the_queue(client, auth, refusing, queued,
                                                                               answer):
    from chalicelib import wiring

    people, made = scheduled_broadcast(client, auth, ["slow@example.com", "fine@example.com", "calm@example.com"])
    slow = people[0]
    attempts = refusing("sesv2", "slow@example.com", answer, times=4)  # one pass of the client's attempts
    tick()

    assert attempts["slow@example.com"] == 5  # 4 refused by botocore's policy, then 1 on the queue's retry
    assert ([slow["id"]], 0) in queued  # released and put back (RETRY_QUEUE_DELAY, 0 here)
    assert sorted(i["to"][0] for i in outbox()) == ["calm@example.com", "fine@example.com", "slow@example.com"]
    assert [s["status"] for s in _sends(slow["id"])] == ["sent"]
    assert len(wiring.candidate_repo().get(slow["id"])["marketing_sends"]) == 1  # the cap slot was given back
    tick()
    assert json.loads(client.http.get(f"/campaigns/{made['id']}", headers=auth).body)["status"] == "sent"


@pytest.mark.parametrize("code", ["MessageRejected", "BadRequestException"])
def test_an_email_refused_for_good_is_recorded_once_and_not_retried(client, auth, refusing, queued, code):
    people, _ = scheduled_broadcast(client, auth, ["bad@example.com", "fine@example.com"])
    attempts = refusing("sesv2", "bad@example.com", (400, code), times=100)
    tick()
    tick()
    assert attempts["bad@example.com"] == 1
    assert [(s["status"], s["error"].split(":")[0]) for s in _sends(people[0]["id"])] == [("failed", code)]
    assert [i["to"][0] for i in outbox()] == ["fine@example.com"]
    assert not any(people[0]["id"] in (recipients or []) for recipients, _ in queued)


@pytest.mark.parametrize("code", ["Throttling", "ThrottledException"])
def test_a_text_refused_past_botocores_attempts_comes_back_through_the_queue(client, auth, monkeypatch, refusing,
                                                                             queued, code):
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    from chalicelib import wiring

    for module in ("chalicelib.domain.clock", "chalicelib.services.scheduler"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: NOON_UTC)  # daytime in London
    tmpl = template(client, auth, text="Hi {{ candidate.first_name | default('there') }}, new roles are open.")
    audience = pool(client, auth)
    tick()
    lou = subscriber("lou@example.com", first_name="Lou", skills=["go"], phone="020 7946 0958", country="GB",
                     sms_consent=True)
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], channel="sms")
    act(client, auth, made["id"], "schedule")
    attempts = refusing("sns", "%2B442079460958", (400, code), times=4)
    tick()

    assert attempts["%2B442079460958"] == 5
    assert ([lou["id"]], 0) in queued
    texts = [number for number, *_ in sns_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sms_messages.values()]
    assert texts == ["+442079460958"]
    assert [s["status"] for s in _sends(lou["id"])] == ["sent"]
    assert len(wiring.candidate_repo().get(lou["id"])["sms_sends"]) == 1


def test_a_confirmation_refused_past_botocores_attempts_is_retried_by_sqs(client, refusing):
    from chalicelib import wiring

    form(client, {"email": "later@example.com", "consent": "on"})
    attempts = refusing("sesv2", "later@example.com", (429, "TooManyRequestsException"), times=4)
    tick()  # the first delivery fails (its claim released); SQS keeps the message for a later one
    assert attempts["later@example.com"] == 4 and outbox() == []
    candidate_id = wiring.candidate_repo().id_for_email("later@example.com")
    assert _sends(candidate_id) == []
