"""SQS: JSON messages to a named queue, ten per SendMessageBatch call."""
from __future__ import annotations

import json
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


def redrive(name: str, limit: int = 100_000) -> int:
    """Moves messages from `<name>-dlq` back onto `name` (after fixing what made them fail).

    The workers' claims make a redriven message safe: what was sent is not sent again.
    """
    sqs = client("sqs")
    source, target = queue_url(f"{name}-dlq"), queue_url(name)
    moved = 0
    while moved < limit:
        messages = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                       VisibilityTimeout=60).get("Messages") or []
        if not messages:
            break
        sqs.send_message_batch(QueueUrl=target, Entries=[
            {"Id": str(i), "MessageBody": m["Body"]} for i, m in enumerate(messages)])
        sqs.delete_message_batch(QueueUrl=source, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)])
        moved += len(messages)
    return moved


def depth(name: str) -> int:
    attributes = client("sqs").get_queue_attributes(
        QueueUrl=queue_url(name), AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0))
