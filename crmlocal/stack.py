"""`make run`: the whole system on one machine, in two processes.

- the AWS emulation (crmlocal.emulator: moto in a child process) on 127.0.0.1:CRM_AWS_PORT,
  with its data restored from CRM_DATA_DIR and saved every few seconds while something changed, and on exit;
- the Chalice app on 127.0.0.1:CRM_PORT (Chalice's own local server), in this process;
- a runtime loop that feeds the app's SQS handlers and fires its schedules.
Ctrl-C (or SIGTERM) stops all of it.
"""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

from .private import private_dir, write_private


SECRETS_FILE = "secrets.json"
STARTUP_KEY_NAME = "local stack (CRM_API_KEY)"


def data_directory(root: Path) -> Path:
    data_dir = Path(os.environ.get("CRM_DATA_DIR", ".local"))
    return data_dir if data_dir.is_absolute() else root / data_dir


def read_secrets(data_dir: Path) -> dict:
    secrets_file = data_dir / SECRETS_FILE
    return json.loads(secrets_file.read_text()) if secrets_file.exists() else {}


def write_secrets(data_dir: Path, stored: dict) -> None:
    write_private(data_dir / SECRETS_FILE, json.dumps(stored, indent=2).encode())


def prepare_environment(root: Path) -> dict:
    """Generated secrets live in CRM_DATA_DIR so links in old emails keep working after a restart."""
    data_dir = private_dir(data_directory(root))
    stored = read_secrets(data_dir)
    from chalicelib.domain.accounts import temporary_password

    for name, make in (("CRM_SECRET", lambda: secrets.token_urlsafe(32)),
                       ("CRM_ATS_SECRET", lambda: secrets.token_urlsafe(32)),
                       ("CRM_API_KEY", lambda: "crm_" + secrets.token_urlsafe(24)),
                       ("CRM_ADMIN_PASSWORD", temporary_password)):
        stored.setdefault(name, os.environ.get(name) or make())  # a key given on a fresh folder is the one kept
        os.environ.setdefault(name, stored[name])
    write_secrets(data_dir, stored)
    from .fake_sns import CERT_FILE, FakeSns

    # SNS deliveries signed by the stack's own signer verify (the outbox's "Reply as the candidate" sends one)
    FakeSns.kept(data_dir)
    os.environ.setdefault("CRM_SNS_TRUSTED_CERT", str(data_dir / CERT_FILE))
    os.environ.setdefault("CRM_INBOUND_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:crm-inbound")
    api_port = os.environ.setdefault("CRM_PORT", "8000")
    # links in emails and the careers page point at this stack unless told otherwise
    os.environ.setdefault("CRM_PUBLIC_URL", f"http://127.0.0.1:{api_port}")
    os.environ.setdefault("CRM_ALLOWED_ORIGINS", f"http://127.0.0.1:{api_port}")
    port = os.environ.setdefault("CRM_AWS_PORT", "5100")
    os.environ.update({
        "CRM_STAGE": "local", "CRM_DATA_DIR": str(data_dir),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        "POWERTOOLS_METRICS_NAMESPACE": "TalentCRM",
        "POWERTOOLS_METRICS_DISABLED": os.environ.get("POWERTOOLS_METRICS_DISABLED", "true"),
    })
    return {"data_dir": data_dir}


def startup_api_key(given: str, data_dir: Path, owner: str | None = None) -> tuple[str, str | None]:
    """The recruiter key this start uses, registered: `given` (CRM_API_KEY) unless it was revoked.

    A revoked key is never revived: the key kept in CRM_DATA_DIR takes its place if it still works
    (CRM_API_KEY set in the environment was revoked), else a new key is made and kept there.
    Returns the key and, when it is not `given`, why (for the banner).
    """
    from chalicelib import wiring

    keys = wiring.api_keys()
    if given and keys.ensure(given, STARTUP_KEY_NAME, owner):  # (CRM_API_KEY set but empty: no key at all)
        return given, None
    stored = read_secrets(data_dir)
    kept = stored.get("CRM_API_KEY")
    if kept and kept != given and keys.ensure(kept, STARTUP_KEY_NAME, owner):
        return kept, f"CRM_API_KEY was revoked; using the key kept in {data_dir / SECRETS_FILE}"
    from chalicelib.services.apikeys import new_key

    key = new_key()
    keys.ensure(key, STARTUP_KEY_NAME, owner)
    write_secrets(data_dir, {**stored, "CRM_API_KEY": key})
    return key, f"the start-up API key was revoked; this new one replaces it (kept in {data_dir / SECRETS_FILE})"


class LocalStack:
    def __init__(self, root: Path, quiet: bool = False):
        self.root = root
        self.quiet = quiet
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def start(self) -> "LocalStack":
        info = prepare_environment(self.root)
        from chalicelib.settings import get_settings

        get_settings.cache_clear()
        self.settings = settings = get_settings()
        for name, port in (("CRM_AWS_PORT", settings.aws_port), ("CRM_PORT", settings.port)):
            if _in_use(port):
                raise SystemExit(f"Port {port} ({name}) is in use: is another stack running? Stop it, or set {name}.")
        from .emulator import EmulatorProcess

        # its own process: restores the snapshot in CRM_DATA_DIR, and saves it while it runs and on stop
        self.emulator = EmulatorProcess(settings.aws_port, settings.region, str(info["data_dir"])).start()
        restored = self.emulator.call("GET", "health")["restored_tables"]

        sys.path.insert(0, str(self.root))
        import app as app_module  # noqa: E402  (after the environment is set)

        from . import bootstrap

        self.app_module = app_module
        bootstrap.ensure_all()
        self.admin, _ = bootstrap.ensure_admin(settings.admin_password)  # the start-up key acts as this admin
        key, self.key_notice = startup_api_key(settings.api_key, info["data_dir"], self.admin["id"])
        if key != settings.api_key:
            os.environ["CRM_API_KEY"] = key
            self.settings = settings = dataclasses.replace(settings, api_key=key)
        bootstrap.ensure_builtin_pools()
        self.emulator.call("POST", "snapshot")

        self._serve_api()
        self._spawn(self._run_queues, "queues")
        self._spawn(self._run_schedules, "schedules")
        self.record = self._record(info["data_dir"])
        if not self.quiet:
            self._banner(restored)
        return self

    def _record(self, data_dir: Path) -> Path | None:
        """Tells `crm`, run from any folder, where this stack's API key is (crmlocal/stack_record.py)."""
        from .stack_record import record_stack

        try:
            return record_stack(data_dir, self.settings.port, self.settings.aws_port)
        except OSError as exc:  # a read-only home: crm then needs CRM_DATA_DIR or --api-key, nothing else breaks
            print(f"[stack] could not record this stack for crm: {exc}", file=sys.stderr)
            return None

    def _serve_api(self) -> None:
        from chalice.config import Config
        from chalice.local import ChaliceRequestHandler, create_local_server

        stack = self

        class Handler(ChaliceRequestHandler):
            def log_message(self, format, *args):  # one short line per request
                if not stack.quiet:
                    sys.stderr.write("[api] %s\n" % (format % args))

        config = Config.create(chalice_stage="local", app_name="talent-crm", project_dir=str(self.root))
        self.server = create_local_server(self.app_module.app, config, "127.0.0.1", self.settings.port)
        self.server.server.RequestHandlerClass = lambda *a, **k: Handler(*a, app_object=self.app_module.app,
                                                                         config=config, **k)
        self._spawn(self.server.server.serve_forever, "api")

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _run_queues(self) -> None:
        from .runtime import poll_queue, sqs_handlers

        handlers = sqs_handlers(self.app_module)
        while not self.stopping.is_set():
            for config in handlers:
                try:
                    poll_queue(self.app_module, config, wait_seconds=1)
                except Exception as exc:
                    if not self.stopping.is_set():
                        print(f"[runtime] polling {config.queue} failed: {exc!r}")
                        time.sleep(1)

    def _run_schedules(self) -> None:
        from .runtime import run_schedule, schedules

        due = {name: time.monotonic() + period for name, period in schedules(self.app_module)}
        periods = dict(schedules(self.app_module))
        while not self.stopping.wait(1.0):
            for name, at in due.items():
                if time.monotonic() >= at:
                    due[name] = time.monotonic() + periods[name]
                    try:
                        run_schedule(self.app_module, name)
                    except Exception as exc:
                        print(f"[runtime] schedule {name} failed: {exc!r}")

    def _banner(self, restored: int) -> None:
        s = self.settings
        print(f"""
Talent CRM is running (stage local)
  API            http://127.0.0.1:{s.port}            health: http://127.0.0.1:{s.port}/health
  Careers page   http://127.0.0.1:{s.port}/careers
  Workspace      http://127.0.0.1:{s.port}/dashboard   (sign in as the admin below)
  Admin          {s.admin_email}   password: {s.admin_password}   (kept in {s.data_dir}/{SECRETS_FILE})
  Local outbox   http://127.0.0.1:{s.port}/dev/outbox   (JSON: /dev/outbox.json)
  Run jobs now   curl -X POST http://127.0.0.1:{s.port}/dev/tick
  AWS emulation  http://127.0.0.1:{s.aws_port}   (moto, in its own process)
  API key        {s.api_key}  (acts as the admin){f"  ({self.key_notice})" if self.key_notice else ""}
                 e.g. curl -H "Authorization: Bearer {s.api_key}" http://127.0.0.1:{s.port}/candidates
  Data           {s.data_dir}  ({'restored ' + str(restored) + ' tables' if restored else 'new'})
  crm            finds this key from any folder{f" (recorded in {self.record})" if self.record else ""}
Press Ctrl-C to stop.
""", flush=True)

    def stop(self) -> None:
        self.stopping.set()
        try:
            self.server.server.shutdown()
        except Exception:
            pass
        for thread in self.threads:
            thread.join(timeout=3)
        self.emulator.stop()  # it saves the data as it exits


def _in_use(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    root = Path(__file__).resolve().parents[1]
    os.chdir(root)
    stack = LocalStack(root).start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    print("\nStopping: saving data...", flush=True)
    stack.stop()
    print(f"Stopped. Data kept in {stack.settings.data_dir}.", flush=True)


if __name__ == "__main__":
    main()
