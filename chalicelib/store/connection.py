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


def create_all(items: list, key_attribute) -> list:
    """Writes each item unless its key exists: transactions of 100, one by one after a conflict.

    Returns the items this call created (so counters move only for real changes).
    """
    from pynamodb.exceptions import PutError, TransactWriteError

    created = []
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        try:
            with transact_write() as transaction:
                for item in chunk:
                    transaction.save(item, condition=key_attribute.does_not_exist())
            created += chunk
        except TransactWriteError as exc:
            if not condition_failed(exc):
                raise
            for item in chunk:  # some already existed: find which
                try:
                    item.save(condition=key_attribute.does_not_exist())
                    created.append(item)
                except PutError as single:
                    if not condition_failed(single):
                        raise
    return created


def condition_failed(exc: Exception) -> bool:
    """True when a write (or one action of a transaction) was refused by its condition."""
    code = getattr(exc, "cause_response_code", None)
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = getattr(exc, "cancellation_reasons", None) or []
        return any(r is not None and r.code == "ConditionalCheckFailed" for r in reasons)
    return False
