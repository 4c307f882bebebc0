"""SQS handlers with partial batch failures (Powertools batch): one bad message never fails the rest."""
from __future__ import annotations

import json

from .. import wiring
from ..observability import bind_correlation_id, logger


def process_send_batch(event: dict) -> dict:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    worker = wiring.send_worker()

    def handle(record) -> str:
        bind_correlation_id(record.message_id)
        try:
            body = json.loads(record.body)
        except ValueError:
            logger().error("send message is not JSON: dropped", extra={"message_id": record.message_id})
            return "skipped:bad_message"
        return worker.handle(body)  # RetryLater propagates: the record is reported as failed

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=handle, processor=processor)
