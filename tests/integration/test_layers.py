"""The layer contracts of .importlinter hold today, and break when a forbidden import is added."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT), "--no-cache"], cwd=folder, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(folder)})


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layers")
    for package in ("chalicelib", "crmlocal", "crmcli"):
        shutil.copytree(ROOT / package, folder / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", folder / ".importlinter")
    return folder


def test_the_contracts_hold(copy):
    result = lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module, line, contract", [
    ("chalicelib/domain/_probe.py", "import boto3", "The domain imports no other layer"),
    ("chalicelib/domain/_probe.py", "from chalicelib.store import candidates", "The domain imports no other layer"),
    ("chalicelib/services/_probe.py", "from chalicelib.store.candidates import CandidateRepository",
     "Services reach AWS only through ports"),
    ("chalicelib/services/_probe.py", "from chalicelib import wiring", "Services reach AWS only through ports"),
    ("chalicelib/store/_probe.py", "from chalicelib import wiring", "Adapters (store, aws) implement ports"),
    ("chalicelib/api/_probe.py", "import crmlocal.stack", "Shipped code never imports the local tooling"),
])
def test_a_forbidden_import_breaks_its_contract(copy, module, line, contract):
    probe = copy / module
    probe.write_text(line + "\n")
    try:
        result = lint(copy)
    finally:
        probe.unlink()
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
