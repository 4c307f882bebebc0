"""Campaign sending: the worker's own CPU, AWS calls per 1,000 recipients, send rate, end to end.

send_cpu_us_per_recipient   CPU (time.process_time: every thread of this process) per recipient of
                            CampaignSender.handle over 2,000 subscribed people in messages of 100,
                            with in-memory fakes for every repository, the mailer, the rate limiter
                            and the queue (AWS answered instantly): eligibility, render (Jinja, CSS
                            inlining, text from HTML), tracking links and pixel, MIME, bookkeeping.
                            PynamoDB (de)serialization is not in it: the repositories are fakes.
worker_sends_per_s_at_50ms  the same sender with a mailer that sleeps 50 ms per email (SES latency)
                            and no rate cap: 1,000 recipients through handle(), wall clock
                            (and _one_thread: 100 recipients with a single send thread).
aws_calls_per_1k            on the emulator: one broadcast (1,000 subscribed people in a dynamic
                            pool, one template, one campaign) from the scheduler's tick to "sent",
                            AWS calls by service made by the scheduler and the send worker only.
                            The local runtime's ReceiveMessage/DeleteMessageBatch (what Lambda's
                            event source mapping does in AWS) are told apart by their caller
                            (crmlocal/runtime.py's poll_queue) and left out. Measured with
                            CRM_SES_MAX_RATE=100000 (the limiter then costs ~1 call per second), and
                            again at the default 14 per second (rate14_aws_calls_per_1k: limiter
                            calls included; ~72 s of sending).
e2e_vs_raw_send_ratio       recipients/s from "schedule" to the last email in the emulated SES
                            outbox (500 people, crmlocal.runtime.tick until "sent"), over a
                            bare loop of SES v2 SendEmail calls on the same emulator. Run first, while
                            the candidates table holds few people: every runtime.tick also runs the
                            daily schedule, whose time-based built-in pools are rebuilt by scanning the
                            table (after the last email, but before "sent"). A second broadcast, to
                            200 people, runs with cProfile in every thread for the info lines.

Last, a probe: one message of 3 people handed to app.send_worker with a Lambda context that has 5 s
left (under the sender's 8 s SAFETY_MS): it should go back to the queue unsent.

The scheduler's one-minute re-check of a sending campaign (scheduler.RECHECK) is set to 0 here, as
the app's tests do, so "sent" comes on the next tick instead of a minute later (same calls).
`--profile` also writes build/campaigns_send_cpu.prof and build/campaigns_e2e.prof.
"""
from __future__ import annotations

import collections
import copy
import itertools
import random
import tempfile
import threading
import time
from datetime import timedelta

from ._child import median, run, say
from ._emulator import ROOT, Emulator, EmulatorClock, free_port, set_environment
from .cost import PRICES, PRICES_DATE, CapacityCounter, average_sizes, dollars, monthly

CPU_PEOPLE = 2_000
PER_MESSAGE = 100  # the scheduler's RECIPIENTS_PER_MESSAGE
CPU_RUNS = 2
PROFILE_PEOPLE = 300  # the step breakdown and the cProfile of figure 1
SLOW_SEND_S = 0.050
SLOW_RECIPIENTS = 1_000
ONE_THREAD_RECIPIENTS = 100
BROADCAST = 1_000
E2E = 500
PROFILED_E2E = 200  # the profiled end-to-end run (every thread under cProfile: slow)
HIGH_RATE = "100000"
DEFAULT_RATE = "14"
MAX_TICKS = 12
TARGETS = {
    "overhead_cost_ratio": {"max": 0.01},
    "send_cpu_us_per_recipient": {"max": 200},
    "aws_calls_per_1k_ses": {"min": 1000, "max": 1000},
    "aws_calls_per_1k_sqs": {"max": 10},
    "aws_calls_per_1k_dynamodb": {"max": 2100},
    "rate14_aws_calls_per_1k_dynamodb": {"max": 2100},
    "worker_sends_per_s_at_50ms": {"min": 200},
    "e2e_vs_raw_send_ratio": {"min": 0.5},
}
SES_SERVICES = ("sesv2", "ses")
PROFILE_CPU = ROOT / "build" / "campaigns_send_cpu.prof"
PROFILE_E2E = ROOT / "build" / "campaigns_e2e.prof"

# A newsletter as a recruiter would write it: a <style> block (inlined per email), a preheader,
# personalisation with defaults, a loop, conditionals, five links, and the unsubscribe/preferences
# links in the template itself (so no footer is added). No text part: it is made from the HTML.
TEMPLATE = {
    "name": "Monthly career digest",
    "category": "career_advice",
    "subject": "{{ candidate.first_name | default('Hi') }}, 5 ideas for your next move"
               "{% if candidate.city %} in {{ candidate.city }}{% endif %}",
    "html": """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ company.name }} career digest</title>
<style>
  body { margin: 0; padding: 0; background: #f5f7fa; font-family: Arial, Helvetica, sans-serif; color: #1f2933; }
  .wrap { max-width: 600px; margin: 0 auto; background: #ffffff; padding: 24px 32px; }
  .preheader { display: none; font-size: 1px; color: #f5f7fa; }
  h1 { font-size: 24px; line-height: 1.3; margin: 0 0 16px; color: #102a43; }
  h2 { font-size: 18px; margin: 24px 0 8px; color: #243b53; }
  p { font-size: 15px; line-height: 1.6; margin: 0 0 12px; }
  ul.skills li { font-size: 14px; color: #486581; }
  a { color: #1d4ed8; }
  .btn { display: inline-block; padding: 10px 18px; background: #1d4ed8; color: #ffffff; text-decoration: none; border-radius: 4px; }
  .footer { margin-top: 32px; padding-top: 12px; border-top: 1px solid #e4e7eb; font-size: 12px; color: #616e7c; }
</style>
</head>
<body>
<span class="preheader">Salary guides, interview tips and roles picked for you.</span>
<div class="wrap">
  <h1>Hi {{ candidate.first_name | default('there') }},</h1>
  <p>Here is this month's digest from the {{ company.name }} talent team{% if candidate.city %}, with a few
  things happening around {{ candidate.city }}{% endif %}.</p>
  {% if candidate.skills %}
  <h2>Picked for your skills</h2>
  <ul class="skills">
  {% for skill in candidate.skills[:4] %}<li>{{ skill | title }}: new roles and a reading list</li>
  {% endfor %}</ul>
  {% endif %}
  <h2>1. The 2026 salary guide</h2>
  <p>What engineers, designers and data people earn, by city and seniority.
  <a href="https://blog.example.com/2026/salary-guide?utm_source=digest&amp;utm_medium=email">Read the guide</a></p>
  <h2>2. Interviews without the guesswork</h2>
  <p>Our hiring managers on what a good system design answer sounds like.
  <a href="https://blog.example.com/2026/system-design-interviews">Watch the talk</a></p>
  <h2>3. Meet us</h2>
  <p>Join the next community evening: short talks, pizza and people who build things.
  <a href="https://events.example.com/community-evening?ref=digest">Save a seat</a></p>
  <p><a class="btn" href="{{ company.careers_url }}">See open roles</a></p>
  <p>Know someone who would like this? <a href="https://careers.example.com/refer">Refer a friend</a>.</p>
  <div class="footer">
    You get this email because you joined the {{ company.name }} talent community.<br>
    <a href="{{ preferences_url }}">Choose what you get</a> &middot; <a href="{{ unsubscribe_url }}">Unsubscribe</a>
  </div>
</div>
</body>
</html>
""",
}

FIRST = ("Ada", "José", "Zoë", "Søren", "Łukasz", "Amara", "Mei", "Oluwaseun", "Priya", "Ingrid",
         "Mateo", "Aoife", "Kenji", "Fatima", "Björn", "Chloé", "Dmitri", "Ngozi", "Rafael", "Sakura")
LAST = ("Lovelace", "García", "Müller", "O'Brien", "Nakamura", "Okafor", "Kowalski", "Haddad",
        "Johansson", "Dubois", "Silva", "Nguyen", "Patel", "Rossi", "Ivanova", "Mensah")
PLACES = (("London", "GB"), ("Lisbon", "PT"), ("Berlin", "DE"), ("São Paulo", "BR"), ("Toronto", "CA"),
          ("Nairobi", "KE"), ("Kraków", "PL"), ("Dublin", "IE"), (None, None))
SKILLS = ("python", "aws", "postgresql", "react", "typescript", "go", "kubernetes", "terraform",
          "machine learning", "node.js", "java", "kotlin", "rust", "django", "graphql", "sql")


def make_person(rng: random.Random, i: int, tag: str, now, earlier_sends: bool = False) -> dict:
    """A subscribed person as the candidates table holds them (confirmed consent, normalized fields)."""
    from chalicelib.domain.clock import iso, new_id

    confirmed = now - timedelta(days=rng.uniform(1, 60))
    person = {
        "id": new_id("cand"), "email": f"campaign.bench.{tag}.{i}@example.org", "status": "subscribed",
        "source": "careers_page", "created_at": iso(confirmed - timedelta(minutes=5)),
        "updated_at": iso(confirmed), "confirmed_at": iso(confirmed),
        "consent": {"marketing": True, "confirmed_at": iso(confirmed)}, "version": 2, "tags": [tag],
        "skills": rng.sample(SKILLS, rng.randint(1, 5)), "last_name": rng.choice(LAST),
    }
    if rng.random() < 0.9:  # some have no first name: the template's default('there')
        person["first_name"] = rng.choice(FIRST)
    city, country = rng.choice(PLACES)
    if city:
        person["city"], person["country"] = city, country
    if earlier_sends and rng.random() < 0.3:  # one earlier marketing email this week (the cap is 3)
        person["marketing_sends"] = [iso(now - timedelta(days=rng.uniform(1, 6)))]
    return person


# ---------------------------------------------------------------- in-memory fakes (figures 1 and 3)

class FakeCampaigns:
    def __init__(self):
        self.items: dict[str, dict] = {}
        self.processed: collections.Counter = collections.Counter()

    def get(self, campaign_id: str) -> dict | None:
        found = self.items.get(campaign_id)
        return copy.deepcopy(found) if found else None  # the real one parses a fresh item each time

    def add_processed(self, campaign_id: str, count: int) -> None:
        self.processed[campaign_id] += count


class FakeTemplates:
    def __init__(self, template: dict):
        self.template = template

    def get(self, template_id: str) -> dict | None:
        return dict(self.template) if template_id == self.template["id"] else None


class FakeCandidates:
    def __init__(self, people: list[dict]):
        self.pristine = {p["id"]: p for p in people}
        self.people = dict(self.pristine)

    def restore(self) -> None:
        self.people = dict(self.pristine)

    def batch_get(self, ids) -> dict[str, dict]:
        return {i: dict(self.people[i]) for i in dict.fromkeys(ids) if i in self.people}

    def save_many(self, candidates: list[dict]) -> list[dict]:
        """Optimistic writes, as the store's: those whose version moved on since read are lost (returned)."""
        lost = []
        for candidate in candidates:
            current = self.people.get(candidate["id"])
            if current is None or (current.get("version") or 1) != (candidate.get("version") or 1):
                lost.append(candidate)
            else:
                self.people[candidate["id"]] = dict(candidate, version=(candidate.get("version") or 1) + 1)
        return lost

    def update(self, candidate_id: str, change):
        current = self.people.get(candidate_id)
        if current is None:
            return None
        updated = change(dict(current))
        if updated == current:
            return current, current
        self.people[candidate_id] = dict(updated, version=(current.get("version") or 1) + 1)
        return current, self.people[candidate_id]


class FakeSends:
    """Claims as the real transaction makes them: not claimed yet, person unchanged and subscribed."""

    def __init__(self, candidates: FakeCandidates):
        self.candidates = candidates
        self.items: dict[str, dict] = {}
        self._lock = threading.Lock()

    def claim(self, entries: list[dict]) -> tuple[list[str], list[str]]:
        claimed, lost = [], []
        with self._lock:
            for entry in entries:
                person = self.candidates.people.get(entry["candidate_id"])
                if (entry["key"] in self.items or person is None or person.get("status") != "subscribed"
                        or (person.get("version") or 1) != entry["version"]):
                    lost.append(entry["key"])
                    continue
                self.items[entry["key"]] = dict(entry["claim"])
                self.candidates.people[entry["candidate_id"]] = dict(
                    person, marketing_sends=entry["marketing_sends"], version=(person.get("version") or 1) + 1)
                claimed.append(entry["key"])
        return claimed, lost

    def record(self, items: list[dict]) -> None:
        for item in items:
            self.items[item["pk"]] = dict(item)

    def record_skips(self, items: list[dict]) -> int:
        made = 0
        for item in items:
            if item["pk"] not in self.items:
                self.items[item["pk"]] = dict(item)
                made += 1
        return made

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        return {k: dict(self.items[k]) for k in dict.fromkeys(keys) if k in self.items}

    def release(self, key: str) -> None:
        if self.items.get(key, {}).get("status") == "claimed":
            del self.items[key]


class FakeEnrollments:
    def enroll(self, entries: list[dict]) -> list[str]:
        return [e["candidate_id"] for e in entries]

    def get_many(self, campaign_id: str, candidate_ids: list[str]) -> dict[str, dict]:
        return {}

    def put_many(self, entries: list[dict]) -> None:
        pass


class FakeStats:
    """Counters per campaign (the analytics the sender keeps, when it is given a stats repository)."""

    def __init__(self):
        self.items: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self._lock = threading.Lock()

    def add(self, key: str, values: dict) -> None:
        with self._lock:
            self.items[key].update({k: v for k, v in values.items() if v})


class FakeJobs:
    def get(self, job_id: str) -> dict | None:
        return None


class InstantMailer:
    def __init__(self):
        self.sent = 0
        self.bytes = 0
        self._ids = itertools.count()
        self._lock = threading.Lock()

    def send_raw(self, *, from_email: str, to: str, raw: bytes, tags: dict | None = None) -> str:
        with self._lock:
            self.sent += 1
            self.bytes += len(raw)
        return f"0100019{next(self._ids):09d}-bench-000000"


class SlowMailer(InstantMailer):
    def send_raw(self, **kwargs) -> str:
        time.sleep(SLOW_SEND_S)
        return super().send_raw(**kwargs)


class NoLimit:
    def acquire(self) -> None:
        pass


class FakeQueue:
    def __init__(self):
        self.messages: list[tuple[dict, int]] = []

    def send(self, body: dict, delay_seconds: int = 0) -> None:
        self.messages.append((body, delay_seconds))

    def send_many(self, bodies: list[dict], delay_seconds: int = 0) -> None:
        self.messages += [(b, delay_seconds) for b in bodies]


class InlinePool:
    """Stands in for the sender's ThreadPoolExecutor when profiling (cProfile sees one thread)."""

    def map(self, function, iterable):
        return list(map(function, iterable))

    def submit(self, function, *args):
        from concurrent.futures import Future

        future: Future = Future()
        future.set_result(function(*args))
        return future

    def shutdown(self, wait: bool = True) -> None:
        pass


class FakeWorld:
    def __init__(self, people: list[dict], template: dict, settings):
        from chalicelib.domain.templates import validate_template

        validate_template({k: template[k] for k in ("name", "category", "subject", "html")})  # one the app would save
        self.settings = settings
        self.candidates = FakeCandidates(people)
        self.template = template
        self.campaigns = FakeCampaigns()
        self.queue = FakeQueue()

    def sender(self, mailer, **kwargs):
        import inspect

        from chalicelib.services.sending.pipeline import CampaignSender

        self.sends = FakeSends(self.candidates)
        if "stats" in inspect.signature(CampaignSender).parameters:  # as chalicelib/wiring.py builds it
            kwargs.setdefault("stats", FakeStats())
        return CampaignSender(self.settings, self.campaigns, FakeTemplates(self.template), self.candidates,
                              self.sends, FakeEnrollments(), FakeJobs(), mailer, NoLimit(), self.queue, **kwargs)

    def new_campaign(self) -> str:
        from chalicelib.domain.campaigns import validate_campaign
        from chalicelib.domain.clock import iso, new_id

        definition = validate_campaign({"name": "Bench digest", "channel": "email", "category": "career_advice",
                                        "audience": {"pools": ["pool_bench"]},
                                        "steps": [{"template_id": self.template["id"]}]})
        campaign = {"id": new_id("camp"), **definition, "status": "sending", "job_id": None,
                    "created_at": iso(), "updated_at": iso(), "enqueued": 0, "processed": 0}
        self.campaigns.items[campaign["id"]] = campaign
        self.candidates.restore()  # everyone as they were: the cap list does not fill up across runs
        return campaign["id"]

    def messages(self, campaign_id: str, count: int) -> list[dict]:
        ids = list(self.candidates.pristine)[:count]
        return [{"type": "campaign", "campaign_id": campaign_id, "step": 0, "recipients": ids[i:i + PER_MESSAGE]}
                for i in range(0, len(ids), PER_MESSAGE)]


def handle_all(sender, messages: list[dict]) -> collections.Counter:
    outcomes: collections.Counter = collections.Counter()
    for message in messages:
        result = sender.handle(message)
        for part in result.partition(":")[2].split(","):
            if "=" in part:
                name, value = part.split("=")
                outcomes[name] += int(value)
    return outcomes


def stage_breakdown(sender, template: dict, people: list[dict], campaign_id: str) -> dict[str, float]:
    """µs per recipient of each step of build_campaign_email, one thread, no profiler.

    Calls the steps build_campaign_email and render are made of (some private to
    chalicelib/domain/templates.py): if they change, the breakdown is left out, not the figures.
    """
    from chalicelib.domain import templates as t
    from chalicelib.domain.campaign_email import build_campaign_email
    from chalicelib.domain.messages import build_mime
    from chalicelib.domain.tracking import TokenMaker, add_pixel, rewrite_links

    s = sender.sender
    spent: collections.Counter = collections.Counter()

    def timed(name, function, *args, **kwargs):
        started = time.perf_counter()
        result = function(*args, **kwargs)
        spent[name] += time.perf_counter() - started
        return result

    for person in people:  # one TokenMaker per email, as build_campaign_email makes them
        tokens = timed("tokens (HMAC, ULID)", TokenMaker, s.secret, campaign_id, 0, person["id"])
        unsubscribe = f"{s.public_url}/u/{timed('tokens (HMAC, ULID)', tokens.make, 'u')}"
        context = t._context(person, None, s.company, unsubscribe, unsubscribe)
        subject = " ".join(timed("Jinja render (subject, HTML)", t._compiled(template["subject"], False).render,
                                 context).split())
        source = timed("CSS inlining (once per template, cached)", t._inlined, template["html"])
        html = timed("Jinja render (subject, HTML)", t._compiled(source, True).render, context)
        if unsubscribe not in html:
            html = timed("footer", t._with_footer, html, s.company, unsubscribe, unsubscribe)
        text_source = timed("text template (once per template, cached)", t._text_template, template["html"])
        text = timed("text part (Jinja render)", t._compiled(text_source, False).render, context)

        def click(index: int, tokens: TokenMaker = tokens) -> str:
            return f"{s.public_url}/t/c/{tokens.make('c', index)}"

        tracked = timed("link tracking (rewrite, click tokens)", rewrite_links, html, text, click_url=click,
                        skip=(f"{s.public_url}/u/",))
        pixel = timed("tokens (HMAC, ULID)", tokens.make, "o")
        html = timed("link tracking (rewrite, click tokens)", add_pixel, tracked.html, f"{s.public_url}/t/o/{pixel}")
        timed("MIME (written directly)", build_mime, from_email=s.from_email,
              from_name=s.company.get("name"), to=person["email"], subject=subject, text=tracked.text,
              html_body=html, headers={"List-Unsubscribe": f"<{unsubscribe}>",
                                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    whole = time.perf_counter()
    for person in people:
        build_campaign_email(s, template, candidate=person, job=None, campaign_id=campaign_id, step=0)
    whole = time.perf_counter() - whole
    result = {name: seconds * 1e6 / len(people) for name, seconds in spent.most_common()}
    result["= build_campaign_email as called"] = whole * 1e6 / len(people)
    return result


def measure_with_fakes(options) -> tuple[dict, dict, list[str], list[str]]:
    """Figures 1 and 3, before any emulator thread exists in the process."""
    from chalicelib.domain.clock import new_id, utcnow
    from chalicelib.settings import get_settings

    tmp = tempfile.TemporaryDirectory(prefix="crm-bench-")
    set_environment(free_port(), tmp.name)
    get_settings.cache_clear()
    settings = get_settings()
    rng = random.Random(23)
    now = utcnow()
    people = [make_person(rng, i, "cpu", now, earlier_sends=True) for i in range(CPU_PEOPLE)]
    template = {"id": new_id("tmpl"), **TEMPLATE, "text": None, "builtin": None}
    world = FakeWorld(people, template, settings)
    problems: list[str] = []
    info: list[str] = []

    # 1. CPU per recipient, all the send threads (25: as deployed from CRM_SES_MAX_RATE 125), AWS instant
    mailer = InstantMailer()
    sender = world.sender(mailer)
    handle_all(sender, world.messages(world.new_campaign(), PER_MESSAGE))  # warm-up: compile, imports
    runs, walls = [], []
    for _ in range(CPU_RUNS):
        campaign_id = world.new_campaign()
        messages = world.messages(campaign_id, CPU_PEOPLE)
        mailer.sent = 0
        mailer.bytes = 0
        wall, cpu = time.perf_counter(), time.process_time()
        outcomes = handle_all(sender, messages)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        runs.append(cpu * 1e6 / CPU_PEOPLE)
        walls.append(wall * 1e6 / CPU_PEOPLE)
        if outcomes["sent"] != CPU_PEOPLE or mailer.sent != CPU_PEOPLE:
            problems.append(f"send_cpu: {dict(outcomes)} for {CPU_PEOPLE} people ({mailer.sent} handed to the mailer)")
    sender._pool.shutdown()
    cpu_us = median(runs)
    email_kb = mailer.bytes / max(1, mailer.sent) / 1024
    say(f"worker CPU: {cpu_us:.0f} µs per recipient (runs {', '.join(f'{r:.0f}' for r in runs)}), "
        f"wall {median(walls):.0f} µs; {email_kb:.1f} KB per email")

    # where it goes: each step of building one email timed alone, then a cProfile of handle()
    sample = list(world.candidates.pristine.values())[:PROFILE_PEOPLE]
    try:
        stages = stage_breakdown(sender, template, sample, world.new_campaign())
        built = stages["= build_campaign_email as called"]
        info.append(f"send_cpu by step (µs per recipient, {PROFILE_PEOPLE} people, one thread, no profiler): "
                    + ", ".join(f"{name} {us:.0f}" for name, us in stages.items())
                    + f"; the rest of handle() (eligibility, claims, bookkeeping, 25 threads) ~{cpu_us - built:.0f}")
    except Exception as exc:  # noqa: BLE001 - the breakdown reaches into private helpers
        info.append(f"send_cpu by step: not available ({exc!r})")
    import cProfile
    import pstats

    inline = world.sender(InstantMailer())
    inline._pool.shutdown()
    inline._pool = InlinePool()
    messages = world.messages(world.new_campaign(), PROFILE_PEOPLE)
    profiler = cProfile.Profile()
    profiler.runcall(handle_all, inline, messages)
    if options.profile:
        PROFILE_CPU.parent.mkdir(exist_ok=True)
        profiler.dump_stats(str(PROFILE_CPU))
    info += profile_lines(pstats.Stats(profiler), f"cProfile of send_cpu ({PROFILE_PEOPLE} recipients through "
                                                   "handle(), one thread, AWS faked; cProfile overhead included)",
                          PROFILE_PEOPLE)

    # 3. one worker's send rate when SES answers in 50 ms
    from chalicelib.services.sending.pipeline import CHUNK

    slow_mailer = SlowMailer()
    slow = world.sender(slow_mailer)
    threads = slow._pool._max_workers
    campaign_id = world.new_campaign()
    messages = world.messages(campaign_id, SLOW_RECIPIENTS)
    started = time.perf_counter()
    outcomes = handle_all(slow, messages)
    elapsed = time.perf_counter() - started
    slow._pool.shutdown()
    if outcomes["sent"] != SLOW_RECIPIENTS:
        problems.append(f"worker_sends_per_s_at_50ms: {dict(outcomes)} for {SLOW_RECIPIENTS} people")
    rate = SLOW_RECIPIENTS / elapsed
    ceiling = threads / SLOW_SEND_S
    say(f"worker at 50 ms per SES call: {rate:.0f} sends/s ({elapsed:.2f} s for {SLOW_RECIPIENTS}); "
        f"ceiling of {threads} threads: {ceiling:.0f}/s")

    # 3b. the same with one send thread: what pipeline.send_threads sizes the threads by
    single = world.sender(SlowMailer(), threads=1)
    messages = world.messages(world.new_campaign(), ONE_THREAD_RECIPIENTS)
    started = time.perf_counter()
    outcomes = handle_all(single, messages)
    one_thread = ONE_THREAD_RECIPIENTS / (time.perf_counter() - started)
    single._pool.shutdown()
    if outcomes["sent"] != ONE_THREAD_RECIPIENTS:
        problems.append(f"worker_sends_per_s_at_50ms_one_thread: {dict(outcomes)} for {ONE_THREAD_RECIPIENTS}")
    say(f"worker at 50 ms per SES call, one send thread: {one_thread:.1f} sends/s")
    tmp.cleanup()

    figures = {"send_cpu_us_per_recipient": round(cpu_us, 1), "worker_sends_per_s_at_50ms": round(rate, 1),
               "worker_sends_per_s_at_50ms_one_thread": round(one_thread, 1)}
    notes = {
        "send_cpu_us_per_recipient": (
            f"process CPU (all threads) of CampaignSender.handle per recipient, median of {CPU_RUNS} runs of "
            f"{CPU_PEOPLE // PER_MESSAGE} messages x {PER_MESSAGE}; runs {', '.join(f'{r:.0f}' for r in runs)} µs; "
            f"wall {median(walls):.0f} µs; AWS stubbed (repositories, SES, limiter, queue in memory, so no "
            f"PynamoDB/botocore work); {email_kb:.1f} KB of MIME per email; no text part in the template"),
        "worker_sends_per_s_at_50ms": (
            f"{SLOW_RECIPIENTS} recipients, SES stub sleeping {SLOW_SEND_S * 1000:.0f} ms, no rate cap, AWS "
            f"otherwise instant; {threads} threads, chunks of {CHUNK} claimed while the previous chunk sends: "
            f"ceiling {ceiling:.0f}/s = {threads} / 50 ms before any CPU; the render CPU runs under the GIL "
            f"between the sleeps"),
        "worker_sends_per_s_at_50ms_one_thread": (
            f"the same with one send thread, {ONE_THREAD_RECIPIENTS} recipients: the per-thread rate that "
            f"chalicelib/services/sending/pipeline.py's send_threads sizes a worker's threads by"),
    }
    return figures, notes, info, problems


# ---------------------------------------------------------------- profiles

_WAITS = ("<method 'acquire' of '_thread.lock' objects>", "<method 'get' of '_queue.SimpleQueue' objects>", "<method 'recv_into' of '_socket.socket' objects>",
          "<built-in method time.sleep>", "<method 'poll' of 'select.poll' objects>",
          "<built-in method select.select>", "<method 'sendall' of '_socket.socket' objects>",
          "<method 'connect' of '_socket.socket' objects>", "<method 'accept' of '_socket.socket' objects>",
          "<method 'recv' of '_socket.socket' objects>", "<method 'select' of 'select.epoll' objects>",
          "<method 'acquire' of '_thread.RLock' objects>", "<method 'poll' of 'select.epoll' objects>")


# own time of these is mostly waiting for a lock taken with `with` (cProfile books it to the function)
_LOCKED = (("moto/moto_server/werkzeug_app.py", "get_application"), ("chalicelib/services/ratelimit.py", "acquire"))


def _where(path: str) -> str:
    path = path.replace("\\", "/")
    root = str(ROOT).replace("\\", "/") + "/"
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    if path.startswith(root):
        return path[len(root):]
    return path.rsplit("/", 1)[-1]


def profile_lines(stats, title: str, recipients: int, top: int = 12) -> list[str]:
    """Own time by package / app module (waits apart), the top functions, app functions by cumulative."""
    spent: collections.Counter = collections.Counter()
    functions: collections.Counter = collections.Counter()
    app_cumulative: dict[str, float] = {}
    waiting, locked = 0.0, collections.Counter()
    for (path, line, function), (_, _, own, cumulative, _) in stats.stats.items():
        if path == "~" and function in _WAITS:
            waiting += own
            continue
        where = _where(path)
        if (where, function) in _LOCKED:
            locked[f"{where.rsplit('/', 1)[-1]}:{function}"] += own
            waiting += own
            continue
        if path == "~":
            group = "builtins"
        elif "site-packages/" in path.replace("\\", "/"):
            group = where.split("/", 1)[0]
        elif where.startswith(("chalicelib/", "app.py", "tests/")):
            group = "app " + where
            if where.startswith("chalicelib/"):
                app_cumulative[f"{where}:{line}({function})"] = cumulative
        else:
            group = "stdlib " + where
        spent[group] += own
        functions[f"{where}:{line}({function})" if path != "~" else function] += own
    total = sum(spent.values()) or 1e-9
    lines = [f"{title}: {total:.2f} s of work"
             + (f" + {waiting:.2f} s waiting (locks, sockets, sleep; summed over threads"
                + "".join(f"; {name} {seconds:.2f} s" for name, seconds in locked.most_common()) + ")"
                if waiting > 0.01 else "")]
    lines += [f"  {seconds:6.2f} s {seconds / total:4.0%} {seconds * 1e6 / recipients:7.0f} µs/recipient  {group}"
              for group, seconds in spent.most_common(top)]
    lines.append("  top functions by own time:")
    lines += [f"  {seconds:6.2f} s {seconds / total:4.0%}  {name}" for name, seconds in functions.most_common(top)]
    lines.append("  app functions by cumulative time:")
    lines += [f"  {seconds:6.2f} s  {name}" for name, seconds in
              sorted(app_cumulative.items(), key=lambda kv: -kv[1])[:top]]
    return lines


class AllThreadsProfile:
    """cProfile in the main thread and in every thread started while it runs (Python 3.11's cProfile
    sees only the thread that enabled it): the sender's SES threads and the emulator's request threads."""

    def __init__(self):
        import cProfile

        self._cprofile = cProfile
        self.main = cProfile.Profile()
        self.others: list = []
        self._lock = threading.Lock()

    def start(self) -> None:
        def first_event(frame, event, arg):
            profile = self._cprofile.Profile()
            with self._lock:
                self.others.append(profile)
            profile.enable()  # replaces this hook in this thread

        threading.setprofile(first_event)
        self.main.enable()

    def stop(self):
        import pstats

        self.main.disable()
        threading.setprofile(None)
        stats = pstats.Stats(self.main)
        with self._lock:
            others = list(self.others)
        for profile in others:
            try:
                stats.add(profile)
            except (TypeError, ValueError):  # a thread that recorded nothing
                pass
        return stats, len(others)


# ---------------------------------------------------------------- the emulator (figures 2 and 4)

class AppCallCounter(CapacityCounter):
    """cost.CapacityCounter (calls.CallCounter and the request units they cost) with its calls told apart by who made them: `app`, `runtime`, `limiter`.

    A call whose first caller outside botocore/PynamoDB is the local runtime's poll_queue stands in
    for Lambda's event source mapping (ReceiveMessage, DeleteMessageBatch): counted apart (`runtime`).
    The app's calls made under SendRateLimiter._take are also the limiter's. Paused until start().
    """

    def __init__(self):
        super().__init__(classify=self._who)
        self.paused = True
        self._poll_code = self._take_code = None

    def install(self) -> AppCallCounter:
        from crmlocal import runtime
        from chalicelib.services import ratelimit

        self._poll_code = runtime.poll_queue.__code__
        self._take_code = ratelimit.SendRateLimiter._take.__code__
        super().install()
        return self

    def _who(self, frame) -> tuple[str, ...]:
        caller, by_limiter = None, False
        while frame is not None:
            code = frame.f_code
            path = code.co_filename.replace("\\", "/")
            if caller is None and "/botocore/" not in path and "/pynamodb/" not in path:
                caller = code
            if code is self._take_code:
                by_limiter = True
                break
            frame = frame.f_back
        if caller is self._poll_code:
            return ("runtime",)
        return ("app", "limiter") if by_limiter else ("app",)

    @property
    def app(self) -> collections.Counter:
        return self.labelled["app"]

    @property
    def runtime(self) -> collections.Counter:
        return self.labelled["runtime"]

    @property
    def limiter(self) -> collections.Counter:
        return self.labelled["limiter"]

    @property
    def last_send_at(self) -> float:
        """time.perf_counter() when SES last answered a SendEmail (0.0: none since start())."""
        return max(self.answered_at.get((service, "SendEmail"), 0.0) for service in SES_SERVICES)

    def by_service(self) -> dict[str, int]:
        with self._lock:
            items = list(self.app.items())
        totals = {"ses": 0, "sqs": 0, "dynamodb": 0}
        for (service, _), n in items:
            name = "ses" if service in SES_SERVICES else service
            totals[name] = totals.get(name, 0) + n
        return totals


class TimedHandlers:
    """Wall time of each invocation of the app's Lambda handlers, as the local runtime calls them."""

    def __init__(self, app_module, names=("scheduler", "daily", "send_worker", "jobs_worker")):
        self.app_module = app_module
        self.originals = {name: getattr(app_module, name) for name in names}
        self.calls: dict[str, list[float]] = collections.defaultdict(list)

    def install(self) -> TimedHandlers:
        for name, handler in self.originals.items():
            def timed(event, context, _handler=handler, _name=name):
                started = time.perf_counter()
                try:
                    return _handler(event, context)
                finally:
                    self.calls[_name].append(time.perf_counter() - started)

            setattr(self.app_module, name, timed)
        return self

    def uninstall(self) -> None:
        for name, handler in self.originals.items():
            setattr(self.app_module, name, handler)

    def reset(self) -> None:
        self.calls.clear()


def outbox_count() -> int:
    from crmlocal.outbox import _messages

    return len(_messages())


def outbox_recipients(since: int) -> list[str]:
    """One address per email accepted since `since` (moto lists a raw email's To twice)."""
    from crmlocal.outbox import _messages

    return [message["destinations"][0] for message in _messages()[since:] if message["destinations"]]


def seed_base(app_module) -> dict:
    """The built-in pools (the daily schedule, on an empty table) and the campaign template."""
    from chalicelib import wiring
    from crmlocal import runtime

    runtime.tick(app_module)
    return {"pools": {}, "people": {}, "emails": {}, "template": wiring.templates().create(TEMPLATE)["id"],
            "rng": random.Random(31)}


def seed_group(app_module, world: dict, name: str, count: int, pool: bool = True) -> None:
    """`count` subscribed people tagged bench-<name>, in a dynamic pool on that tag (made first: they
    join it through the app's membership sync, as people who subscribe do)."""
    from chalicelib import wiring
    from chalicelib.domain.clock import utcnow
    from crmlocal import runtime

    started = time.perf_counter()
    now = utcnow()
    people = [make_person(world["rng"], i, f"bench-{name}", now) for i in range(count)]
    if pool:
        world["pools"][name] = wiring.pools().create({
            "name": f"Bench {name}", "kind": "dynamic",
            "rules": {"field": "tags", "op": "contains_any", "value": [f"bench-{name}"]}})["id"]
        runtime.drain(app_module)  # its rebuild: nobody matches yet
    for start in range(0, len(people), 250):
        chunk = people[start:start + 250]
        lost = wiring.candidate_repo().create_many(chunk)
        if lost:
            raise RuntimeError(f"seeding: {len(lost)} addresses were taken")
        wiring.membership_sync().apply([(None, person) for person in chunk])
    if pool:
        found = wiring.pool_repo().get(world["pools"][name])
        if found["status"] != "ready" or int(found["size"]) != count:
            raise RuntimeError(f"seeding: pool {name} is {found['status']} with {found['size']} members, "
                               f"expected ready with {count}")
    world["people"][name] = people
    world["emails"][name] = {p["email"] for p in people}
    say(f"seeded {count} subscribed people" + (f" in pool {name}" if pool else "")
        + f" in {time.perf_counter() - started:.1f} s")


def new_campaign(world: dict, pool: str, name: str) -> str:
    from chalicelib import wiring

    return wiring.campaigns().create({"name": name, "channel": "email", "category": "career_advice",
                                      "audience": {"pools": [world["pools"][pool]]},
                                      "steps": [{"template_id": world["template"]}]})["id"]


def set_rate(rate: str) -> None:
    """CRM_SES_MAX_RATE for the services built from now on (the limiter reads it when built)."""
    import os

    from chalicelib import wiring
    from chalicelib.settings import get_settings

    os.environ["CRM_SES_MAX_RATE"] = rate
    get_settings.cache_clear()
    wiring.reset(clients=False)


def drive(app_module, campaign_id: str, counter: AppCallCounter, full_tick: bool) -> tuple[str, int]:
    """Until the campaign is "sent": runtime.tick (every schedule, then the queues), or only the
    scheduler's schedule then the queues. The status read between rounds is not counted."""
    from chalicelib import wiring
    from crmlocal import runtime

    ticks, status = 0, None
    while ticks < MAX_TICKS:
        if full_tick:
            runtime.tick(app_module)
        else:
            runtime.run_schedule(app_module, "scheduler")
            runtime.drain(app_module)
        ticks += 1
        paused, counter.paused = counter.paused, True
        status = wiring.campaign_repo().get(campaign_id)["status"]
        counter.paused = paused
        if status == "sent":
            break
    return status, ticks


def broadcast(app_module, world: dict, counter: AppCallCounter, handlers: TimedHandlers, label: str) -> dict:
    """Schedule one campaign to the 1,000-person pool; scheduler tick + worker drain until "sent"."""
    from chalicelib import wiring

    campaign_id = new_campaign(world, "broadcast", f"Bench broadcast ({label})")
    wiring.campaigns().act(campaign_id, "schedule")
    before = outbox_count()
    handlers.reset()
    started, cpu = time.perf_counter(), time.process_time()
    counter.start()
    status, ticks = drive(app_module, campaign_id, counter, full_tick=False)
    counter.paused = True
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    delivered = outbox_recipients(before)
    result = {"campaign_id": campaign_id, "status": status, "ticks": ticks, "seconds": elapsed,
              "by_service": counter.by_service(), "app": collections.Counter(counter.app),
              "runtime": collections.Counter(counter.runtime), "limiter": collections.Counter(counter.limiter),
              "delivered": len(delivered), "distinct": len(set(delivered) & world["emails"]["broadcast"]),
              "worker_invocations": list(handlers.calls.get("send_worker", [])),
              "invocations": sum(len(v) for v in handlers.calls.values()), "cpu_s": cpu,
              "wru": sum(counter.wru.values()), "rru": sum(counter.rru.values()), "wru_by_table": dict(counter.wru),
              "rru_by_table": dict(counter.rru), "sqs_requests": counter.sqs_chunks, "estimated": counter.estimated}
    say(f"broadcast ({label}): {status} after {ticks} tick(s), {elapsed:.1f} s; {len(delivered)} emails; "
        f"calls {result['by_service']}")
    return result


def e2e(app_module, world: dict, counter: AppCallCounter, handlers: TimedHandlers, clock: EmulatorClock,
        pool: str = "e2e", full_tick: bool = True) -> dict:
    """Schedule a broadcast to a pool; tick until "sent"; schedule -> last email."""
    from chalicelib import wiring

    campaign_id = new_campaign(world, pool, f"Bench {pool}")
    before = outbox_count()
    handlers.reset()
    clock.reset()
    counter.start()
    started = time.perf_counter()
    wiring.campaigns().act(campaign_id, "schedule")
    status, ticks = drive(app_module, campaign_id, counter, full_tick)
    until_sent = time.perf_counter() - started
    counter.paused = True
    last_email = counter.last_send_at - started
    delivered = outbox_recipients(before)
    clock.read()
    return {"status": status, "ticks": ticks, "to_last_email": last_email, "until_sent": until_sent,
            "delivered": len(delivered), "distinct": len(set(delivered) & world["emails"][pool]),
            "handlers": {k: sum(v) for k, v in handlers.calls.items()}, "emulator_s": clock.seconds,
            "emulator_ops": clock.breakdown(), "by_service": counter.by_service()}


def raw_sends(count: int, raw: bytes | None = None) -> float:
    """Seconds for `count` bare SES v2 SendEmail calls on the same emulator: simple content, or the
    given raw MIME."""
    from chalicelib.aws.clients import client
    from chalicelib.settings import get_settings

    ses = client("sesv2")
    sender = get_settings().from_email
    content = {"Raw": {"Data": raw}} if raw else {"Simple": {
        "Subject": {"Data": "Hello"}, "Body": {"Text": {"Data": "Hello there, this is a plain email."}}}}
    started = time.perf_counter()
    for i in range(count):
        ses.send_email(FromEmailAddress=sender, Destination={"ToAddresses": [f"raw.bench.{i}@example.org"]},
                       Content=content)
    return time.perf_counter() - started


def sample_raw(world: dict) -> bytes:
    """One email as the sender builds it for a seeded person (for the raw-content loop)."""
    from chalicelib import wiring
    from chalicelib.domain.campaign_email import build_campaign_email
    from chalicelib.domain.clock import new_id

    sender = wiring.campaign_sender().sender
    template = wiring.template_repo().get(world["template"])
    return build_campaign_email(sender, template, candidate=world["people"]["e2e"][0], job=None,
                                campaign_id=new_id("camp"), step=0).raw


def probe_remaining_time(app_module, world: dict) -> str | None:
    """Does send_worker honour its Lambda context? A message of 3 people with 5 s left (under the
    sender's SAFETY_MS of 8 s) should be handed back to the queue unsent."""
    import json
    import uuid

    from chalicelib import wiring
    from crmlocal import runtime
    from chalicelib.services.sending.pipeline import SAFETY_MS
    from chalicelib.settings import get_settings

    campaign_id = new_campaign(world, "e2e", "Bench remaining-time probe")
    wiring.campaigns().act(campaign_id, "schedule")
    wiring.campaign_repo().transition(campaign_id, "scheduled", "sending", due_at=None)
    people = world["people"]["probe"]
    message = {"type": "campaign", "campaign_id": campaign_id, "step": 0, "recipients": [p["id"] for p in people]}
    settings = get_settings()
    event = {"Records": [{
        "messageId": str(uuid.uuid4()), "receiptHandle": "bench-probe", "body": json.dumps(message),
        "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{settings.region}:000000000000:{settings.send_queue_name}",
        "awsRegion": settings.region}]}
    context = runtime._Context("send_worker", timeout_s=5)
    before = outbox_count()
    app_module.send_worker(event, context)
    sent = len(outbox_recipients(before))
    if not sent:
        return None
    return (f"send_worker ignores its Lambda context: with {context.get_remaining_time_in_millis() / 1000:.0f} s "
            f"left (under SAFETY_MS {SAFETY_MS / 1000:.0f} s) it still sent {sent} of {len(people)} emails instead "
            "of handing them back to the queue. app.py's send_worker reads app.lambda_context, which Chalice sets "
            "only when it dispatches an HTTP route (in the deployed send_worker function it is None, so "
            "remaining_ms is the constant 60,000; locally it is the last API request's context); the SQS "
            "handler's own context is event.context")


def measure_on_emulator(options) -> tuple[dict, dict, list[str], list[str]]:
    from chalicelib.services import scheduler

    scheduler.RECHECK = timedelta(0)  # as tests/app/test_campaigns.py does: "sent" on the next tick
    emulator = Emulator(stock_moto=options.stock_moto, CRM_SES_MAX_RATE=HIGH_RATE).start()
    app_module = emulator.app_module
    counter = AppCallCounter().install()
    clock = EmulatorClock(emulator)
    handlers = TimedHandlers(app_module).install()
    figures, notes, info, problems = {}, {}, [], []
    try:
        # the end-to-end run first, while the table holds only its people: every runtime.tick also runs
        # the daily schedule, whose time-based pool rebuilds scan the whole candidates table
        world = seed_base(app_module)
        seed_group(app_module, world, "e2e", E2E)
        seed_group(app_module, world, "profiled", PROFILED_E2E)
        seed_group(app_module, world, "probe", 3, pool=False)
        figures_, notes_, info_, problems_ = measure_e2e(app_module, world, counter, handlers, clock, options)
        figures.update(figures_)
        notes.update(notes_)
        info += info_
        problems += problems_

        seed_group(app_module, world, "broadcast", BROADCAST)
        figures_, notes_, info_, problems_ = measure_calls(app_module, world, counter, handlers)
        figures.update(figures_)
        notes.update(notes_)
        info = info_ + info
        problems = problems_ + problems

        problem = probe_remaining_time(app_module, world)
        if problem:
            problems.append(problem)
    finally:
        handlers.uninstall()
        counter.uninstall()
        emulator.stop()
    return figures, notes, info, problems


def measure_calls(app_module, world, counter, handlers) -> tuple[dict, dict, list[str], list[str]]:
    """2. AWS calls per 1,000 recipients (rate cap high), then at the default rate."""
    figures, notes, info, problems = {}, {}, [], []
    runs = {}
    for label, rate in (("rate 100000", HIGH_RATE), ("rate 14", DEFAULT_RATE)):
        set_rate(rate)
        runs[label] = broadcast(app_module, world, counter, handlers, label)
    set_rate(HIGH_RATE)
    tracking = tracking_run(app_module, world, counter, handlers, runs["rate 100000"]["campaign_id"])
    figures_, notes_, info_ = cost_figures(runs["rate 100000"], tracking, average_sizes(counter))
    figures.update(figures_)
    notes.update(notes_)
    info += info_
    scale = 1000 / BROADCAST
    for label, result in runs.items():
        per_1k = {k: round(v * scale, 1) for k, v in result["by_service"].items()}
        prefix = "" if label == "rate 100000" else "rate14_"
        rate = HIGH_RATE if label == "rate 100000" else DEFAULT_RATE
        figures[f"{prefix}aws_calls_per_1k"] = per_1k
        for service in ("ses", "sqs", "dynamodb"):
            figures[f"{prefix}aws_calls_per_1k_{service}"] = per_1k.get(service, 0)
        limiter = sum(result["limiter"].values())
        invocations = result["worker_invocations"]
        notes[f"{prefix}aws_calls_per_1k"] = (
            f"CRM_SES_MAX_RATE={rate}: one broadcast to {BROADCAST} subscribed people, "
            f"{result['ticks']} scheduler tick(s) + {len(invocations)} send_worker invocation(s) (longest "
            f"{max(invocations, default=0):.1f} s), {result['seconds']:.1f} s; "
            f"{AppCallCounter.text(result['app'], scale)}"
            + (f"; of which the rate limiter's {AppCallCounter.text(result['limiter'], scale)}" if limiter else "")
            + "; not counted (the local runtime standing in for the event source mapping): "
            f"{AppCallCounter.text(result['runtime'], scale) or 'none'}")
        for service in ("ses", "sqs", "dynamodb"):
            notes[f"{prefix}aws_calls_per_1k_{service}"] = f"see {prefix}aws_calls_per_1k"
        if result["status"] != "sent":
            problems.append(f"broadcast at {label}: campaign {result['status']} after {result['ticks']} ticks")
        if result["delivered"] != BROADCAST or result["distinct"] != BROADCAST:
            problems.append(f"broadcast at {label}: {result['delivered']} emails in the outbox to "
                            f"{result['distinct']} of the {BROADCAST} people")
        too_long = [s for s in invocations if s > 60]
        if too_long:
            problems.append(
                f"broadcast at {label}: one send_worker invocation (a batch of 10 messages) ran "
                f"{max(too_long):.0f} s, over the send_worker's 60 s lambda_timeout in .chalice/config.json; "
                "in AWS it would be killed mid-chunk, leaving claims that are never sent and the campaign "
                "short of 'sent' (see the remaining-time problem)")
    return figures, notes, info, problems


OPENS_PER_EMAIL, CLICKS_PER_EMAIL = 1.0, 0.2  # tracking hits assumed per campaign email (overhead_cost_ratio)
TRACKED = 100  # opens measured (and CLICKS_PER_EMAIL of them clicks), scaled to 1,000 emails
HUMAN = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)",
         "Accept": "image/webp,image/*,*/*;q=0.8"}


def lambda_memory_gb() -> dict[str, float]:
    """Each function's configured memory (.chalice/config.json), in GB."""
    import json

    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    default = config.get("lambda_memory_size", 128)
    return {name: f.get("lambda_memory_size", default) / 1024 for name, f in config["lambda_functions"].items()}


def tracking_run(app_module, world: dict, counter: AppCallCounter, handlers: TimedHandlers, campaign_id: str) -> dict:
    """TRACKED opens and a fifth as many clicks of the broadcast's emails through the API (Chalice's test client,
    as API Gateway calls the api_handler), then the jobs queue they feed drained: calls, units, CPU."""
    from chalice.test import Client

    from chalicelib.domain.tracking import Token, make_token
    from chalicelib.settings import get_settings
    from crmlocal import runtime

    secret = get_settings().secret
    people = world["people"]["broadcast"][:TRACKED]
    clicks = int(TRACKED * CLICKS_PER_EMAIL)
    paths = [("/t/o/" + make_token(secret, Token("o", campaign_id, 0, p["id"])), 200) for p in people]
    paths += [("/t/c/" + make_token(secret, Token("c", campaign_id, 0, p["id"], 1)), 302) for p in people[:clicks]]
    handlers.reset()
    with Client(app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
        client.http.get(paths[-1][0], headers=HUMAN)  # warm: the first request imports the tracking routes
        runtime.drain(app_module)
        started_cpu = time.process_time()
        counter.start()
        for path, expected in paths:
            response = client.http.get(path, headers=HUMAN)
            if response.status_code != expected:
                raise RuntimeError(f"{path} answered {response.status_code}: {response.body[:300]!r}")
        api_cpu = time.process_time() - started_cpu
        runtime.drain(app_module)  # the engagement updates the hits queued
        counter.paused = True
        cpu = time.process_time() - started_cpu
    return {"hits": len(paths), "opens": TRACKED, "clicks": clicks, "api_cpu_s": api_cpu, "jobs_cpu_s": cpu - api_cpu,
            "jobs_invocations": len(handlers.calls.get("jobs_worker", [])), "wru": sum(counter.wru.values()),
            "rru": sum(counter.rru.values()), "sqs_requests": counter.sqs_chunks, "calls": counter.snapshot(),
            "estimated": counter.estimated}


def cost_figures(run: dict, tracking: dict, sizes: dict[str, float]) -> tuple[dict, dict, list[str]]:
    """overhead_cost_ratio: what AWS charges for everything but SES per 1,000 campaign emails, over SES's price."""
    memory = lambda_memory_gb()
    scale = 1000 / BROADCAST
    hit_scale = 1000 * OPENS_PER_EMAIL / tracking["opens"]  # the measured opens (and clicks) as 1,000 emails'
    send = dollars(wru=run["wru"] * scale, rru=run["rru"] * scale, sqs_requests=run["sqs_requests"] * scale,
                   lambda_gb_s=run["cpu_s"] * scale * memory["send_worker"],
                   lambda_requests=run["invocations"] * scale, api_requests=0)
    track = dollars(wru=tracking["wru"] * hit_scale, rru=tracking["rru"] * hit_scale,
                    sqs_requests=tracking["sqs_requests"] * hit_scale,
                    lambda_gb_s=(tracking["api_cpu_s"] * memory["api_handler"]
                                 + tracking["jobs_cpu_s"] * memory.get("jobs_worker", 0.5)) * hit_scale,
                    lambda_requests=(tracking["hits"] + tracking["jobs_invocations"]) * hit_scale,
                    api_requests=tracking["hits"] * hit_scale)
    ses = PRICES["ses_per_thousand_emails"]
    total = sum(send.values()) + sum(track.values())
    wall_gb_s = sum(run["worker_invocations"]) * scale * memory["send_worker"]
    # a person: their item and ~8 browse index items of ~150 bytes (store/browse.py items_for); a send: its record
    person_bytes = sizes.get("candidates", 2048) + 8 * 150
    send_bytes = sizes.get("sends", 512)
    month = {f"monthly_cost_usd_{label}": round(monthly(people=people, emails=emails, overhead_per_1k=total,
                                                        person_bytes=person_bytes, send_bytes=send_bytes), 2)
             for label, people, emails in (("100k_emails", 10_000, 100_000), ("1m_emails", 100_000, 1_000_000))}
    figures = {
        **month,
        "overhead_cost_ratio": round(total / ses, 4),
        "send_overhead_cost_ratio": round(sum(send.values()) / ses, 4),
        "tracking_overhead_cost_ratio": round(sum(track.values()) / ses, 4),
        "send_wru_per_recipient": round(run["wru"] / BROADCAST, 2),
        "send_rru_per_recipient": round(run["rru"] / BROADCAST, 2),
    }
    by_service = lambda usd: ", ".join(f"{k} ${v:.6f}" for k, v in usd.items())  # noqa: E731
    send_text = (f"send path per 1,000 emails: {by_service(send)} (DynamoDB {run['wru'] * scale:.0f} WRU "
                 f"{dict((k, round(v * scale)) for k, v in run['wru_by_table'].items())}, {run['rru'] * scale:.0f} RRU; "
                 f"SQS {run['sqs_requests'] * scale:.0f} requests of 64 KB; Lambda {run['cpu_s'] * scale:.2f} CPU-s "
                 f"at {memory['send_worker'] * 1024:.0f} MB, {run['invocations'] * scale:.0f} invocations)")
    track_text = (f"tracking per 1,000 emails ({OPENS_PER_EMAIL:g} open + {CLICKS_PER_EMAIL:g} click each, assumed): "
                  f"{by_service(track)} (API Gateway REST {tracking['hits'] * hit_scale:.0f} requests; DynamoDB "
                  f"{tracking['wru'] * hit_scale:.0f} WRU, {tracking['rru'] * hit_scale:.0f} RRU; Lambda "
                  f"{tracking['api_cpu_s'] * hit_scale:.2f} CPU-s api_handler at {memory['api_handler'] * 1024:.0f} MB "
                  f"+ {tracking['jobs_cpu_s'] * hit_scale:.2f} CPU-s jobs_worker)")
    notes = {
        "overhead_cost_ratio": (
            f"AWS cost of everything but SES per 1,000 campaign emails (${total:.5f}) over SES's "
            f"${ses:.2f}; us-east-1 list prices written {PRICES_DATE} (tests/bench/cost.py PRICES); Lambda billed "
            f"at the CPU measured in this process (app, botocore, PynamoDB; the emulator is another process); "
            f"{send_text}; {track_text}. Lambda bills duration, not CPU: the send_worker's wall time in this run "
            f"({sum(run['worker_invocations']):.1f} s, SES uncapped, emulator latency included) would be "
            f"{wall_gb_s:.2f} GB-s, ${wall_gb_s * PRICES['lambda_per_gb_s']:.5f} per 1,000"),
        "send_overhead_cost_ratio": "the send path's share of overhead_cost_ratio (scheduler, send worker, claims, "
                                    "records, queues): see overhead_cost_ratio",
        "tracking_overhead_cost_ratio": "the tracking hits' share (API Gateway, api_handler, the engagement "
                                        "updates): see overhead_cost_ratio",
        "send_wru_per_recipient": f"DynamoDB write request units per recipient of the send path, by table per 1,000: "
                                  f"{dict((k, round(v * scale)) for k, v in run['wru_by_table'].items())} "
                                  f"({run['estimated']} sizes estimated: tests/bench/cost.py)",
        "send_rru_per_recipient": f"DynamoDB read request units per recipient of the send path, by table per 1,000: "
                                  f"{dict((k, round(v * scale, 1)) for k, v in run['rru_by_table'].items())}",
    }
    for name in month:
        notes[name] = (f"SES ${ses:.2f} and ${total:.5f} of other AWS per 1,000 emails (overhead_cost_ratio), "
                       f"DynamoDB storage at ${PRICES['dynamodb_storage_per_gb_month']}/GB-month for the people "
                       f"({person_bytes:.0f} bytes each: their item as measured and ~8 index items) and the month's "
                       f"send records ({send_bytes:.0f} bytes each); not in it: CloudWatch logs and metrics, the "
                       f"workspace's own use, sign-ups and imports, data transfer, backups")
    info = [f"cost: {send_text}", f"cost: {track_text}",
            f"cost: tracking calls for {tracking['hits']} hits: {tracking['calls']}"]
    return figures, notes, info


def measure_e2e(app_module, world, counter, handlers, clock, options) -> tuple[dict, dict, list[str], list[str]]:
    """4. schedule -> last email of a 500-person broadcast over a bare SES loop; then a profiled run."""
    figures, notes, info, problems = {}, {}, [], []
    raw_s = raw_sends(E2E)
    raw_rate = E2E / raw_s
    mime = sample_raw(world)
    mime_rate = E2E / raw_sends(E2E, mime)
    result = e2e(app_module, world, counter, handlers, clock)
    e2e_rate = E2E / result["to_last_email"] if result["to_last_email"] > 0 else 0.0
    ratio = e2e_rate / raw_rate
    say(f"e2e: {E2E} recipients {result['to_last_email']:.2f} s to the last email ({e2e_rate:.0f}/s), "
        f"'sent' after {result['until_sent']:.2f} s, {result['ticks']} ticks; bare SendEmail loop "
        f"{raw_s:.2f} s ({raw_rate:.0f}/s); ratio {ratio:.2f}")
    if result["status"] != "sent" or result["distinct"] != E2E or result["delivered"] != E2E:
        problems.append(f"e2e: campaign {result['status']}, {result['delivered']} emails to "
                        f"{result['distinct']} of the {E2E} people")
    figures["e2e_vs_raw_send_ratio"] = round(ratio, 3)
    handler_text = ", ".join(f"{k} {v:.2f} s" for k, v in sorted(result["handlers"].items()))
    notes["e2e_vs_raw_send_ratio"] = (
        f"{e2e_rate:.0f} recipients/s scheduled -> last email in the outbox ({E2E} in "
        f"{result['to_last_email']:.2f} s; 'sent' at {result['until_sent']:.2f} s after {result['ticks']} "
        f"runtime.tick) over {raw_rate:.0f}/s bare SES v2 SendEmail, simple content ({E2E} in {raw_s:.2f} s); "
        f"the same loop with the campaign's {len(mime) / 1024:.1f} KB raw MIME: {mime_rate:.0f}/s")
    info.append(f"e2e: Lambda handlers {handler_text} (daily, and jobs_worker rebuilding the time-based "
                "built-in pools it enqueues, are runtime.tick's other work; they come after the last email)")
    info.append(f"e2e: {result['emulator_s']:.2f} s of request time inside moto's WSGI app, summed over "
                f"concurrent requests (the emulator process; SendEmail is SES v2): {result['emulator_ops']}")
    info.append(f"e2e: AWS calls {result['by_service']} (the schedule action and runtime.tick's other work "
                "included)")

    # where the time goes: another broadcast, profiled in every thread, to a smaller pool, driven by the
    # scheduler and the queues only (the daily schedule's pool rebuilds come after the last email anyway)
    set_rate(HIGH_RATE)  # a new sender: its SES threads start under the profiler
    profile = AllThreadsProfile()
    profile.start()
    try:
        profiled = e2e(app_module, world, counter, handlers, clock, pool="profiled", full_tick=False)
    finally:
        stats, threads = profile.stop()
    if profiled["distinct"] != PROFILED_E2E:
        problems.append(f"profiled e2e: {profiled['delivered']} emails to {profiled['distinct']} of {PROFILED_E2E}")
    if options.profile:
        PROFILE_E2E.parent.mkdir(exist_ok=True)
        stats.dump_stats(str(PROFILE_E2E))
    info += profile_lines(stats, f"cProfile of an e2e run to {PROFILED_E2E} people ({profiled['to_last_email']:.1f} s "
                                 f"to the last email under the profiler; main + {threads} threads: the SES "
                                 "threads; the emulator runs in its own process)", PROFILED_E2E)
    return figures, notes, info, problems


def main(options) -> dict:
    started = time.perf_counter()
    figures, notes, info, problems = measure_with_fakes(options)
    more = measure_on_emulator(options)
    figures.update(more[0])
    notes.update(more[1])
    info = more[2] + info
    problems += more[3]
    say(f"campaigns group: {time.perf_counter() - started:.0f} s")
    order = ("overhead_cost_ratio", "monthly_cost_usd_100k_emails", "monthly_cost_usd_1m_emails", "send_overhead_cost_ratio", "tracking_overhead_cost_ratio",
             "send_wru_per_recipient", "send_rru_per_recipient", "send_cpu_us_per_recipient", "aws_calls_per_1k", "aws_calls_per_1k_ses", "aws_calls_per_1k_sqs",
             "aws_calls_per_1k_dynamodb", "rate14_aws_calls_per_1k", "rate14_aws_calls_per_1k_ses",
             "rate14_aws_calls_per_1k_sqs", "rate14_aws_calls_per_1k_dynamodb", "worker_sends_per_s_at_50ms",
             "worker_sends_per_s_at_50ms_one_thread", "e2e_vs_raw_send_ratio")
    return {
        "figures": {name: figures[name] for name in order if name in figures},
        "notes": notes,
        "targets": {name: target for name, target in TARGETS.items() if name in figures},
        "units": {name: ("µs" if name.endswith("_us_per_recipient") else "sends/s" if "_at_50ms" in name
                         else "x" if name.endswith("_ratio") else "units" if name.endswith("u_per_recipient")
                         else "USD" if name.startswith("monthly_cost")
                         else "calls") for name in figures},
        "info": info,
        "problems": problems,
    }


if __name__ == "__main__":
    run(main)
