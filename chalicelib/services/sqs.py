"""The queue-triggered functions' batches, with partial batch failures (Powertools batch): one bad
message never fails the rest. Built by chalicelib/wiring.py (send_batches, job_batches) with what
handles the messages; app.py's SQS handlers call them.
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..observability import bind_correlation_id, logger

if TYPE_CHECKING:  # imported when a batch comes (cold start)
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse


def _process(event: dict, handle_message, outcomes: dict | None = None) -> PartialItemFailureResponse:
    """outcomes: what handling each message id came to already (a summary, or the exception that
    failed it), for handlers that take the batch as a whole."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def handle(record) -> str:
        bind_correlation_id(record.message_id)
        if outcomes is not None and record.message_id in outcomes:
            outcome = outcomes[record.message_id]
            if isinstance(outcome, Exception):
                raise outcome  # marks just this record failed: SQS retries it
            return outcome
        try:
            body = json.loads(record.body)
        except ValueError:
            logger().error("queue message is not JSON: dropped", extra={"message_id": record.message_id})
            return "skipped:bad_message"
        return handle_message(body)  # an exception marks just this record failed: SQS retries it

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    try:
        return process_partial_response(event=event, record_handler=handle, processor=processor)
    finally:
        from ..observability import flush

        flush()


class SendBatches:
    """The send queue's batches: handled together first (one send pipeline across the campaign
    messages), then reported record by record."""

    def __init__(self, worker):
        self.worker = worker  # sending.worker.SendWorker

    def process(self, event: dict, remaining_ms=lambda: 60_000) -> PartialItemFailureResponse:
        ids, bodies = [], []
        for record in event.get("Records") or []:
            try:
                body = json.loads(record.get("body") or "")
            except ValueError:
                continue  # reported (and dropped) by _process
            if isinstance(body, dict):
                ids.append(record.get("messageId"))
                bodies.append(body)
        outcomes = dict(zip(ids, self.worker.handle_batch(bodies, remaining_ms)))
        return _process(event, lambda message: self.worker.handle(message, remaining_ms), outcomes)


class JobBatches:
    """Background work, one page per message: `handlers` maps a message type to what does it."""

    def __init__(self, handlers: dict):
        self.handlers = handlers

    def process(self, event: dict) -> PartialItemFailureResponse:
        return _process(event, self._handle)

    def _handle(self, message: dict) -> str:
        handler = self.handlers.get(message.get("type"))
        if handler is None:
            logger().error("unknown job type: dropped", extra={"type": message.get("type")})
            return "skipped:unknown_type"
        return handler(message)
