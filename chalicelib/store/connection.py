"""The PynamoDB connection transactions need (models carry their own)."""
from __future__ import annotations

from functools import lru_cache

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from ..settings import get_settings


@lru_cache(maxsize=1)
def connection() -> Connection:
    return Connection(region=get_settings().region)


def transact_write() -> TransactWrite:
    return TransactWrite(connection=connection())
