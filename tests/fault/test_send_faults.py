"""The campaign send path under faults at its ports: SES and DynamoDB refusals (throttling, 5xx, conditions), SQS
redelivery and duplicates, a Lambda deadline mid-batch, and the worker killed before or after each step.

Every scenario ends with AWS well again and the queue drained, then counts (harness.ledger): no email twice to
anyone for the step, none to the ineligible, every eligible person emailed once or reported (a failed or claimed
send record, a dead letter), and the claims of unknown outcome (status `claimed`) within the in-flight bound.
"""
import json
import threading

import pytest

from tests.fault.conftest import CHUNK, record
from tests.fault.harness import Container, Deadline, ledger
from tests.fault.injector import dynamodb_error, ses_refusal, sqs_error

# A kill leaves unknown at most the chunks in flight: the one being recorded (answered, not yet written), the one
# sending and the one claimed ahead of it (pipeline.py: at most one chunk claimed ahead of the one sending).
IN_FLIGHT = 3 * CHUNK


def check(row, bound: int = 0) -> None:
    record(row)
    assert row.duplicated == 0, "an email went twice"
    assert row.sent_to_ineligible == 0, "an email went to someone not eligible"
    assert row.unreported == 0, "an eligible person was neither emailed nor reported"
    assert row.unknown <= bound, f"{row.unknown} claims of unknown outcome (bound {bound})"


def settle(name, audience, queue, ineligible=()):
    """AWS well again: the queue drained, then what it came to."""
    queue.faults.faults.clear()
    queue.faults.revive()
    queue.drain()
    eligible = [i for i in audience["eligible"] if i not in ineligible]
    row = ledger(name, audience["campaign"]["id"], 0, eligible, audience["ineligible"] + list(ineligible), queue)
    for candidate_id in row.detail["unknown_ids"]:  # the window is reported: the person's export shows the claim
        export = audience["client"].http.get(f"/candidates/{candidate_id}/export", headers=audience["auth"])
        assert export.status_code == 200
        sends = [s for s in json.loads(export.body)["sends"] if s.get("campaign_id") == audience["campaign"]["id"]]
        assert [s["status"] for s in sends] == ["claimed"]
    return row


# ------------------------------------------------------------ SES

@pytest.mark.parametrize("code", ["TooManyRequestsException", "ServiceUnavailable", "InternalFailure"])
@pytest.mark.parametrize("nth,times", [(1, 1), (5, 1), (1, 12)])
def test_ses_refuses_for_now(audience, faults, queue, code, nth, times):
    """A throttle or an outage that outlasted botocore: the claim released, the person back through the queue."""
    faults.add("mailer.send_raw", nth=nth, times=times, error=ses_refusal(code))
    queue.drain()
    check(settle(f"ses:{code}:{nth}x{times}", audience, queue))


def test_ses_down_for_several_rounds(audience, faults, queue):
    faults.add("mailer.send_raw", nth=1, times=40, error=ses_refusal("ServiceUnavailable"))
    for _ in range(4):
        queue.run()
    check(settle("ses:down_4_rounds", audience, queue))


# ------------------------------------------------------------ DynamoDB

DYNAMODB_OPERATIONS = [  # port method, the DynamoDB call behind it
    ("sends.claim", "TransactWriteItems"), ("sends.record", "UpdateItem"), ("sends.get_many", "BatchGetItem"),
    ("sends.record_skips", "TransactWriteItems"), ("candidates.batch_get", "BatchGetItem"),
    ("candidates.save_many", "PutItem"), ("campaigns.get", "GetItem"), ("campaigns.add_processed", "UpdateItem"),
    ("stats.add", "UpdateItem"), ("timeline.add_many", "BatchWriteItem"),
]
DYNAMODB_ERRORS = [("ProvisionedThroughputExceededException", 400), ("ThrottlingException", 400),
                   ("InternalServerError", 500)]


@pytest.mark.parametrize("operation,call", DYNAMODB_OPERATIONS)
@pytest.mark.parametrize("kind", ["throttled", "5xx"])
def test_dynamodb_refuses(audience, faults, queue, operation, call, kind):
    """A DynamoDB refusal that outlasted the retries, on the second call of each operation (mid-batch)."""
    # both throttling codes, alternately over the operations (they take the same path)
    code, status = DYNAMODB_ERRORS[2] if kind == "5xx" else DYNAMODB_ERRORS[len(operation) % 2]
    faults.add(operation, nth=2, error=dynamodb_error(call, code, status))
    queue.drain()
    row = settle(f"dynamodb:{operation}:{code}", audience, queue)
    # a chunk's emails went but their records were refused: their claims stay `claimed` (sent, outcome unknown)
    check(row, bound=CHUNK)


AFTER_THE_RECORD = [("timeline.add_many", "BatchWriteItem"), ("candidates.save_many", "PutItem"),
                    ("stats.add", "UpdateItem")]


@pytest.mark.parametrize("operation,call", AFTER_THE_RECORD)
def test_dynamodb_refuses_a_write_after_the_record(audience, faults, queue, monkeypatch, operation, call):
    """The first chunk's timeline, last contact or stats refused once its sends are recorded: logged and counted,
    the message goes on (failed, it would come back to claims taken and never redo them). Only the refused write
    is missing: analytics count every email unless it was the stats' own write (that chunk's three)."""
    from chalicelib.services.sending import recorder

    metrics: list[str] = []
    monkeypatch.setattr(recorder, "count", lambda name, value=1: metrics.append(name))
    faults.add(operation, nth=1, error=dynamodb_error(call, "InternalServerError", 500))
    queue.drain()
    row = settle(f"dynamodb:after_record:{operation}", audience, queue)
    check(row)
    assert row.invocations == 1 and row.dead_letters == 0, "the message was failed"
    assert metrics.count("SendBookkeepingFailed") == 1
    assert row.analytics_sent == 12 - (CHUNK if operation == "stats.add" else 0)
    contacted = [i for i in audience["eligible"] if _candidates().get(i).get("last_contacted_at")]
    assert len(contacted) == 12 - (CHUNK if operation == "candidates.save_many" else 0)


@pytest.mark.parametrize("code,status", DYNAMODB_ERRORS)
def test_dynamodb_refuses_a_release(audience, faults, queue, code, status):
    """SES throttled, then the claim's release refused: the person must not be lost."""
    faults.add("mailer.send_raw", nth=2, error=ses_refusal("TooManyRequestsException"))
    faults.add("sends.release", nth=1, error=dynamodb_error("DeleteItem", code, status))
    queue.drain()
    check(settle(f"dynamodb:sends.release:{code}", audience, queue), bound=1)


def _candidates():
    from chalicelib import wiring

    return wiring.candidate_repo.__wrapped__()  # not through the injector: someone else's write


def test_conditions_fail_people_changed_before_their_claim(audience, faults, queue):
    """A person edited and one who unsubscribed between the read and the claim: the claim's condition fails."""
    edited, left = audience["eligible"][:2]

    def meddle():
        _candidates().update(edited, lambda c: dict(c, city="Lisbon"))
        _candidates().update(left, lambda c: dict(c, status="unsubscribed"))

    faults.add("sends.claim", nth=1, meddle=meddle)
    queue.drain()
    check(settle("condition:changed_before_claim", audience, queue, ineligible=[left]))


def test_conditions_fail_person_changed_after_the_claim(audience, faults, queue):
    """Edited between the claim and the record: last_contacted_at's write loses its condition, and is redone."""
    edited = audience["eligible"][0]
    faults.add("sends.record", nth=1, meddle=lambda: _candidates().update(edited, lambda c: dict(c, city="Oslo")))
    queue.drain()
    row = settle("condition:changed_after_claim", audience, queue)
    check(row)
    assert _candidates().get(edited)["city"] == "Oslo" and _candidates().get(edited).get("last_contacted_at")


# ------------------------------------------------------------ SQS

def test_sqs_redelivers_a_whole_batch(audience, faults, queue):
    """The batch's deletes lost: SQS delivers every message again after the visibility timeout."""
    messages = queue.receive()
    queue.invoke(messages)
    queue.settle(messages, failed={m["MessageId"] for m in messages})  # not deleted: they come back
    queue.drain()
    check(settle("sqs:batch_redelivered", audience, queue))


def test_sqs_delivers_a_message_twice_in_one_batch_and_again_later(audience, faults, queue):
    messages = queue.receive()
    queue.invoke(messages + messages[:1])
    queue.invoke(messages[:1])
    queue.settle(messages, set())
    queue.drain()
    check(settle("sqs:duplicate_in_sequence", audience, queue))


@pytest.mark.parametrize("slow", ["none", "ses"])
def test_sqs_delivers_the_same_messages_to_two_workers_at_once(audience, faults, queue, slow):
    """Two containers on the same bodies at the same time: each person's claim is won once."""
    import time

    if slow == "ses":  # SES answers slowly, so the two pipelines overlap send by send
        faults.add("mailer.send_raw", nth=1, times=100, meddle=lambda: time.sleep(0.02))
    messages = queue.receive()
    other = Container()
    failed: list[set] = [set(), set()]
    threads = [threading.Thread(target=lambda i=i, c=c: failed.__setitem__(i, queue.invoke(messages, container=c)))
               for i, c in enumerate((queue.container, other))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    other.stop()
    queue.settle(messages, failed[0] | failed[1])
    check(settle(f"sqs:concurrent_duplicate:{slow}", audience, queue))


def test_sqs_refuses_a_requeue(audience, faults, queue):
    """SES throttles a person and SQS refuses to take them back: the message fails and comes back whole."""
    faults.add("mailer.send_raw", nth=2, error=ses_refusal("TooManyRequestsException"))
    faults.add("queue.send", nth=1, error=sqs_error())
    queue.drain()
    check(settle("sqs:requeue_refused", audience, queue))


# ------------------------------------------------------------ the Lambda deadline

@pytest.mark.parametrize("checks", [0, 1, 2, 3])
def test_lambda_deadline_mid_batch_hands_the_rest_back(audience, faults, queue, checks):
    """remaining_ms drops under SAFETY_MS after `checks` chunks: the unclaimed rest goes back on the queue."""
    queue.run(remaining=Deadline(checks))
    check(settle(f"deadline:after_{checks}_chunks", audience, queue))


@pytest.mark.parametrize("checks", [1, 3])
def test_lambda_deadline_and_the_rest_refused_by_sqs(audience, faults, queue, checks):
    faults.add("queue.send", nth=1, error=sqs_error())
    queue.run(remaining=Deadline(checks))
    check(settle(f"deadline:handback_refused_{checks}", audience, queue))


# ------------------------------------------------------------ the worker killed between two steps

KILL_POINTS = [  # every step of the send path, in the order a chunk meets them
    ("campaigns.get", "before"), ("candidates.batch_get", "before"), ("candidates.batch_get", "after"),
    ("sends.claim", "before"), ("sends.claim", "after"), ("mailer.send_raw", "before"),
    ("mailer.send_raw", "after"), ("sends.record", "before"), ("sends.record", "after"),
    ("timeline.add_many", "after"), ("campaigns.add_processed", "before"), ("campaigns.add_processed", "after"),
    ("stats.add", "before"), ("stats.add", "after"), ("candidates.save_many", "before"),
    ("candidates.save_many", "after"), ("sends.record_skips", "before"), ("sends.record_skips", "after"),
    ("campaigns.transition", "before"),
]


@pytest.mark.parametrize("operation,when", KILL_POINTS)
@pytest.mark.parametrize("nth", [1, 2])
def test_worker_killed(audience, faults, queue, operation, when, nth):
    faults.kill(operation, nth=nth, when=when)
    queue.drain()
    row = settle(f"kill:{when}:{operation}#{nth}", audience, queue)
    check(row, bound=max(1, row.crashes) * IN_FLIGHT)


def test_worker_killed_mid_send_of_a_later_chunk(audience, faults, queue):
    """Killed at the 7th email (the third chunk): the chunks in flight stay claimed, the rest go once."""
    faults.kill("mailer.send_raw", nth=7, when="after")
    queue.drain()
    row = settle("kill:after:mailer.send_raw#7", audience, queue)
    check(row, bound=IN_FLIGHT)
    assert row.crashes == 1 and row.unknown >= 1
