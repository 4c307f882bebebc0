"""Issue #11, class 7: revoked keys stay revoked, CRM_STAGE must be said, confirmation emails carry
nothing the sign-up typed, local data is the owner's only, a CSV's shape is bounded."""
import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.app.helpers import body, decoded, form, outbox, tick

ROOT = Path(__file__).resolve().parents[2]


def clean_environment(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_")) and k.lower() not in ("http_proxy", "https_proxy")}
    return {**env, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", "PYTHONUNBUFFERED": "1", **extra}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ------------------------------------------------------------------ CRM_STAGE

def import_app(**env) -> subprocess.CompletedProcess:
    code = "import json, app; print(json.dumps(sorted(r for r in app.app.routes if r.startswith('/dev'))))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean_environment(CRM_SECRET="s", **env),
                          capture_output=True, text=True, timeout=60, check=False)


def test_dev_routes_exist_only_when_crm_stage_is_exactly_local():
    unset = import_app()
    assert unset.returncode != 0 and "CRM_STAGE is not set" in unset.stderr and not unset.stdout
    for stage in ("", "Local", " local", "local\n"):
        refused = import_app(CRM_STAGE=stage)
        assert refused.returncode != 0 and "CRM_STAGE" in refused.stderr and not refused.stdout, repr(stage)
    for stage in ("prod", "dev", "localhost"):
        deployed = import_app(CRM_STAGE=stage)
        assert deployed.returncode == 0 and json.loads(deployed.stdout) == [], stage
    assert "/dev/tick" in json.loads(import_app(CRM_STAGE="local").stdout)


def test_every_chalice_stage_sets_crm_stage():
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert {name: stage["environment_variables"]["CRM_STAGE"] for name, stage in config["stages"].items()} == {
        name: name for name in config["stages"]}


# ------------------------------------------------------------------ confirmation emails

@pytest.mark.parametrize("typed", [
    {"first_name": "Click http://evil.example/win", "last_name": "Zorblax"},
    {"first_name": "<a href=\"https://evil.example\">Prize</a>", "city": "Phishville"},
    {"first_name": "Ünïcödé Wïnnér", "last_name": "www.evil.example", "roles": "Quuxwise"},
])
def test_confirmation_email_carries_nothing_the_sign_up_typed(client, typed):
    assert form(client, {"email": "victim@example.com", "consent": "on", **typed}).status_code == 202
    tick()
    [email] = outbox()
    seen = decoded(email["raw"]).lower()
    assert "/signups/confirm?token=" in seen
    seen = re.sub(r"token=\S+|message-id: \S+", "", seen)  # random text: any word may turn up in it
    for value in typed.values():
        assert value.lower() not in seen
        for word in ("evil", "click", "prize", "zorblax", "phishville", "ünïcödé", "quuxwise"):
            assert word not in seen or word not in value.lower(), word


# ------------------------------------------------------------------ CSV import bounds

CSV = {"Content-Type": "text/csv"}


@pytest.mark.parametrize("data", [
    "email" + ",zq" * 1_000_000 + "\nada@example.com\n",  # a million columns
    "email," + ",".join(f"zq{i}" for i in range(250)) + "\nada@example.com\n",  # more than 200
    "email\nada@example.com" + ",x" * 1_000_000 + "\n",  # a row of a million cells
    "email,notes\nada@example.com,\"" + "x" * (5 * 1024 * 1024) + "\"\n",  # one cell of 5 MB
    "email,notes\nada@example.com,\"" + "many\nlines\n" * 400_000 + "\"\n",  # a 4 MB cell over many lines
    "email,notes\nada@example.com,\"" + "x" * 40_000 + "\"\n",  # a cell over 32 KiB
    "email," + "zq" * 2500 + "\nada@example.com,1\n",  # a column name of 5,000 characters
])
def test_an_import_of_a_monstrous_shape_is_a_short_400_at_once(client, auth, data):
    started = time.perf_counter()
    answer = client.http.post("/candidates/import", headers={**auth, **CSV}, body=data.encode())
    assert answer.status_code == 400 and time.perf_counter() - started < 3
    error = body(answer)["error"]
    assert error["code"] == "validation_error" and len(answer.body) < 400 and "zq" not in error["message"]
    assert re.search(r"row \d|column name", error["message"])
    assert body(client.http.get("/candidates", headers=auth))["items"] == []


def test_an_import_within_the_bounds_still_works(client, auth):
    wide = ["Email", *(f"extra {i}" for i in range(199))]
    data = ",".join(wide) + "\n" + "ada@example.com," + ",".join(["y" * 1000] * 199) + "\n"
    answer = client.http.post("/candidates/import", headers={**auth, **CSV}, body=data.encode())
    assert answer.status_code == 200 and body(answer)["created"] == 1 and len(body(answer)["ignored_columns"]) == 199


# ------------------------------------------------------------------ API keys and the local stack

def test_a_revoked_key_is_never_registered_again(aws):
    from chalicelib import wiring

    keys = wiring.api_keys()
    created = keys.create("Jane")
    assert keys.ensure(created["key"], "start-up")
    assert keys.revoke(created["id"]) and not keys.revoke(created["id"])
    for _ in range(2):  # two restarts
        assert not keys.ensure(created["key"], "start-up")
        assert not keys.verify(created["key"])
    assert [k["id"] for k in keys.list()] == []


def test_start_up_key_replaced_when_revoked(aws, tmp_path):
    from chalicelib import wiring
    from crmlocal.stack import read_secrets, startup_api_key, write_secrets

    keys = wiring.api_keys()
    write_secrets(tmp_path, {"CRM_API_KEY": "crm_kept_key_0123456789"})
    assert startup_api_key("crm_given_key_0123456789", tmp_path) == ("crm_given_key_0123456789", None)
    [given] = keys.list()
    keys.revoke(given["id"])
    # CRM_API_KEY (the environment) was revoked: the key kept in CRM_DATA_DIR takes its place
    key, why = startup_api_key("crm_given_key_0123456789", tmp_path)
    assert key == "crm_kept_key_0123456789" and "revoked" in why
    assert startup_api_key("crm_kept_key_0123456789", tmp_path) == ("crm_kept_key_0123456789", None)
    assert startup_api_key("", tmp_path)[0] == "crm_kept_key_0123456789"  # CRM_API_KEY= (empty) is no key
    # both revoked: a new key, kept in CRM_DATA_DIR (0600) and registered; the old ones stay dead
    for item in keys.list():
        keys.revoke(item["id"])
    key, why = startup_api_key("crm_kept_key_0123456789", tmp_path)
    assert key not in ("crm_kept_key_0123456789", "crm_given_key_0123456789") and "new" in why
    assert read_secrets(tmp_path)["CRM_API_KEY"] == key and mode(tmp_path / "secrets.json") == 0o600
    assert keys.verify(key) and not keys.verify("crm_kept_key_0123456789")
    assert not keys.verify("crm_given_key_0123456789")


def free_port() -> int:
    from tests.bench._emulator import free_port as port

    return port()


class StackProcess:
    """`make run` (python -m crmlocal.stack) in a child process, as a person runs it: no CRM_STAGE."""

    def __init__(self, data_dir: Path, log: Path):
        self.data_dir, self.log = data_dir, log
        self.port, self.aws_port = free_port(), free_port()
        self.env = clean_environment(CRM_DATA_DIR=str(data_dir), CRM_PORT=str(self.port),
                                     CRM_AWS_PORT=str(self.aws_port))
        self.process = None

    def start(self) -> str:
        """Starts it and waits for the banner; returns the API key the banner shows."""
        self.log.write_text("")
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "crmlocal.stack"], cwd=ROOT, env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log.read_text(errors="replace")
            found = re.search(r"API key +(crm_\S+)", text)
            if found and "Press Ctrl-C to stop." in text:
                return found.group(1)
            assert self.process.poll() is None, f"the stack exited while starting:\n{text[-3000:]}"
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"the stack did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def status(self, path: str, key: str) -> int:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", headers={"Authorization": f"Bearer {key}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def cli(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "crmcli.operators", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def test_the_local_stack_never_revives_a_revoked_start_up_key_and_keeps_its_data_private(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    os.chmod(data_dir, 0o755)
    (data_dir / "secrets.json").write_text("{}")
    os.chmod(data_dir / "secrets.json", 0o644)  # from before: readable by everyone
    stack = StackProcess(data_dir, tmp_path / "stack.log")
    try:
        first = stack.start()
        assert stack.status("/dev/outbox.json", first) == 200  # CRM_STAGE unset: make run says local itself
        assert stack.status("/candidates", first) == 200
        [key_id] = re.findall(r"^(key_\S+)", stack.cli("apikey", "list"), re.MULTILINE)
        stack.cli("apikey", "revoke", key_id)
        stack.stop()

        second = stack.start()
        assert second != first and "was revoked" in stack.log.read_text()
        assert stack.status("/candidates", first) == 401 and stack.status("/candidates", second) == 200
        assert json.loads((data_dir / "secrets.json").read_text())["CRM_API_KEY"] == second  # kept for next time
        stack.stop()
    finally:
        stack.stop()
    assert mode(data_dir) == 0o700
    files = sorted(p.name for p in data_dir.iterdir())
    assert "secrets.json" in files and "emulator-state.pickle" in files
    assert {name: mode(data_dir / name) for name in files} == dict.fromkeys(files, 0o600)


# ------------------------------------------------------------------ local data files

def test_local_data_is_the_owners_only_even_when_it_existed_with_looser_modes(aws, tmp_path):
    from crmlocal.private import private_dir, write_private
    from crmlocal.snapshot import FILE_NAME, Snapshotter

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.chmod(data_dir, 0o777)
    Snapshotter(str(data_dir), "us-east-1").save()
    os.chmod(data_dir / FILE_NAME, 0o666)
    os.chmod(data_dir, 0o755)
    assert Snapshotter(str(data_dir), "us-east-1").restore() > 0
    assert mode(data_dir) == 0o700 and mode(data_dir / FILE_NAME) == 0o600
    Snapshotter(str(data_dir), "us-east-1").save()
    assert mode(data_dir / FILE_NAME) == 0o600

    (data_dir / "other.json").write_text("{}")
    os.chmod(data_dir / "other.json", 0o644)
    write_private(data_dir / "other.json", b"{\"secret\": 1}")
    assert mode(data_dir / "other.json") == 0o600 and (data_dir / "other.json").read_bytes() == b"{\"secret\": 1}"
    fresh = private_dir(tmp_path / "new" / "deeper")
    assert mode(fresh) == 0o700

    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: never closed to its other users
    with pytest.raises(SystemExit, match="shared"):
        private_dir(shared)
    assert mode(shared) == 0o1777
