"""The local stack (`make run`) in a subprocess, for schemathesis to call over HTTP.

Free ports, a throwaway CRM_DATA_DIR, a known recruiter key and ATS secret. The stack's output goes to
build/fuzz-stack.log; a failed test shows the errors it logged (the tracebacks of any 500).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "build"
LOG = BUILD / "fuzz-stack.log"
API_KEY = "crm_fuzz_key_0123456789abcdef"
ATS_SECRET = "fuzz-ats-secret"
START_TIMEOUT = 60.0


def _free_port() -> int:
    from tests.bench._emulator import free_port

    return free_port()


class Stack:
    """`python -m crmlocal.stack` on free ports; stopped with Ctrl-C (SIGINT) as a person would."""

    def __init__(self, data_dir: Path, **extra_env: str):
        self.extra_env = extra_env
        self.port, self.aws_port = _free_port(), _free_port()
        while self.aws_port == self.port:
            self.aws_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_"))
               and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
        env.update({
            "CRM_PORT": str(self.port), "CRM_AWS_PORT": str(self.aws_port), "CRM_DATA_DIR": str(self.data_dir),
            "CRM_API_KEY": API_KEY, "CRM_ATS_SECRET": ATS_SECRET, "CRM_PUBLIC_URL": self.url,
            "CRM_ALLOWED_ORIGINS": self.url,
            # sign-ups are fuzzed far past a careers page's hourly limit: the limit's own test is elsewhere
            "CRM_SIGNUP_LIMIT": "1000000",
            "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            **self.extra_env,
        })
        return env

    def start(self) -> Stack:
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(LOG, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "crmlocal.stack"], cwd=ROOT,
                                            env=self.environment(), stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the stack exited with code {self.process.returncode}:\n{LOG.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:
                    if json.loads(answer.read()).get("status") == "ok":
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"/health did not answer within {START_TIMEOUT:.0f} s:\n{LOG.read_text()[-3000:]}")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 20.0), (signal.SIGTERM, 10.0)):
            process.send_signal(sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                pass
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def sns_signer():
    """Signs SNS deliveries the way SNS does; the stack trusts its certificate (CRM_SNS_TRUSTED_CERT)."""
    from crmlocal.fake_sns import FakeSns

    return FakeSns()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory, sns_signer):
    stack = Stack(tmp_path_factory.mktemp("crm-fuzz-data"), CRM_SNS_TRUSTED_CERT=sns_signer.certificate_pem).start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def seeds(local_stack):
    from .realistic import seed

    return seed(local_stack.url, API_KEY)


def logged_errors(since: int = 0, limit: int = 20) -> list[str]:
    """The stack's error lines from byte `since` on (unhandled errors carry their traceback in `trace`)."""
    if not LOG.exists():
        return []
    with open(LOG, "rb") as log:
        log.seek(since)
        text = log.read().decode("utf-8", "replace")
    lines = [line for line in text.splitlines()
             if '"level":"ERROR"' in line or "Traceback" in line or "[runtime]" in line]
    return lines[-limit:]


LOG_OFFSET = pytest.StashKey[int]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    item.stash[LOG_OFFSET] = LOG.stat().st_size if LOG.exists() else 0
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test shows what the stack logged while it ran: the traceback behind a 500."""
    outcome = yield
    report = outcome.get_result()
    if report.failed and call.when == "call" and LOG_OFFSET in item.stash:
        lines = logged_errors(item.stash[LOG_OFFSET])
        if lines:
            report.sections.append(("errors the local stack logged meanwhile (build/fuzz-stack.log)",
                                    "\n".join(lines)))
