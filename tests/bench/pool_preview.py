"""The rule builder's live count: how long POST /dashboard/pools/builder (the workspace redraws the builder and
its count on every change) and PoolService.preview (POST /pools/preview) take with 10,000 and 100,000 people.

    .venv/bin/python -m tests.bench.pool_preview [--people 10000,100000] [--runs 20]

The emulator runs in its own process, as under `make run`; people are seeded with BatchWriteItem (the varied
people of tests/bench/pools.py), and the rules are the guide's kind (6 conditions, nested any/not, a time
condition). The preview reads one bounded page of people (PoolService.PREVIEW_READ), never the table: the
figure should not grow with the table, except for what the emulator itself does per call (moto sorts every
item of a table on every Scan).
"""
from __future__ import annotations

import argparse
import random
import time
from urllib.parse import urlencode

from ._child import percentile
from ._emulator import ROOT, Emulator, bench_key
from .pools import RULE, make_person, seed

BUILDER_FORM = {
    "name": "Python or Go, London or remote", "kind": "dynamic", "g0.op": "all",
    "g0.c0.field": "skills", "g0.c0.op": "contains_any", "g0.c0.value": "python, go",
    "g0.g1.op": "any", "g0.g1.c0.field": "city", "g0.g1.c0.op": "eq", "g0.g1.c0.value": "London",
    "g0.g1.c1.field": "remote_ok", "g0.g1.c1.op": "eq", "g0.g1.c1.value": "yes",
    "g0.c2.field": "country", "g0.c2.op": "in", "g0.c2.value": "GB, IE",
    "g0.c3.field": "engagement_score", "g0.c3.op": "gte", "g0.c3.value": "10",
    "g0.c4.field": "last_contacted_at", "g0.c4.op": "older_than", "g0.c4.value": "30 days",
    "g0.g5.op": "none", "g0.g5.c0.field": "stage", "g0.g5.c0.op": "in", "g0.g5.c0.value": "hired, rejected",
}


def timed(call, runs: int) -> list[float]:
    call()  # warm: imports, templates, connections
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", default="10000,100000")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--read", default="", help="comma-separated PREVIEW_READ values to try (default: the service's)")
    options = parser.parse_args()
    sizes = sorted(int(n) for n in options.people.split(","))
    from chalice.test import Client

    from chalicelib.domain.clock import utcnow

    now, rng = utcnow(), random.Random(7)
    with Emulator() as emulator:
        from chalicelib import wiring
        from chalicelib.services import pools as pools_service

        seeded = 0
        client = Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT))
        key = "crm_bench_pool_preview_key_0123456789"
        from crmlocal import bootstrap

        bootstrap.ensure_admin("Bench-admin-password-1")  # an owner-less key acts as the first admin
        bench_key(key)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-www-form-urlencoded"}
        for size in sizes:
            started = time.perf_counter()
            seed([make_person(rng, i, now) for i in range(seeded, size)], "http")
            print(f"seeded {size - seeded:,} people in {time.perf_counter() - started:.0f} s (table: {size:,})")
            seeded = size
            for read in [int(r) for r in options.read.split(",") if r] or [pools_service.PREVIEW_READ]:
                pools_service.PREVIEW_READ = read
                measure(wiring.pools(), client, headers, size, options.runs)


def measure(service, client, headers: dict, size: int, runs: int) -> None:
    answer = service.preview({"rules": RULE})

    def cold():  # the page of people read again, as every PREVIEW_FOR seconds
        service._preview_people = None
        service.preview({"rules": RULE})

    cold_ms = timed(cold, runs)
    service_ms = timed(lambda: service.preview({"rules": RULE}), runs)
    body = urlencode(BUILDER_FORM)

    def builder():
        response = client.http.post("/dashboard/pools/builder", headers=headers, body=body)
        assert response.status_code == 200 and b"match" in response.body, (response.status_code, response.body[:300])

    page_ms = timed(builder, runs)  # people read within PREVIEW_FOR: as while a recruiter edits
    print(f"{size:,} people, reading {answer['read']:,}: {answer['count']} match (exact: {answer['exact']}); "
          f"PoolService.preview reading people median {percentile(cold_ms, 50):.0f} ms, p95 "
          f"{percentile(cold_ms, 95):.0f} ms, with them read median {percentile(service_ms, 50):.1f} ms, p95 "
          f"{percentile(service_ms, 95):.1f} ms; "
          f"POST /dashboard/pools/builder median {percentile(page_ms, 50):.0f} ms, p95 {percentile(page_ms, 95):.0f} ms "
          f"({runs} runs)", flush=True)


if __name__ == "__main__":
    main()
