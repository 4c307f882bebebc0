"""Synthesize the deployable template: `python -m infra.synth [--stage dev] OUT_DIR`.

Steps, for one deployed stage of `.chalice/config.json` (`local` is never deployed):
1. put the stage's environment variables in os.environ (dropping any other CRM_* variable, so the
   shell cannot change names), then read settings and models (`infra.resources.AppResources`);
2. write OUT_DIR/merge-template.json (`infra.resources.merge_template`);
3. run `chalice package --stage STAGE --merge-template OUT_DIR/merge-template.json OUT_DIR`, which
   writes OUT_DIR/sam.json and OUT_DIR/deployment.zip (dependencies from requirements.txt are
   downloaded from PyPI for the Lambda platform once, then cached by Chalice in
   .chalice/deployments/);
4. patch OUT_DIR/sam.json (`infra.patch`);
5. run cfn-lint on it; any error or warning fails the synthesis (no rule is ignored).

Before step 2 it refuses a stage whose settings still hold placeholders (example.com, the local public URL:
`infra.placeholders`), naming each; `--allow-placeholders` synthesizes anyway (the tests, or a look at the
template of the example config).

`--template-only` packages a copy of the app without requirements.txt in a temporary directory and
keeps only the template: no network, nothing written into the project (the tests use it).

No AWS credentials or calls are needed (AWS_DEFAULT_REGION defaults to us-east-1 for Chalice; the
template itself uses ${AWS::Region}). Deploying: `make deploy STAGE=dev` (infra/deploy.py).
The Lambda runtime is the Python version that runs this command (Chalice's rule).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent
NOT_DEPLOYED = {"local"}
DEFAULT_STAGE = "dev"
# The console scripts, run with this interpreter (whatever the venv's bin/ holds).
CHALICE = "import sys; from chalice.cli import main; sys.exit(main())"
CFN_LINT = "import sys; from cfnlint.runner import main; sys.exit(main())"
CHALICE_PROGRESS = {"Creating deployment package.", "Reusing existing deployment package."}


def load_config(project_dir: Path) -> dict[str, Any]:
    return json.loads((project_dir / ".chalice" / "config.json").read_text())


def deployed_stages(config: dict[str, Any]) -> list[str]:
    return [s for s in config.get("stages", {}) if s not in NOT_DEPLOYED]


def stage_environment(config: dict[str, Any], stage: str) -> dict[str, str]:
    """The variables every function of the stage gets (Chalice merges top level, then stage)."""
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def _clean_environ() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return env


def _copy_app(project_dir: Path, dest: Path) -> None:
    """What Chalice packages (app.py, chalicelib/) and its config, without requirements.txt."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copy2(project_dir / "app.py", dest / "app.py")
    if (project_dir / "chalicelib").is_dir():
        shutil.copytree(project_dir / "chalicelib", dest / "chalicelib", ignore=ignore)
    (dest / ".chalice").mkdir()
    for path in (project_dir / ".chalice").glob("*.json"):
        shutil.copy2(path, dest / ".chalice" / path.name)


def run_chalice_package(
    project_dir: Path, stage: str, merge_path: Path, out_dir: Path, env: dict[str, str]
) -> None:
    cmd = [
        sys.executable,
        "-c",
        CHALICE,
        "--project-dir",
        str(project_dir),
        "package",
        "--stage",
        stage,
        "--merge-template",
        str(merge_path),
        str(out_dir),
    ]
    result = subprocess.run(cmd, env=env, cwd=project_dir, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"chalice package failed (exit {result.returncode})")
    # Chalice reports dependencies it could not package for Lambda as a warning, not a failure.
    for line in (result.stdout + result.stderr).splitlines():
        if line.strip() and line.strip() not in CHALICE_PROGRESS:
            print(f"chalice: {line}", file=sys.stderr)


def run_cfn_lint(template_path: Path, env: dict[str, str]) -> int:
    cmd = [sys.executable, "-c", CFN_LINT, str(template_path)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    output = (result.stdout + result.stderr).strip()
    if output:
        print(output)
    return result.returncode


def synthesize(
    out_dir: Path, stage: str = DEFAULT_STAGE, project_dir: Path = PROJECT_DIR,
    template_only: bool = False, lint: bool = True, allow_placeholders: bool = False,
) -> int:
    started = time.monotonic()
    project_dir = project_dir.resolve()
    config = load_config(project_dir)
    stages = deployed_stages(config)
    if stage not in stages:
        print(f"stage {stage!r} is not deployed; choose one of {stages}", file=sys.stderr)
        return 2
    if not (project_dir / "app.py").is_file():
        print(f"no app.py in {project_dir}", file=sys.stderr)
        return 2

    # This process reads settings for the stage (hence: run it in its own process).
    child_env = _clean_environ()
    for key in [k for k in os.environ if k.startswith("CRM_")]:
        del os.environ[key]
    os.environ.update(stage_environment(config, stage))
    sys.path.insert(0, str(project_dir))
    from .patch import patch_template
    from .resources import AppResources, InfraError, merge_template

    try:
        app = AppResources.load(expected_stage=stage)
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if not allow_placeholders:
        from chalicelib.settings import get_settings

        from .placeholders import placeholder_problems, refusal

        problems = placeholder_problems(get_settings())
        if problems:
            print(refusal(stage, problems), file=sys.stderr)
            return 1

    out_dir.mkdir(parents=True, exist_ok=True)
    merge_path = (out_dir / "merge-template.json").resolve()
    merge_path.write_text(json.dumps(merge_template(app), indent=2) + "\n")
    sam_path = out_dir / "sam.json"
    if template_only:
        with tempfile.TemporaryDirectory(prefix="crm-synth-") as tmp:
            copy_dir, package_dir = Path(tmp) / "app", Path(tmp) / "out"
            copy_dir.mkdir()
            _copy_app(project_dir, copy_dir)
            run_chalice_package(copy_dir, stage, merge_path, package_dir, child_env)
            shutil.copy2(package_dir / "sam.json", sam_path)
        stale_zip = out_dir / "deployment.zip"
        if stale_zip.exists():
            stale_zip.unlink()
    else:
        run_chalice_package(project_dir, stage, merge_path, out_dir.resolve(), child_env)

    template = json.loads(sam_path.read_text())
    try:
        warnings = patch_template(template, app)
    except InfraError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sam_path.write_text(json.dumps(template, indent=2) + "\n")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)

    if lint:
        code = run_cfn_lint(sam_path, child_env)
        if code != 0:
            print(f"cfn-lint failed (exit {code}) on {sam_path}", file=sys.stderr)
            return 1
        print(f"cfn-lint: {sam_path} OK")
    print(f"synthesized stage {stage} into {out_dir} in {time.monotonic() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.synth", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="where sam.json (and deployment.zip) go, e.g. build/")
    parser.add_argument("--stage", default=DEFAULT_STAGE, help=f"a deployed stage (default {DEFAULT_STAGE})")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="default: this repository")
    parser.add_argument("--template-only", action="store_true", help="skip dependencies; keep only sam.json")
    parser.add_argument("--no-lint", action="store_true", help="skip cfn-lint")
    parser.add_argument("--allow-placeholders", action="store_true",
                        help="synthesize even with example.com or local settings (to check the template only)")
    args = parser.parse_args(argv)
    return synthesize(
        args.out_dir, stage=args.stage, project_dir=args.project_dir,
        template_only=args.template_only, lint=not args.no_lint, allow_placeholders=args.allow_placeholders,
    )


if __name__ == "__main__":
    sys.exit(main())
