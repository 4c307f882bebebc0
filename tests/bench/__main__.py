"""`make bench`: run every benchmark group in its own process, print a table, write build/bench.json.

    python -m tests.bench                      # all groups (about four minutes on 2 cores)
    python -m tests.bench --only signup        # one group (cold_import, signup, csv_import, pools, campaigns, tracking,
                                               # browse)
    python -m tests.bench --stock-moto         # emulator without the bench's TransactWriteItems fix
    python -m tests.bench --profile            # also cProfile the first CSV import (build/csv_import.prof)
    python -m tests.bench --rows 2000          # a smaller CSV (figures then not comparable)
    python -m tests.bench --only pools --people 100000   # measure the pool rebuild at 100,000 people
                                               # (~6 minutes) instead of extrapolating from 40,000
    python -m tests.bench --only campaigns     # campaign sending (~3 minutes, 72 s of it at 14 emails/s)
    python -m tests.bench --only browse        # a page of the candidates list over 10,000 people (~3 minutes);
                                               # --people 100000 for the issue's size
    python -m tests.bench --only pages         # every workspace page at 100,000 people (~5 minutes)
    python -m tests.bench --only fanout        # a 100,000-recipient campaign fanned out, a sample sent (~6 minutes)
    python -m tests.bench --only campaigns --merge   # one group again, the other groups' figures kept from
                                               # build/bench.json (the page then says which run each came from)

Figures are measurements, never pass/fail: the exit status is 0 whenever every group produced its
figures, whatever they are; 1 if a group failed to run.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "build" / "bench.json"
GROUPS = ("cold_import", "signup", "csv_import", "pools", "campaigns", "tracking", "browse", "pages", "fanout")
GROUP_TIMEOUT = 900  # seconds; stock moto with 10,000 rows would need far longer
UNITS = (("_rows_per_s", "rows/s"), ("_ms", "ms"), ("_ratio", "x"), ("_per_100_rows", "req"),
         ("_per_signup", "calls"), ("_us", "µs"), ("_events_per_s", "events/s"), ("_per_event", "writes"),
         ("_s", "s"))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(GROUPS), help="comma-separated groups to run")
    parser.add_argument("--stock-moto", action="store_true",
                        help="run against moto without crmlocal/moto_patches.py (CSV: use --rows)")
    parser.add_argument("--profile", action="store_true", help="cProfile the first CSV import")
    parser.add_argument("--rows", type=int, help="CSV rows (default 10000)")
    parser.add_argument("--people", type=int,
                        help="pools: people the rebuild is measured at (default 40000, extrapolated to 100000); "
                             "browse: people in the table (default 10000)")
    parser.add_argument("--seed", choices=("direct", "http"),
                        help="pools: seed people straight into the emulator (default) or with BatchWriteItem")
    parser.add_argument("--merge", action="store_true",
                        help="keep the figures of groups not run from the existing build/bench.json")
    args = parser.parse_args()
    args.groups = [g.strip() for g in args.only.split(",") if g.strip()]
    unknown = set(args.groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown group(s) {', '.join(sorted(unknown))}; choose from {', '.join(GROUPS)}")
    return args


def run_group(group: str, flags: list[str]) -> dict:
    """Runs one group in a fresh interpreter; progress lines are shown as they come."""
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as tmp:
        out, log = Path(tmp) / "result.json", Path(tmp) / "stdout.log"
        command = [sys.executable, "-m", f"tests.bench.{group}", "--out", str(out), *flags]
        other: list[str] = []
        with open(log, "w+", encoding="utf-8", errors="replace") as app_output:
            process = subprocess.Popen(command, cwd=ROOT, stdout=app_output, stderr=subprocess.PIPE,
                                       text=True, errors="replace")
            deadline = time.monotonic() + GROUP_TIMEOUT
            for line in process.stderr:  # ends when the process closes stderr
                if line.startswith("  [") or "--profile" in flags:
                    print(line, end="", flush=True)
                else:
                    other.append(line)
                if time.monotonic() > deadline:
                    process.kill()
                    break
            code = process.wait()
            app_output.seek(0)
            app_lines = app_output.read().splitlines()
        errors_logged = [line for line in app_lines if '"level":"ERROR"' in line]
        if code != 0 or not out.exists():
            return {"error": f"exit status {code}", "stderr": "".join(other[-40:]),
                    "stdout": "\n".join(app_lines[-20:])}
        result = json.loads(out.read_text(encoding="utf-8"))
        if errors_logged:
            result.setdefault("problems", []).append(
                f"the app logged {len(errors_logged)} ERROR line(s); first: {summarize_log(errors_logged[0])}")
        return result


def summarize_log(line: str) -> str:
    """A Powertools JSON log line as "message: the exception's last line (where it was raised)"."""
    try:
        entry = json.loads(line)
    except ValueError:
        return line[:600]
    trace = [t for t in str(entry.get("trace") or entry.get("exception") or "").splitlines() if t.strip()]
    if not trace:
        return str(entry.get("message"))[:600]
    frames = [t.strip() for t in trace if t.strip().startswith("File ")]
    ours = [f for f in frames if "site-packages" not in f and "/lib/python" not in f] or frames
    return f"{entry.get('message')}: {trace[-1].strip()}" + (f" (last app frame: {ours[-1]})" if ours else "")


def unit(name: str) -> str:
    return next((u for suffix, u in UNITS if name.endswith(suffix)), "")


def target_text(target: dict | None) -> str:
    if not target:
        return ""
    if "max" in target and "min" in target:  # both: a range, or an exact count (campaigns)
        low, high = target["min"], target["max"]
        return f"= {high:g}" if low == high else f"{low:g} to {high:g}"
    return f"<= {target['max']:g}" if "max" in target else f">= {target['min']:g}"


def meets(value: float, target: dict | None) -> bool | None:
    if not target or not isinstance(value, (int, float)):
        return None
    return value <= target.get("max", value) and value >= target.get("min", value)


def value_text(value) -> str:
    """A number, or a dict figure (campaigns: calls by service) as "name value, ..."."""
    if isinstance(value, dict):
        return ", ".join(f"{name} {value_text(v)}" for name, v in value.items())
    return f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"


def versions() -> dict:
    found = {}
    for name in ("boto3", "botocore", "moto", "pynamodb", "chalice", "aws-lambda-powertools"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def merged(figures: dict, meta: dict) -> tuple[dict, dict]:
    """This run's figures over the previous build/bench.json's: the groups not run now keep theirs (and their
    notes, info and date: `meta["runs"]` says which run each group's figures come from)."""
    try:
        previous = json.loads(OUTPUT.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return figures, meta
    old_meta = previous.pop("meta", {})
    ran = set(meta["groups"])
    old_figures = old_meta.get("figures", {})
    kept = {name: value for name, value in previous.items()
            if name not in figures and old_figures.get(name, {}).get("group") not in ran}
    runs = dict(old_meta.get("runs") or {g: old_meta.get("date") for g in old_meta.get("groups", [])})
    runs.update({g: meta["date"] for g in ran})
    groups = [g for g in GROUPS if g in runs]
    meta = {**meta, "groups": groups, "runs": runs,
            "figures": {**{k: old_figures[k] for k in kept if k in old_figures}, **meta["figures"]},
            "info": {**{g: v for g, v in (old_meta.get("info") or {}).items() if g not in ran}, **meta["info"]}}
    return {**kept, **figures}, meta


def main() -> int:
    args = parse_args()
    flags = (["--stock-moto"] if args.stock_moto else []) + (["--profile"] if args.profile else []) \
        + (["--rows", str(args.rows)] if args.rows else []) \
        + (["--people", str(args.people)] if args.people else []) + (["--seed", args.seed] if args.seed else [])
    started = time.monotonic()
    figures: dict[str, float] = {}
    per_figure: dict[str, dict] = {}
    info: dict[str, list[str]] = {}
    problems: list[str] = []
    failed: dict[str, dict] = {}
    for group in args.groups:
        print(f"== {group}", flush=True)
        group_started = time.monotonic()
        result = run_group(group, flags)
        if "error" in result:
            failed[group] = result
            print(f"  {group} FAILED ({result['error']})\n{result['stderr']}\n{result['stdout']}", flush=True)
            continue
        print(f"  ({time.monotonic() - group_started:.0f} s)", flush=True)
        for name, value in result["figures"].items():
            figures[name] = value
            target = result.get("targets", {}).get(name)
            per_figure[name] = {"group": group, "unit": result.get("units", {}).get(name) or unit(name),
                                "note": result.get("notes", {}).get(name, "")}
            if target:
                per_figure[name].update(target=target_text(target), meets_target=meets(value, target))
        info[group] = result.get("info", [])
        problems += [f"{group}: {p}" for p in result.get("problems", [])]

    emulator = ("moto " + versions().get("moto", "?") + " behind waitress in its own process, as `make run` runs "
                "it (the pools group: in the benchmark process); "
                + ("stock moto" if args.stock_moto else
                   "with crmlocal/moto_patches.py's two fixes (a request lock; transactions rolled back by the "
                   "items they touched)" + (" and its speed shortcuts (EMULATOR_SHORTCUTS=on)"
                                            if os.environ.get("EMULATOR_SHORTCUTS") == "on" else
                                            ", speed shortcuts off (EMULATOR_SHORTCUTS unset)")))
    meta = {
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "versions": versions(),
        "emulator": emulator,
        "groups": args.groups,
        "options": flags,
        "duration_s": round(time.monotonic() - started, 1),
        "figures": per_figure,
        "info": info,
        "problems": problems,
        "failed_groups": {g: r["error"] for g, r in failed.items()},
    }
    if args.merge:
        figures, meta = merged(figures, meta)
        per_figure, info = meta["figures"], meta["info"]
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps({**figures, "meta": meta}, indent=2) + "\n", encoding="utf-8")

    print()
    rows = [("figure", "value", "unit", "target", "")]
    for name, value in figures.items():
        entry = per_figure[name]
        verdict = {True: "meets target", False: "MISSES target", None: ""}[entry.get("meets_target")]
        rows.append((name, value_text(value), entry["unit"],
                     entry.get("target", ""), verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for index, row in enumerate(rows):
        print("  ".join((cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i]))
                        for i, cell in enumerate(row)).rstrip())
        if index == 0:
            print("  ".join("-" * w for w in widths))
    print()
    for name, entry in per_figure.items():
        if entry["note"]:
            print(f"- {name}: {entry['note']}")
    for group, lines in info.items():
        if lines:
            print(f"\n{group}:")
            for line in lines:
                print(f"  {line}")
    print(f"\nemulator: {emulator}")
    for problem in problems:
        print(f"PROBLEM {problem}")
    for group, result in failed.items():
        print(f"FAILED {group}: {result['error']}")
    print(f"\nwritten to {OUTPUT.relative_to(ROOT)} in {meta['duration_s']:.0f} s "
          f"(python {meta['python']}, {meta['cpu_count']} CPUs)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
