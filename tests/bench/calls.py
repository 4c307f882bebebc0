"""AWS API calls counted through botocore's event system: boto3's clients and PynamoDB's alike.

Every botocore client has its own event emitter, copied from its session's when the client is
built. So the handlers go (1) into botocore.handlers.BUILTIN_HANDLERS, which every session created
from now on registers (PynamoDB builds one session per thread; the app one per boto3 client), and
(2) onto every session and client alive at install time, found by the garbage collector, as moto's
own `patch_client` does for clients built before its mock. Nothing of botocore is replaced.
app.py gc.freeze()s what it loaded, clients included, out of the collector's sight: the walk then
unfreezes and freezes again (everything alive then), which a benchmark should not undergo while it
measures, so the benchmark hooks before it imports the app (`hook(keep=True)`, tests/bench/_emulator.py).

A call is counted once, when it starts ('before-parameter-build': one per logical call, retries
not included, before validation), by every installed counter that is not paused; its answer
('after-call', 'after-call-error') goes to the counters that counted it.
"""
from __future__ import annotations

import collections
import gc
import sys
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType

_CONTEXT_KEY = "tests.bench.calls"  # where a call's start is kept in botocore's request context
_UNIQUE = "tests.bench.calls."
_lock = threading.Lock()
_counters: tuple[CallCounter, ...] = ()  # the installed ones; replaced whole, read without the lock
_hooked = {"now": False, "keep": False}


def _started(params=None, model=None, context=None, **_) -> None:
    counters = _counters
    if model is None or context is None or not counters:
        return
    service, operation = model.service_model.service_name, model.name
    frame = sys._getframe(1)  # botocore's emitter, then the client and whoever called it
    counted = [c for c in counters if c._start(service, operation, frame)]
    if counted:
        context[_CONTEXT_KEY] = (service, operation, params or {}, counted)


def _answered(http_response=None, parsed=None, context=None, **_) -> None:
    call = (context or {}).pop(_CONTEXT_KEY, None)
    if call is None:
        return
    service, operation, params, counted = call
    ok = http_response is not None and http_response.status_code < 300 and isinstance(parsed, dict)
    for counter in counted:
        counter._answer(service, operation, params, parsed if ok else None)


def _failed(context=None, **_) -> None:
    """The request itself failed (connection refused, timed out): an answer without a response."""
    _answered(context=context)


HANDLERS = (("before-parameter-build", _started), ("after-call", _answered), ("after-call-error", _failed))


def _every_emitter() -> Iterable:
    """The event emitters of every botocore session and client alive now."""
    import botocore.client
    import botocore.session

    frozen = gc.get_freeze_count()
    if frozen:
        gc.unfreeze()
    try:
        objects = gc.get_objects()
    finally:
        if frozen:
            gc.freeze()
    for obj in objects:
        if isinstance(obj, botocore.client.BaseClient):
            yield obj.meta.events
        elif isinstance(obj, botocore.session.Session):
            yield obj.get_component("event_emitter")


def hook(keep: bool = False) -> None:
    """Every botocore session and client, alive or to come, reports to the installed counters (none:
    nothing is counted). keep: until the process ends, not only while a counter is installed."""
    with _lock:
        _hook()
        _hooked["keep"] = _hooked["keep"] or keep


def _hook() -> None:
    from botocore import handlers

    if _hooked["now"]:
        return
    _hooked["now"] = True
    for event, handler in HANDLERS:
        if (event, handler) not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append((event, handler))
    for emitter in _every_emitter():
        for event, handler in HANDLERS:
            emitter.register(event, handler, unique_id=_UNIQUE + event)  # unique: registered once


def _unhook() -> None:
    from botocore import handlers

    if not _hooked["now"] or _hooked["keep"]:
        return
    _hooked["now"] = False
    for spec in HANDLERS:
        while spec in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.remove(spec)
    for emitter in _every_emitter():
        for event, handler in HANDLERS:
            emitter.unregister(event, handler, unique_id=_UNIQUE + event)


READS = ("Query", "Scan", "GetItem", "BatchGetItem", "TransactGetItems")


def items_read(operation: str, params: dict, parsed: dict) -> list[tuple[str, int]]:
    """(table, items) a DynamoDB read (READS) answered: Query/Scan their ScannedCount (what DynamoDB read,
    before any filter), GetItem its item, BatchGetItem/TransactGetItems the items returned.
    Tables by their last dash-separated word (crm-local-candidates: candidates)."""
    table = str(params.get("TableName", "")).rsplit("-", 1)[-1]
    if operation in ("Query", "Scan"):
        return [(table, parsed.get("ScannedCount", parsed.get("Count", 0)))]
    if operation == "GetItem":
        return [(table, 1 if parsed.get("Item") else 0)]
    if operation == "BatchGetItem":
        return [(name.rsplit("-", 1)[-1], len(items)) for name, items in parsed.get("Responses", {}).items()]
    if operation == "TransactGetItems":
        return [("(transaction)", len(parsed.get("Responses", [])))]
    return []


class CallCounter:
    """AWS calls by (service, operation), from every botocore client of this process, whatever
    session or thread built it; one per logical call, retries not included.

    Also kept: `items` (operation, table) -> DynamoDB items read and `reads` operation -> read calls
    answered (see items_read); `answered_at` (service, operation) -> time.perf_counter() when the
    last one was answered. `classify(frame)`, if given, names the labels a call counts under in
    `labelled` (label -> (service, operation) -> calls), from the stack that made it. While
    `paused`, nothing counts.
    """

    def __init__(self, classify: Callable[[FrameType], Iterable[str]] | None = None):
        self.classify = classify
        self.paused = False
        self.counts: collections.Counter = collections.Counter()
        self.labelled: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.items: collections.Counter = collections.Counter()
        self.reads: collections.Counter = collections.Counter()
        self.answered_at: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def install(self) -> CallCounter:
        global _counters
        with _lock:
            if self not in _counters:
                _hook()
                _counters = (*_counters, self)
        return self

    def uninstall(self) -> None:
        global _counters
        with _lock:
            if self in _counters:
                _counters = tuple(c for c in _counters if c is not self)
                if not _counters:
                    _unhook()

    def start(self) -> None:
        """Counts afresh from now (after a pause)."""
        self.reset()
        self.paused = False

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()
            self.labelled.clear()
            self.items.clear()
            self.reads.clear()
            self.answered_at.clear()

    def _start(self, service: str, operation: str, frame: FrameType) -> bool:
        if self.paused:
            return False
        labels = tuple(self.classify(frame)) if self.classify else ()
        key = (service, operation)
        with self._lock:
            self.counts[key] += 1
            for label in labels:
                self.labelled[label][key] += 1
        return True

    def _answer(self, service: str, operation: str, params: dict, parsed: dict | None) -> None:
        read = service == "dynamodb" and operation in READS and parsed is not None
        found = items_read(operation, params, parsed) if read and parsed is not None else []
        with self._lock:
            self.answered_at[(service, operation)] = time.perf_counter()
            for table, items in found:
                self.items[(operation, table)] += items
            if read:
                self.reads[operation] += 1

    def snapshot(self, service: str | None = None) -> dict[str, int]:
        """{operation: calls} for one service, or {"service.operation": calls} for all."""
        with self._lock:
            items = sorted(self.counts.items())
        if service is None:
            return {f"{svc}.{op}": n for (svc, op), n in items}
        return {op: n for (svc, op), n in items if svc == service}

    def total(self, service: str | None = None) -> int:
        return sum(self.snapshot(service).values())

    def items_total(self) -> int:
        with self._lock:
            return sum(self.items.values())

    @staticmethod
    def text(counts: collections.Counter, scale: float = 1.0) -> str:
        """"service.operation n, ..." (n scaled), sorted."""
        return ", ".join(f"{svc}.{op} {n * scale:g}" for (svc, op), n in sorted(counts.items()))
