"""A deployed stage's monthly AWS bill, for docs/deploying.md ("Monthly cost"): the benchmarks' figures plus the
parts of the bill they leave out.

    python -m tests.bench.monthly [--input build/bench.json]

From build/bench.json (`make bench`): `monthly_cost_usd_100k_emails` and `monthly_cost_usd_1m_emails` (SES, the send
path, tracking hits and DynamoDB storage at the measured request units: tests/bench/campaigns.py cost_figures),
else, from an older run without them, SES plus `overhead_cost_ratio` if present. Added here, at the list prices
below (us-east-1, written on PRICES_DATE, no free tier): the SES events (send, delivery, bounce...) that SNS
delivers to `POST /webhooks/ses` through API Gateway, the alarms, the app's custom metrics and logs in
CloudWatch, point-in-time recovery, the scheduler's minute ticks and the queues' idle polling. Assumptions are
named where they are made; the result is an estimate to plan with, not a quote.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .cost import PRICES, PRICES_DATE

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = (("10k people, 100k emails", 10_000, 100_000, "monthly_cost_usd_100k_emails"),
             ("100k people, 1M emails", 100_000, 1_000_000, "monthly_cost_usd_1m_emails"))
OTHER_PRICES = {  # USD, us-east-1 list prices, no free tier
    "sns_per_million_publishes": 0.50,
    "sns_per_million_https_deliveries": 0.60,
    "cloudwatch_per_alarm_metric_month": 0.10,  # a standard-resolution alarm, per metric it reads
    "cloudwatch_per_custom_metric_month": 0.30,  # the first 10,000 metrics
    "cloudwatch_logs_per_gb_ingested": 0.50,
    "dynamodb_pitr_per_gb_month": 0.20,
}
# Assumptions (named in the output):
EVENTS_PER_EMAIL = 2.05  # SES publishes `send` and `delivery` for each email, and a few bounces, complaints, delays
EVENT_WRU, EVENT_RRU = 2.0, 1.0  # DynamoDB units a delivered event costs (the replay guard, the send's status)
LOG_BYTES_PER_INVOCATION = 1024  # Powertools' JSON line(s) and Lambda's START/END/REPORT lines
CUSTOM_METRICS = 40  # names the app counts under (`count(` in chalicelib, Ses* per event type), one metric each
# As in the synthesized template (tests/infra/test_template.py checks each): 5 functions x (errors, throttles),
# 2 dead-letter queues, the API's 5xx, 3 account-wide; 15 tables x 2 metrics (reads and writes throttled).
ALARM_METRICS = 5 * 2 + 2 + 1 + 3 + 15 * 2
SCHEDULER_TICKS = 60 * 24 * 30  # the minute schedule
SCHEDULER_GB_S = 0.3 * 0.5  # assumed 300 ms a tick at 512 MB
QUEUE_POLLS = 2 * 5 * 3 * 60 * 24 * 30  # 2 queues x ~5 long-polling pollers x a 20-second poll
PERSON_BYTES, SEND_BYTES = 2048 + 8 * 150, 512  # stored per person and per email (as tests/bench/campaigns.py)
OPENS_AND_CLICKS_PER_EMAIL = 1.2  # tracking hits (as tests/bench/campaigns.py OPENS_PER_EMAIL + CLICKS_PER_EMAIL)


def per_million(count: float, price: float) -> float:
    return count / 1e6 * price


def events_cost(emails: int, bench: dict) -> float:
    """SES events: SNS publishes and https deliveries, API Gateway, the api_handler, DynamoDB."""
    events = emails * EVENTS_PER_EMAIL
    seconds = 1 / bench["ses_events_per_s"] if bench.get("ses_events_per_s") else 0.010
    return (per_million(events, OTHER_PRICES["sns_per_million_publishes"])
            + per_million(events, OTHER_PRICES["sns_per_million_https_deliveries"])
            + per_million(events, PRICES["api_gateway_rest_per_million"])
            + per_million(events, PRICES["lambda_per_million_requests"]) + events * seconds * 1.0 * PRICES["lambda_per_gb_s"]
            + per_million(events * EVENT_WRU, PRICES["dynamodb_per_million_wru"])
            + per_million(events * EVENT_RRU, PRICES["dynamodb_per_million_rru"]))


def cloudwatch_cost(emails: int) -> float:
    invocations = emails * (EVENTS_PER_EMAIL + OPENS_AND_CLICKS_PER_EMAIL) + SCHEDULER_TICKS
    logs_gb = invocations * LOG_BYTES_PER_INVOCATION / 1024 ** 3
    return (ALARM_METRICS * OTHER_PRICES["cloudwatch_per_alarm_metric_month"]
            + CUSTOM_METRICS * OTHER_PRICES["cloudwatch_per_custom_metric_month"]
            + logs_gb * OTHER_PRICES["cloudwatch_logs_per_gb_ingested"])


def fixed_cost() -> float:
    return (SCHEDULER_TICKS * (SCHEDULER_GB_S * PRICES["lambda_per_gb_s"] + PRICES["lambda_per_million_requests"] / 1e6)
            + per_million(QUEUE_POLLS, PRICES["sqs_per_million_requests"]))


def sending_cost(people: int, emails: int, key: str, bench: dict) -> tuple[float, str]:
    """SES, the send path, tracking and storage: the benchmark's monthly figure, else SES and its overhead ratio."""
    if key in bench:
        return float(bench[key]), f"`{key}` (build/bench.json)"
    ses = emails / 1000 * PRICES["ses_per_thousand_emails"]
    if "overhead_cost_ratio" in bench:
        storage = (people * PERSON_BYTES + emails * SEND_BYTES) / 1024 ** 3 * PRICES["dynamodb_storage_per_gb_month"]
        return ses * (1 + float(bench["overhead_cost_ratio"])) + storage, "SES x (1 + `overhead_cost_ratio`) + storage"
    return ses, "SES only (this build/bench.json has no cost figures: run `make bench`)"


def estimate(bench: dict) -> list[dict]:
    rows = []
    for label, people, emails, key in SCENARIOS:
        sending, source = sending_cost(people, emails, key, bench)
        storage_gb = (people * PERSON_BYTES + emails * SEND_BYTES) / 1024 ** 3
        parts = {
            "sending": sending,
            "ses_events": events_cost(emails, bench),
            "cloudwatch": cloudwatch_cost(emails),
            "backups": storage_gb * OTHER_PRICES["dynamodb_pitr_per_gb_month"],
            "fixed": fixed_cost(),
        }
        shown = {k: round(v, 2) for k, v in parts.items()}  # the total is the sum of what the table shows
        rows.append({"scenario": label, "people": people, "emails": emails, "source": source,
                     "parts": shown, "total": round(sum(shown.values()), 2)})
    return rows


def render(rows: list[dict]) -> str:
    names = {"sending": "SES, send path, tracking hits, storage (the benchmarks)",
             "ses_events": "SES events to the webhook (SNS, API Gateway, Lambda, DynamoDB)",
             "cloudwatch": f"CloudWatch: {ALARM_METRICS} alarm metrics, {CUSTOM_METRICS} custom metrics, logs",
             "backups": "DynamoDB point-in-time recovery", "fixed": "scheduler ticks, queue polling"}
    lines = ["| USD a month | " + " | ".join(r["scenario"] for r in rows) + " |",
             "|---|" + "---:|" * len(rows)]
    for part, name in names.items():
        lines.append(f"| {name} | " + " | ".join(f"{r['parts'][part]:,.2f}" for r in rows) + " |")
    lines.append("| **total** | " + " | ".join(f"**{r['total']:,.2f}**" for r in rows) + " |")
    lines.append("")
    lines.append(f"us-east-1 list prices written {PRICES_DATE}, no free tier; the first row from "
                 + "; ".join(f"{r['scenario']}: {r['source']}" for r in rows) + ".")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.monthly", description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=ROOT / "build" / "bench.json")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args(argv)
    bench = json.loads(args.input.read_text()) if args.input.exists() else {}
    rows = estimate(bench)
    print(json.dumps(rows, indent=1) if args.json else render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
