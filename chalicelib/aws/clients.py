"""boto3 clients, built on first use and reused for the life of the Lambda container.

The endpoint comes from the standard AWS_ENDPOINT_URL variable when set (the local stack points it
at the emulator), so the same code runs in Lambda and locally.

The retry policy of every AWS call is here and nowhere else: botocore's "standard" mode (throttling
and transient errors, exponential backoff with jitter, at most TOTAL_ATTEMPTS attempts). Nothing in
the services retries on top of it; what outlasts it is reported (a send refused as retryable goes
back through the queue: chalicelib/services/sending).
"""
from __future__ import annotations

import threading
from functools import lru_cache

# The first call and three retries; for throttling botocore waits up to 1 s, 2 s, then 4 s between them.
TOTAL_ATTEMPTS = 4
RETRIES = {"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS}

_lock = threading.Lock()


@lru_cache(maxsize=None)
def client(service: str):
    with _lock:  # boto3's default session is not safe to build clients from in parallel
        import boto3
        from botocore.config import Config

        from ..settings import get_settings

        config = Config(retries=dict(RETRIES), max_pool_connections=32)
        return boto3.session.Session().client(service, region_name=get_settings().region, config=config)


@lru_cache(maxsize=None)
def quick_client(service: str):
    """A client for a person waiting on a page (the Settings page's checks): short timeouts and two attempts, so
    an unanswered AWS call ends well inside API Gateway's 29 s instead of botocore's 60 s x 4."""
    with _lock:
        import boto3
        from botocore.config import Config

        from ..settings import get_settings

        config = Config(retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=2, read_timeout=5)
        return boto3.session.Session().client(service, region_name=get_settings().region, config=config)


def reset() -> None:
    """Tests and the local stack rebuild clients after changing the endpoint or mocks."""
    client.cache_clear()
    quick_client.cache_clear()
