"""The send path under faults: Lambda containers fed by the emulated send queue, and the ledger of what came of it.

`Queue` plays Lambda's event source mapping: it receives a batch, hands it to a container (SendBatches, as
app.send_worker does), deletes what succeeded and makes the rest visible again at once (the visibility timeout,
elapsed); the queue's redrive policy (crmlocal/bootstrap.py: 5 receives) moves a message that keeps failing to
the dead-letter queue. A container killed by the injector is replaced by a new one, as Lambda does.

`ledger()` counts, per (campaign, step, person): emails in the emulated SES outbox (read back from each email's
Message-ID, which carries the send's signed token), the send record, and dead letters naming the person.
"""
from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field

from tests.fault.injector import FaultInjector, WorkerDied

# the ports of the send path, as chalicelib/wiring.py builds them: (name, wiring function, methods)
PORTS = [
    ("sends", "campaign_sends", ["claim", "record", "record_skips", "get_many", "release"]),
    ("candidates", "candidate_repo", ["batch_get", "update", "save_many"]),
    ("queue", "send_queue", ["send", "send_many"]),
    ("stats", "stats_repo", ["add"]),
    ("timeline", "timeline_repo", ["add_many"]),
    ("campaigns", "campaign_repo", ["get", "add_processed", "transition"]),
    ("enrollments", "enrollment_repo", ["enroll", "put_many", "get_many"]),
]


def wrap_ports(monkeypatch, faults: FaultInjector) -> None:
    from chalicelib import wiring

    for name, builder, methods in PORTS:
        faults.wrap(monkeypatch, name, getattr(wiring, builder)(), methods)
    for mailer in _mailers():
        faults.wrap(monkeypatch, "mailer", mailer, ["send_raw"])


def _mailers() -> list:
    """Every SES mailer the app holds (one per configuration set where campaigns choose by their kind)."""
    from chalicelib import wiring

    found = {id(wiring.mailer()): wiring.mailer()}
    if hasattr(wiring, "mailer_for"):
        from chalicelib.domain.vocabulary import MailStream

        found.update({id(m): m for m in (wiring.mailer_for(s) for s in MailStream)})
    return list(found.values())


class _NoLimit:
    """The global send rate is not under test here: containers send as fast as SES answers."""

    def acquire(self) -> None:
        return None


class Container:
    """One Lambda container of the send worker: its own pipeline threads, the app's adapters."""

    def __init__(self):
        from chalicelib import wiring
        from chalicelib.services.sending.worker import SendWorker
        from chalicelib.services.sqs import SendBatches
        from chalicelib.settings import get_settings

        self.sender = wiring.campaign_sender.__wrapped__()  # a new one: its threads are this container's
        self.sender.channels["email"].limiter = _NoLimit()
        worker = SendWorker(get_settings(), wiring.candidate_repo(), wiring.timeline_repo(), wiring.send_repo(),
                            wiring.mailer(), wiring.signups(), self.sender)
        self.batches = SendBatches(worker)

    def stop(self) -> None:
        """The container is gone: what its threads were doing ends (they meet the dead injector)."""
        for pool in (self.sender._pool, self.sender._reader, self.sender._recorder):
            pool.shutdown(wait=True)


class Deadline:
    """remaining_ms of an invocation: plenty for the first `checks` looks, then `left` ms."""

    def __init__(self, checks: int, left: int = 0):
        self.checks, self.left, self.seen = checks, left, 0

    def __call__(self) -> int:
        self.seen += 1
        return 60_000 if self.seen <= self.checks else self.left


@dataclass
class Queue:
    faults: FaultInjector
    container: Container = field(default_factory=Container)
    invocations: int = 0
    crashes: int = 0
    failed_records: int = 0

    @property
    def url(self) -> str:
        from chalicelib.aws.queue import queue_url
        from chalicelib.settings import get_settings

        return queue_url(get_settings().send_queue_name)

    def receive(self, most: int = 10) -> list[dict]:
        from chalicelib.aws.clients import client

        return client("sqs").receive_message(QueueUrl=self.url, MaxNumberOfMessages=most, VisibilityTimeout=30,
                                             AttributeNames=["All"]).get("Messages") or []

    def invoke(self, messages: list[dict], remaining=None, container: Container | None = None) -> set[str]:
        """One invocation with these messages: the ids that failed (all of them when the container died)."""
        container = container or self.container
        self.invocations += 1
        event = {"Records": [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                              "attributes": m.get("Attributes", {}), "eventSource": "aws:sqs"} for m in messages]}
        try:
            result = container.batches.process(event, remaining or (lambda: 60_000))
        except WorkerDied:
            self.crashes += 1
            container.stop()
            if container is self.container:
                self.container = Container()  # Lambda starts a new container for what comes next
            return {m["MessageId"] for m in messages}
        return {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}

    def settle(self, messages: list[dict], failed: set[str]) -> None:
        """Deletes what succeeded; the failed come back at once (their visibility timeout, elapsed)."""
        from chalicelib.aws.clients import client

        sqs = client("sqs")
        for message in messages:
            if message["MessageId"] in failed:
                self.failed_records += 1
                sqs.change_message_visibility(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"],
                                              VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])

    def run(self, remaining=None, batch: int = 10) -> bool:
        """One poll: False when the queue had nothing."""
        messages = self.receive(batch)
        if not messages:
            return False
        failed = self.invoke(messages, remaining)
        self.faults.revive()
        self.settle(messages, failed)
        return True

    def drain(self, rounds: int = 200, remaining=None, batch: int = 10) -> None:
        for _ in range(rounds):
            if not self.run(remaining, batch):
                return
        raise AssertionError("the send queue never drained")


def fan_out() -> dict:
    from chalicelib import wiring

    return wiring.scheduler().tick()


def dead_letters() -> list[dict]:
    from chalicelib.aws.clients import client
    from chalicelib.aws.queue import queue_url
    from chalicelib.settings import get_settings

    sqs = client("sqs")
    url = queue_url(f"{get_settings().send_queue_name}-dlq")
    found = []
    while True:
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=300).get("Messages") or []
        if not got:
            return found
        found += [json.loads(m["Body"]) for m in got]


def emails_by_send() -> Counter:
    """Emails the emulated SES accepted, per send key (campaign#step#person), read from our Message-ID."""
    from chalicelib.domain.replies import read_reply_token, token_of_message_id
    from chalicelib.settings import get_settings
    from tests.app.helpers import outbox

    counted: Counter = Counter()
    secret = get_settings().secret
    for item in outbox():
        header = next((line for line in item["raw"].split("\r\n") if line.lower().startswith("message-id:")), "")
        token = token_of_message_id(header.partition(":")[2].strip().strip("<>"))
        if token:
            counted[read_reply_token(secret, token).send_key] += 1
    return counted


@dataclass
class Ledger:
    """What a scenario came to, for one campaign step and its audience."""
    scenario: str
    people: int
    eligible: int
    duplicated: int  # emails beyond the first to the same (campaign, step, person)
    sent_to_ineligible: int
    reached: int  # eligible people with exactly one email
    reported: int  # eligible people without an email but reported: failed or claimed record, or a dead letter
    unreported: int  # eligible people neither reached nor reported
    unknown: int  # claims whose outcome is unknown (status `claimed`): the at-most-once window
    unknown_emailed: int  # of those, the ones SES did take (sent, never recorded)
    dead_letters: int
    crashes: int
    invocations: int
    analytics_sent: int
    detail: dict = field(default_factory=dict)

    def row(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "scenario"}


def ledger(scenario: str, campaign_id: str, step: int, eligible: list[str], ineligible: list[str],
           queue: Queue | None = None) -> Ledger:
    from chalicelib import wiring
    from chalicelib.domain.tracking import send_key

    emails = emails_by_send()
    everyone = eligible + ineligible
    records = wiring.campaign_sends.__wrapped__().get_many([send_key(campaign_id, step, i) for i in everyone]) \
        if everyone else {}
    letters = {i for body in dead_letters() if body.get("campaign_id") == campaign_id
               for i in body.get("recipients") or []}
    key = {i: send_key(campaign_id, step, i) for i in everyone}
    status = {i: (records.get(key[i]) or {}).get("status") for i in everyone}
    reached = [i for i in eligible if emails[key[i]] == 1]
    reported = [i for i in eligible if emails[key[i]] == 0 and (status[i] in ("failed", "claimed") or i in letters)]
    unknown = [i for i in everyone if status[i] == "claimed"]
    stats = wiring.analytics().campaign(campaign_id)
    return Ledger(
        scenario=scenario, people=len(everyone), eligible=len(eligible),
        duplicated=sum(max(0, n - 1) for n in emails.values()),
        sent_to_ineligible=sum(emails[key[i]] for i in ineligible),
        reached=len(reached), reported=len(reported),
        unreported=len(set(eligible) - set(reached) - set(reported)),
        unknown=len(unknown), unknown_emailed=len([i for i in unknown if emails[key[i]]]),
        dead_letters=len(letters), crashes=queue.crashes if queue else 0,
        invocations=queue.invocations if queue else 0, analytics_sent=stats["sent"],
        detail={"statuses": dict(Counter(str(s) for s in status.values())), "unknown_ids": unknown},
    )


def new_id() -> str:
    return uuid.uuid4().hex[:8]
