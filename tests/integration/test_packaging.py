"""What ships where: the Lambda package holds app.py and chalicelib/ only, and they import without the local
tooling (crmlocal/, crmcli/); `make help` names every target."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLING = ("crmlocal", "crmcli")

# Run first in the child: any import of the tooling fails as it would in a Lambda (where the folders are
# absent). A finder, not a missing folder, because the project's editable install maps them from anywhere.
BLOCKER = f"""
import importlib.abc, sys

class NotInTheLambdaPackage(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {TOOLING!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, NotInTheLambdaPackage())
"""
IMPORT_ALL = """
import importlib, json, pathlib
import app, chalicelib

modules = sorted(".".join(p.with_suffix("").parts) for p in pathlib.Path("chalicelib").rglob("*.py"))
for name in modules:
    importlib.import_module(name.removesuffix(".__init__"))
print(json.dumps({"routes": sorted(app.app.routes), "modules": len(modules), "chalicelib": chalicelib.__file__,
                  "tooling": sorted(m for m in sys.modules if m.split(".")[0] in ("crmlocal", "crmcli"))}))
"""


def lambda_copy(folder: Path) -> Path:
    """What `chalice package` puts in deployment.zip from the project: app.py and chalicelib/."""
    folder.mkdir()
    shutil.copy2(ROOT / "app.py", folder / "app.py")
    shutil.copytree(ROOT / "chalicelib", folder / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def environment(**extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_", "PYTHON"))}
    return {**env, "CRM_SECRET": "s", "AWS_DEFAULT_REGION": "us-east-1", **extra}


@pytest.mark.parametrize("stage", ["dev", "prod", "local"])
def test_app_and_every_chalicelib_module_import_without_the_local_tooling(tmp_path, stage):
    """A deployed stage has no /dev routes; the local stage has them, and imports the tooling only when
    one of them is called."""
    copy = lambda_copy(tmp_path / "lambda")
    done = subprocess.run([sys.executable, "-c", BLOCKER + IMPORT_ALL], cwd=copy, env=environment(CRM_STAGE=stage),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.splitlines()[-1])
    assert Path(seen["chalicelib"]).parent == copy / "chalicelib"  # the copy, not the project
    assert seen["tooling"] == [] and seen["modules"] > 50
    dev_routes = [route for route in seen["routes"] if route.startswith("/dev")]
    assert dev_routes == ([] if stage != "local" else ["/dev/clock", "/dev/outbox", "/dev/outbox.json", "/dev/tick"])


def test_the_blocker_does_stop_an_import_of_the_tooling(tmp_path):
    """The check above would pass vacuously if the blocker let the tooling through."""
    copy = lambda_copy(tmp_path / "lambda")
    (copy / "chalicelib" / "api" / "meta.py").write_text(
        (copy / "chalicelib" / "api" / "meta.py").read_text() + "\nimport crmlocal.outbox  # noqa\n")
    done = subprocess.run([sys.executable, "-c", BLOCKER + IMPORT_ALL], cwd=copy, env=environment(CRM_STAGE="dev"),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0 and "No module named 'crmlocal'" in done.stderr


def test_the_lambda_zip_holds_app_and_chalicelib_but_no_tooling(tmp_path):
    """`chalice package` (what `make package` runs) on a copy of the project, its requirements left empty
    so nothing is downloaded: the zip's own files are app.py and chalicelib/."""
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "tests", ".local*", "deployments", "deployed", "__pycache__", "*.egg-info",
        ".hypothesis", ".ruff_cache", ".pytest_cache"))
    (project / "requirements.txt").write_text("")
    assert (project / "crmlocal").is_dir() and (project / "crmcli").is_dir()
    chalice = "import sys; from chalice.cli import main; sys.exit(main())"
    done = subprocess.run([sys.executable, "-c", chalice, "--project-dir", str(project), "package", "--stage", "dev",
                           str(tmp_path / "out")], cwd=project, env=environment(), capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    names = zipfile.ZipFile(tmp_path / "out" / "deployment.zip").namelist()
    tops = {name.split("/")[0] for name in names}
    assert "app.py" in tops and "chalicelib/api/local_only.py" in names and "chalicelib/web/openapi.json" in names
    assert not tops & {*TOOLING, "tests", "pyproject.toml", "Makefile"}, sorted(tops)


def test_the_zip_make_package_built_has_no_tooling_either():
    built = ROOT / "build" / "deployment.zip"
    if not built.exists():
        pytest.skip("no build/deployment.zip: `make package` builds it")
    tops = {name.split("/")[0] for name in zipfile.ZipFile(built).namelist()}
    assert "app.py" in tops and "chalicelib" in tops and not tops & set(TOOLING)


def test_make_help_names_every_target_with_a_description():
    makefile = (ROOT / "Makefile").read_text()
    phony = set(re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE).group(1).split())
    targets = set(re.findall(r"^([a-z][\w-]*):(?!=)", makefile, re.MULTILINE))
    assert targets <= phony, targets - phony  # every target a person types is phony, so listed below
    done = subprocess.run(["make", "--no-print-directory", "-C", str(ROOT), "help"], capture_output=True, text=True,
                          timeout=60, check=True)
    described = {}
    for line in done.stdout.splitlines():
        found = re.fullmatch(r"  make (\S+) +(\S.*)", line)
        assert found, line
        described[found.group(1)] = found.group(2)
    assert set(described) == phony
    assert subprocess.run(["make", "--no-print-directory", "-C", str(ROOT)], capture_output=True, text=True,
                          timeout=60, check=True).stdout == done.stdout  # plain `make` is `make help`
