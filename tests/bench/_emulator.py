"""The emulated AWS account a benchmark group runs against.

Like `crmlocal.stack.prepare_environment` + `LocalStack.start` (the emulator in a child
process, the app in this one), but with a free loopback port and a throwaway CRM_DATA_DIR, and no
snapshots, API server or background threads.
Call `start()` before anything imports `app` or `chalicelib` modules that read settings.
"""
from __future__ import annotations

import collections
import os
import socket
import sys
import tempfile
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
    """The local stack's emulator process on 127.0.0.1:<free port>, every table/queue/identity created,
    app imported (in this process, as in `make run`)."""

    def __init__(self, *, stock_moto: bool = False, in_process: bool = False, **extra_env: str):
        """in_process: the emulator in a thread of this process instead (the pools group seeds moto's
        tables directly and times moto's internals)."""
        self.extra_env = extra_env
        self.stock_moto = stock_moto
        self.in_process = in_process
        self.tmp = tempfile.TemporaryDirectory(prefix="crm-bench-")
        self.server = None

    def start(self):
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from crmlocal.emulator import EmulatorProcess, EmulatorServer

        from .calls import hook

        hook(keep=True)  # before the app builds its clients and gc.freeze()s them (see calls.py)
        port = free_port()
        set_environment(port, self.tmp.name, **self.extra_env)
        region = os.environ["AWS_DEFAULT_REGION"]
        if self.in_process:
            self.server = EmulatorServer("127.0.0.1", port, region=region, patched=not self.stock_moto).start()
        else:
            self.server = EmulatorProcess(port, region, patched=not self.stock_moto).start()

        from chalicelib import wiring
        from crmlocal import bootstrap
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

    def stats(self, reset: bool = False) -> dict:
        """The emulator's request time by operation since the last reset: {seconds, requests, by_operation}."""
        if self.in_process:
            found = self.server.app.stats.as_dict()
            if reset:
                self.server.app.stats.reset()
            return found
        return self.server.call("DELETE" if reset else "GET", "stats")


class EmulatorClock:
    """Wall time the emulator spent answering requests (moto parsing and executing them), by operation.

    The emulator is another process (its own core); the rest of a benchmark's time is the app's own
    work, botocore/PynamoDB and HTTP on loopback, which overlaps with it when requests run in parallel.
    """

    def __init__(self, emulator: Emulator):
        """Starts counting from now."""
        self.emulator = emulator
        self.reset()

    def reset(self) -> None:
        self.emulator.stats(reset=True)
        self.seconds, self.requests = 0.0, 0
        self.by_operation: collections.Counter = collections.Counter()  # operation -> seconds

    def read(self) -> EmulatorClock:
        """Brings seconds, requests and by_operation up to date (since the last reset)."""
        stats = self.emulator.stats()
        self.seconds, self.requests = stats["seconds"], stats["requests"]
        self.by_operation = collections.Counter(stats["by_operation"])
        return self

    def breakdown(self) -> str:
        return ", ".join(f"{op} {t:.2f} s" for op, t in self.by_operation.most_common())


def bench_key(key: str, name: str = "bench") -> None:
    """Registers `key` as an API key of the first admin (made if absent): every key belongs to a team member."""
    from chalicelib import wiring
    from chalicelib.settings import get_settings

    admin, _ = wiring.users().ensure_admin(get_settings().admin_email, "Bench-admin-password-1")
    wiring.api_keys().ensure(key, name, user_id=admin["id"])
