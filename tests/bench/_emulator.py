"""The emulated AWS account a benchmark group runs against, in its own process.

Like `chalicelib.local.stack.prepare_environment` + `LocalStack.start`, but with a free loopback
port and a throwaway CRM_DATA_DIR, and no snapshots, API server or background threads.
Call `start()` before anything imports `app` or `chalicelib` modules that read settings.
"""
from __future__ import annotations

import collections
import logging
import os
import socket
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BENCH_SECRET = "bench-secret-not-for-production"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_environment(port: int, data_dir: str, **extra: str) -> None:
    for name in [n for n in os.environ if n.startswith(("AWS_", "CRM_"))]:
        del os.environ[name]
    os.environ.update({
        "CRM_STAGE": "local",
        "CRM_SECRET": BENCH_SECRET,
        "CRM_ATS_SECRET": "bench-ats-secret",
        "CRM_API_KEY": "crm_bench_key_0123456789abcdef",
        "CRM_DATA_DIR": data_dir,
        "CRM_AWS_PORT": str(port),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "TalentCRM",
        "POWERTOOLS_METRICS_DISABLED": "true",  # as the local stack sets it
    })
    os.environ.update(extra)


class Emulator:
    """moto's server on 127.0.0.1:<free port>, every table/queue/identity created, app imported."""

    def __init__(self, *, stock_moto: bool = False, **extra_env: str):
        self.extra_env = extra_env
        self.stock_moto = stock_moto
        self.tmp = tempfile.TemporaryDirectory(prefix="crm-bench-")
        self.server = None

    def start(self):
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the emulator's per-request lines
        if not self.stock_moto:
            from chalicelib.local import moto_patches as _moto_fix

            _moto_fix.install()
        port = free_port()
        set_environment(port, self.tmp.name, **self.extra_env)
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()

        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from chalicelib import wiring
        from chalicelib.local import bootstrap
        from chalicelib.settings import get_settings

        get_settings.cache_clear()
        wiring.reset()
        bootstrap.ensure_all()
        import app as app_module  # after the environment is set

        self.app_module = app_module
        self.settings = get_settings()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
        self.tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class CallCounter:
    """Counts AWS API calls by (service, operation); one per logical call, retries not included.

    Wraps botocore's BaseClient._make_api_call, which both boto3 clients and PynamoDB's own
    botocore client go through, whichever session or thread built them.
    """

    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self._lock = threading.Lock()
        self._original = None

    def install(self) -> CallCounter:
        import botocore.client

        original = self._original = botocore.client.BaseClient._make_api_call
        counter = self

        def counting(client, operation_name, api_params):
            with counter._lock:
                counter.counts[(client.meta.service_model.service_name, operation_name)] += 1
            return original(client, operation_name, api_params)

        botocore.client.BaseClient._make_api_call = counting
        return self

    def uninstall(self) -> None:
        if self._original is not None:
            import botocore.client

            botocore.client.BaseClient._make_api_call = self._original
            self._original = None

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()

    def snapshot(self, service: str | None = None) -> dict[str, int]:
        """{operation: calls} for one service, or {"service.operation": calls} for all."""
        with self._lock:
            items = sorted(self.counts.items())
        if service is None:
            return {f"{svc}.{op}": n for (svc, op), n in items}
        return {op: n for (svc, op), n in items if svc == service}

    def total(self, service: str | None = None) -> int:
        return sum(self.snapshot(service).values())


class EmulatorClock:
    """Wall time spent inside the emulator's WSGI app (moto parsing and executing requests).

    The rest of a benchmark's time is the app's own work, botocore/PynamoDB and HTTP on loopback.
    Both run in one process and share the GIL, so this is a split of one timeline, not parallel work.
    """

    def __init__(self):
        self.seconds = 0.0
        self.requests = 0
        self.by_operation: collections.Counter = collections.Counter()  # seconds per operation
        self._lock = threading.Lock()
        self._original = None

    def install(self) -> EmulatorClock:
        import time

        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        original = self._original = DomainDispatcherApplication.__call__
        clock = self

        def timed(app, environ, start_response):
            started = time.perf_counter()
            try:
                return original(app, environ, start_response)
            finally:
                elapsed = time.perf_counter() - started
                # JSON protocols name the operation in X-Amz-Target ("DynamoDB_20120810.GetItem")
                target = environ.get("HTTP_X_AMZ_TARGET", "").rsplit(".", 1)[-1] or "other"
                with clock._lock:
                    clock.seconds += elapsed
                    clock.requests += 1
                    clock.by_operation[target] += elapsed

        DomainDispatcherApplication.__call__ = timed
        return self

    def uninstall(self) -> None:
        if self._original is not None:
            from moto.moto_server.werkzeug_app import DomainDispatcherApplication

            DomainDispatcherApplication.__call__ = self._original
            self._original = None

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.requests = 0.0, 0
            self.by_operation.clear()

    def breakdown(self) -> str:
        with self._lock:
            return ", ".join(f"{op} {t:.2f} s" for op, t in self.by_operation.most_common())
