"""SQS handlers with partial batch failures (Powertools batch): one bad message never fails the rest."""
from __future__ import annotations

import json

from .. import wiring
from ..observability import bind_correlation_id, logger


def _process(event: dict, handle_message, outcomes: dict | None = None) -> dict:
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


def process_send_batch(event: dict, remaining_ms=lambda: 60_000) -> dict:
    """The batch's messages are handled together first (one send pipeline across them), then
    reported record by record."""
    worker = wiring.send_worker()
    ids, bodies = [], []
    for record in event.get("Records") or []:
        try:
            body = json.loads(record.get("body") or "")
        except ValueError:
            continue  # reported (and dropped) by _process
        if isinstance(body, dict):
            ids.append(record.get("messageId"))
            bodies.append(body)
    outcomes = dict(zip(ids, worker.handle_batch(bodies, remaining_ms)))
    return _process(event, lambda message: worker.handle(message, remaining_ms), outcomes)


def process_jobs_batch(event: dict) -> dict:
    """Background work: pool rebuilds and deletions, one page per message."""
    pools = wiring.pools()
    handlers = {"pool_rebuild": pools.rebuild_step, "pool_delete": pools.delete_step,
                "tracking": lambda m: wiring.tracking().record(m), "engaged": lambda m: wiring.tracking().engaged(m)}

    def handle(message: dict) -> str:
        handler = handlers.get(message.get("type"))
        if handler is None:
            logger().error("unknown job type: dropped", extra={"type": message.get("type")})
            return "skipped:unknown_type"
        return handler(message)

    return _process(event, handle)
