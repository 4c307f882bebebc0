"""One send_worker invocation handles its batch's messages as one pipeline: a failing message is the
only one SQS retries, and near the deadline every message's unclaimed rest goes back on the queue."""
import json
from datetime import timedelta

import pytest

from tests.app.campaign_helpers import scheduled_broadcast
from tests.app.helpers import outbox, tick


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))


def sending_broadcast(client, auth, count: int) -> tuple[list[str], dict]:
    """A broadcast in `sending` whose fan-out is left to the test: (its people's ids, the campaign)."""
    from chalicelib import wiring

    people, made = scheduled_broadcast(client, auth, [f"batch{i}@example.com" for i in range(count)])
    wiring.campaign_repo().transition(made["id"], "scheduled", "sending")
    return [p["id"] for p in people], made


def message(made: dict, ids: list[str]) -> dict:
    return {"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": ids}


def emailed() -> list[str]:
    return [item["to"][0] for item in outbox() if item["subject"].startswith("Hi")]


def invoke(client, bodies: list[dict], ids: list[str]) -> dict:
    """What send_worker does with an SQS batch, with a minute left (Chalice's test client would
    give its handlers 3 s: under the sender's safety margin, everything would go back)."""
    from chalicelib import wiring

    event = client.events.generate_sqs_event(queue_name="talent-crm-local-send",
                                             message_bodies=[json.dumps(b) for b in bodies])
    for record, message_id in zip(event["Records"], ids):
        record["messageId"] = message_id
    return wiring.send_batches().process(event, lambda: 60_000)


def test_only_the_failing_message_of_a_batch_goes_back(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services.sending.pipeline import CHUNK

    ids, made = sending_broadcast(client, auth, CHUNK + 30)
    first, second, third = ids[:CHUNK + 5], ids[CHUNK + 5:CHUNK + 15], ids[CHUNK + 15:]
    sender = wiring.campaign_sender()
    reads = sender.candidates.batch_get

    def unreadable_second(people):
        if set(people) & set(second):
            raise RuntimeError("DynamoDB went away")
        return reads(people)

    monkeypatch.setattr(sender.candidates, "batch_get", unreadable_second)
    answer = invoke(client, [message(made, first), message(made, second), message(made, third)], ["m1", "m2", "m3"])
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    people = {p["id"]: p["email"] for p in reads(ids).values()}
    assert sorted(emailed()) == sorted(people[i] for i in first + third)

    monkeypatch.setattr(sender.candidates, "batch_get", reads)
    assert invoke(client, [message(made, second)], ["m2"]) == {"batchItemFailures": []}  # SQS retries m2
    sent = emailed()
    assert len(sent) == len(set(sent)) == len(ids)
    assert wiring.campaign_repo().get(made["id"])["processed"] == len(ids)  # each counted once


def test_near_the_deadline_each_message_hands_its_rest_back(client, auth):
    from chalicelib import wiring
    from chalicelib.services.sending.pipeline import CHUNK, SAFETY_MS

    ids, made = sending_broadcast(client, auth, CHUNK + 20)
    first, second = ids[:CHUNK + 10], ids[CHUNK + 10:]
    checks = []

    def remaining_ms():  # plenty for the first chunk, then under the safety margin
        checks.append(1)
        return 60_000 if len(checks) == 1 else SAFETY_MS - 1

    outcomes = wiring.send_worker().handle_batch([message(made, first), message(made, second)], remaining_ms)
    assert outcomes == ["done:sent=50", "done:"]
    assert len(emailed()) == CHUNK

    from chalicelib.aws.clients import client as aws
    from chalicelib.aws.queue import queue_url

    sqs = aws("sqs")
    url = queue_url(wiring.get_settings().send_queue_name)
    queued = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(q["recipients"] for q in queued) == sorted([first[CHUNK:], second])

    tick()  # another invocation takes the rest
    sent = emailed()
    assert len(sent) == len(set(sent)) == len(ids)


def test_the_worker_gets_the_send_threads_its_rate_needs(aws):
    """As wiring builds it: CRM_SES_MAX_RATE (the default 14 here) sizes the send threads."""
    from chalicelib import wiring
    from chalicelib.services.sending.pipeline import send_threads

    assert wiring.get_settings().ses_max_rate == 14
    assert wiring.campaign_sender()._pool._max_workers == send_threads(14) == 3
