"""browse_*: a page of GET /dashboard/candidates, p50 and p95, with what it reads.

Scenarios (each: the first page, then "Next page" after it, PAGES pages, ROUNDS times; 50 people a page):
  browse_all             no filter, newest first
  browse_one_filter      skill=kubernetes (one person in eight)
  browse_three_filters   skill=python, country=GB, remote=yes (one in seven of the python partition)
  browse_sorted          sorted by name
  browse_rare_sorted     tag=campus sorted by engagement, the design's worst kind of list: engagement order is
                         kept on "all" only, so the tag (one in thirteen) is a filter there and pages come back
                         short (docs/architecture.md, "Browse index")
Figures per scenario: _p95_ms and _p50_ms (wall time of the request through the app: Chalice's test client as
API Gateway would call it, a recruiter's API key), _app_p95_ms (the same less the time inside the emulator: the
app, botocore and loopback HTTP, which do not grow with the table), _dynamodb_calls_per_page and
_items_read_per_page (DynamoDB's own count of items read: Query/Scan ScannedCount, BatchGetItem items;
tests/bench/calls.py): what a page costs on DynamoDB, whatever the table's size.

Table size. moto answers every Query by sorting the whole table (moto/dynamodb/models/table.py Table.all_items,
then a walk of every item), where DynamoDB reads one partition: a page's time inside the emulator grows as
N log N of the table's items (about 8 browse index items a person). At 100,000 people (770,000 index items) a
single Query outlasts botocore's 60-second read timeout on 2 cores, so by default the figures are measured at
PEOPLE (10,000); `--people 100000` runs it at the issue's size (and shows the timeouts). The emulator is not
tuned here (crmlocal/UPSTREAM.md is where such a moto report goes).

The people are seeding, not measurement: pools.make_person's varied people, put straight into the emulator's
tables in this process (the items the app's code builds: the person as PynamoDB serializes it, and their browse
index items from store/browse.py items_for), then the index is marked built, as the backfill would leave it. The
emulator answers over HTTP on loopback (a thread of this process), as `make run`'s does.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from ._child import median, percentile, run, say
from ._emulator import ROOT, Emulator, EmulatorClock
from .calls import CallCounter
from .pools import make_person, moto_table

PEOPLE = 10_000
PAGES = 2
ROUNDS = 2
API_KEY = "crm_bench_browse_key_0123456789"
SCENARIOS = {
    "browse_all": {},
    "browse_one_filter": {"skill": "kubernetes"},
    "browse_three_filters": {"skill": "python", "country": "GB", "remote": "yes"},
    "browse_sorted": {"sort": "name"},
    "browse_rare_sorted": {"tag": "campus", "sort": "-engagement"},
}
# search_read_ratio: items read over people shown, for each of the workspace's filters alone (first PAGES pages)
SEARCHES = {
    "skill": {"skill": "kubernetes"},
    "tag": {"tag": "campus"},
    "country": {"country": "PT"},
    "status": {"status": "subscribed"},
    "name_prefix": {"q": "priya"},
    "email_prefix": {"q": "pool.bench.77"},
}
TARGETS = {f"{name}{suffix}": {"max": 300} for name in SCENARIOS for suffix in ("_p95_ms", "_app_p95_ms")}
TARGETS["search_read_ratio"] = {"max": 2}


def seed(people: list[dict]) -> tuple[float, int]:
    """The people and their browse index items, straight into moto's tables; (seconds, index items)."""
    from chalicelib.store.browse import items_for
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import BrowseModel, CandidateModel

    started = time.perf_counter()
    candidates, index = moto_table(CandidateModel.Meta.table_name), moto_table(BrowseModel.Meta.table_name)
    written = 0
    for person in people:
        put(candidates, from_dict(CandidateModel, person).serialize())
        for item in items_for(person).values():
            put(index, item)
            written += 1
    return time.perf_counter() - started, written


def put(table, attributes: dict) -> None:
    """An item stored as moto's Table.put_item stores it (an Item of DynamoTypes under its keys), without
    its per-attribute re-measuring of the whole item (~1.5 ms an item here: 970,000 index items would take
    25 minutes). Seeding only: every measured request goes through moto's own code."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    item = Item.__new__(Item)
    item.hash_key = DynamoType(attributes[table.hash_key_attr])
    item.range_key = DynamoType(attributes[table.range_key_attr]) if table.range_key_attr else None
    item.attrs = LimitedSizeDict({name: DynamoType(value) for name, value in attributes.items()})
    if item.range_key is not None:
        table.items[item.hash_key][item.range_key] = item
    else:
        table.items[item.hash_key] = item


def measure(client, emulator, query: dict, rounds: int = ROUNDS, pages: int = PAGES) -> dict:
    """`rounds` x `pages` pages of one list, following "Next page"; each timed and counted alone."""
    headers = {"Authorization": f"Bearer {API_KEY}"}
    timings, calls, items, emulator_s, shown = [], [], [], [], []
    clock = EmulatorClock(emulator)
    for _ in range(rounds):
        cursor = None
        for _ in range(pages):
            path = "/dashboard/candidates?" + urlencode({**query, **({"cursor": cursor} if cursor else {})})
            one = timed_get(client, clock, path, headers)
            html = one.body
            timings.append(one.ms)
            calls.append(one.calls)
            items.append(one.items)
            emulator_s.append(one.inside_ms)
            shown.append(html.count('name="candidate_ids"'))
            cursor = _next_cursor(html)
            if not cursor:
                break
    return {"timings": timings, "calls": calls, "items": items, "emulator_ms": emulator_s, "shown": shown}


@dataclass
class Timed:
    """One GET through the app, timed and counted: its body, wall ms, ms inside the emulator, DynamoDB calls and
    items read (tests/bench/calls.py)."""
    body: str
    ms: float
    inside_ms: float
    calls: int
    items: int


def timed_get(client, clock: EmulatorClock, path: str, headers: dict) -> Timed:
    """GET `path` (200 or RuntimeError), counted alone: the emulator's clock and the call counter reset first."""
    counter = CallCounter().install()
    clock.reset()
    started = time.perf_counter()
    try:
        response = client.http.get(path, headers=headers)
    finally:
        elapsed = (time.perf_counter() - started) * 1000
        counter.uninstall()
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}: {response.body[:500]!r}")
    return Timed(response.body.decode(), elapsed, clock.read().seconds * 1000, counter.total("dynamodb"),
                 counter.items_total())


def _next_cursor(html: str) -> str | None:
    import re
    from html import unescape
    from urllib.parse import parse_qs, urlparse

    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    if not found:
        return None
    return parse_qs(urlparse(unescape(found.group(1))).query).get("cursor", [None])[0]


def search_ratios(client, emulator, figures: dict, notes: dict, units: dict, info: list) -> None:
    """search_read_ratio: the worst of SEARCHES' items read / people shown (index items, people, memberships)."""
    ratios = {}
    for name, query in SEARCHES.items():
        result = measure(client, emulator, query, rounds=1)
        shown = sum(result["shown"])
        ratios[name] = round(sum(result["items"]) / shown, 2) if shown else float(sum(result["items"]))
        info.append(f"search {name} ({json.dumps(query)}): items read {result['items']}, shown {result['shown']}: "
                    f"{ratios[name]} read per person shown")
    worst = max(ratios, key=lambda k: ratios[k])
    figures["search_read_ratio"] = ratios[worst]
    units["search_read_ratio"] = "x"
    notes["search_read_ratio"] = (f"DynamoDB items read (index items, the people shown, the page's other reads) per "
                                  f"person shown, the first {PAGES} pages of each filter alone; worst {worst}; "
                                  + ", ".join(f"{k} {v}" for k, v in ratios.items()))
    say(f"search_read_ratio {ratios[worst]} (worst: {worst}); {ratios}")


def main(options) -> dict:
    from chalice.test import Client

    n = options.people or PEOPLE
    figures, notes, units, info, problems = {}, {}, {}, [], []
    emulator = Emulator(stock_moto=options.stock_moto, in_process=True).start()
    try:
        from chalicelib import wiring
        from chalicelib.domain.clock import utcnow

        now = utcnow()
        rng = random.Random(2026)
        people = [make_person(rng, i, now) for i in range(n)]
        seconds, index_items = seed(people)
        say(f"seeded {n:,} people and {index_items:,} index items in {seconds:.1f} s (moto Table.put_item)")
        info.append(f"{n:,} people, {index_items:,} browse index items ({index_items / n:.1f} a person), seeded in "
                    f"{seconds:.0f} s")
        wiring.candidate_repo().index.mark_ready()
        admin, _ = wiring.users().ensure_admin("bench-admin@example.com", "Bench-admin-password-1")
        wiring.api_keys().ensure(API_KEY, "bench", user_id=admin["id"])
        with Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
            measure(client, emulator, {}, rounds=1, pages=1)  # warm: clients built, templates compiled, key cached
            for name, query in SCENARIOS.items():
                result = measure(client, emulator, query)
                pages = len(result["timings"])
                figures[f"{name}_p95_ms"] = round(percentile(result["timings"], 95), 1)
                figures[f"{name}_p50_ms"] = round(median(result["timings"]), 1)
                outside = [t - e for t, e in zip(result["timings"], result["emulator_ms"])]
                figures[f"{name}_app_p95_ms"] = round(percentile(outside, 95), 1)
                figures[f"{name}_dynamodb_calls_per_page"] = round(sum(result["calls"]) / pages, 2)
                figures[f"{name}_items_read_per_page"] = round(sum(result["items"]) / pages, 1)
                units[f"{name}_dynamodb_calls_per_page"] = "calls"
                units[f"{name}_items_read_per_page"] = "items"
                inside = median(result["emulator_ms"])
                notes[f"{name}_p95_ms"] = (
                    f"GET /dashboard/candidates?{urlencode(query)}: {pages} pages ({ROUNDS} x the first {PAGES}, "
                    f"following Next page), 50 people a page, {n:,} people ({index_items:,} index items) in the "
                    f"table; median {inside:.0f} ms of a page inside the emulator (moto sorts the whole table per "
                    f"Query), {median(result['timings']) - inside:.0f} ms outside it")
                notes[f"{name}_app_p95_ms"] = ("the page's time outside the emulator: the app (routing, the gate, "
                                               "the service, the template), botocore and loopback HTTP")
                notes[f"{name}_items_read_per_page"] = (
                    f"people shown per page {', '.join(str(s) for s in result['shown'])}; items read per page "
                    f"{', '.join(str(i) for i in result['items'])} (index items and the people shown)")
                say(f"{name}: p50 {figures[f'{name}_p50_ms']:.0f} ms, p95 {figures[f'{name}_p95_ms']:.0f} ms, "
                    f"{figures[f'{name}_dynamodb_calls_per_page']} calls and "
                    f"{figures[f'{name}_items_read_per_page']} items a page; inside moto {inside:.0f} ms")
                info.append(f"{name} ({json.dumps(query)}): page ms {', '.join(f'{t:.0f}' for t in result['timings'])}"
                            f"; inside the emulator {', '.join(f'{t:.0f}' for t in result['emulator_ms'])}")
            search_ratios(client, emulator, figures, notes, units, info)
    finally:
        emulator.stop()
    return {"figures": figures, "notes": notes, "units": units, "targets": TARGETS, "info": info,
            "problems": problems}


if __name__ == "__main__":
    run(main)
