"""signup_p95_ms: POST /signups (a careers-page form) through the real route, AWS emulated.

The local stack's emulator (moto in its own process) runs on a free loopback port, AWS_ENDPOINT_URL
points at it, and Chalice's test client drives the app as API Gateway would. Each sign-up is a new address,
so each creates a person (the common case). All come from one IP, so CRM_SIGNUP_LIMIT is raised.
Logging stays at the deployed default (INFO); its lines go to this process's stdout.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from ._child import median, percentile, run, say
from ._emulator import ROOT, Emulator, EmulatorClock
from .calls import CallCounter

WARMUP = 20
MEASURED = 300
CITIES = ("Lisbon", "Berlin", "Austin", "Toronto", "Nairobi", "Pune", "Leeds", "Lyon")
COUNTRIES = ("PT", "DE", "US", "CA", "KE", "IN", "GB", "FR")
SKILLS = ("Python; AWS; PostgreSQL", "React;TypeScript", "Go; k8s; Terraform", "ML; py", "Java;Spring")


def form(i: int) -> bytes:
    return urlencode({
        "email": f"bench.signup.{i}@example.com",
        "consent": "on",
        "first_name": f"Ada{i}",
        "last_name": "Lovelace",
        "city": CITIES[i % len(CITIES)],
        "country": COUNTRIES[i % len(COUNTRIES)],
        "skills": SKILLS[i % len(SKILLS)],
        "linkedin_url": f"linkedin.com/in/bench-{i}",
        "form_id": "careers-main",
        "page": "https://careers.example.com/jobs/backend",
        "utm_source": "newsletter",
        "website": "",  # the honeypot, left empty as a person would
    }).encode()


def main(options) -> dict:
    from chalice.test import Client

    emulator = Emulator(stock_moto=options.stock_moto, CRM_SIGNUP_LIMIT="1000000").start()
    counter, clock = CallCounter().install(), EmulatorClock(emulator)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
               "User-Agent": "Mozilla/5.0 (bench)", "Origin": "http://127.0.0.1:8000"}
    timings: list[float] = []
    try:
        with Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
            for i in range(WARMUP + MEASURED):
                if i == WARMUP:
                    counter.reset()
                    clock.reset()
                body = form(i)
                started = time.perf_counter()
                response = client.http.post("/signups", headers=headers, body=body)
                elapsed = time.perf_counter() - started
                if response.status_code != 202:
                    raise RuntimeError(f"sign-up {i} answered {response.status_code}: {response.body[:500]!r}")
                if i >= WARMUP:
                    timings.append(elapsed * 1000)
        clock.read()
        calls = counter.snapshot()
        dynamodb_calls = counter.total("dynamodb")
        emulator_ms = clock.seconds * 1000 / MEASURED
        emulator_ops = {op: t * 1000 / MEASURED for op, t in clock.by_operation.most_common()}
    finally:
        counter.uninstall()
        emulator.stop()
    p50, p95 = median(timings), percentile(timings, 95)
    first, last = median(timings[:50]), median(timings[-50:])
    say(f"sign-ups: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(timings):.1f} ms over {MEASURED}"
        + (" (stock moto)" if options.stock_moto else ""))
    per_signup = {op: round(n / MEASURED, 2) for op, n in calls.items()}
    calls_text = ", ".join(f"{op} {n:g}" for op, n in per_signup.items())
    return {
        "figures": {
            "signup_p95_ms": round(p95, 2),
            "signup_p50_ms": round(p50, 2),
            "signup_aws_calls_per_signup": round(sum(calls.values()) / MEASURED, 2),
            "signup_dynamodb_calls_per_signup": round(dynamodb_calls / MEASURED, 2),
        },
        "notes": {
            "signup_p95_ms": f"{MEASURED} form posts after {WARMUP} warm-up, each a new address; Chalice "
                             "test client, the emulator in its own process as in `make run`",
            "signup_p50_ms": f"p99 {percentile(timings, 99):.1f} ms, max {max(timings):.1f} ms; median of "
                             f"first 50 {first:.1f} ms, of last 50 {last:.1f} ms",
            "signup_aws_calls_per_signup": calls_text,
            "signup_dynamodb_calls_per_signup": "DynamoDB round trips per sign-up",
        },
        "targets": {},
        "info": [
            f"AWS calls per sign-up: {calls_text}",
            f"time inside the emulator per sign-up: {emulator_ms:.1f} ms of {sum(timings) / MEASURED:.1f} ms "
            "mean (" + ", ".join(f"{op} {t:.1f}" for op, t in emulator_ops.items()) + ")",
            (f"median of the first 50 measured {first:.1f} ms, of the last 50 {last:.1f} ms "
             "(a rise means cost grows with table size)"),
        ],
        "problems": [],
    }


if __name__ == "__main__":
    run(main)
