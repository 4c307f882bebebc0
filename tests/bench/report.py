"""docs/benchmarks.md from build/bench.json: `make bench` runs this after the benchmarks.

    python -m tests.bench.report [--input build/bench.json] [--output docs/benchmarks.md]

The page is generated, never edited by hand: every figure, target and note on it comes from the run that
wrote build/bench.json (tests/bench/__main__.py), and the page says which run that was. What each figure
measures is described here (DESCRIPTIONS); a figure without a description is still listed, with its note.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .__main__ import GROUPS, OUTPUT, ROOT, value_text

PAGE = ROOT / "docs" / "benchmarks.md"
LOAD = ROOT / "build" / "load.json"  # `make load` (tests/load): shown on the page when present

# What each figure measures, in words a newcomer can follow (the run's own notes say how it was measured).
DESCRIPTIONS = {
    "cold_import_ratio": "a Lambda cold start's import cost: `import app` over `import boto3` (the app loads "
                         "Chalice only; boto3, PynamoDB and Powertools wait until a handler needs them)",
    "cold_import_app_ms": "a fresh `import app` (the deployed stage's settings, no endpoint)",
    "cold_import_boto3_ms": "a fresh `import boto3`, the yardstick of `cold_import_ratio`",
    "signup_p95_ms": "`POST /signups` (a careers-form post, a new address each), 95th percentile",
    "signup_p50_ms": "`POST /signups`, median",
    "signup_aws_calls_per_signup": "AWS requests one sign-up makes (DynamoDB and SQS)",
    "signup_dynamodb_calls_per_signup": "DynamoDB round trips one sign-up makes",
    "csv_import_rows_per_s": "`POST /candidates/import` of 10,000 new people in one file",
    "csv_reimport_rows_per_s": "re-importing the same 10,000-row file (nothing changes, nothing may be written)",
    "csv_import_dynamodb_requests_per_100_rows": "DynamoDB requests per 100 rows of the first import",
    "csv_reimport_dynamodb_requests_per_100_rows": "DynamoDB requests per 100 rows of the re-import (reads only)",
    "rule_eval_us": "one evaluation of a dynamic pool's rules against one person",
    "pool_rebuild_100k_s": "rebuilding a dynamic pool over 100,000 people through the jobs queue "
                           "(pages of 500), measured or extrapolated as the note says",
    "pool_rebuild_measured_s": "rebuilding a dynamic pool through the jobs queue, measured at the size the note "
                               "gives",
    "pool_read_ratio": "DynamoDB items read to list a pool, over its members: reading a pool costs in "
                       "proportion to the pool, not to the candidates table",
    "send_cpu_us_per_recipient": "CPU the send worker spends per campaign recipient (read, decide, render, "
                                 "claim, record), with AWS stubbed",
    "worker_sends_per_s_at_50ms": "what one send worker sustains when SES answers in 50 ms (no rate cap)",
    "worker_sends_per_s_at_50ms_one_thread": "one send thread at 50 ms per SES call: the per-thread rate a "
                                             "worker's send threads are sized by",
    "aws_calls_per_1k": "AWS requests per 1,000 campaign emails (a 1,000-person broadcast, rate uncapped)",
    "aws_calls_per_1k_ses": "SES requests per 1,000 campaign emails (one each)",
    "aws_calls_per_1k_sqs": "SQS requests per 1,000 campaign emails (recipients travel 100 to a message)",
    "aws_calls_per_1k_dynamodb": "DynamoDB requests per 1,000 campaign emails (reads, claims, records, "
                                 "counters, in batches)",
    "rate14_aws_calls_per_1k": "AWS requests per 1,000 emails of the 1,000-person broadcast at the default "
                               "`CRM_SES_MAX_RATE` of 14/s",
    "rate14_aws_calls_per_1k_ses": "SES requests per 1,000 emails at 14/s",
    "rate14_aws_calls_per_1k_sqs": "SQS requests per 1,000 emails at 14/s",
    "rate14_aws_calls_per_1k_dynamodb": "DynamoDB requests per 1,000 emails at 14/s (the rate limiter's "
                                        "counters included)",
    "e2e_vs_raw_send_ratio": "a 500-person broadcast from schedule to the last email in the outbox, "
                             "against a bare SES send loop on the same machine",
    "tracking_writes_per_event": "DynamoDB writes on the request path of an open or a click",
    "tracking_p95_ms": "`GET /t/o/{token}` and `GET /t/c/{token}`, 95th percentile",
    "tracking_p50_ms": "`GET /t/o/{token}` and `GET /t/c/{token}`, median",
    "ses_events_per_s": "SES events through `POST /webhooks/ses`: SNS signature verified, then recorded",
    "overhead_cost_ratio": "what AWS charges for everything but SES per 1,000 campaign emails (DynamoDB request "
                           "units from the items read and written, SQS requests, Lambda at the measured CPU, API "
                           "Gateway and Lambda for 1 open and 0.2 clicks an email) over SES's $0.10; list prices "
                           "in tests/bench/cost.py",
    "send_overhead_cost_ratio": "the send path's part of `overhead_cost_ratio` (scheduler, send worker, queues)",
    "tracking_overhead_cost_ratio": "the tracking hits' part of `overhead_cost_ratio` (API Gateway, the API's "
                                    "Lambda, the engagement updates)",
    "send_wru_per_recipient": "DynamoDB write request units per campaign recipient (claims, cap, records; "
                              "transactions count double)",
    "send_rru_per_recipient": "DynamoDB read request units per campaign recipient",
    "monthly_cost_usd_100k_emails": "a month of 10,000 people and 100,000 campaign emails: SES, the overhead per "
                                    "email above, and the DynamoDB storage of the people and the sends",
    "monthly_cost_usd_1m_emails": "a month of 100,000 people and 1,000,000 campaign emails, as above",
    "campaign_100k_aws_calls_per_recipient": "AWS requests per recipient of a 100,000-recipient broadcast: the "
                                             "scheduler's fan-out and the send worker's sending (SES included)",
    "campaign_100k_fanout_s": "a 100,000-recipient broadcast from scheduled to every recipient on the send queue",
    "campaign_100k_send_s_one_worker": "sending the 100,000 with one send worker, extrapolated from a sample",
    "campaign_100k_wall_s_one_worker": "the 100,000-recipient broadcast end to end with one send worker: fan-out "
                                       "plus sending",
    "search_read_ratio": "DynamoDB items read per person shown, each of the workspace's filters alone (skill, tag, "
                         "country, status, name and email prefix): the worst",
}
# The browse group's figures, one set per list it reads (tests/bench/browse.py SCENARIOS).
BROWSE_LISTS = {"browse_all": "no filter, newest first", "browse_one_filter": "one filter (a skill)",
                "browse_three_filters": "three filters (skill, country, remote)", "browse_sorted": "sorted by name",
                "browse_rare_sorted": "a tag sorted by engagement (a rare filter in an order kept on everyone only)"}
for _name, _list in BROWSE_LISTS.items():
    DESCRIPTIONS.update({
        f"{_name}_p95_ms": f"a page of the workspace's candidates list, {_list}: 95th percentile",
        f"{_name}_p50_ms": f"a page of the candidates list, {_list}: median",
        f"{_name}_app_p95_ms": f"a page of the candidates list, {_list}, less its time inside the emulator "
                               "(95th percentile): what does not grow with the table",
        f"{_name}_dynamodb_calls_per_page": f"DynamoDB calls a page of the candidates list makes, {_list}",
        f"{_name}_items_read_per_page": f"DynamoDB items a page of the candidates list reads, {_list}: index items "
                                        "and the people shown, in proportion to the page, not the table",
    })
VERDICT = {True: "meets", False: "**misses**", None: ""}


def cell(text: object) -> str:
    """Markdown table cell: one line, no column breaks."""
    return " ".join(str(text).split()).replace("|", "\\|")


def run_table(meta: dict) -> list[str]:
    ran = meta.get("groups") or []
    not_run = [g for g in GROUPS if g not in ran]
    versions = ", ".join(f"{name} {version}" for name, version in (meta.get("versions") or {}).items())
    rows = [("date (UTC)", meta.get("date", "?")),
            ("command", "`python -m tests.bench" + "".join(f" {o}" for o in meta.get("options") or [])
             + ("" if not not_run else f" --only {','.join(ran)}") + "`"),
            ("groups run", ", ".join(ran) + (f" (not run: {', '.join(not_run)})" if not_run else "")),
            ("machine", f"{meta.get('machine', '?')}, {meta.get('cpu_count', '?')} CPUs, {meta.get('platform', '?')}"),
            ("Python", meta.get("python", "?")),
            ("libraries", versions),
            ("emulator", meta.get("emulator", "")),
            ("took", f"{meta.get('duration_s', 0):.0f} s")]
    if meta.get("runs"):  # `--merge`: some groups' figures come from an earlier run
        rows.append(("figures from", ", ".join(f"{group} {date}" for group, date in meta["runs"].items())))
    return ["| | |", "|---|---|", *(f"| {name} | {cell(value)} |" for name, value in rows)]


def figure_table(data: dict, per_figure: dict) -> list[str]:
    lines = ["| figure | value | unit | target | | what it measures |", "|---|--:|---|---|---|---|"]
    for name, value in data.items():
        if name == "meta":
            continue
        entry = per_figure.get(name, {})
        what = DESCRIPTIONS.get(name) or entry.get("note") or ""
        lines.append(f"| `{name}` | {cell(value_text(value))} | {cell(entry.get('unit', ''))} | "
                     f"{cell(entry.get('target', ''))} | {VERDICT[entry.get('meets_target')]} | {cell(what)} |")
    return lines


def load_section(load: dict | None) -> list[str]:
    """`make load`'s last run (build/load.json): the rate held with no error, each kind's figures, the flood."""
    if not load:
        return []
    meta = load.get("meta") or {}
    lines = ["", "## Load (`make load`)", "",
             f"The local stack on loopback, {meta.get('date', '?')}, {meta.get('cpu_count', '?')} CPUs (load average "
             f"{meta.get('load_average_at_start', '?')} at the start: other work on the machine counts), "
             f"{meta.get('driver', '')}; a step is clean with no error and p99 within {meta.get('slo_p99_ms', '?')} "
             "ms (tests/load/__main__.py says how it runs).", ""]
    at = load.get("at_rate")
    if at:
        lines += [f"Highest clean rate held for {meta.get('hold_s', '?')} s: **{load['rate_per_s']} requests/s** "
                  f"mixed, {at['errors']} errors, p50 {at['p50_ms']} ms, p99 {at['p99_ms']} ms.", "",
                  "| kind | requests/s | p50 ms | p99 ms | errors |", "|---|--:|--:|--:|--:|"]
        lines += [f"| {kind} | {k['per_s']} | {k['p50_ms']} | {k['p99_ms']} | {k['errors']} |"
                  for kind, k in at["by_kind"].items()]
    else:
        lines.append("No clean rate was held in this run.")
    steps = ", ".join(f"{s['rate']}/s: p99 {s['p99_ms']} ms, {s['errors']} errors" for s in load.get("steps", []))
    flood = load.get("flood") or {}
    lines += ["", f"Steps: {steps}.", "",
              f"Flood: one address posting sign-ups at {flood.get('flood_rate_per_s')}/s answered "
              f"{flood.get('flood_answers')} ({flood.get('flood_refused_429')} refused with 429, expected); the "
              f"other visitors at {flood.get('others_rate_per_s')}/s: p99 {flood.get('others_p99_ms_alone')} ms "
              f"alone, {flood.get('others_p99_ms_during_flood')} ms during the flood, "
              f"{flood.get('others_errors')} errors."]
    return lines


def render(data: dict, load: dict | None = None) -> str:
    meta = data.get("meta") or {}
    per_figure = meta.get("figures") or {}
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by tests/bench/report.py from build/bench.json (`make bench` runs both). Do not edit:",
        "     run `make bench`, or `.venv/bin/python -m tests.bench.report` after `python -m tests.bench`. -->",
        "",
        "What `make bench` measured in its last run. Each group runs in its own process against the local "
        "stack's emulator (moto in a process of its own, as `make run` runs it: [local stack](local-stack.md)), "
        "so the figures describe this code on this machine, not AWS; timings are noisy and fall when anything "
        "else runs on the machine. Figures are measurements, never pass/fail: a target says what the design "
        "aims at. `python -m tests.bench --only GROUP` runs one group (then this page shows only that group).",
        "",
        "## The run",
        "",
        *run_table(meta),
        "",
        "## Figures",
        "",
        *figure_table(data, per_figure),
    ]
    notes = [(name, entry["note"]) for name, entry in per_figure.items() if entry.get("note")]
    if notes:
        lines += ["", "## How each figure was measured in this run", ""]
        lines += [f"- `{name}`: {' '.join(note.split())}" for name, note in notes]
    details = [(group, info) for group, info in (meta.get("info") or {}).items() if info]
    for group, info in details:
        lines += ["", f"## More from the {group} group", "", "```text", *info, "```"]
    lines += load_section(load)
    problems = list(meta.get("problems") or []) + [f"{group} failed: {error}" for group, error in
                                                   (meta.get("failed_groups") or {}).items()]
    lines += ["", "## Problems the run reported", ""]
    lines += [f"- {cell(problem)}" for problem in problems] or ["None."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.report", description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=OUTPUT, help="default: build/bench.json")
    parser.add_argument("--output", type=Path, default=PAGE, help="default: docs/benchmarks.md")
    args = parser.parse_args(argv)
    try:
        data = json.loads(args.input.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.input}: {exc} (run `make bench` first)", file=sys.stderr)
        return 2
    try:
        load = json.loads(LOAD.read_text(encoding="utf-8")) if args.input == OUTPUT else None
    except (OSError, ValueError):
        load = None
    args.output.write_text(render(data, load), encoding="utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
