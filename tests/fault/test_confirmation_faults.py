"""The confirmation email path (sending/worker.py: one claimed email per message) under the same faults: SES
refusals, DynamoDB refusals on the claim, its record and its release, SQS duplicates, the worker killed at each
step. Each sign-up gets its confirmation once, or it is reported (a `failed` or `claimed` send, a dead letter)."""
from collections import Counter

import pytest

from tests.fault.conftest import record
from tests.fault.harness import Ledger, Queue, dead_letters
from tests.fault.injector import FaultInjector, dynamodb_error, ses_refusal

EMAILS = [f"c{i}@example.com" for i in range(5)]
SEND_REPO = ["claim", "mark_sent", "mark_failed", "release"]


@pytest.fixture
def signups(client):
    from tests.app.helpers import form

    for email in EMAILS:
        assert form(client, {"email": email, "consent": "on"}).status_code in (200, 201, 202, 303)


@pytest.fixture
def confirmations(signups, faults, monkeypatch):
    from chalicelib import wiring

    faults.wrap(monkeypatch, "send_repo", wiring.send_repo(), SEND_REPO)
    faults.wrap(monkeypatch, "timeline", wiring.timeline_repo(), ["add"])
    faults.calls.clear()
    faults.trace.clear()
    return Queue(faults)


def confirmation_ledger(name: str, queue: Queue) -> Ledger:
    from chalicelib import wiring
    from tests.app.helpers import outbox

    queue.faults.faults.clear()
    queue.faults.revive()
    queue.drain()
    emails = Counter(address for item in outbox() for address in item["to"])
    ids = wiring.candidate_repo.__wrapped__().ids_for_emails(EMAILS)
    status = {e: next((s["status"] for s in wiring.send_repo.__wrapped__().for_candidate(ids[e])
                       if s.get("kind") == "confirmation"), None) for e in EMAILS}
    letters = {m.get("candidate_id") for m in dead_letters()}
    reached = [e for e in EMAILS if emails[e] == 1]
    reported = [e for e in EMAILS if emails[e] == 0 and (status[e] in ("failed", "claimed") or ids[e] in letters)]
    unknown = [e for e in EMAILS if status[e] == "claimed"]
    return Ledger(scenario=name, people=len(EMAILS), eligible=len(EMAILS),
                  duplicated=sum(max(0, n - 1) for n in emails.values()), sent_to_ineligible=0,
                  reached=len(reached), reported=len(reported),
                  unreported=len(set(EMAILS) - set(reached) - set(reported)), unknown=len(unknown),
                  unknown_emailed=len([e for e in unknown if emails[e]]), dead_letters=len(letters),
                  crashes=queue.crashes, invocations=queue.invocations, analytics_sent=sum(emails.values()),
                  detail={"statuses": dict(Counter(str(s) for s in status.values()))})


def check(row, bound: int) -> None:
    record(row)
    assert row.duplicated == 0 and row.unreported == 0
    assert row.unknown <= bound


FAULTS = [  # (scenario, operation, how, unknown claims it may leave)
    ("ses:TooManyRequestsException", "mailer.send_raw", {"error": ses_refusal("TooManyRequestsException")}, 0),
    ("ses:InternalFailure", "mailer.send_raw", {"error": ses_refusal("InternalFailure"), "times": 3}, 0),
    ("dynamodb:claim:throttled", "send_repo.claim",
     {"error": dynamodb_error("PutItem", "ProvisionedThroughputExceededException")}, 0),
    ("dynamodb:mark_sent:throttled", "send_repo.mark_sent",
     {"error": dynamodb_error("UpdateItem", "ThrottlingException")}, 1),  # SES took it; its record refused
    ("dynamodb:timeline:5xx", "timeline.add", {"error": dynamodb_error("PutItem", "InternalServerError", 500)}, 0),
    ("kill:after:claim", "send_repo.claim", {"when": "after"}, 1),
    ("kill:before:ses", "mailer.send_raw", {"when": "before"}, 1),
    ("kill:after:ses", "mailer.send_raw", {"when": "after"}, 1),
    ("kill:after:mark_sent", "send_repo.mark_sent", {"when": "after"}, 0),
]


@pytest.mark.parametrize("name,operation,how,bound", FAULTS, ids=[f[0] for f in FAULTS])
def test_confirmation_under_faults(confirmations, faults: FaultInjector, name, operation, how, bound):
    faults.add(operation, nth=2, **how)
    confirmations.drain()
    check(confirmation_ledger(f"confirmation:{name}", confirmations), bound)


def test_confirmation_release_refused_after_a_throttle(confirmations, faults):
    """SES throttled, then DynamoDB refused the release: that one person stays claimed (reported), never twice."""
    faults.add("mailer.send_raw", nth=2, error=ses_refusal("TooManyRequestsException"))
    faults.add("send_repo.release", nth=1, error=dynamodb_error("DeleteItem", "ThrottlingException"))
    confirmations.drain()
    check(confirmation_ledger("confirmation:dynamodb:release_refused", confirmations), 1)


def test_confirmation_delivered_twice_at_once(confirmations, faults):
    """The same batch twice in one invocation and once more: one email each."""
    messages = confirmations.receive()
    confirmations.invoke(messages + messages)
    confirmations.invoke(messages)
    confirmations.settle(messages, set())
    check(confirmation_ledger("confirmation:sqs:duplicates", confirmations), 0)
