"""`pip install .` gives a `crm` that works from any folder and finds the running local stack's API key.

The package goes into a fresh venv in a temporary folder, from a copy of the sources (nothing is built
inside the project). The venv sees this project's .venv packages through a .pth file, so pip finds every
dependency of pyproject.toml already installed: nothing is downloaded, and the install takes seconds.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest

from tests.bench._emulator import free_port

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "requirements.txt", "README.md", "chalicelib", "crmlocal", "crmcli")


def clean_environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_", "PYTHON"))
           and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "xdg_config_home")}
    return {**env, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1", **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh venv with the package installed (not editable) by pip."""
    base = tmp_path_factory.mktemp("installed-crm")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120, capture_output=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "project-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-build-isolation", "--no-input",
                           "--disable-pip-version-check", "."], cwd=source, env=clean_environment(),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    shutil.rmtree(source)  # the installed crm must not need the sources it came from
    return venv / "bin"


def test_crm_help_works_from_any_folder(installed, tmp_path):
    done = subprocess.run([str(installed / "crm"), "--help"], cwd=tmp_path, env=clean_environment(),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: crm") and "import" in done.stdout and "apikey" in done.stdout
    where = subprocess.run([str(installed / "python"), "-c", "import crmcli, crmlocal, chalicelib.web.openapi as o; "
                            "print(crmcli.__file__, crmlocal.__file__, o.PATH.is_file())"], cwd=tmp_path,
                           env=clean_environment(), capture_output=True, text=True, timeout=60, check=True)
    crmcli_file, crmlocal_file, description = where.stdout.split()
    venv = installed.parent
    assert Path(crmcli_file).is_relative_to(venv) and Path(crmlocal_file).is_relative_to(venv)
    assert description == "True"  # the package data came along


class Stack:
    """`make run` (python -m crmlocal.stack) on free ports, recording itself in its own config folder."""

    def __init__(self, tmp_path: Path):
        self.port, self.aws_port = free_port(), free_port()
        while self.aws_port == self.port:
            self.aws_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = tmp_path / "config"
        self.log = tmp_path / "stack.log"
        self.env = clean_environment(CRM_DATA_DIR=str(tmp_path / "data"), CRM_PORT=str(self.port),
                                     CRM_AWS_PORT=str(self.aws_port), XDG_CONFIG_HOME=str(self.config))
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "crmlocal.stack"], cwd=ROOT, env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def wait(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                with opener.open(self.url + "/health", timeout=2):
                    if "Press Ctrl-C to stop." in self.log.read_text(errors="replace"):
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"the stack did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def test_the_installed_crm_finds_the_running_stacks_key_from_any_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    stack = Stack(tmp_path)
    try:
        stack.wait()
        crm = [str(installed / "crm"), "--endpoint", stack.url, "--json", "pools", "list"]
        found = subprocess.run(crm, cwd=elsewhere, env=clean_environment(XDG_CONFIG_HOME=str(stack.config)),
                               capture_output=True, text=True, timeout=60, check=False)
        assert found.returncode == 0, found.stderr
        assert {pool["builtin"] for pool in json.loads(found.stdout)["items"] if pool.get("builtin")}  # the stack's own
        unrecorded = subprocess.run(crm, cwd=elsewhere, env=clean_environment(XDG_CONFIG_HOME=str(tmp_path / "none")),
                                    capture_output=True, text=True, timeout=60, check=False)
        assert unrecorded.returncode == 2 and "no API key" in unrecorded.stderr
    finally:
        stack.stop()
    record = json.loads((stack.config / "talent-crm" / "local.json").read_text())
    assert record == {"data_dir": str((tmp_path / "data").resolve()), "api_port": stack.port,
                      "aws_port": stack.aws_port}
