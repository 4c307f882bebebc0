"""Talent pools: rule evaluation speed, rebuilding a dynamic pool, and what listing a pool reads.

rule_eval_us         the guide's kind of rule (6 conditions, nested any/not, a time condition)
                     compiled once with parse_rules(rule).bind(now), then evaluated over a list of
                     varied people (some fail at the first condition, some at the last, ~10% match).
pool_rebuild_100k_s  a dynamic pool created with PoolService.create, rebuilt by the app's own
                     `jobs_worker` fed from the jobs queue (crmlocal.runtime.drain: Lambda-
                     shaped SQS events, one page of 500 people per message) until it says "ready";
                     its size is checked against an independent count. Measured at 100,000 people
                     that takes ~4.5 minutes on 2 cores, almost all of it inside moto (see the info
                     lines), so by default it is MEASURED at 40,000 people (pool_rebuild_measured_s)
                     and EXTRAPOLATED to 100,000 with the per-page costs fitted on that run (a fixed
                     cost per page, plus moto's Scan cost, which grows with the table size and with
                     how far into the table the page starts). `--people 100000` measures it outright.
                     (Checked once on 2 cores: the model from 40,000 said 252 s, a full run at 100,000
                     measured 270 s; per-page costs grow a little with the emulator's heap.)
pool_read_ratio      items DynamoDB reads to list a 1,000-member pool through GET /pools/{id}/members
                     (limit=500, following next_cursor) in a 100,000-person table, per member.

The people are seeding, not measurement: by default they are put straight into the emulator's
table in this process (moto's own Table.put_item with the item PynamoDB would send, ~3,500/s),
since BatchWriteItem over HTTP runs at ~1,500 items/s here and create_many (transactions with
email claims) at ~900/s. `--seed http` seeds with BatchWriteItem instead (slower).
"""
from __future__ import annotations

import collections
import random
import threading
import time
from datetime import timedelta

from ._child import median, run, say
from ._emulator import ROOT, Emulator, EmulatorClock, bench_key
from .calls import CallCounter
from .cost import CapacityCounter

PEOPLE = 100_000  # the table the figures are about
REBUILD_PEOPLE = 40_000  # the rebuild is measured at this size unless --people says otherwise
POOL_MEMBERS = 1_000
EVALUATIONS = 200_000
EVAL_SAMPLE = 1_000
RUNS = 5
API_KEY = "crm_bench_pools_key_0123456789"

RULE = {"all": [
    {"field": "skills", "op": "contains_any", "value": ["python", "go"]},
    {"any": [{"field": "city", "op": "eq", "value": "London"},
             {"field": "remote_ok", "op": "eq", "value": True}]},
    {"field": "country", "op": "in", "value": ["GB", "IE"]},
    {"field": "engagement_score", "op": "gte", "value": 10},
    {"field": "last_contacted_at", "op": "older_than", "value": "P30D"},
    {"not": {"field": "stage", "op": "in", "value": ["hired", "rejected"]}},
]}
TARGETS = {"rule_eval_us": {"max": 20}, "pool_read_ratio": {"max": 1.1}, "pool_rebuild_100k_s": {"max": 30}}

FIRST = ("Ada", "José", "Zoë", "Søren", "Łukasz", "Amara", "Mei", "Oluwaseun", "Priya", "Ingrid",
         "Mateo", "Aoife", "Kenji", "Fatima", "Björn", "Chloé", "Dmitri", "Ngozi", "Rafael", "Sakura")
LAST = ("Lovelace", "García", "Müller", "O'Brien", "Nakamura", "Okafor", "Kowalski", "Haddad",
        "Johansson", "Dubois", "Silva", "Nguyen", "Patel", "Rossi", "Ivanova", "Mensah")
PLACES = ((("London", "GB"), 25), (("Manchester", "GB"), 10), (("Edinburgh", "GB"), 5),
          (("Dublin", "IE"), 12), (("Cork", "IE"), 3), (("Berlin", "DE"), 10), (("Lisbon", "PT"), 7),
          (("New York", "US"), 10), (("Toronto", "CA"), 6), (("Bengaluru", "IN"), 8), ((None, None), 4))
OTHER_SKILLS = ("aws", "postgresql", "react", "typescript", "kubernetes", "terraform", "machine learning",
                "node.js", "java", "kotlin", "swift", "rust", "django", "graphql", "docker", "sql")
STAGES = ((None, 30), ("sourced", 25), ("contacted", 15), ("screening", 10), ("interviewing", 8),
          ("offer", 2), ("hired", 5), ("rejected", 5))
STATUSES = (("not_subscribed", 60), ("subscribed", 30), ("unsubscribed", 10))
TAGS = ("referral", "meetup-2026", "silver medalist", "campus", "agency", "reactivate")


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices)
    return rng.choices(values, weights)[0]


def make_person(rng: random.Random, i: int, now) -> dict:
    """One person as the candidates table holds them (normalized skills, upper-case country)."""
    from chalicelib.domain.clock import iso, new_id

    city, country = _weighted(rng, PLACES)
    skills = rng.sample(OTHER_SKILLS, rng.randint(0, 4))
    if rng.random() < 0.6:
        skills.insert(rng.randrange(len(skills) + 1), rng.choice(("python", "go", "python")))
    created = now - timedelta(days=rng.uniform(31, 1100))
    person = {
        "id": new_id("cand"), "email": f"pool.bench.{i}@example.org", "first_name": rng.choice(FIRST),
        "last_name": rng.choice(LAST), "status": _weighted(rng, STATUSES),
        "source": rng.choice(("import", "signup", "sourced", "referral")),
        "created_at": iso(created), "updated_at": iso(created + timedelta(days=rng.uniform(0, 30))),
        "version": 1,
    }
    if skills:
        person["skills"] = skills
    if city:
        person["city"], person["country"] = city, country
    if rng.random() < 0.9:
        person["remote_ok"] = rng.random() < 0.4
    if rng.random() < 0.9:
        person["engagement_score"] = rng.randint(0, 40)
    if rng.random() < 0.85:  # never within a few days of the 30-day line, so the check cannot flip
        days = rng.uniform(0, 20) if rng.random() < 0.15 else rng.uniform(40, 400)
        person["last_contacted_at"] = iso(now - timedelta(days=days))
    stage = _weighted(rng, STAGES)
    if stage:
        person["stage"] = stage
    if rng.random() < 0.3:
        person["tags"] = rng.sample(TAGS, rng.randint(1, 2))
    return person


def matches_by_hand(person: dict, cutoff: str) -> bool:
    """RULE written out in plain Python: an independent count of who the pool should hold."""
    return (bool({"python", "go"} & set(person.get("skills") or ()))
            and ((person.get("city") or "").lower() == "london" or person.get("remote_ok") is True)
            and person.get("country") in ("GB", "IE")
            and person.get("engagement_score") is not None and person["engagement_score"] >= 10
            and bool(person.get("last_contacted_at")) and person["last_contacted_at"] < cutoff
            and person.get("stage") not in ("hired", "rejected"))


# ---------------------------------------------------------------- 1. rule evaluation

def measure_rule_eval() -> tuple[dict, list[str], list[str]]:
    from chalicelib.domain.clock import iso, utcnow
    from chalicelib.domain.rules import parse_rules

    now = utcnow()
    rng = random.Random(11)
    sample = [make_person(rng, i, now) for i in range(EVAL_SAMPLE)]
    started = time.perf_counter()
    rule = parse_rules(RULE)
    predicate = rule.bind(now)
    compile_us = (time.perf_counter() - started) * 1e6
    cutoff = iso(now - timedelta(days=30))
    matched = sum(map(predicate, sample))
    by_hand = sum(matches_by_hand(p, cutoff) for p in sample)
    problems = [] if matched == by_hand else [
        f"rule_eval: the compiled rule matched {matched} of {EVAL_SAMPLE} sample people, by hand {by_hand}"]
    # where each person fails: how deep the evaluation goes
    steps = [lambda p: bool({"python", "go"} & set(p.get("skills") or ())),
             lambda p: (p.get("city") or "").lower() == "london" or p.get("remote_ok") is True,
             lambda p: p.get("country") in ("GB", "IE"),
             lambda p: p.get("engagement_score") is not None and p["engagement_score"] >= 10,
             lambda p: bool(p.get("last_contacted_at")) and p["last_contacted_at"] < cutoff,
             lambda p: p.get("stage") not in ("hired", "rejected")]
    fails_at = collections.Counter(next((i + 1 for i, s in enumerate(steps) if not s(p)), 0) for p in sample)

    work = sample * (EVALUATIONS // EVAL_SAMPLE)
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for person in work:
            predicate(person)
        runs.append((time.perf_counter() - started) * 1e6 / len(work))
    started = time.perf_counter()  # the loop alone, to show what is the predicate's own
    for _person in work:
        pass
    loop_us = (time.perf_counter() - started) * 1e6 / len(work)
    value = median(runs)
    say(f"rule eval: {value:.2f} µs per evaluation (runs {', '.join(f'{r:.2f}' for r in runs)}), "
        f"{matched}/{EVAL_SAMPLE} match")
    fail_text = ", ".join(f"condition {k}: {fails_at[k]}" for k in range(1, 7) if fails_at[k])
    note = (f"median of {RUNS} runs of {len(work):,} evaluations over {EVAL_SAMPLE} varied people "
            f"({matched} match; first failing condition {fail_text}); loop overhead {loop_us:.3f} µs "
            f"included; compile + bind once {compile_us:.0f} µs")
    runs_text = "rule eval runs (µs per evaluation): " + ", ".join(f"{r:.3f}" for r in runs)
    return {"rule_eval_us": round(value, 3), "_note": note}, problems, [runs_text]


# ---------------------------------------------------------------- seeding

def moto_table(name: str):
    from moto.dynamodb.models import dynamodb_backends

    for account in list(dynamodb_backends.keys()):
        for backend in dynamodb_backends[account].values():
            if name in backend.tables:
                return backend.tables[name]
    raise RuntimeError(f"table {name} not found in the emulator")


def seed(people: list[dict], how: str) -> float:
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import CandidateModel

    started = time.perf_counter()
    if how == "http":
        for start in range(0, len(people), 5000):
            with CandidateModel.batch_write() as batch:
                for person in people[start:start + 5000]:
                    batch.save(from_dict(CandidateModel, person))
    else:
        table = moto_table(CandidateModel.Meta.table_name)
        for person in people:
            table.put_item(from_dict(CandidateModel, person).serialize())
    return time.perf_counter() - started


# ---------------------------------------------------------------- 2. rebuild

class MotoTimer:
    """Where moto spends a rebuild: Table.scan (and its all_items(), which sorts the whole table),
    and its response serializer (moto.core.serialize), per operation."""

    def __init__(self):
        self.scans: list[tuple[float, float, int]] = []  # candidates table: (scan s, all_items s, scanned)
        self.serialize: collections.Counter = collections.Counter()  # operation -> seconds
        self._local = threading.local()
        self._lock = threading.Lock()
        self._originals = None

    def install(self) -> MotoTimer:
        from moto.core.serialize import ResponseSerializer
        from moto.dynamodb.models.table import Table

        scan, all_items, serialize = Table.scan, Table.all_items, ResponseSerializer.serialize
        self._originals = (scan, all_items, serialize)
        timer = self

        def timed_all_items(table):
            started = time.perf_counter()
            try:
                return all_items(table)
            finally:
                timer._local.sorting = getattr(timer._local, "sorting", 0.0) + time.perf_counter() - started

        def timed_scan(table, *args, **kwargs):
            timer._local.sorting = 0.0
            started = time.perf_counter()
            result = scan(table, *args, **kwargs)
            if table.name.endswith("-candidates"):
                with timer._lock:
                    timer.scans.append((time.perf_counter() - started, timer._local.sorting, result[1]))
            return result

        def timed_serialize(serializer, result):
            started = time.perf_counter()
            try:
                return serialize(serializer, result)
            finally:
                with timer._lock:
                    timer.serialize[serializer.operation_name] += time.perf_counter() - started

        Table.scan, Table.all_items, ResponseSerializer.serialize = timed_scan, timed_all_items, timed_serialize
        return self

    def uninstall(self) -> None:
        if self._originals:
            from moto.core.serialize import ResponseSerializer
            from moto.dynamodb.models.table import Table

            Table.scan, Table.all_items, ResponseSerializer.serialize = self._originals
            self._originals = None


def rebuild(emulator, n: int, expected: int) -> dict:
    """Creates the pool and drains the jobs queue as the local runtime does; times every page."""
    from chalicelib import wiring
    from crmlocal.runtime import drain

    service = wiring.pools()
    steps: list[float] = []
    original_step = service.rebuild_step

    def timed_step(message):  # the jobs worker looks the handler up on this same service object
        started = time.perf_counter()
        try:
            return original_step(message)
        finally:
            steps.append(time.perf_counter() - started)

    service.rebuild_step = timed_step
    counter, clock, moto = CapacityCounter().install(), EmulatorClock(emulator), MotoTimer().install()
    try:
        started = time.perf_counter()
        pool = service.create({"name": "Python/Go in London or remote, GB/IE, warm, not contacted 30d",
                               "kind": "dynamic", "rules": RULE})
        queues = drain(emulator.app_module, max_batches=n // 500 + 100)
        elapsed = time.perf_counter() - started
        final = service.get(pool["id"])
    finally:
        del service.rebuild_step
        counter.uninstall()
        moto.uninstall()
    from chalicelib.store.models import MembershipModel

    clock.read()
    members = MembershipModel.count(pool["id"])  # Select=COUNT: no items through moto's serializer
    return {"seconds": elapsed, "pool": final, "members": members, "steps": steps, "queues": queues,
            "calls": counter.snapshot(), "emulator_s": clock.seconds, "emulator_ops": clock.breakdown(),
            "scans": moto.scans, "serialize": dict(moto.serialize), "expected": expected,
            "items_read": counter.items_total(), "rru": sum(counter.rru.values()), "wru": sum(counter.wru.values()),
            "sqs_requests": counter.sqs_chunks}


def rebuild_lines(r: dict, n: int) -> list[str]:
    steps, scans = r["steps"], r["scans"]
    full = [s for s in scans if s[2]]  # the last message scans an empty page
    scan_s, sort_s = sum(s[0] for s in scans), sum(s[1] for s in scans)
    serialize_scan = r["serialize"].get("Scan", 0.0)
    serialize_all = sum(r["serialize"].values())
    lines = [(f"rebuild over {n:,} people: {r['seconds']:.1f} s wall, {len(steps)} jobs-queue messages (pages of "
              f"500); status {r['pool']['status']}, size {r['pool']['size']:,}, membership items "
              f"{r['members']:,}, expected {r['expected']:,}")]
    lines.append(f"  app step time (rebuild_step) {sum(steps):.1f} s; per page: first 5 "
                 f"{median(steps[:5]) * 1000:.0f} ms, last 5 {median(steps[-6:-1]) * 1000:.0f} ms (medians)")
    lines.append(f"  inside the emulator {r['emulator_s']:.1f} s ({r['emulator_s'] / r['seconds']:.0%} of wall) "
                 f"by operation: {r['emulator_ops']}")
    lines.append(f"  of which moto's response serializer (moto.core.serialize) {serialize_all:.1f} s, for Scan "
                 f"responses {serialize_scan:.1f} s ({serialize_scan * 1000 / max(1, len(full)):.0f} ms per "
                 "500-person page, whatever the table size)")
    lines.append(f"  and moto Table.scan {scan_s:.1f} s over {len(scans)} calls, of which {sort_s:.1f} s in "
                 "all_items() (sorts the whole table on every call); the rest walks every item before the "
                 "ExclusiveStartKey (a DynamoType built and compared per item) and deep-copies the page: "
                 "O(table) per page, O(table^2) per rebuild")
    if len(full) >= 10:
        first, last = full[:5], full[-5:]
        lines.append(f"  per Table.scan call: first 5 {median([s[0] for s in first]) * 1000:.0f} ms "
                     f"(sorting {median([s[1] for s in first]) * 1000:.0f} ms), last 5 "
                     f"{median([s[0] for s in last]) * 1000:.0f} ms (sorting "
                     f"{median([s[1] for s in last]) * 1000:.0f} ms)")
    rest = r["seconds"] - r["emulator_s"]
    lines.append(f"  outside the emulator {rest:.1f} s ({rest * 1000 / max(1, len(steps)):.0f} ms per page): the "
                 "app (PynamoDB reading 500 people, rule evaluation, membership writes), botocore, HTTP, SQS")
    lines.append("  AWS calls: " + ", ".join(f"{op} {n_}" for op, n_ in r["calls"].items()))
    jobs = {q: t for q, t in r["queues"].items() if t["received"]}
    lines.append(f"  queue messages handled: {jobs}")
    return lines


def extrapolate(r: dict, n: int, target: int) -> dict:
    """Rebuild seconds at `target` people from the pages of a run at `n`.

    Per page: a fixed cost F (everything but moto's Table.scan: its response serializer, the app,
    botocore, HTTP, the SQS hop), plus Table.scan = sorting the whole table (all_items(), linear
    in the table size: the ids arrive nearly sorted) + walking to the page's ExclusiveStartKey
    (c0 + k x the page's position, least squares over the run's pages).
    """
    scans = r["scans"]
    pages = len(scans)
    fixed = (r["seconds"] - sum(s[0] for s in scans)) / pages
    sort_per_person = sum(s[1] for s in scans) / pages / n
    xs = [500.0 * i for i in range(pages)]
    ys = [s[0] - s[1] for s in scans]
    mean_x, mean_y = sum(xs) / pages, sum(ys) / pages
    spread = sum((x - mean_x) ** 2 for x in xs) or 1.0
    k = max(0.0, sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread)  # noise can make it < 0
    c0 = max(0.0, mean_y - k * mean_x)
    target_pages = -(-target // 500) + 1  # the last message scans an empty page and finishes
    seconds = target_pages * (fixed + sort_per_person * target + c0) + k * 500 * sum(range(target_pages))
    linear = r["seconds"] * target / n
    return {"seconds": seconds, "linear": linear, "fixed": fixed, "sort_per_person": sort_per_person,
            "c0": c0, "k": k, "pages": target_pages}


# ---------------------------------------------------------------- 3. read ratio

def read_ratio(emulator, people: list[dict]) -> dict:
    import json

    from chalice.test import Client

    from chalicelib import wiring

    service = wiring.pools()
    pool = service.create({"name": "Bench shortlist", "kind": "static"})
    chosen = random.Random(5).sample([p["id"] for p in people], POOL_MEMBERS)
    added = 0
    for start in range(0, POOL_MEMBERS, 500):
        added += service.add_members(pool["id"], {"candidate_ids": chosen[start:start + 500]})["added"]
    size = service.get(pool["id"])["size"]
    bench_key(API_KEY)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    seen: list[str] = []
    requests = 0
    counter = CallCounter()  # its `items`: what DynamoDB read, from every response (calls.items_read)
    with Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
        counter.install()  # everything the requests read, the API key check included (cold cache)
        try:
            cursor = None
            while True:
                path = f"/pools/{pool['id']}/members?limit=500" + (f"&cursor={cursor}" if cursor else "")
                response = client.http.get(path, headers=headers)
                requests += 1
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path} answered {response.status_code}: {response.body[:500]!r}")
                body = json.loads(response.body)
                seen += [m["id"] for m in body["items"]]
                cursor = body.get("next_cursor")
                if not cursor or requests > 50:
                    break
        finally:
            counter.uninstall()
    return {"pool_id": pool["id"], "added": added, "size": size, "seen": seen, "chosen": chosen,
            "requests": requests, "items": counter.items_total(), "by": dict(counter.items), "calls": dict(counter.reads)}


# ---------------------------------------------------------------- main

def aws_figures(r: dict, n: int, notes: dict, units: dict) -> dict:
    """What the rebuild costs on AWS, per 100,000 people (linear: a page of 500 costs the same anywhere in the
    table on DynamoDB, unlike moto): requests, items read, read and write units."""
    scale = PEOPLE / n
    dynamodb = sum(v for k, v in r["calls"].items() if k.startswith("dynamodb."))
    figures = {"pool_rebuild_requests_per_100k": round((dynamodb + r["sqs_requests"]) * scale),
               "pool_rebuild_items_read_per_100k": round(r["items_read"] * scale),
               "pool_rebuild_rru_per_100k": round(r["rru"] * scale),
               "pool_rebuild_wru_per_100k": round(r["wru"] * scale)}
    for name in figures:
        units[name] = "req" if "requests" in name else "items" if "items" in name else "units"
        notes[name] = (f"the rebuild at {n:,} people scaled to {PEOPLE:,}: DynamoDB {dynamodb} calls "
                       f"({', '.join(f'{k} {v}' for k, v in r['calls'].items() if k.startswith('dynamodb.'))}), "
                       f"SQS {r['sqs_requests']}; {r['items_read']:,} items read, {r['rru']:.0f} RRU, "
                       f"{r['wru']:.0f} WRU (tests/bench/cost.py)")
    return figures


def main(options) -> dict:
    n = options.people or REBUILD_PEOPLE
    table_size = max(PEOPLE, n)
    figures, notes, units, info, problems = {}, {}, {}, [], []

    emulator = Emulator(stock_moto=options.stock_moto, in_process=True).start()
    try:
        rule_figure, rule_problems, rule_info = measure_rule_eval()
        notes["rule_eval_us"] = rule_figure.pop("_note")
        figures.update(rule_figure)
        problems += rule_problems
        info += rule_info

        from chalicelib.domain.clock import iso, utcnow

        now = utcnow()
        rng = random.Random(2026)
        people = [make_person(rng, i, now) for i in range(table_size)]
        how = ("BatchWriteItem over HTTP (PynamoDB batch_write)" if options.seed == "http"
               else "moto Table.put_item in this process, no HTTP")
        seed_s = seed(people[:n], options.seed)
        say(f"seeded {n:,} people in {seed_s:.1f} s ({n / seed_s:,.0f}/s, {how})")

        cutoff = iso(utcnow() - timedelta(days=30))
        expected = sum(matches_by_hand(p, cutoff) for p in people[:n])
        say(f"rebuilding a dynamic pool over {n:,} people ({expected:,} should match, {expected / n:.1%})")
        r = rebuild(emulator, n, expected)
        status, size = r["pool"]["status"], r["pool"]["size"]
        say(f"rebuild: {r['seconds']:.1f} s, status {status}, size {size:,} (expected {expected:,}, "
            f"membership items {r['members']:,})")
        info += rebuild_lines(r, n)
        if status != "ready":
            problems.append(f"rebuild: pool status {status!r} after the queue drained (expected 'ready')")
        if size != expected or r["members"] != expected:
            problems.append(f"rebuild: pool size {size}, membership items {r['members']}, expected {expected}")
        name = "pool_rebuild_100k_s"
        measured_note = (f"wall s from PoolService.create to status ready over {n:,} people, rebuilt by "
                         f"jobs_worker from the jobs queue ({len(r['steps'])} messages, pages of 500); size "
                         f"{size:,} (expected {expected:,}); {r['emulator_s']:.0f} s of it inside moto")
        if n == PEOPLE:
            figures[name] = round(r["seconds"], 2)
            notes[name] = "MEASURED: " + measured_note
        else:
            model = extrapolate(r, n, PEOPLE)
            figures[name] = round(model["seconds"], 1)
            units[name] = "s, extrap."
            notes[name] = (f"EXTRAPOLATED to {PEOPLE:,} people from the run at {n:,} (pool_rebuild_measured_s): "
                           f"{model['pages']} pages x (fixed {model['fixed'] * 1000:.0f} ms + moto sorting the "
                           f"table {model['sort_per_person'] * PEOPLE * 1000:.0f} ms + {model['c0'] * 1000:.0f} ms) "
                           f"+ moto walking to each page's start key ({model['k'] * 1e6:.2f} µs per person passed); "
                           f"plain linear scaling would say {model['linear']:.0f} s")
            if len(r["scans"]) < 40:
                notes[name] += f"; UNRELIABLE: fitted on only {len(r['scans'])} pages (use --people 20000 or more)"
            figures["pool_rebuild_measured_s"] = round(r["seconds"], 2)
            notes["pool_rebuild_measured_s"] = f"MEASURED at {n:,} people: " + measured_note
        info.append(f"seeding {n:,} people before the rebuild: {seed_s:.1f} s ({how}); not part of any figure")
        figures.update(aws_figures(r, n, notes, units))

        if n < table_size:
            more_s = seed(people[n:], options.seed)
            say(f"seeded {table_size - n:,} more people in {more_s:.1f} s (table now {table_size:,})")
            info.append(f"seeding {table_size - n:,} more people for the read figure: {more_s:.1f} s")
        say(f"listing a {POOL_MEMBERS:,}-member pool through GET /pools/{{id}}/members?limit=500")
        reads = read_ratio(emulator, people)
        ratio = reads["items"] / POOL_MEMBERS
        figures["pool_read_ratio"] = round(ratio, 4)
        by = ", ".join(f"{op} {table} {items}" for (op, table), items in sorted(reads["by"].items()))
        notes["pool_read_ratio"] = (f"{reads['items']:,} items read / {POOL_MEMBERS:,} members of a static pool, "
                                    f"{reads['requests']} requests, in a {table_size:,}-person table ({by})")
        say(f"read ratio {ratio:.3f}: {reads['items']} items over {reads['requests']} requests ({by})")
        info.append(f"pool listing: {reads['requests']} GET /pools/{{id}}/members?limit=500 requests, "
                    f"{len(reads['seen'])} members listed, DynamoDB reads by operation and table: {by}")
        if reads["size"] != POOL_MEMBERS or reads["added"] != POOL_MEMBERS:
            problems.append(f"read ratio: static pool size {reads['size']}, added {reads['added']}, "
                            f"expected {POOL_MEMBERS}")
        if sorted(reads["seen"]) != sorted(reads["chosen"]):
            problems.append(f"read ratio: the route listed {len(reads['seen'])} members "
                            f"({len(set(reads['seen']))} distinct), not the {POOL_MEMBERS} added")
    finally:
        emulator.stop()
    return {"figures": figures, "notes": notes, "units": units, "targets": TARGETS, "info": info,
            "problems": problems}


if __name__ == "__main__":
    run(main)
