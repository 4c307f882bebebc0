"""campaign_100k_*: a 100,000-recipient broadcast, fanned out by the scheduler and sent through the local pipeline.

Seeding (not measured): PEOPLE subscribed people (campaigns.make_person) and their memberships of one static
pool, put straight into the emulator's tables in this process (the items the app's code builds: PynamoDB's
serialization, store/pools.py's membership item), as the pools and browse groups seed theirs.

Measured, CRM_SES_MAX_RATE=100000 (the limiter out of the way), the emulator in this process:
  fan-out   the campaign scheduled, then the app's `scheduler` schedule run until its fan-out is done (a tick
            has a 40 s budget; each tick goes on from the campaign's checkpoint): every member read (pages of
            500 ids), the send queue fed (messages of 100 recipients, SendMessageBatch of 10): wall seconds and
            AWS calls by operation;
  sending   SAMPLE_MESSAGES of those messages (SAMPLE_MESSAGES x 100 recipients; fewer if SAMPLE_SECONDS
            pass first) through the app's `send_worker` as the local runtime hands them over (POLL_BATCH at a
            time): wall seconds, calls, CPU per recipient; the rest of the queue is left, and the
            whole campaign's sending is extrapolated from the sample (calls are per recipient; the time is
            one worker's, the deployed send queue runs several: infra/resources.py send_concurrency).
Figures: campaign_100k_aws_calls_per_recipient (fan-out + sending, SES included), campaign_100k_fanout_s,
campaign_100k_send_s_one_worker (extrapolated), campaign_100k_wall_s_one_worker (the two).
"""
from __future__ import annotations

import collections
import copy
import random
import time

from ._child import run, say
from ._emulator import Emulator
from .browse import put
from .campaigns import TEMPLATE, AppCallCounter, make_person, outbox_count
from .pools import moto_table

PEOPLE = 100_000
SAMPLE_MESSAGES = 10
SAMPLE_SECONDS = 150.0  # the sample stops after the poll that passes this (moto answers slowly at 100,000 people)
POLL_BATCH = 2  # messages a poll hands the worker, so the time cap is not overshot by a whole batch of 10
MAX_TICKS = 40


def seed(n: int) -> str:
    """n subscribed people in a new static pool; the pool's id."""
    from chalicelib import wiring
    from chalicelib.domain.clock import iso, utcnow
    from chalicelib.store.convert import from_dict
    from chalicelib.store.models import CandidateModel, MembershipModel
    from chalicelib.store.pools import _item

    now = utcnow()
    rng = random.Random(100)
    pool_id = wiring.pools().create({"name": "Bench 100k", "kind": "static"})["id"]
    people_table, members = moto_table(CandidateModel.Meta.table_name), moto_table(MembershipModel.Meta.table_name)
    joined = iso(now)
    for i in range(n):
        person = make_person(rng, i, "fanout", now)
        put(people_table, from_dict(CandidateModel, person).serialize())
        put(members, _item(pool_id, person, joined).serialize())
    wiring.pool_repo().add_sizes({pool_id: n})
    return pool_id


def fan_out(app_module, campaign_id: str, counter: AppCallCounter) -> tuple[float, int, dict]:
    from chalicelib import wiring
    from crmlocal import runtime

    started = time.perf_counter()
    ticks, campaign = 0, {}
    counter.start()
    while ticks < MAX_TICKS:
        runtime.run_schedule(app_module, "scheduler")
        ticks += 1
        counter.paused = True
        campaign = wiring.campaign_repo().get(campaign_id)
        counter.paused = False
        if (campaign.get("fanout") or {}).get("done"):
            break
    counter.paused = True
    return time.perf_counter() - started, ticks, campaign


def send_sample(app_module, counter: AppCallCounter, messages: int) -> dict:
    from crmlocal import runtime
    from chalicelib.settings import get_settings
    from crmlocal.runtime import sqs_handlers

    config = copy.copy(next(c for c in sqs_handlers(app_module) if c.queue == get_settings().send_queue_name))
    config.batch_size = POLL_BATCH
    before = outbox_count()
    counter.start()
    started, cpu = time.perf_counter(), time.process_time()
    received = 0
    while received < messages and time.perf_counter() - started < SAMPLE_SECONDS:
        counts = runtime.poll_queue(app_module, config)
        if not counts.get("received"):
            break
        received += counts["received"]
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    counter.paused = True
    return {"messages": received, "seconds": elapsed, "cpu_s": cpu, "emails": outbox_count() - before}


def main(options) -> dict:
    n = options.people or PEOPLE
    emulator = Emulator(in_process=True, CRM_SES_MAX_RATE="100000").start()
    counter = AppCallCounter().install()
    try:
        from chalicelib import wiring
        from chalicelib.services import scheduler

        started = time.perf_counter()
        pool_id = seed(n)
        say(f"seeded {n:,} subscribed people in a static pool in {time.perf_counter() - started:.0f} s")
        template = wiring.templates().create(TEMPLATE)["id"]
        campaign_id = wiring.campaigns().create({
            "name": "Bench 100k", "channel": "email", "category": "career_advice",
            "audience": {"pools": [pool_id]}, "steps": [{"template_id": template}]})["id"]
        wiring.campaigns().act(campaign_id, "schedule")
        fanout_s, ticks, campaign = fan_out(emulator.app_module, campaign_id, counter)
        fanout_calls = collections.Counter(counter.app)
        enqueued = int(campaign.get("enqueued") or 0)
        say(f"fan-out: {enqueued:,} recipients enqueued in {fanout_s:.1f} s over {ticks} tick(s); "
            f"calls {AppCallCounter.text(fanout_calls)}")
        sample = send_sample(emulator.app_module, counter, SAMPLE_MESSAGES)
        send_calls = collections.Counter(counter.app)
        recipients = sample["messages"] * scheduler.RECIPIENTS_PER_MESSAGE
        say(f"sending: {sample['messages']} messages, {sample['emails']} emails in {sample['seconds']:.1f} s; "
            f"calls {AppCallCounter.text(send_calls)}")
    finally:
        counter.uninstall()
        emulator.stop()
    problems = []
    if enqueued != n:
        problems.append(f"fan-out enqueued {enqueued:,} recipients, not the pool's {n:,}")
    if sample["emails"] != recipients:
        problems.append(f"the sample sent {sample['emails']} emails for {recipients} recipients")
    per_recipient_send = sum(send_calls.values()) / max(1, recipients)
    per_recipient = sum(fanout_calls.values()) / n + per_recipient_send
    send_s = sample["seconds"] / max(1, recipients) * n
    figures = {"campaign_100k_aws_calls_per_recipient": round(per_recipient, 3),
               "campaign_100k_fanout_s": round(fanout_s, 1),
               "campaign_100k_send_s_one_worker": round(send_s, 0),
               "campaign_100k_wall_s_one_worker": round(fanout_s + send_s, 0)}
    text = AppCallCounter.text
    notes = {
        "campaign_100k_aws_calls_per_recipient": (
            f"{n:,} recipients: fan-out {sum(fanout_calls.values()):,} calls ({text(fanout_calls)}), "
            f"{sum(fanout_calls.values()) / n:.3f} a recipient; sending {per_recipient_send:.3f} a recipient over the "
            f"{recipients:,}-recipient sample ({text(send_calls, 1 / max(1, recipients))} each); the local "
            "runtime's ReceiveMessage/DeleteMessageBatch (Lambda's event source mapping in AWS) left out"),
        "campaign_100k_fanout_s": f"scheduled -> every recipient on the send queue ({enqueued:,} in "
                                  f"{enqueued // 100:,} messages), {ticks} scheduler tick(s), the emulator in this "
                                  "process (moto sorts the memberships table on every Query)",
        "campaign_100k_send_s_one_worker": (
            f"EXTRAPOLATED from {sample['messages']} messages ({recipients:,} recipients, {sample['emails']:,} "
            f"emails) sent by one send_worker in {sample['seconds']:.1f} s ({sample['cpu_s'] * 1e6 / max(1, recipients):.0f}"
            f" µs CPU a recipient, app and botocore; the emulator shares this process): one worker's time for all "
            f"{n:,}; the deployed queue runs several workers at once"),
        "campaign_100k_wall_s_one_worker": "campaign_100k_fanout_s + campaign_100k_send_s_one_worker",
    }
    units = {"campaign_100k_aws_calls_per_recipient": "calls", "campaign_100k_send_s_one_worker": "s, extrap.",
             "campaign_100k_wall_s_one_worker": "s, extrap."}
    return {"figures": figures, "notes": notes, "units": units, "targets": {}, "info": [], "problems": problems}


if __name__ == "__main__":
    run(main)
