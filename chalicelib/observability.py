"""Powertools Logger and Metrics, built on first use (keeps the import cost off cold starts).

Never log an email address, name or phone at INFO or above: log ids, or `mask_email(...)`.
"""
from __future__ import annotations

from functools import lru_cache

SERVICE = "talentcrm"  # not "talent-crm": that is the Chalice app's own logger


@lru_cache(maxsize=1)
def logger():
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE)


@lru_cache(maxsize=1)
def metrics():
    from aws_lambda_powertools import Metrics

    return Metrics(namespace="TalentCRM", service=SERVICE)


def count(name: str, value: float = 1) -> None:
    """Adds to a metric and flushes it at once as one EMF line (our handlers are short-lived)."""
    from aws_lambda_powertools.metrics import MetricUnit

    m = metrics()
    m.add_metric(name=name, unit=MetricUnit.Count, value=value)
    m.flush_metrics()
