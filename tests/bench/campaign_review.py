"""A campaign's review before scheduling (GET /campaigns/{id}/review): how long counting an audience takes.

    python -m tests.bench.campaign_review                  # 10,000 and 100,000 people (~6 minutes on 2 cores)
    python -m tests.bench.campaign_review --people 10000   # one size

The emulator runs in its own process, as under `make run`; people and their memberships of one static pool are
seeded with BatchWriteItem (seeding, not measurement). Mixed as a real pool is: 60% subscribed (a fifth of them
with recent campaign emails, some over the frequency cap, some opted out of the category), 30% without consent,
10% unsubscribed or bounced.

review_<n>_whole_s       the whole count, summed over the requests that made it (as the review page and its
                         polls ask: the page's own share first, 0.15 s, then 5 s each: BUDGET_SECONDS); all of it
                         reading (the pool's memberships, the people in batches of 100, four at once) and
                         deciding each person with domain/campaigns.decide
review_<n>_requests      how many requests that took
review_<n>_first_ms      the first of them: what the review page waits for before it shows the first figures
review_<n>_per_1000_ms   the whole count per 1,000 people
"""
from __future__ import annotations

import random
import time
from datetime import timedelta

from ._child import run, say
from ._emulator import Emulator, EmulatorClock

FIRST_COUNT_SECONDS = 0.15  # as chalicelib/api/ws_campaigns.py asks for the review page itself

SIZES = (10_000, 100_000)


def person(rng: random.Random, i: int, now) -> dict:
    from chalicelib.domain.clock import iso, new_id

    roll = rng.random()
    status = "subscribed" if roll < .6 else "not_subscribed" if roll < .9 else rng.choice(("unsubscribed", "bounced"))
    data = {"id": new_id("cand"), "email": f"review.{i}@example.org", "status": status, "version": 1,
            "created_at": iso(now - timedelta(days=400)), "updated_at": iso(now - timedelta(days=10)),
            "first_name": "Ada", "skills": ["python"]}
    if status == "subscribed":
        data["consent"] = {"marketing": True, "confirmed_at": iso(now - timedelta(days=300))}
        if rng.random() < .2:
            data["marketing_sends"] = [iso(now - timedelta(days=d)) for d in range(rng.randint(1, 4))]
        if rng.random() < .05:
            data["preferences"] = {"unsubscribed_categories": ["career_advice"]}
    return data


def seed(people: list[dict], pool_id: str, now) -> float:
    from chalicelib.domain.clock import iso
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import CandidateModel, MembershipModel

    started = time.perf_counter()
    for start in range(0, len(people), 5000):
        chunk = people[start:start + 5000]
        with CandidateModel.batch_write() as batch:
            for one in chunk:
                batch.save(from_dict(CandidateModel, one))
        with MembershipModel.batch_write() as batch:
            for one in chunk:
                batch.save(from_dict(MembershipModel, {"pool_id": pool_id, "candidate_id": one["id"],
                                                       "joined_at": iso(now), "email": one["email"],
                                                       "status": one["status"]}))
    return time.perf_counter() - started


def measure(n: int, emulator: Emulator) -> tuple[dict, list[str]]:
    from chalicelib import wiring
    from chalicelib.domain.clock import utcnow
    from chalicelib.services import campaign_review

    now = utcnow()
    service = wiring.campaigns()
    pool = wiring.pools().create({"name": f"Review bench {n}", "kind": "static"})
    rng = random.Random(n)
    people = [person(rng, i, now) for i in range(n)]
    say(f"seeding {n:,} people and their memberships")
    say(f"seeded in {seed(people, pool['id'], now):.1f} s")
    template = wiring.templates().create({"name": "Bench", "category": "career_advice", "subject": "Hi",
                                          "html": "<p>Hello {{ candidate.first_name }}</p>"})
    made = service.create({"name": f"Review {n}", "category": "career_advice", "audience": {"pools": [pool["id"]]},
                           "steps": [{"template_id": template["id"]}]})

    clock = EmulatorClock(emulator)
    times: list[float] = []
    while True:  # as the review page and its polls ask: a budget at a time (the first short, as the page's)
        began = time.perf_counter()
        answer = service.review(made["id"], FIRST_COUNT_SECONDS if not times else None)
        times.append(time.perf_counter() - began)
        if answer["complete"]:
            break
    clock.read()
    whole_s = sum(times)
    expected = sum(1 for p in people if p["status"] == "subscribed")
    figures = {f"review_{n}_whole_s": round(whole_s, 2), f"review_{n}_requests": len(times),
               f"review_{n}_first_ms": round(times[0] * 1000, 1),
               f"review_{n}_per_1000_ms": round(whole_s * 1000 / n * 1000, 1)}
    info = [f"{n:,} people: counted in {whole_s:.1f} s over {len(times)} requests (the first {times[0]:.2f} s, the "
            f"longest {max(times):.2f} s at a {campaign_review.BUDGET_SECONDS:g} s budget); {clock.requests:,} AWS "
            f"requests, {clock.seconds:.1f} s of it inside the emulator ({clock.breakdown()}); "
            f"{answer['emailable']:,} can be emailed ({expected:,} subscribed), not emailable {answer['not_emailable']}"]
    return figures, info


def main(options) -> dict:
    sizes = (options.people,) if options.people else SIZES
    figures, info = {}, []
    emulator = Emulator().start()
    try:
        for n in sizes:
            found, lines = measure(n, emulator)
            figures.update(found)
            info += lines
            for line in lines:
                say(line)
    finally:
        emulator.stop()
    return {"figures": figures, "notes": {}, "targets": {}, "info": info, "problems": []}


if __name__ == "__main__":
    run(main)
