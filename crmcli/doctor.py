"""`crm doctor [--stage dev] [--received FILE.eml] [--json]`: is the stage's sending domain ready to send well?

Reads the stage's settings from .chalice/config.json (a deployed stage: AWS credentials and region of its
account needed) or, for `local` (the default), talks to the running `make run` stack's emulator. The checks
are chalicelib/domain/doctor.py's; chalicelib/aws/doctor.py gathers the facts. Locally there is no DNS to
ask (the local domains are example.com placeholders) and the emulator has no SES account settings: those
checks say `skipped`. Exit codes: 0 nothing to fix, 1 something to fix, 2 usage or no stack.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
MARKS = {"ok": "ok  ", "fix": "FIX ", "warn": "warn", "skipped": "skip"}


def stage_environment(stage: str) -> dict[str, str]:
    """The stage's variables as a deployed function gets them (Chalice: top level, then the stage's)."""
    config = json.loads((PROJECT_DIR / ".chalice" / "config.json").read_text())
    if stage not in config.get("stages", {}):
        raise LookupError(f"no stage {stage!r} in .chalice/config.json (there: {', '.join(config['stages'])})")
    env = dict(config.get("environment_variables", {}))
    env.update(config["stages"][stage].get("environment_variables", {}))
    return env


def _environment(stage: str) -> None:
    if stage == "local":
        from .operators import _environment as local_environment

        local_environment()
        return
    for key in [k for k in os.environ if k.startswith("CRM_")]:  # only the stage's own settings count
        del os.environ[key]
    os.environ.update(stage_environment(stage))


def report(checks, stage: str, domain: str) -> str:
    from chalicelib.domain.doctor import needs_fixing

    lines = [f"crm doctor: stage {stage}, sending domain {domain}"]
    lines += [f"  {MARKS[c.status]}  {c.title}\n        {c.detail}" for c in checks]
    records = [c.record for c in checks if c.status == "fix" and c.record is not None]
    if records:
        lines.append("\nRecords to add at your DNS host (zone-file lines; the stack's outputs Dns* list them all):")
        lines += [f"  {record.line()}" for record in records]
    fixes = sum(c.status == "fix" for c in checks)
    lines.append(f"\n{fixes} to fix." if needs_fixing(checks) else "\nNothing to fix.")
    return "\n".join(lines)


def main(argv: list[str] | None = None, *, ses=None, resolver=None) -> int:
    parser = argparse.ArgumentParser(prog="crm doctor", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default=os.environ.get("CRM_STAGE", "local"),
                        help="a stage of .chalice/config.json (default: CRM_STAGE, else local)")
    parser.add_argument("--received", type=Path, metavar="FILE.eml",
                        help="a delivered campaign email (raw): checks its DKIM signature's signed headers")
    parser.add_argument("--json", action="store_true", help="the checks as JSON")
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else 2
    try:
        received = args.received.read_bytes() if args.received else None
    except OSError as error:
        print(f"crm doctor: cannot read {args.received}: {error.strerror or error}", file=sys.stderr)
        return 2
    try:
        _environment(args.stage)
    except LookupError as unknown:
        print(f"crm doctor: {unknown.args[0]}", file=sys.stderr)
        return 2
    from chalicelib.settings import get_settings

    get_settings.cache_clear()
    settings = get_settings()
    if settings.is_local and ses is None:
        from .operators import _reachable

        if not _reachable():
            print("The local stack is not running: start it with `make run` in another terminal.", file=sys.stderr)
            return 2
    from chalicelib.aws.doctor import gather
    from chalicelib.domain.doctor import diagnose, needs_fixing
    from chalicelib.services.doctor import LOCAL_SKIPS  # the Settings page says the same

    facts = gather(settings, ses=ses, resolver=resolver, received=received,
                   skip=LOCAL_SKIPS if settings.is_local else None)
    checks = diagnose(facts)
    if args.json:
        print(json.dumps({"stage": settings.stage, "domain": facts.domain, "checks": [asdict(c) for c in checks],
                          "fix": needs_fixing(checks)}, indent=2))
    else:
        print(report(checks, settings.stage, facts.domain))
    return 1 if needs_fixing(checks) else 0


if __name__ == "__main__":
    sys.exit(main())
