"""The local AWS emulation: moto in a process of its own, behind a keep-alive HTTP server.

- Own process: the app and the emulator each get a core (and a GIL). In one process, every AWS call
  the app makes waits for the emulator's Python to run on the same core; a campaign worker's 25 SES
  threads, or an import preparing its next chunk, could not overlap with the emulator's work.
- Keep-alive: moto's own ThreadedMotoServer serves with werkzeug's development server, which answers
  every request with `Connection: close`, so each AWS call opened a TCP connection and a server
  thread (measured: 2.8 ms per GetItem, 1.9 ms with connections kept). waitress keeps HTTP/1.1
  connections and runs requests on a fixed pool of threads. (cheroot read large bodies more slowly.)
- The emulator keeps its own data: it restores CRM_DATA_DIR's snapshot when it starts, saves it every
  few seconds after a write and when it stops (SIGTERM, SIGINT, or its parent going away).

Besides the AWS APIs it answers a few local routes under /_local/: health, outbox.json (the emails SES
accepted), stats (time spent per operation, for the benchmarks) and snapshot (save now).

    python -m crmlocal.emulator --port 5100 --region us-east-1 [--data-dir .local] [--shortcuts on|off | --stock-moto]

moto runs with crmlocal/moto_patches.py: its two fixes always, its speed shortcuts when --shortcuts on
(default: the EMULATOR_SHORTCUTS environment variable, off when unset). --stock-moto: moto as released.
"""
from __future__ import annotations

import collections
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

THREADS = 16  # requests run at once; a campaign worker sends from up to 25 threads, the rest queue
SNAPSHOT_EVERY = 5.0  # seconds between saves while something changed
START_TIMEOUT = 60.0
LOCAL = "/_local/"

# DynamoDB operations that change nothing (anything else marks the snapshot out of date)
_DYNAMODB_READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "DescribeTable",
                             "ListTables", "DescribeTimeToLive", "ListTagsOfResource", "DescribeEndpoints",
                             "DescribeContinuousBackups"})


class RequestStats:
    """Time spent answering requests, by operation (summed over concurrent requests)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.seconds, self.requests = 0.0, 0
            self.by_operation: collections.Counter = collections.Counter()

    def add(self, operation: str, seconds: float) -> None:
        with self._lock:
            self.seconds += seconds
            self.requests += 1
            self.by_operation[operation] += seconds

    def as_dict(self) -> dict:
        with self._lock:
            return {"seconds": self.seconds, "requests": self.requests, "by_operation": dict(self.by_operation)}


def _operation(environ) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:  # JSON protocols: "DynamoDB_20120810.GetItem", "AmazonSQS.ReceiveMessage"
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "")
    if path.startswith("/v2/email/outbound-emails"):
        return "SendEmail"
    return "other"


class Emulator:
    """The WSGI app: /_local/ routes, then moto's dispatcher; tracks what changed for snapshots."""

    def __init__(self, region: str, data_dir: str | None, patched: bool = True, shortcuts: bool | None = None):
        """shortcuts: moto_patches' speed shortcuts on or off (None: as EMULATOR_SHORTCUTS says)."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        if patched:
            from .moto_patches import install

            install(shortcuts)
        self.patched = patched
        self.region = region
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.stats = RequestStats()
        self.restored = 0  # tables the snapshot brought back at start
        self.snapshots = None
        if data_dir:
            from .snapshot import Snapshotter

            self.snapshots = Snapshotter(data_dir, region)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(LOCAL):
            return self._local(path[len(LOCAL):], environ, start_response)
        operation = _operation(environ)
        started = time.perf_counter()
        try:
            return self.moto(environ, start_response)
        finally:
            self.stats.add(operation, time.perf_counter() - started)
            if self.snapshots is not None and self._writes(environ, operation):
                self.snapshots.dirty = True

    @staticmethod
    def _writes(environ, operation: str) -> bool:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target.startswith("DynamoDB_"):
            return operation not in _DYNAMODB_READS
        if target.startswith("AWSCognitoIdentityProviderService."):
            return not operation.startswith(("List", "Describe", "Get"))
        return operation == "SendEmail" or environ.get("REQUEST_METHOD") == "POST" and not target

    def _local(self, route: str, environ, start_response):
        method = environ.get("REQUEST_METHOD", "GET")
        if route == "health":
            body = {"status": "ok", "pid": os.getpid(), "restored_tables": self.restored, "moto": self.mode()}
        elif route == "outbox.json":
            body = {"items": self.sent()}
        elif route == "stats":
            body = self.stats.as_dict()
            if method == "DELETE":
                self.stats.reset()
        elif route == "snapshot" and method == "POST":
            if self.snapshots is not None:
                self.snapshots.save()
            body = {"saved": self.snapshots is not None}
        else:
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": "no such local route"}']
        data = json.dumps(body).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def mode(self) -> str:
        """"stock", "fixes" (moto_patches' two fixes) or "fixes+shortcuts" (and its speed shortcuts)."""
        if not self.patched:
            return "stock"
        from .moto_patches import shortcuts_on

        return "fixes+shortcuts" if shortcuts_on() else "fixes"

    def sent(self) -> list[dict]:
        """Every email SES accepted, oldest first (crmlocal.outbox shows them)."""
        from .outbox import sent_messages

        return sent_messages(self.region)


class EmulatorServer:
    """An Emulator served on ip:port by waitress, in a background thread of this process."""

    def __init__(self, ip_address: str = "127.0.0.1", port: int = 5100, *, region: str = "us-east-1",
                 data_dir: str | None = None, patched: bool = True, shortcuts: bool | None = None):
        self.ip_address, self.port = ip_address, port
        self.app = Emulator(region, data_dir, patched, shortcuts)
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> "EmulatorServer":
        from waitress.server import create_server

        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "task queue depth" in bursts
        # binds here: a port in use fails in start(), not in the thread
        self._server = create_server(self.app, host=self.ip_address, port=self.port, threads=THREADS,
                                     ident="talent-crm-emulator")
        self._thread = threading.Thread(target=self._server.run, name="aws-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            from waitress import wasyncore

            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._server._map)  # the loop ends when its map is empty
        if self._thread is not None:
            self._thread.join(timeout=5)


class EmulatorProcess:
    """`python -m crmlocal.emulator` as a child of this process (the local stack, benchmarks)."""

    def __init__(self, port: int, region: str, data_dir: str | None = None, *, patched: bool = True,
                 shortcuts: bool | None = None, log=None):
        self.port, self.region, self.data_dir, self.patched = port, region, data_dir, patched
        self.shortcuts = shortcuts  # None: the child reads EMULATOR_SHORTCUTS from the environment it inherits
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.process: subprocess.Popen | None = None

    def start(self) -> "EmulatorProcess":
        command = [sys.executable, "-m", "crmlocal.emulator", "--port", str(self.port),
                   "--region", self.region]
        if self.data_dir:
            command += ["--data-dir", str(self.data_dir)]
        if not self.patched:
            command.append("--stock-moto")
        elif self.shortcuts is not None:
            command += ["--shortcuts", "on" if self.shortcuts else "off"]
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the project folder
        # stdin is a pipe the child watches: if this process dies, the emulator saves and exits too.
        # Its own session: Ctrl-C in a terminal reaches the parent, which stops the emulator last.
        self.process = subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE, stdout=self.log,
                                        stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the AWS emulator exited with code {self.process.returncode} while starting "
                                   f"(is port {self.port} in use?)")
            try:
                if self.call("GET", "health").get("status") == "ok":
                    return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the AWS emulator did not answer on port {self.port} within {START_TIMEOUT:.0f} s")

    def call(self, method: str, route: str, timeout: float = 30.0) -> dict:
        import urllib.request

        request = urllib.request.Request(f"{self.url}{LOCAL}{route}", method=method)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM: the emulator saves its snapshot and exits; killed only if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if process.stdin:
            process.stdin.close()
        return process.returncode


def _watch_parent(stopping: threading.Event) -> None:
    """stdin reaches end of file when the parent exits, however it exits. (os.read, not sys.stdin:
    a thread blocked inside a buffered reader makes the interpreter abort at exit.)"""
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    stopping.set()


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m crmlocal.emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--data-dir", help="restore and save the snapshot here (none: nothing is kept)")
    parser.add_argument("--stock-moto", action="store_true", help="without crmlocal/moto_patches.py")
    parser.add_argument("--shortcuts", choices=("on", "off"),
                        help="moto_patches' speed shortcuts (default: EMULATOR_SHORTCUTS, off when unset)")
    parser.add_argument("--no-parent", action="store_true", help="run on its own (do not watch stdin)")
    options = parser.parse_args(argv)

    server = EmulatorServer(options.host, options.port, region=options.region, data_dir=options.data_dir,
                            patched=not options.stock_moto,
                            shortcuts=None if options.shortcuts is None else options.shortcuts == "on")
    snapshots = server.app.snapshots
    restored = server.app.restored = snapshots.restore() if snapshots is not None else 0
    server.start()
    print(f"[emulator] AWS on http://{options.host}:{options.port} (pid {os.getpid()}, moto: {server.app.mode()})"
          + (f", data {options.data_dir} ({restored} tables restored)" if snapshots is not None else ""),
          flush=True)

    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    if not options.no_parent:
        threading.Thread(target=_watch_parent, args=(stopping,), daemon=True).start()
    rounds = 0
    while not stopping.wait(SNAPSHOT_EVERY):
        rounds += 1
        if snapshots is not None and (snapshots.dirty or rounds % 12 == 0):
            _save(snapshots)
    server.stop()
    if snapshots is not None:
        _save(snapshots)


def _save(snapshots) -> None:
    try:
        snapshots.save()
    except Exception as exc:  # keep serving; the next round tries again
        snapshots.dirty = True
        print(f"[emulator] saving the snapshot failed: {exc!r}", flush=True)


if __name__ == "__main__":
    main()
