"""csv_import_rows_per_s: a 10,000-row spreadsheet through POST /candidates/import, then again.

The file is what a small team's spreadsheet export looks like: UTF-8 with a BOM, CRLF line ends,
names with accents, skills separated by `;`, tags, quoted cells with commas (a city, and a notes
column the import ignores). AWS is the local stack's emulator process (moto); the route is driven
through Chalice's test client with a recruiter API key.

The second import of the same file must change nothing (created 0, updated 0), and should cost
reads only. `--profile` also profiles the first import with cProfile, adds a summary to the
printed info (the request thread only: the import's chunk threads and the emulator process show up
as waiting) and writes the full profile to build/csv_import.prof. `--stock-moto` runs against moto
without crmlocal/moto_patches.py (10,000 rows then take tens of minutes).
"""
from __future__ import annotations

import csv
import io
import json
import random
import time

from ._child import run, say
from ._emulator import ROOT, Emulator, EmulatorClock, bench_key
from .calls import CallCounter

ROWS = 10_000
TARGET = 2_000  # rows per second, first import
API_KEY = "crm_bench_import_key_0123456789"
PROFILE_FILE = ROOT / "build" / "csv_import.prof"

FIRST = ("Ada", "José", "Zoë", "Søren", "Łukasz", "Amara", "Mei", "Oluwaseun", "Priya", "Ingrid",
         "Mateo", "Aoife", "Kenji", "Fatima", "Björn", "Chloé", "Dmitri", "Ngozi", "Rafael", "Sakura")
LAST = ("Lovelace", "García", "Müller", "O'Brien", "Nakamura", "Okafor", "Kowalski", "Haddad",
        "Johansson", "Dubois", "Silva", "Nguyen", "Patel", "Rossi", "Ivanova", "Mensah")
CITIES = (("Portland, OR", "US"), ("Lisbon", "PT"), ("Berlin", "DE"), ("São Paulo", "BR"),
          ("Toronto", "CA"), ("Nairobi", "KE"), ("Kraków", "PL"), ("Washington, D.C.", "US"),
          ("Zürich", "CH"), ("Lagos", "NG"), ("Bengaluru", "IN"), ("Leeds", "gb"))
SKILLS = ("Python", "AWS", "PostgreSQL", "React", "TypeScript", "Go", "k8s", "Terraform", "ML",
          "Node.js", "Java", "Kotlin", "Swift", "C#", "Rust", "Django", "GraphQL", "Docker", "SQL",
          "data engineering", "product design", "UX")
TAGS = ("referral", "meetup-2026", "silver medalist", "campus", "agency", "reactivate")
NOTES = ("Met at PyCon, keen on remote", "Prefers backend; open to relocation", "",
         "Declined offer in 2025, follow up in Q3", "Referred by Sam, strong \"systems\" person")


def make_csv(rows: int = ROWS, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # excel dialect: CRLF, quotes only where needed
    writer.writerow(["Email", "First Name", "Last Name", "City", "Country", "Skills", "Tags",
                     "Phone", "LinkedIn", "Remote", "Notes"])
    for i in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, country = rng.choice(CITIES)
        writer.writerow([
            f"{first.lower()}.{i}@Example.COM" if i % 10 == 0 else f"cand{i}.{rng.randrange(10**6)}@example.org",
            first, last, city, country,
            "; ".join(rng.sample(SKILLS, rng.randint(1, 5))),
            ",".join(rng.sample(TAGS, rng.randint(0, 2))),
            f"+44 20 7946 {i % 10000:04d}" if i % 3 == 0 else "",
            f"linkedin.com/in/bench-{i}" if i % 4 == 0 else "",
            rng.choice(("yes", "no", "")),
            rng.choice(NOTES),
        ])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def smoke_check(client) -> list[str]:
    """A one-row import first. If it fails at INFO logging, report it and measure at WARNING.

    (Seen: ImportService.run logged extra={"created": ...}; "created" is a reserved LogRecord
    attribute, so logging raised KeyError and every import answered 500 after doing its writes.)
    """
    body = b"Email,First Name\r\nsmoke.check@example.net,Smoke\r\n"
    try:
        post_import(client, body)
        return []
    except RuntimeError as failure:
        import logging

        from chalicelib.observability import logger

        logger().setLevel(logging.WARNING)
        try:
            post_import(client, body)
        except RuntimeError:
            raise failure from None
        problem = (f"a one-row import fails with logging at INFO ({failure}) and works at WARNING: "
                   "a logging call in the import path raises (see the ERROR line); figures measured "
                   "at WARNING")
        return [problem]


def post_import(client, body: bytes) -> tuple[float, dict]:
    headers = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "text/csv; charset=utf-8"}
    started = time.perf_counter()
    response = client.http.post("/candidates/import", headers=headers, body=body)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"import answered {response.status_code}: {response.body[:1000]!r}")
    return elapsed, json.loads(response.body)


def profile_summary(profiler, top: int = 14) -> list[str]:
    """Main-thread time by where it was spent: packages, app modules, and waiting on the emulator."""
    import collections
    import pstats

    stats = pstats.Stats(profiler)
    spent: collections.Counter = collections.Counter()
    app_functions: dict[str, float] = {}
    for (path, line, function), (_, _, own, cumulative, _) in stats.stats.items():
        path = path.replace("\\", "/")
        if function.startswith(("<method 'recv_into'", "<method 'sendall'", "<method 'connect'")):
            group = "socket I/O (waiting for the emulator thread)"
        elif "site-packages/" in path:
            group = path.split("site-packages/", 1)[1].split("/", 1)[0]
        elif path.startswith(str(ROOT).replace("\\", "/")):
            group = "app " + path[len(str(ROOT)) + 1:]
            if "chalicelib/" in path and "/routes/" not in path and not path.endswith("/http.py"):
                app_functions[f"{group[4:]}:{line}({function})"] = cumulative
        elif path == "~":
            group = "builtins"
        else:
            group = "stdlib " + path.rsplit("/", 1)[-1]
        spent[group] += own
    total = sum(spent.values()) or 1
    lines = [f"profile of the first import (main thread, cProfile overhead included; {total:.1f} s):"]
    lines += [f"  {seconds:6.2f} s {seconds / total:4.0%}  {group}" for group, seconds in spent.most_common(top)]
    lines.append("  app functions by cumulative time:")
    lines += [f"  {seconds:6.2f} s  {name}" for name, seconds in
              sorted(app_functions.items(), key=lambda kv: -kv[1])[:top]]
    return lines


def main(options) -> dict:
    from chalice.test import Client

    rows = options.rows or ROWS
    body = make_csv(rows)
    say(f"CSV: {rows} rows, {len(body) / 1e6:.2f} MB" + (" (stock moto)" if options.stock_moto else ""))
    emulator = Emulator(stock_moto=options.stock_moto).start()  # logging at the deployed default, INFO

    bench_key(API_KEY)
    counter, clock = CallCounter().install(), EmulatorClock(emulator)
    runs, profile_lines, problems = {}, [], []
    try:
        with Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
            problems += smoke_check(client)
            for name in ("first", "again"):
                counter.reset()
                clock.reset()
                if options.profile and name == "first":
                    import cProfile

                    profiler = cProfile.Profile()
                    elapsed, result = profiler.runcall(post_import, client, body)
                    PROFILE_FILE.parent.mkdir(exist_ok=True)
                    profiler.dump_stats(str(PROFILE_FILE))
                    profile_lines = profile_summary(profiler)
                else:
                    elapsed, result = post_import(client, body)
                clock.read()
                runs[name] = {"seconds": elapsed, "result": result, "calls": counter.snapshot("dynamodb"),
                              "emulator_s": clock.seconds, "requests": clock.requests,
                              "emulator_ops": clock.breakdown()}
                say(f"import ({name}): {elapsed:.2f} s, {rows / elapsed:,.0f} rows/s, created "
                    f"{result['created']}, updated {result['updated']}, unchanged {result['unchanged']}, "
                    f"errors {len(result['errors'])}; {clock.requests} AWS requests, "
                    f"{clock.seconds:.2f} s inside the emulator")
    finally:
        counter.uninstall()
        emulator.stop()

    first, again = runs["first"], runs["again"]
    info = list(profile_lines)
    for name, run_ in runs.items():
        r = run_["result"]
        per_100 = sum(run_["calls"].values()) * 100 / rows
        info.append(f"import ({name}): created {r['created']}, updated {r['updated']}, unchanged "
                    f"{r['unchanged']}, errors {len(r['errors'])}, duplicate rows {len(r['duplicate_rows'])}, "
                    f"ignored columns {r['ignored_columns']}")
        info.append(f"  DynamoDB requests per 100 rows: {per_100:.1f} ("
                    + ", ".join(f"{op} {n * 100 / rows:.2f}" for op, n in run_["calls"].items()) + ")")
        info.append(f"  {run_['seconds']:.2f} s wall, of which {run_['emulator_s']:.2f} s inside the "
                    f"emulator ({run_['emulator_s'] / run_['seconds']:.0%}): {run_['emulator_ops']}")
        if r["errors"]:
            problems.append(f"import ({name}) reported {len(r['errors'])} row errors, first: {r['errors'][:3]}")
    if first["result"]["created"] != rows:
        problems.append(f"first import created {first['result']['created']}, expected {rows}")
    reimport_clean = again["result"]["created"] == 0 and again["result"]["updated"] == 0
    info.append("re-import check: created=0, updated=0 " + ("OK" if reimport_clean else
                f"FAILED (created={again['result']['created']}, updated={again['result']['updated']})"))
    if not reimport_clean:
        problems.append("re-importing the same file wrote changes")
    writes = {op: n for op, n in again["calls"].items() if op not in ("BatchGetItem", "GetItem", "Query", "Scan")}
    if writes != {"PutItem": 1}:  # the one write: the audit log's entry of the import itself
        problems.append(f"re-import made write calls besides its audit entry: {writes}")
    return {
        "figures": {
            "csv_import_rows_per_s": round(rows / first["seconds"], 1),
            "csv_reimport_rows_per_s": round(rows / again["seconds"], 1),
            "csv_import_dynamodb_requests_per_100_rows": round(sum(first["calls"].values()) * 100 / rows, 2),
            "csv_reimport_dynamodb_requests_per_100_rows": round(sum(again["calls"].values()) * 100 / rows, 2),
        },
        "notes": {
            "csv_import_rows_per_s": f"{rows} rows / wall seconds of one POST /candidates/import "
                                     f"({len(body) / 1e6:.2f} MB, all new people); "
                                     f"{first['emulator_s']:.1f} of {first['seconds']:.1f} s inside moto",
            "csv_reimport_rows_per_s": "same file again: must create 0 and update 0; "
                                       f"{again['emulator_s']:.1f} of {again['seconds']:.1f} s inside moto",
            "csv_import_dynamodb_requests_per_100_rows": ", ".join(
                f"{op} {n * 100 / rows:.2f}" for op, n in first["calls"].items()),
            "csv_reimport_dynamodb_requests_per_100_rows": ", ".join(
                f"{op} {n * 100 / rows:.2f}" for op, n in again["calls"].items()),
        },
        "targets": {"csv_import_rows_per_s": {"min": TARGET}},
        "info": info,
        "problems": problems,
    }


if __name__ == "__main__":
    run(main)
