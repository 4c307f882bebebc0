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
