"""`make load`: a bounded load test of the local stack on loopback; figures in build/load.json, printed too.

    python -m tests.load                 # about two minutes on 2 cores
    python -m tests.load --quick         # shorter steps (a smoke run; figures not comparable)

What runs: the local stack as `make run` runs it (tests/load/server.py: the emulator in its own process, the API,
the queue workers and schedules), seeded with SENDS sent campaign emails; this process drives it over loopback
HTTP with a small thread-pool driver (no Locust: it would add a dependency and a process per core for what
two hundred lines do, and its rate shaping is closed-loop, where this driver is open-loop; see below).

The mix (MIX), each request as a visitor or service would make it:
  signup      POST /signups, a careers-form post, a new address, each from its own loopback IP (127.1.x.y)
  open        GET /t/o/<token>, the open pixel of a sent campaign email
  click       GET /t/c/<token>, a tracked link (302)
  ses_event   POST /webhooks/ses, an SNS delivery of an SES Delivery event, signed as SNS signs (the stack
              trusts the driver's certificate, as `make run` trusts crmlocal/fake_sns.py's)
  list_page   the recruiter's list pages: GET /dashboard/candidates, /dashboard/pools (HTML) and
              GET /candidates?limit=50 (JSON), a recruiter's API key

Open loop: requests are started at the rate's schedule whether or not earlier ones have answered, and a
request's latency counts from when it was due (a server that falls behind shows it in p99, not in a lower
rate: no coordinated omission). An error is a connection failure, a timeout (TIMEOUT_S) or a status other
than the kind's expected one. A step is clean when it has no error and its p99 is within SLO_P99_MS.

Phases:
  1. steps: the mix at STEPS requests/s, STEP_S each, until a step is not clean;
  2. hold: the highest clean rate again for HOLD_S: the rate written (if the hold is not clean, the step
     below is held instead); zero errors at that rate is what build/load.json states;
  3. flood: the other visitors at half the held rate for FLOOD_S, alone and then while one IP (127.0.0.66)
     posts sign-ups at FLOOD_FACTOR x the held rate (at least FLOOD_MIN/s; the local API is one process on the
     machine's cores, where in AWS each request has its own Lambda, so a flood far past the held rate would
     measure the machine, not the app's refusal): its answers past CRM_SIGNUP_LIMIT (20 an hour) are 429s, counted as
     expected; the others' p99 with and without the flood, and their errors (must be 0).
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime
import http.client
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "build" / "load.json"
LOG = ROOT / "build" / "load-stack.log"
SENDS = 1500
MIX = {"open": 0.35, "click": 0.10, "ses_event": 0.20, "signup": 0.15, "list_page": 0.20}
EXPECTED = {"signup": {202}, "open": {200}, "click": {302}, "ses_event": {200}, "list_page": {200}}
STEPS = (5, 10, 15, 20, 30, 40, 55, 70, 90, 120)
STEP_S, HOLD_S, FLOOD_S = 6.0, 20.0, 10.0
FLOOD_FACTOR = 2.0  # the flooding address posts sign-ups at this many times the held rate
FLOOD_MIN = 10.0  # and at least this many a second
FLOOD_IP = "127.0.0.66"
SLO_P99_MS = 1000.0
TIMEOUT_S = 10.0
WORKERS = 96
START_TIMEOUT_S = 90.0
HUMAN = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari",
         "Accept": "image/webp,image/*,*/*;q=0.8"}
LIST_PATHS = ("/dashboard/candidates", "/candidates?limit=50", "/dashboard/pools")


# ------------------------------------------------------------------ the stack

class StackProcess:
    """tests/load/server.py in a child process, with a throwaway data dir and free loopback ports."""

    def __init__(self, cert_pem: str, sends: int):
        from tests.bench._emulator import free_port

        self.tmp = tempfile.TemporaryDirectory(prefix="crm-load-")
        self.cert = Path(self.tmp.name) / "sns-cert.pem"
        self.cert.write_text(cert_pem, encoding="utf-8")
        self.ready = Path(self.tmp.name) / "ready.json"
        self.port, self.aws_port = free_port(), free_port()
        while self.aws_port == self.port:
            self.aws_port = free_port()
        self.sends = sends
        self.process: subprocess.Popen | None = None

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_")) and "proxy" not in k.lower()}
        env.update({"CRM_PORT": str(self.port), "CRM_AWS_PORT": str(self.aws_port),
                    "CRM_DATA_DIR": str(Path(self.tmp.name) / "data"), "CRM_SNS_TRUSTED_CERT": str(self.cert),
                    "CRM_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
                    "CRM_ALLOWED_ORIGINS": f"http://127.0.0.1:{self.port}",
                    "CRM_ADMIN_EMAIL": "admin@example.com", "CRM_ADMIN_PASSWORD": "Load-admin-password-1",
                    "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
        return env

    def start(self) -> dict:
        LOG.parent.mkdir(parents=True, exist_ok=True)
        with open(LOG, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.load.server", "--ready", str(self.ready), "--sends", str(self.sends)],
                cwd=ROOT, env=self.environment(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self.ready.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                tail = "\n".join(LOG.read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"the stack did not start (see {LOG}):\n{tail}")
            time.sleep(0.2)
        return json.loads(self.ready.read_text(encoding="utf-8"))

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.tmp.cleanup()


# ------------------------------------------------------------------ requests

class Request:
    __slots__ = ("kind", "method", "path", "headers", "body", "source_ip", "expected")

    def __init__(self, kind, method, path, headers=None, body=None, source_ip="127.0.0.1", expected=None):
        self.kind, self.method, self.path = kind, method, path
        self.headers, self.body, self.source_ip = headers or {}, body, source_ip
        self.expected = expected or EXPECTED[kind]


class Traffic:
    """Builds each kind's next request: new addresses and IPs for sign-ups, the seeded sends for tracking and
    SES events (SNS envelopes signed beforehand: signing is the driver's CPU, not the stack's)."""

    def __init__(self, seeded: dict, signer, rng: random.Random):
        from tests.app.sns_signing import TOPIC, ses_event

        self.port, self.rng = seeded["port"], rng
        self.sends = seeded["sends"]
        self.auth = {"Authorization": f"Bearer {seeded['api_key']}"}
        self.origin = f"http://127.0.0.1:{self.port}"
        self.counter = itertools.count()
        self.run_id = f"{time.time_ns() % 10**9:x}"
        self.envelopes = []
        for i, item in enumerate(self.sends):
            event = ses_event("event_delivery.json", message_id=item["message_id"], email=item["email"])
            envelope = signer.notification(json.dumps(event), topic_arn=TOPIC, message_id=f"load-sns-{i}",
                                           version="2")
            self.envelopes.append(json.dumps(envelope).encode())
        self.lock = threading.Lock()

    def next(self, kind: str, source_ip: str | None = None) -> Request:
        with self.lock:
            n = next(self.counter)
        if kind == "signup":
            form = urlencode({"email": f"load.{self.run_id}.{n}@example.com", "consent": "on", "first_name": "Ada",
                              "last_name": f"Load{n}", "country": "PT", "skills": "Python; AWS",
                              "form_id": "careers-main", "website": ""}).encode()
            return Request(kind, "POST", "/signups", {
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
                "User-Agent": HUMAN["User-Agent"], "Origin": self.origin}, form,
                source_ip or f"127.1.{(n // 250) % 250}.{n % 250 + 1}")
        send = self.sends[n % len(self.sends)]
        if kind in ("open", "click"):
            return Request(kind, "GET", send[kind], HUMAN, source_ip=f"127.2.{(n // 250) % 250}.{n % 250 + 1}")
        if kind == "ses_event":
            return Request(kind, "POST", "/webhooks/ses", {"Content-Type": "text/plain; charset=UTF-8",
                                                           "x-amz-sns-message-type": "Notification"},
                           self.envelopes[n % len(self.envelopes)], "127.3.0.1")
        return Request(kind, "GET", LIST_PATHS[n % len(LIST_PATHS)], self.auth, source_ip="127.4.0.1")


def perform(port: int, request: Request) -> int:
    """One request on a new connection from request.source_ip; its status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S,
                                            source_address=(request.source_ip, 0))
    try:
        connection.request(request.method, request.path, body=request.body, headers=request.headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


# ------------------------------------------------------------------ a phase

class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = collections.defaultdict(list)
        self.statuses: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.errors: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.expected_refusals: collections.Counter = collections.Counter()

    def add(self, kind: str, due: float, outcome: int | str, expected: set[int]) -> None:
        elapsed_ms = (time.perf_counter() - due) * 1000
        with self.lock:
            self.latencies[kind].append(elapsed_ms)
            self.statuses[kind][str(outcome)] += 1
            if outcome not in expected:
                self.errors[kind][str(outcome)] += 1
            elif outcome == 429:
                self.expected_refusals[kind] += 1

    def summary(self, seconds: float, kinds: tuple[str, ...] | None = None) -> dict:
        kinds = kinds or tuple(sorted(self.latencies))
        per_kind = {}
        for kind in kinds:
            values = sorted(self.latencies.get(kind, []))
            per_kind[kind] = {"requests": len(values), "per_s": round(len(values) / seconds, 1),
                              "p50_ms": round(pct(values, 50), 1), "p99_ms": round(pct(values, 99), 1),
                              "errors": sum(self.errors[kind].values()), "statuses": dict(self.statuses[kind])}
            if self.errors[kind]:
                per_kind[kind]["error_kinds"] = dict(self.errors[kind])
        everything = sorted(v for kind in kinds for v in self.latencies.get(kind, []))
        return {"requests": len(everything), "per_s": round(len(everything) / seconds, 1),
                "p50_ms": round(pct(everything, 50), 1), "p99_ms": round(pct(everything, 99), 1),
                "errors": sum(per_kind[k]["errors"] for k in kinds), "by_kind": per_kind}


def pct(ordered: list[float], p: float) -> float:
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def run_phase(pool, traffic: Traffic, rate: float, seconds: float, rng: random.Random,
              flood_rate: float = 0.0) -> Results:
    """The mix at `rate` requests/s (and the flood's sign-ups at flood_rate) for `seconds`, open loop."""
    results = Results()
    kinds, weights = list(MIX), list(MIX.values())
    streams = [(rate, lambda: traffic.next(rng.choices(kinds, weights)[0]))]
    if flood_rate:
        streams.append((flood_rate, lambda: flood_request(traffic.next("signup", FLOOD_IP))))
    schedule = sorted(((i / r, make) for r, make in streams for i in range(int(seconds * r))),
                      key=lambda slot: slot[0])
    futures = []
    began = time.perf_counter()
    for offset, make in schedule:
        request = make()
        due = began + offset
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(one, traffic.port, request, due, results))
    concurrent.futures.wait(futures)
    return results


def flood_request(request: Request) -> Request:
    request.kind = "flood_signup"
    request.expected = {202, 429}
    return request


def one(port: int, request: Request, due: float, results: Results) -> None:
    try:
        outcome: int | str = perform(port, request)
    except (OSError, http.client.HTTPException) as exc:
        outcome = type(exc).__name__
    results.add(request.kind, due, outcome, request.expected)


def clean(summary: dict) -> bool:
    return summary["errors"] == 0 and summary["p99_ms"] <= SLO_P99_MS


def errors_text(summary: dict) -> str:
    found = {kind: k["error_kinds"] for kind, k in summary["by_kind"].items() if k.get("error_kinds")}
    return f" {found}" if found else ""


def say(text: str) -> None:
    print(f"  [{time.strftime('%H:%M:%S')}] {text}", flush=True)


def line(name: str, summary: dict) -> str:
    return (f"{name}: {summary['per_s']:.1f} req/s, p50 {summary['p50_ms']:.0f} ms, p99 {summary['p99_ms']:.0f} ms, "
            f"{summary['errors']} errors")


# ------------------------------------------------------------------ main

def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter phases (a smoke run)")
    args = parser.parse_args()
    scale = 0.4 if args.quick else 1.0
    sys.path.insert(0, str(ROOT))
    from crmlocal.fake_sns import FakeSns

    started = time.monotonic()
    load_at_start = [round(x, 2) for x in os.getloadavg()]  # other work on the machine shows in every figure
    signer = FakeSns()
    stack = StackProcess(signer.certificate_pem, SENDS)
    say("starting the local stack")
    seeded = stack.start()
    try:
        rng = random.Random(17)
        traffic = Traffic(seeded, signer, rng)
        say(f"stack up, {len(traffic.sends)} sent emails seeded ({time.monotonic() - started:.0f} s)")
        with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
            run_phase(pool, traffic, 5, 2, rng)  # warm-up: first imports, connections to the emulator
            report = measure(pool, traffic, rng, scale)
    finally:
        stack.stop()
    report["meta"] = {"date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                      "cpu_count": os.cpu_count(), "load_average_at_start": load_at_start,
                      "duration_s": round(time.monotonic() - started, 1),
                      "mix": MIX, "steps": STEPS, "step_s": STEP_S * scale, "hold_s": HOLD_S * scale,
                      "flood_s": FLOOD_S * scale, "slo_p99_ms": SLO_P99_MS, "timeout_s": TIMEOUT_S,
                      "seeded_sends": SENDS, "driver": "open-loop thread pool, one connection per request",
                      "stack": "crmlocal.stack.LocalStack (tests/load/server.py), the visitor's loopback IP as "
                               "sourceIp"}
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"\nwritten to {OUTPUT.relative_to(ROOT)} in {report['meta']['duration_s']:.0f} s")
    return 0 if report["errors_at_rate"] == 0 and report["flood"]["others_errors"] == 0 else 1


def measure(pool, traffic: Traffic, rng: random.Random, scale: float) -> dict:
    steps, best = [], None
    for rate in STEPS:
        summary = run_phase(pool, traffic, rate, STEP_S * scale, rng).summary(STEP_S * scale)
        steps.append({"rate": rate, **{k: summary[k] for k in ("per_s", "p50_ms", "p99_ms", "errors")}})
        say(line(f"step {rate}/s", summary) + errors_text(summary))
        if not clean(summary):
            break
        best = rate
    held, hold = None, None
    candidates = [r for r in STEPS if best is not None and r <= best][::-1][:2]
    for rate in candidates:
        hold = run_phase(pool, traffic, rate, HOLD_S * scale, rng).summary(HOLD_S * scale)
        say(line(f"hold {rate}/s", hold) + errors_text(hold))
        if clean(hold):
            held = rate
            break
    rate = held or (candidates[-1] if candidates else STEPS[0])
    others_rate = max(2.0, rate / 2)
    flood_rate = max(FLOOD_MIN, FLOOD_FACTOR * rate)
    alone = run_phase(pool, traffic, others_rate, FLOOD_S * scale, rng).summary(FLOOD_S * scale)
    say(line(f"others alone at {others_rate:g}/s", alone))
    flooded_results = run_phase(pool, traffic, others_rate, FLOOD_S * scale, rng, flood_rate=flood_rate)
    others = flooded_results.summary(FLOOD_S * scale, tuple(MIX))
    flood = flooded_results.summary(FLOOD_S * scale, ("flood_signup",))
    say(line(f"others during the flood at {others_rate:g}/s", others))
    say(line(f"the flood at {flood_rate:g}/s", flood))
    return {
        "rate_per_s": rate if held else None,
        "errors_at_rate": hold["errors"] if hold and held else None,
        "at_rate": hold if held else None,
        "steps": steps,
        "flood": {
            "flood_ip": FLOOD_IP, "flood_rate_per_s": flood_rate, "others_rate_per_s": others_rate,
            "flood_answers": flood["by_kind"]["flood_signup"]["statuses"],
            "flood_refused_429": flooded_results.expected_refusals["flood_signup"],
            "flood_p99_ms": flood["p99_ms"],
            "others_p99_ms_alone": alone["p99_ms"], "others_p99_ms_during_flood": others["p99_ms"],
            "others_p50_ms_alone": alone["p50_ms"], "others_p50_ms_during_flood": others["p50_ms"],
            "others_errors": others["errors"] + alone["errors"],
            "alone": alone, "during_flood": others,
        },
    }


def print_report(report: dict) -> None:
    print()
    at = report["at_rate"]
    if at is None:
        print("no clean rate held (see steps in build/load.json)")
    else:
        print(f"highest clean rate held: {report['rate_per_s']} req/s mixed, {at['errors']} errors, "
              f"p50 {at['p50_ms']:.0f} ms, p99 {at['p99_ms']:.0f} ms")
        print(f"  {'kind':<11} {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
        for kind, k in at["by_kind"].items():
            print(f"  {kind:<11} {k['per_s']:>7.1f} {k['p50_ms']:>8.0f} {k['p99_ms']:>8.0f} {k['errors']:>7}")
    f = report["flood"]
    print(f"flood: one IP at {f['flood_rate_per_s']:g} sign-ups/s answered {f['flood_answers']} "
          f"({f['flood_refused_429']} held off with 429, expected)")
    print(f"  others at {f['others_rate_per_s']:g} req/s: p99 {f['others_p99_ms_alone']:.0f} ms alone, "
          f"{f['others_p99_ms_during_flood']:.0f} ms during the flood; errors {f['others_errors']}")


if __name__ == "__main__":
    sys.exit(main())
