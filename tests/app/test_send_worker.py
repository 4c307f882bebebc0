"""The confirmation email path: at most once, whatever SQS and SES do."""
import json

import pytest

from tests.app.helpers import form, outbox, tick


def queued_message(client):
    from chalicelib.aws.clients import client as aws
    from chalicelib.aws.queue import queue_url
    from chalicelib.settings import get_settings

    sqs = aws("sqs")
    url = queue_url(get_settings().send_queue_name)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    for m in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def invoke(client, bodies, ids=None):
    event = client.events.generate_sqs_event(queue_name="talent-crm-local-send",
                                             message_bodies=[json.dumps(b) for b in bodies])
    if ids:
        for record, message_id in zip(event["Records"], ids):
            record["messageId"] = message_id
    return client.lambda_.invoke("send_worker", event).payload


def test_redelivered_batches_send_once(client):
    form(client, {"email": "once@example.com", "consent": "on"})
    [message] = queued_message(client)
    first = invoke(client, [message, message])  # duplicate inside a batch
    second = invoke(client, [message])           # and SQS delivering it again later
    assert first == {"batchItemFailures": []} and second == {"batchItemFailures": []}
    assert len(outbox()) == 1


def test_throttling_is_retried_without_a_second_email(client, monkeypatch):
    from chalicelib import wiring
    from chalicelib.aws.mailer import SendRefused

    form(client, {"email": "slow@example.com", "consent": "on"})
    form(client, {"email": "fine@example.com", "consent": "on"})
    messages = queued_message(client)
    mailer = wiring.mailer()
    real = mailer.send_raw

    def throttled_for_slow(**kwargs):
        if kwargs["to"] == "slow@example.com":
            raise SendRefused("TooManyRequestsException", "Maximum sending rate exceeded", True)
        return real(**kwargs)

    monkeypatch.setattr(mailer, "send_raw", throttled_for_slow)
    result = invoke(client, messages, ids=["m-slow", "m-fine"])
    failed = [f["itemIdentifier"] for f in result["batchItemFailures"]]
    assert len(failed) == 1 and len(outbox()) == 1  # the other recipient was not held back
    monkeypatch.setattr(mailer, "send_raw", real)
    invoke(client, messages)  # SQS brings both back; only the throttled one goes out
    assert sorted(item["to"][0] for item in outbox()) == ["fine@example.com", "slow@example.com"]


def test_permanent_refusal_is_recorded_not_retried(client, monkeypatch):
    from chalicelib import wiring
    from chalicelib.aws.mailer import SendRefused

    form(client, {"email": "bad@example.com", "consent": "on"})
    [message] = queued_message(client)

    def refuse(**kwargs):
        raise SendRefused("MessageRejected", "Email address is not verified", False)

    monkeypatch.setattr(wiring.mailer(), "send_raw", refuse)
    assert invoke(client, [message]) == {"batchItemFailures": []}
    sends = wiring.send_repo().for_candidate(message["candidate_id"])
    assert [(s["status"], s["error"][:15]) for s in sends] == [("failed", "MessageRejected")]


def test_crash_after_ses_accepted_never_sends_again(client, monkeypatch):
    from chalicelib import wiring

    form(client, {"email": "crash@example.com", "consent": "on"})
    [message] = queued_message(client)
    repo = wiring.send_repo()

    def die(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(repo, "mark_sent", die)
    with pytest.raises(SystemExit):
        invoke(client, [message])
    monkeypatch.undo()
    assert len(outbox()) == 1
    invoke(client, [message])  # SQS redelivers after the crash
    assert len(outbox()) == 1
    [send] = repo.for_candidate(message["candidate_id"])
    assert send["status"] == "claimed"  # reported as unknown outcome, never resent


def test_erased_before_sending_means_no_email(client, auth):
    form(client, {"email": "gone@example.com", "consent": "on"})
    [message] = queued_message(client)
    assert client.http.delete(f"/candidates/{message['candidate_id']}", headers=auth).status_code == 200
    invoke(client, [message])
    assert outbox() == []


def test_bad_messages_do_not_block_the_batch(client):
    form(client, {"email": "ok@example.com", "consent": "on"})
    [message] = queued_message(client)
    event = client.events.generate_sqs_event(queue_name="talent-crm-local-send",
                                             message_bodies=["not json", json.dumps({"type": "mystery"}),
                                                             json.dumps(message)])
    assert client.lambda_.invoke("send_worker", event).payload == {"batchItemFailures": []}
    assert len(outbox()) == 1


def test_local_tick_drains_queue_and_runs_schedules(client):
    for i in range(3):
        form(client, {"email": f"t{i}@example.com", "consent": "on"})
    result = tick()
    assert result["queues"]["talent-crm-local-send"]["received"] == 3
    assert "daily" in result["schedules"]
    assert tick()["queues"]["talent-crm-local-send"]["received"] == 0
    assert len(outbox()) == 3


def test_dev_routes(client):
    form(client, {"email": "dev@example.com", "consent": "on"})
    ticked = client.http.post("/dev/tick")
    assert ticked.status_code == 200
    items = json.loads(client.http.get("/dev/outbox.json").body)["items"]
    assert items[0]["to"] == ["dev@example.com"] and "List-Unsubscribe" not in items[0]["raw"]
    assert "multipart/alternative" in items[0]["raw"]
    page = client.http.get("/dev/outbox")
    assert page.status_code == 200 and b"/signups/confirm?token=" in page.body
