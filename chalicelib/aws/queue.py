"""SQS: JSON messages to a named queue, ten per SendMessageBatch call."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from .clients import client


@lru_cache(maxsize=None)
def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


class Queue:
    def __init__(self, name: str):
        self.name = name

    def send(self, body: dict, delay_seconds: int = 0) -> None:
        self.send_many([body], delay_seconds)

    def send_many(self, bodies: list[dict], delay_seconds: int = 0) -> None:
        sqs = client("sqs")
        url = queue_url(self.name)
        for start in range(0, len(bodies), 10):
            entries = [
                {"Id": str(i), "MessageBody": json.dumps(body, separators=(",", ":")),
                 **({"DelaySeconds": min(900, delay_seconds)} if delay_seconds else {})}
                for i, body in enumerate(bodies[start:start + 10])
            ]
            response = sqs.send_message_batch(QueueUrl=url, Entries=entries)
            failed = response.get("Failed") or []
            if failed:
                raise RuntimeError(f"SQS refused {len(failed)} messages: {failed[0].get('Code')}")


@dataclass
class Redriven:
    moved: int = 0  # re-sent onto the queue and deleted from the dead-letter queue
    failed: int = 0  # not re-sent: left in the dead-letter queue for the next redrive
    not_deleted: int = 0  # re-sent but still in the dead-letter queue (a later redrive sends it again: harmless)
    errors: list[str] = field(default_factory=list)  # one line per failure code, first seen first


def redrive(name: str, limit: int = 100_000) -> Redriven:
    """Moves messages from `<name>-dlq` back onto `name` (after fixing what made them fail).

    Only a message whose re-send SQS accepted is deleted from the dead-letter queue; one it refused
    stays there (invisible for a minute, so this run moves on to the others). The workers' claims
    make a redriven message safe: what was sent is not sent again.
    """
    sqs = client("sqs")
    source, target = queue_url(f"{name}-dlq"), queue_url(name)
    result = Redriven()
    while result.moved + result.failed + result.not_deleted < limit:
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=60, MessageAttributeNames=["All"]).get("Messages") or []
        if not messages:
            break
        sent = _resend(sqs, target, messages, result)
        _delete(sqs, source, [m for i, m in enumerate(messages) if str(i) in sent], result)
    return result


def _resend(sqs, target: str, messages: list[dict], result: Redriven) -> set[str]:
    """The batch entry ids SQS accepted; the others are counted as failed."""
    from botocore.exceptions import ClientError

    entries = [{"Id": str(i), "MessageBody": m["Body"],
                **({"MessageAttributes": m["MessageAttributes"]} if m.get("MessageAttributes") else {})}
               for i, m in enumerate(messages)]
    try:
        response = sqs.send_message_batch(QueueUrl=target, Entries=entries)
    except ClientError as error:  # the whole batch refused: nothing of it was sent
        result.failed += len(messages)
        _note(result, error.response.get("Error", {}).get("Code", "error"))
        return set()
    for failure in response.get("Failed") or []:
        result.failed += 1
        _note(result, failure.get("Code", "error"))
    return {entry["Id"] for entry in response.get("Successful") or []}


def _delete(sqs, source: str, messages: list[dict], result: Redriven) -> None:
    if not messages:
        return
    response = sqs.delete_message_batch(QueueUrl=source, Entries=[
        {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
    failed = response.get("Failed") or []
    result.moved += len(messages) - len(failed)
    result.not_deleted += len(failed)
    for failure in failed:
        _note(result, f"delete: {failure.get('Code', 'error')}")


def _note(result: Redriven, code: str) -> None:
    if code not in result.errors:
        result.errors.append(code)


def depth(name: str) -> int:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(name), AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))
