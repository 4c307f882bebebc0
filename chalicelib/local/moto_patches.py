"""Local stack and tests: make moto's TransactWriteItems cost independent of table size, and
serve DynamoDB requests one at a time (atomic, as DynamoDB is).

moto 5.2.5 (`DynamoDBBackend.transact_write_items`) takes its rollback copy with
`copy.deepcopy(table)` once per *action*, for the table that action touches: a 100-action
transaction on a table of N items deep-copies about 100 x N items. On an emulator holding a few
thousand people one such call takes seconds (measured: ~2 s at 1,000 people, ~3.8 s at 2,000),
so a 10,000-row import, which creates people in transactions, grows quadratically (tens of
minutes), and slow calls hit the SDK's read timeout, whose retry then runs concurrently with the
first attempt inside moto and fails with "dictionary changed size during iteration".

`install()` keeps moto's own transaction logic and rollback, and only replaces that snapshot with
an equivalent cheap one, taken once per table per transaction: a shallow copy of the table whose
item containers are copied (puts replace items, deletes pop them) and whose items that an Update
action will change in place are deep-copied. Rollback restores exactly what stock moto restores,
except stream records (not used by the app). Everything else in moto is untouched.
"""
from __future__ import annotations

import copy as _copy
import threading

_state = threading.local()
_installed = False


def _snapshot(table, update_keys: list[dict]):
    from moto.dynamodb.models.dynamo_type import DynamoType

    snap = _copy.copy(table)
    items = type(table.items)(table.items.default_factory) if hasattr(table.items, "default_factory") \
        else type(table.items)()
    if table.range_key_attr:
        for hash_key, by_range in table.items.items():
            items[hash_key] = dict(by_range)
    else:
        items.update(table.items)
    for key in update_keys:
        try:
            hash_value = DynamoType(key[table.hash_key_attr])
            if table.range_key_attr:
                range_value = DynamoType(key[table.range_key_attr])
                if range_value in items.get(hash_value, {}):
                    items[hash_value][range_value] = _copy.deepcopy(items[hash_value][range_value])
            elif hash_value in items:
                items[hash_value] = _copy.deepcopy(items[hash_value])
        except (KeyError, TypeError):
            return _copy.deepcopy(table)  # anything unexpected: stock behaviour
    snap.items = items
    return snap


class _CopyModule:
    """Stands in for the `copy` module inside moto.dynamodb.models during a transaction."""

    def __getattr__(self, name):
        return getattr(_copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        from moto.dynamodb.models.table import Table

        cache = getattr(_state, "snapshots", None)
        if cache is not None and isinstance(value, Table):
            if id(value) not in cache:
                cache[id(value)] = _snapshot(value, _state.update_keys.get(value.name, []))
            return cache[id(value)]
        return _copy.deepcopy(value, memo)


TESTED_WITH = "5.2."  # the moto versions whose internals this patch was checked against


def install() -> bool:
    """Applies the patch once. With another moto version it does nothing (and says so)."""
    global _installed
    if _installed:
        return True
    import moto
    from moto.dynamodb import models

    if not moto.__version__.startswith(TESTED_WITH) or not hasattr(models, "copy"):
        print(f"[emulator] moto {moto.__version__}: TransactWriteItems patch not applied (checked with "
              f"{TESTED_WITH}x); bulk imports may be slow")
        return False

    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items, *args, **kwargs):
        update_keys: dict[str, list[dict]] = {}
        for entry in transact_items:
            for op_type, op in entry.items():
                if op_type == "Update" and isinstance(op, dict) and "Key" in op:
                    update_keys.setdefault(op.get("TableName"), []).append(op["Key"])
        _state.snapshots, _state.update_keys = {}, update_keys
        try:
            return original(self, transact_items, *args, **kwargs)
        finally:
            _state.snapshots = None

    models.copy = _CopyModule()
    models.DynamoDBBackend.transact_write_items = transact_write_items
    _serialize_dynamodb()
    _fewer_collections()
    _installed = True
    return True


def _fewer_collections() -> None:
    """The emulator keeps every table as a large graph of small objects in this process; with
    Python's default gen-0 threshold (700 allocations) the cyclic collector walks it thousands of
    times a second (a 2,000-person import ran 27% faster with this). Nothing here relies on cycles
    being freed promptly."""
    import gc

    gc.set_threshold(50_000, 50, 100)


def _serialize_dynamodb() -> None:
    """DynamoDB applies each request atomically (a conditional write is checked and applied as one);
    the emulator serves concurrent requests in threads without that guarantee. One lock around
    its DynamoDB request handler gives the local stack and the tests the real semantics."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.RLock()
    original = DynamoHandler.call_action

    def call_action(self):
        with lock:
            return original(self)

    DynamoHandler.call_action = call_action
