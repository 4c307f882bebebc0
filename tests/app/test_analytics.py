"""Every figure, built from the underlying events and checked exactly."""
import json
import uuid
from datetime import timedelta

import pytest

from tests.app import sns_signing
from tests.app.ats_signing import signed
from tests.app.campaign_helpers import act, campaign, email_links, pool, subscriber, template
from tests.app.helpers import body, outbox, tick

HUMAN = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0", "Accept": "image/*"}


@pytest.fixture
def trusted(client, monkeypatch):
    from dataclasses import replace

    from chalicelib import wiring
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    service = wiring.ses_webhook()
    monkeypatch.setattr(service, "settings", replace(service.settings, sns_trusted_cert=sns_signing.key_and_cert()[1]))


def ses(client, fixture, message_id, email):
    event = sns_signing.ses_event(fixture, message_id=message_id, email=email)
    assert client.http.post("/webhooks/ses", headers={"Content-Type": "text/plain"},
                            body=json.dumps(sns_signing.notification(event, str(uuid.uuid4())))).status_code == 200


def test_campaign_funnel_rates_steps_and_series(client, auth, trusted):
    from chalicelib import wiring
    from chalicelib.store.models import SendModel

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    people = {name: subscriber(f"{name}@example.com", skills=["go"]) for name in ("ann", "ben", "cat", "dan")}
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    act(client, auth, made["id"], "schedule")
    tick()
    tick()
    emails = {item["to"][0].split("@")[0]: item for item in outbox()}
    sends = {name: wiring.send_repo().for_candidate(p["id"])[0] for name, p in people.items()}
    from chalicelib.domain.clock import iso, utcnow

    a_minute_ago = iso(utcnow() - timedelta(minutes=1))
    for name in sends:  # sent long enough ago that clicks are not scanner-fast
        SendModel(sends[name]["pk"]).update(actions=[SendModel.sent_at.set(a_minute_ago)])
    for name in ("ann", "ben", "cat"):
        ses(client, "event_delivery.json", sends[name]["message_id"], f"{name}@example.com")
    ses(client, "event_bounce_permanent.json", sends["dan"]["message_id"], "dan@example.com")
    client.http.get(email_links(emails["ann"])["pixel"], headers=HUMAN)
    client.http.get(email_links(emails["ann"])["pixel"], headers=HUMAN)           # a second open: not unique
    client.http.get(email_links(emails["ben"])["pixel"], headers=HUMAN)
    client.http.get(email_links(emails["cat"])["pixel"], headers={"User-Agent": "Mozilla/5.0", "Accept": "image/*"})  # Apple MPP
    client.http.get(email_links(emails["ann"])["click"], headers=HUMAN)
    client.http.post(email_links(emails["ben"])["unsubscribe"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                     body="List-Unsubscribe=One-Click")
    signed(client, {"id": "app-1", "type": "application.created", "occurred_at": iso(utcnow()),
                    "data": {"email": "ann@example.com", "job_id": "1"}})

    figures = body(client.http.get(f"/analytics/campaigns/{made['id']}", headers=auth))
    expected = {"audience": 4, "sent": 4, "delivered": 3, "bounced": 1, "complained": 0, "opened": 2, "clicked": 1,
                "replied": 0, "unsubscribed": 1, "applied": 1, "hired": 0, "opens": 3, "clicks": 1}
    assert {k: figures[k] for k in expected} == expected
    assert figures["machine"] == {"opens": 1, "clicks": 0}
    assert figures["rates"] == {"open": 0.6667, "click": 0.3333, "click_to_open": 0.5, "bounce": 0.25,
                                "unsubscribe": 0.3333, "application": 0.3333, "reply": 0.0}
    [step] = figures["steps"]
    assert (step["step"], step["sent"], step["opened"], step["clicked"]) == (0, 4, 2, 1)
    series = figures["series"]
    assert sum(p["sent"] for p in series) == 4 and sum(p["opens"] for p in series) == 3
    assert sum(p["clicks"] for p in series) == 1 and series[0]["hour"].endswith(":00:00.000Z")
    assert client.http.get("/analytics/campaigns/camp_nope", headers=auth).status_code == 404


def test_pool_health(client, auth):
    from chalicelib import wiring
    from chalicelib.domain.clock import iso, utcnow

    audience = pool(client, auth)
    tick()
    fresh = subscriber("fresh@example.com", skills=["go"], last_contacted_at=iso(utcnow() - timedelta(days=3)))
    subscriber("quiet@example.com", skills=["go"])
    old = subscriber("old@example.com", skills=["go"])
    repo = wiring.candidate_repo()
    before, after = repo.update(old["id"], lambda c: dict(c, updated_at="2024-01-01T00:00:00.000Z"))
    wiring.membership_sync().apply([(before, after)])
    before, after = repo.update(fresh["id"], lambda c: dict(c, last_engaged_at=iso(utcnow())))
    wiring.membership_sync().apply([(before, after)])
    signed(client, {"id": "h-1", "type": "candidate.hired", "occurred_at": iso(utcnow()),
                    "data": {"email": "fresh@example.com", "job_id": "7"}})
    tick()  # the daily job records today's size
    figures = body(client.http.get(f"/analytics/pools/{audience['id']}", headers=auth))
    assert {k: figures[k] for k in ("size", "engaged_90d", "contacted_90d", "radio_silence", "stale_profiles",
                                    "applications", "hires")} == {
        "size": 3, "engaged_90d": 1, "contacted_90d": 1, "radio_silence": 2, "stale_profiles": 1,
        "applications": 0, "hires": 1}
    assert figures["engaged_90d_share"] == 0.3333 and figures["stale_share"] == 0.3333
    assert figures["size_history"] == [{"date": iso()[:10], "size": 3}]


def test_overview_source_of_hire_time_to_fill_cost_and_offers(client, auth):
    pool(client, auth, rules={"field": "tags", "op": "contains_any", "value": ["community"]})
    tick()
    for name in ("p1", "p2"):
        subscriber(f"{name}@example.com", tags=["community"])
    for n, job in enumerate(("j-pool", "j-pool2", "j-other")):
        opened = "2026-09-01"
        signed(client, {"id": f"jo-{n}", "type": "job.opened", "occurred_at": f"{opened}T00:00:00Z",
                        "data": {"job_id": job, "title": job, "department": "Engineering" if n < 2 else "Sales"}})
    hires = [("p1@example.com", "j-pool"), ("p2@example.com", "j-pool2"), ("walkin@example.com", "j-other")]
    for n, (email, job) in enumerate(hires):
        signed(client, {"id": f"h-{n}", "type": "candidate.hired", "occurred_at": "2026-10-15T00:00:00Z",
                        "data": {"email": email, "job_id": job}})
    for n, (job, filled) in enumerate([("j-pool", "2026-09-21"), ("j-pool2", "2026-10-11"), ("j-other", "2026-10-31")]):
        signed(client, {"id": f"jf-{n}", "type": "job.filled", "occurred_at": f"{filled}T00:00:00Z", "data": {"job_id": job}})
    for n, (kind, email) in enumerate([("offer.accepted", "p1@example.com"), ("offer.declined", "p2@example.com"),
                                       ("offer.accepted", "walkin@example.com"), ("offer.accepted", "walkin2@example.com")]):
        signed(client, {"id": f"o-{n}", "type": kind, "occurred_at": "2026-10-10T00:00:00Z", "data": {"email": email}})
    for source, amount in (("sourced", 3000), ("ats", 1500)):
        response = client.http.post("/costs", headers=auth, body=json.dumps(
            {"source": source, "amount": amount, "from": "2026-10-01", "to": "2026-10-31"}))
        assert response.status_code == 201
    assert client.http.post("/costs", headers=auth, body=json.dumps({"source": "", "amount": -1})).status_code == 400

    figures = body(client.http.get("/analytics/overview?from=2026-09-01T00:00:00Z&to=2026-11-01T00:00:00Z", headers=auth))
    assert figures["hires"] == 3 and figures["hires_from_pools"] == 2
    assert figures["source_of_hire"]["pool_share"] == 0.6667
    assert figures["time_to_fill_days"] == {"pool_hires": 30.0, "other": 60.0, "all": 40.0, "jobs_filled": 3}
    assert figures["offer_acceptance"] == {"pool": 0.5, "other": 1.0, "accepted": 3, "declined": 1}
    # every amount says its currency (the default, USD, when a cost names none)
    assert figures["cost_per_hire"]["sourced"] == {"cost": 3000.0, "hires": 2, "cost_per_hire": 1500.0,
                                                   "currency": "USD"}
    assert figures["cost_per_hire"]["ats"] == {"cost": 1500.0, "hires": 1, "cost_per_hire": 1500.0, "currency": "USD"}
    assert figures["cost_per_hire"]["all"]["cost_per_hire"] == 1500.0

    goal = client.http.post("/goals", headers=auth, body=json.dumps({
        "name": "25% of hires from talent pools", "metric": "pool_hire_share", "target": 0.25,
        "period": {"from": "2026-09-01T00:00:00Z", "to": "2026-12-31T00:00:00Z"}}))
    assert goal.status_code == 201
    progress = body(goal)["progress"]
    assert progress["value"] == 0.6667 and progress["status"] == "on_track" and progress["progress"] == 1.0
    engineering = body(client.http.post("/goals", headers=auth, body=json.dumps({
        "metric": "time_to_fill_days", "target": 20, "filters": {"department": "engineering"},
        "period": {"from": "2026-09-01T00:00:00Z", "to": "2027-03-01T00:00:00Z"}})))
    assert engineering["progress"]["value"] == 30.0 and engineering["progress"]["status"] == "behind"
    listed = body(client.http.get("/goals", headers=auth))["items"]
    assert [g["metric"] for g in listed] == ["pool_hire_share", "time_to_fill_days"]
    bad = client.http.post("/goals", headers=auth, body=json.dumps({"metric": "happiness", "target": "lots"}))
    assert bad.status_code == 400 and {"metric", "target", "period"} <= set(body(bad)["error"]["fields"])
