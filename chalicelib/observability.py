"""Powertools Logger and Metrics, built on first use (keeps the import cost off cold starts).

Never log an email address, name or phone at INFO or above: log ids, or `mask_email(...)`.
"""
from __future__ import annotations

from functools import lru_cache

SERVICE = "talentcrm"  # not "talent-crm": that is the Chalice app's own logger


_correlation_id: str | None = None


@lru_cache(maxsize=1)
def logger():
    from aws_lambda_powertools import Logger

    built = Logger(service=SERVICE)
    built.set_correlation_id(_correlation_id)
    return built


def bind_correlation_id(value: str | None) -> None:
    """The API request id or SQS message id, on every log line that follows. Cheap when nothing logs."""
    global _correlation_id
    _correlation_id = value
    if logger.cache_info().currsize:
        logger().set_correlation_id(value)


@lru_cache(maxsize=1)
def metrics():
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="TalentCRM", service=SERVICE)


_pending = False


def count(name: str, value: float = 1) -> None:
    """Adds to a metric; `flush()` at the end of the invocation writes them as one EMF line."""
    from aws_lambda_powertools.metrics import MetricUnit

    global _pending
    metrics().add_metric(name=name, unit=MetricUnit.Count, value=value)
    _pending = True


def flush() -> None:
    """End of a request or event: publish what was counted (nothing to do if nothing was)."""
    global _pending
    if _pending:
        _pending = False
        metrics().flush_metrics()
