"""Multi-step sequences, job alerts and the failure modes of the send path."""
import json
from datetime import timedelta

import pytest

from tests.app.campaign_helpers import act, campaign, pool, scheduled_broadcast, subscriber, template
from tests.app.helpers import body, outbox, tick


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)


@pytest.fixture
def later(monkeypatch):
    """Moves the clock the code reads forward."""
    from chalicelib.domain import clock

    real = clock.utcnow
    shift = {"by": timedelta(0)}

    def now():
        return real() + shift["by"]

    for module in ("chalicelib.domain.clock", "chalicelib.services.scheduler", "chalicelib.domain.rules"):
        monkeypatch.setattr(f"{module}.utcnow", now)

    def advance(**kwargs):
        shift["by"] += timedelta(**kwargs)

    return advance


def subjects():
    return sorted((i["to"][0], i["subject"]) for i in outbox())


def test_two_step_sequence_with_not_opened_condition(client, auth, later):
    from chalicelib import wiring

    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    opener = subscriber("opener@example.com", skills=["go"])
    subscriber("quiet@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [
        {"template_id": first["id"], "delay": "P0D"},
        {"template_id": second["id"], "delay": "P2D", "condition": "not_opened"}])
    act(client, auth, made["id"], "schedule")
    tick()
    assert subjects() == [("opener@example.com", "Step one"), ("quiet@example.com", "Step one")]
    # the opener opens step one (tracking records this on the send)
    from chalicelib.store.models import SendModel
    SendModel(f"{made['id']}#0#{opener['id']}").update(actions=[SendModel.opened_at.set("2026-01-01T00:00:00.000Z")])

    later(days=1)
    tick()
    assert len(outbox()) == 2  # not due yet
    later(days=1, minutes=1)
    tick()
    tick()
    assert ("quiet@example.com", "Step two") in subjects()
    assert ("opener@example.com", "Step two") not in subjects()
    enrollments = wiring.enrollment_repo().get_many(made["id"], [opener["id"]])
    assert enrollments[opener["id"]]["status"] == "completed"
    later(minutes=5)
    tick()
    assert body(client.http.get(f"/campaigns/{made['id']}", headers=auth))["status"] == "sent"
    assert len(outbox()) == 3


def test_exit_on_applied_and_cap_deferral_in_sequences(client, auth, later, monkeypatch):
    from chalicelib import wiring

    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    applied = subscriber("applied@example.com", skills=["go"])
    capped = subscriber("capped@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [
        {"template_id": first["id"]}, {"template_id": second["id"], "delay": "P1D"}], exit_on=["applied"])
    act(client, auth, made["id"], "schedule")
    tick()
    client.http.patch(f"/candidates/{applied['id']}", headers=auth, body=json.dumps({"stage": "applied"}))
    from chalicelib.domain.clock import iso, utcnow
    wiring.candidate_repo().update(capped["id"], lambda c: dict(c, marketing_sends=[iso(utcnow())] * 3))
    later(days=1, minutes=1)
    tick()
    assert [s for s in subjects() if s[1] == "Step two"] == []
    state = wiring.enrollment_repo().get_many(made["id"], [applied["id"], capped["id"]])
    assert (state[applied["id"]]["status"], state[applied["id"]]["reason"]) == ("exited", "applied")
    assert state[capped["id"]]["status"] == "active" and state[capped["id"]]["step"] == 1  # waits for the cap
    later(days=7)
    tick()
    tick()
    assert ("capped@example.com", "Step two") in subjects()


def test_job_alert_goes_to_emailable_matches(client, auth):
    audience = pool(client, auth)
    tick()
    subscriber("match@example.com", first_name="Mia", skills=["python"], city="London")
    client.http.post("/candidates", headers=auth, body=json.dumps({"email": "sourced@example.com", "skills": ["python"]}))
    job = body(client.http.post("/jobs", headers=auth, body=json.dumps(
        {"title": "Data engineer", "skills": ["python"], "city": "London", "pools": [audience["id"]],
         "url": "https://jobs.example.com/42"})))
    response = client.http.post(f"/jobs/{job['id']}/alert", headers=auth, body=b"")
    assert response.status_code == 201, response.body
    alert = body(response)
    assert alert["category"] == "job_alert" and alert["status"] == "scheduled" and alert["job_id"] == job["id"]
    tick()
    [email] = outbox()
    assert email["to"] == ["match@example.com"] and email["subject"] == "New role: Data engineer"
    assert "Hi Mia" in email["raw"]


def test_throttling_storm_sends_everyone_exactly_once(client, auth, monkeypatch):
    import random

    from chalicelib import wiring
    from chalicelib.aws.mailer import SendRefused

    _, made = scheduled_broadcast(client, auth, [f"p{i}@example.com" for i in range(25)])
    mailer = wiring.mailer()
    real = mailer.send_raw
    chance = random.Random(7)

    def stormy(**kwargs):
        if chance.random() < 0.6:
            raise SendRefused("TooManyRequestsException", "Maximum sending rate exceeded.", True)
        return real(**kwargs)

    monkeypatch.setattr(mailer, "send_raw", stormy)
    for _ in range(8):
        tick()
    monkeypatch.setattr(mailer, "send_raw", real)
    tick()
    tick()
    recipients = [i["to"][0] for i in outbox()]
    assert sorted(recipients) == sorted(f"p{i}@example.com" for i in range(25))  # all, once each
    assert body(client.http.get(f"/campaigns/{made['id']}", headers=auth))["status"] == "sent"


def test_worker_killed_after_ses_accepted_never_resends(client, auth, monkeypatch):
    from chalicelib import wiring

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    people = [subscriber(f"p{i}@example.com", skills=["go"]) for i in range(3)]
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    act(client, auth, made["id"], "schedule")
    wiring.campaign_repo().transition(made["id"], "scheduled", "sending")
    message = {"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [p["id"] for p in people]}
    sends = wiring.campaign_sends()

    def killed(items):
        raise SystemExit("killed between SES and the record")

    monkeypatch.setattr(sends, "record", killed)
    with pytest.raises(SystemExit):
        wiring.send_worker().handle(message)
    monkeypatch.undo()
    assert len(outbox()) == 3
    wiring.send_worker().handle(message)  # SQS redelivers the batch
    assert len(outbox()) == 3
    assert {s["status"] for p in people for s in wiring.send_repo().for_candidate(p["id"])} == {"claimed"}


def test_global_send_rate_is_never_exceeded(aws):
    """Three workers share one rate: the tokens granted for any second never exceed it."""
    import threading
    from collections import Counter

    from chalicelib import wiring
    from chalicelib.services.ratelimit import SendRateLimiter

    granted = Counter()
    lock = threading.Lock()

    # (the emulator serves DynamoDB requests one at a time, atomic as DynamoDB: moto_patches)
    limiters = [SendRateLimiter(wiring.key_repo(), rate=10) for _ in range(3)]
    for limiter in limiters:
        real_take = limiter._take

        def take(second, count, real_take=real_take):
            ok = real_take(second, count)
            if ok:
                with lock:
                    granted[second] += count
            return ok

        limiter._take = take
    used = []

    def work(limiter):
        for _ in range(12):
            limiter.acquire()
            used.append(1)

    threads = [threading.Thread(target=work, args=(limiter,)) for limiter in limiters]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(used) == 36 and sum(granted.values()) >= 36
    assert max(granted.values()) <= 10, granted
    assert len(granted) >= 4  # 36 sends at 10 a second take at least four seconds


def test_continuous_enrollment_takes_in_people_who_join_later(client, auth, later):
    first = template(client, auth, name="welcome", subject="Welcome")
    audience = pool(client, auth)
    tick()
    subscriber("early@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": first["id"]}], enrollment="continuous")
    act(client, auth, made["id"], "schedule")
    tick()
    assert subjects() == [("early@example.com", "Welcome")]
    subscriber("late@example.com", skills=["go"])  # joins the pool afterwards
    later(minutes=6)
    tick()
    tick()
    assert subjects() == [("early@example.com", "Welcome"), ("late@example.com", "Welcome")]
    later(minutes=6)
    tick()
    assert len(outbox()) == 2  # the sweep overlaps, the claims keep it to one each
    assert body(client.http.get(f"/campaigns/{made['id']}", headers=auth))["status"] == "sending"


def test_a_reply_marked_on_an_earlier_send_ends_the_sequence_at_the_next_step(client, auth, later):
    """A reply that arrives after the next step was queued (its exit did not reach the enrollment in time): the
    worker reads the earlier send's replied_at and ends the sequence instead of sending."""
    from chalicelib import wiring
    from chalicelib.store.models import SendModel

    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    person = subscriber("answers@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": first["id"]},
                                                     {"template_id": second["id"], "delay": "P1D"}])
    act(client, auth, made["id"], "schedule")
    tick()
    SendModel(f"{made['id']}#0#{person['id']}").update(actions=[SendModel.replied_at.set("2026-01-01T00:00:00.000Z")])
    later(days=1, minutes=1)
    tick()
    assert subjects() == [("answers@example.com", "Step one")]
    enrollment = wiring.enrollment_repo().get_many(made["id"], [person["id"]])[person["id"]]
    assert (enrollment["status"], enrollment["reason"]) == ("exited", "replied")
