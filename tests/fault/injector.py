"""A fault injector at the ports: it wraps the adapters the send path is built with (SES, DynamoDB repositories,
SQS) and fails the Nth call of a named operation ("sends.claim", "mailer.send_raw", ...) with what that adapter
would raise once botocore's own retries were outlasted, or kills the worker there.

A kill is `WorkerDied` (a BaseException: nothing in the app catches it). From the kill on, every wrapped call
raises it too, on every thread, until `revive()`: the dead container does nothing more, as a Lambda whose
process ended; its in-flight sends on other threads never reach SES.
"""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from botocore.exceptions import ClientError


class WorkerDied(BaseException):
    """The Lambda container ended here (a timeout, an out-of-memory kill, a crash)."""


def ses_refusal(code: str) -> Exception:
    """What aws/mailer.py raises when SES still refuses after botocore's attempts."""
    from chalicelib.aws.mailer import _RETRYABLE, SendRefused

    return SendRefused(code, "injected", code in _RETRYABLE)


def dynamodb_error(operation: str, code: str, status: int = 400) -> Exception:
    """What PynamoDB raises after its retries: its error for the operation, caused by the service's answer."""
    from pynamodb import exceptions

    kinds = {"TransactWriteItems": exceptions.TransactWriteError, "PutItem": exceptions.PutError,
             "UpdateItem": exceptions.UpdateError, "DeleteItem": exceptions.DeleteError,
             "BatchWriteItem": exceptions.PutError, "BatchGetItem": exceptions.GetError,
             "GetItem": exceptions.GetError, "Query": exceptions.QueryError}
    cause = ClientError({"Error": {"Code": code, "Message": "injected"},
                         "ResponseMetadata": {"HTTPStatusCode": status}}, operation)
    return kinds.get(operation, exceptions.PynamoDBException)(f"Failed {operation}", cause=cause)


def sqs_error(code: str = "InternalError", status: int = 500) -> Exception:
    return ClientError({"Error": {"Code": code, "Message": "injected"},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "SendMessageBatch")


@dataclass
class Fault:
    """Fail calls `nth`..`nth + times - 1` of `operation`: `error` raised before the call (the service refused:
    nothing happened), or the worker killed `before` or after (`when="after"`: the service did it, we never heard)."""
    operation: str
    nth: int = 1
    times: int = 1
    error: Exception | None = None  # None: kill the worker (unless `meddle` is given)
    when: str = "before"
    meddle: object = None  # a change made by someone else just before the call (the call then goes on)
    fired: int = 0


@dataclass
class FaultInjector:
    faults: list[Fault] = field(default_factory=list)
    calls: Counter = field(default_factory=Counter)
    trace: list[str] = field(default_factory=list)  # operations in the order they were called
    dead: bool = False
    deaths: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, operation: str, **how) -> Fault:
        fault = Fault(operation, **how)
        self.faults.append(fault)
        return fault

    def kill(self, operation: str, nth: int = 1, when: str = "before") -> Fault:
        return self.add(operation, nth=nth, when=when)

    def revive(self) -> None:
        self.dead = False

    def wrap(self, monkeypatch, name: str, target, methods: list[str]) -> None:
        """Puts the injector in front of `target`'s methods, as `name.method` (the instance the app holds)."""
        for method in methods:
            monkeypatch.setattr(target, method, self._wrapped(f"{name}.{method}", getattr(target, method)))

    def _wrapped(self, operation: str, real):
        def call(*args, **kwargs):
            fault = self._before(operation)
            if fault is not None and fault.meddle is not None:
                fault.meddle()
                fault = None
            if fault is not None and fault.error is not None:
                raise fault.error
            if fault is not None and fault.when == "before":
                self._die()
            result = real(*args, **kwargs)
            if fault is not None:  # killed after the service did it
                self._die()
            return result
        return call

    def _before(self, operation: str) -> Fault | None:
        with self._lock:
            if self.dead:
                raise WorkerDied(f"dead: {operation}")
            self.calls[operation] += 1
            self.trace.append(operation)
            number = self.calls[operation]
            for fault in self.faults:
                if fault.operation == operation and fault.nth <= number < fault.nth + fault.times:
                    fault.fired += 1
                    if fault.error is None and fault.meddle is None:
                        self.dead = True  # from here on nothing of this container runs (other threads too)
                    return fault
        return None

    def _die(self):
        self.deaths += 1
        raise WorkerDied("killed")
