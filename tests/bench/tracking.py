"""Tracking and SES events: writes per open/click, their latency, verified SNS deliveries per second.

tracking_writes_per_event: DynamoDB writes made on the request path of GET /t/o and GET /t/c
(UpdateItem/PutItem/DeleteItem calls, items inside BatchWriteItem/TransactWriteItems), per event.
tracking_p95_ms: those handlers in-process against the emulator (Chalice test client).
ses_events_per_s: SNS deliveries of SES Delivery events, signed with a test key the way SNS signs
(SignatureVersion 2), verified and processed by POST /webhooks/ses, per second.
"""
from __future__ import annotations

import json
import time

from ._child import median, percentile, run, say
from ._emulator import ROOT, Emulator
from .calls import CallCounter

EVENTS = 300  # opens and as many clicks
SES_EVENTS = 300
HUMAN = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)",
         "Accept": "image/webp,image/*,*/*;q=0.8"}
WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def main(options) -> dict:
    from tests.app.sns_signing import key_and_cert

    emulator = Emulator(CRM_SNS_TRUSTED_CERT=key_and_cert()[1]).start()
    try:
        return measure(emulator)
    finally:
        emulator.stop()


def sends(count: int) -> list[dict]:
    """`count` people, each with one sent campaign email (links stored), sent an hour ago."""
    from chalicelib import wiring
    from chalicelib.domain.clock import iso, new_id, utcnow
    from chalicelib.domain.tracking import Token, make_token, send_key
    from chalicelib.settings import get_settings

    secret = get_settings().secret
    campaign_id = new_id("camp")
    now = utcnow()
    people = [{"id": new_id("cand"), "email": f"bench.track.{i}@example.com", "status": "subscribed",
               "created_at": iso(now), "updated_at": iso(now), "version": 1} for i in range(count)]
    wiring.candidate_repo().create_many(people)
    records = []
    for i, person in enumerate(people):
        records.append({"pk": send_key(campaign_id, 0, person["id"]), "kind": "campaign", "candidate_id": person["id"],
                        "status": "sent", "created_at": iso(now), "sent_at": "2026-01-01T00:00:00.000Z",
                        "message_id": f"bench-message-{i}", "campaign_id": campaign_id, "step": 0,
                        "channel": "email", "category": "career_advice",
                        "links": ["https://blog.example.com/a", "https://jobs.example.com/b"]})
    wiring.campaign_sends().record(records)
    return [{"person": p, "message_id": r["message_id"],
             "open": "/t/o/" + make_token(secret, Token("o", campaign_id, 0, p["id"])),
             "click": "/t/c/" + make_token(secret, Token("c", campaign_id, 0, p["id"], 1))}
            for p, r in zip(people, records)]


def measure(emulator) -> dict:
    from chalice.test import Client

    from tests.app.sns_signing import TOPIC, notification, ses_event

    emails = sends(max(EVENTS, SES_EVENTS))
    counter = CallCounter().install()
    timings: list[float] = []
    try:
        with Client(emulator.app_module.app, stage_name="local", project_dir=str(ROOT)) as client:
            for item in emails[:20]:  # warm-up
                client.http.get(item["open"], headers=HUMAN)
            counter.counts.clear()
            for item in emails[:EVENTS]:
                for path, expected in ((item["open"], 200), (item["click"], 302)):
                    started = time.perf_counter()
                    response = client.http.get(path, headers=HUMAN)
                    timings.append((time.perf_counter() - started) * 1000)
                    if response.status_code != expected:
                        raise RuntimeError(f"{path} answered {response.status_code}: {response.body[:300]!r}")
            calls = dict(counter.counts)
            writes = sum(n for (service, op), n in calls.items() if service == "dynamodb" and op in WRITES)

            envelopes = []
            for i, item in enumerate(emails[:SES_EVENTS]):
                event = ses_event("event_delivery.json", message_id=item["message_id"], email=item["person"]["email"])
                envelope = notification(event, f"bench-sns-{i}", version="2")
                envelopes.append(json.dumps(dict(envelope, TopicArn=TOPIC)))
            headers = {"Content-Type": "text/plain; charset=UTF-8"}
            started = time.perf_counter()
            for body in envelopes:
                response = client.http.post("/webhooks/ses", headers=headers, body=body)
                if response.status_code != 200 or b"delivered" not in response.body:
                    raise RuntimeError(f"SNS delivery answered {response.status_code}: {response.body[:300]!r}")
            ses_seconds = time.perf_counter() - started
    finally:
        counter.uninstall()
    events = 2 * EVENTS
    p50, p95 = median(timings), percentile(timings, 95)
    say(f"tracking: {writes / events:.2f} DynamoDB writes per event, p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"over {events} opens and clicks")
    say(f"SES events: {SES_EVENTS} verified SNS deliveries in {ses_seconds:.1f} s")
    by_op = ", ".join(f"{op} {n / events:.2f}" for (service, op), n in sorted(calls.items()) if service == "dynamodb")
    return {
        "figures": {
            "tracking_writes_per_event": round(writes / events, 2),
            "tracking_p95_ms": round(p95, 2),
            "tracking_p50_ms": round(p50, 2),
            "ses_events_per_s": round(SES_EVENTS / ses_seconds, 1),
        },
        "notes": {
            "tracking_writes_per_event": f"DynamoDB writes on the request path per open or click ({by_op} per event);"
                                         " the engagement update goes to the jobs queue",
            "tracking_p95_ms": f"{EVENTS} opens + {EVENTS} clicks through GET /t/o and /t/c, Chalice test client, "
                               "the emulator in its own process as in `make run`",
            "ses_events_per_s": f"{SES_EVENTS} SNS deliveries (SignatureVersion 2, AWS sample Delivery event) "
                                "verified and processed by POST /webhooks/ses in one thread",
        },
        "targets": {"tracking_writes_per_event": {"max": 2}},
        "info": [], "problems": [],
    }


if __name__ == "__main__":
    run(main)
