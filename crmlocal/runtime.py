"""A small Lambda runtime for the local stack: fires the app's schedules and feeds its SQS handlers.

It calls the very functions Chalice deploys, with Lambda-shaped events (unique message ids,
receipt handles), and honours partial batch failures: only the records the handler did not report
as failed are deleted; the others come back after the visibility timeout, as in AWS.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timezone

from chalice.app import ScheduledEventConfig, SQSEventConfig

from chalicelib.aws.clients import client
from chalicelib.aws.queue import queue_url
from chalicelib.settings import get_settings


class _Context:
    """Enough of a Lambda context for Powertools and Chalice."""

    def __init__(self, name: str, timeout_s: int = 60):
        self.function_name = name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{get_settings().region}:000000000000:function:{name}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def schedules(app_module) -> list[tuple[str, float]]:
    """(handler name, period in seconds) for every rate() schedule of the app."""
    found = []
    for config in app_module.app.event_sources:
        if isinstance(config, ScheduledEventConfig):
            expression = config.schedule_expression
            text = expression if isinstance(expression, str) else expression.to_string()
            found.append((config.name, _period(text)))
    return found


def _period(expression: str) -> float:
    match = re.match(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)", expression)
    if not match:
        return 60.0  # cron(): checked every minute locally
    unit = {"minute": 60, "hour": 3600, "day": 86400}[match.group(2).rstrip("s")]
    return int(match.group(1)) * unit


def sqs_handlers(app_module) -> list[SQSEventConfig]:
    return [c for c in app_module.app.event_sources if isinstance(c, SQSEventConfig)]


def run_schedule(app_module, name: str):
    settings = get_settings()
    event = {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "000000000000", "time": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": settings.region, "resources": [f"arn:aws:events:{settings.region}:000000000000:rule/{name}"],
        "detail": {},
    }
    return getattr(app_module, name)(event, _Context(name, 900))


def poll_queue(app_module, config: SQSEventConfig, wait_seconds: int = 0) -> dict:
    """Receives one batch and hands it to the handler. Returns counts."""
    settings = get_settings()
    sqs = client("sqs")
    url = queue_url(config.queue)
    response = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=min(10, config.batch_size), WaitTimeSeconds=wait_seconds,
        AttributeNames=["All"], MessageAttributeNames=["All"],
    )
    messages = response.get("Messages") or []
    if not messages:
        return {"received": 0, "failed": 0}
    arn = f"arn:aws:sqs:{settings.region}:000000000000:{config.queue}"
    event = {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody"), "eventSource": "aws:sqs", "eventSourceARN": arn,
        "awsRegion": settings.region,
    } for m in messages]}
    try:
        result = getattr(app_module, config.name)(event, _Context(config.name))
        failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
    except Exception as exc:  # the whole invocation failed: every message comes back later
        print(f"[runtime] {config.name} failed: {exc!r}")
        return {"received": len(messages), "failed": len(messages)}
    done = [m for m in messages if m["MessageId"] not in failed]
    for start in range(0, len(done), 10):
        sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start:start + 10])])
    return {"received": len(messages), "failed": len(failed)}


def drain(app_module, max_batches: int = 1000) -> dict:
    """Polls every queue until none returns a message (failed ones stay invisible for a while)."""
    totals = {c.queue: {"received": 0, "failed": 0, "batches": 0} for c in sqs_handlers(app_module)}
    for _ in range(max_batches):
        busy = False
        for config in sqs_handlers(app_module):
            counts = poll_queue(app_module, config)
            if counts["received"]:
                busy = True
                total = totals[config.queue]
                total["batches"] += 1
                total["received"] += counts["received"]
                total["failed"] += counts["failed"]
        if not busy:
            break
    return totals


def tick(app_module) -> dict:
    """POST /dev/tick: every schedule once, then the queues until empty."""
    ran = {}
    for name, _ in schedules(app_module):
        result = run_schedule(app_module, name)
        ran[name] = json.loads(json.dumps(result, default=str)) if result is not None else None
    return {"schedules": ran, "queues": drain(app_module)}
