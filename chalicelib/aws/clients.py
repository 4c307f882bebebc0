"""boto3 clients, built on first use and reused for the life of the Lambda container.

The endpoint comes from the standard AWS_ENDPOINT_URL variable when set (the local stack points it
at the emulator), so the same code runs in Lambda and locally.
"""
from __future__ import annotations

import threading
from functools import lru_cache

_lock = threading.Lock()


@lru_cache(maxsize=None)
def client(service: str):
    with _lock:  # boto3's default session is not safe to build clients from in parallel
        import boto3
        from botocore.config import Config

        from ..settings import get_settings

        config = Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=32)
        return boto3.session.Session().client(service, region_name=get_settings().region, config=config)


def reset() -> None:
    """Tests and the local stack rebuild clients after changing the endpoint or mocks."""
    client.cache_clear()
