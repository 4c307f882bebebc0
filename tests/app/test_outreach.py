"""One-to-one outreach (issue 18 item 2), from outside: POST /outreach to hand-picked people, the email read from the
outbox (personal, the notice and the opt-out, no pixel), who is skipped and why, the daily cap, one open outreach per
person, contact by any channel, a reply ending the sequence; hostile bodies refused with nothing stored."""
import dataclasses
import json
import re
from datetime import timedelta
from email import message_from_string, policy

import pytest

from tests.app import test_ses_webhook
from tests.app.campaign_helpers import subscriber
from tests.app.helpers import body, outbox, tick
from tests.app.reply_helpers import post_reply, received, reply_to

trusted_cert = test_ses_webhook.trusted_cert
RECRUITER = {"name": "Rita Recruiter", "email": "rita@example.com"}
STEP = {"subject": "A data role for you, {{ candidate.first_name | default('there') }}",
        "body": "Hi {{ candidate.first_name | default('there') }},\n\nI saw your work on Python & data <pipelines>.\n"
                "Would you be open to a chat?\n\nRita"}


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)


@pytest.fixture
def later(monkeypatch):
    from chalicelib.domain import clock

    real, shift = clock.utcnow, {"by": timedelta(0)}
    for module in ("chalicelib.domain.clock", "chalicelib.services.scheduler", "chalicelib.domain.rules"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: real() + shift["by"])

    def advance(**kwargs):
        shift["by"] += timedelta(**kwargs)
    return advance


def sourced(client, auth, email, **fields) -> dict:
    response = client.http.post("/candidates", headers=auth, body=json.dumps({"email": email, **fields}))
    assert response.status_code == 201, response.body
    return body(response)


def write(client, auth, ids, steps=None, **fields):
    payload = {"candidate_ids": ids, "sender": RECRUITER, "reason": "Data engineer opening in Berlin",
               "steps": steps or [STEP], **fields}
    return client.http.post("/outreach", headers=auth, body=json.dumps(payload))


def written(client, auth, ids, steps=None, **fields) -> dict:
    response = write(client, auth, ids, steps, **fields)
    assert response.status_code == 201, response.body
    return body(response)


def emails_to(address):
    return [e for e in outbox() if address in e["to"]]


def set_person(candidate_id, **fields):
    from chalicelib import wiring

    wiring.candidate_repo().update(candidate_id, lambda c: dict(c, **fields))


def test_a_recruiter_writes_to_a_sourced_person_personally_with_the_notice_and_an_opt_out(client, auth):
    ada = sourced(client, auth, "ada@example.com", first_name="Ada", skills=["python"])
    made = written(client, auth, [ada["id"]])
    assert made["id"].startswith("outr_") and made["queued"] == 1 and made["skipped"] == []
    tick()
    [email] = emails_to("ada@example.com")
    message = message_from_string(email["raw"], policy=policy.default)
    assert message["From"].addresses[0].addr_spec == "rita@example.com"
    assert "Rita Recruiter" in str(message["From"])
    assert message["Subject"] == "A data role for you, Ada"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert text.startswith("Hi Ada,") and "Python & data <pipelines>" in text
    assert "Python &amp; data &lt;pipelines&gt;" in html and "<img" not in html and "<style" not in html
    assert "a recruiter of ours" in text and "legitimate interest" in text
    assert re.search(r"Object: http://127\.0\.0\.1:8000/community/object/\S+", text)
    assert "/t/o/" not in email["raw"] and "/t/c/" not in email["raw"]  # no pixel, no rewritten links
    assert "List-Unsubscribe: <" in email["raw"] and "you joined the" not in text.lower()
    timeline = body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"]
    [entry] = [i for i in timeline if i["kind"] == "outreach"]
    assert entry["data"]["legal_basis"] == "legitimate_interest"
    assert entry["data"]["reason"] == "Data engineer opening in Berlin"
    state = body(client.http.get(f"/outreach/{made['id']}", headers=auth))
    assert state["people"][0]["state"] == "finished" and state["people"][0]["sends"][0]["status"] == "sent"
    assert body(client.http.get(f"/campaigns/{state['campaign_id']}", headers=auth))["kind"] == "outreach"


def test_nobody_who_opted_out_and_nobody_twice(client, auth):
    from chalicelib import wiring

    people = {name: sourced(client, auth, f"{name}@example.com") for name in
              ("ok", "unsub", "bounced", "complained", "objected", "talked", "noted", "erased")}
    set_person(people["unsub"]["id"], status="unsubscribed")
    set_person(people["bounced"]["id"], status="bounced")
    set_person(people["complained"]["id"], status="complained")
    set_person(people["objected"]["id"], status="unsubscribed", preferences={"objected_at": "2026-01-01T00:00:00Z"})
    for name, channel in (("talked", "linkedin"), ("noted", "note")):
        assert client.http.post(f"/candidates/{people[name]['id']}/touchpoints", headers=auth,
                                body=json.dumps({"channel": channel, "summary": "x"})).status_code == 201
    assert client.http.delete(f"/candidates/{people['erased']['id']}", headers=auth).status_code in (200, 204)
    subscribed = subscriber("sub@example.com")
    made = written(client, auth, [p["id"] for p in people.values()] + [subscribed["id"]])
    reasons = {s["candidate_id"]: s["reason"] for s in made["skipped"]}
    assert reasons == {people["unsub"]["id"]: "unsubscribed", people["bounced"]["id"]: "bounced",
                       people["complained"]["id"]: "complained", people["objected"]["id"]: "objected",
                       people["talked"]["id"]: "recently_contacted", people["erased"]["id"]: "not_found"}
    assert made["queued"] == 3  # ok, noted (a note is not contact), and a subscribed person
    again = written(client, auth, [people["ok"]["id"]])  # not sent yet: still in the first outreach
    assert again["queued"] == 0 and again["skipped"] == [{"candidate_id": people["ok"]["id"], "reason": "in_outreach"}]
    tick()
    assert len(emails_to("ok@example.com")) == 1
    after = written(client, auth, [people["ok"]["id"]])  # written to today: a week must pass
    assert after["skipped"][0]["reason"] == "recently_contacted"
    assert wiring.candidate_repo().get(people["ok"]["id"])["last_contacted_at"]


def test_the_daily_cap_per_sender_skips_the_rest_and_says_so(client, auth):
    from chalicelib import wiring

    service = wiring.outreach()
    service.settings = dataclasses.replace(service.settings, outreach_daily_cap=2)
    try:
        ids = [sourced(client, auth, f"p{n}@example.com")["id"] for n in range(3)]
        made = written(client, auth, ids)
        assert made["queued"] == 2 and made["skipped"] == [{"candidate_id": ids[2], "reason": "daily_cap"}]
        more = written(client, auth, [sourced(client, auth, "p9@example.com")["id"]])
        assert more["queued"] == 0 and more["skipped"][0]["reason"] == "daily_cap"
        other = written(client, auth, [ids[2]], sender={"name": "Sam", "email": "sam@example.com"})
        assert other["queued"] == 1  # another sender's cap
    finally:
        service.settings = wiring.get_settings()


def test_a_reply_ends_the_sequence(client, auth, trusted_cert, later):
    ada = sourced(client, auth, "ada@example.com", first_name="Ada")
    grace = sourced(client, auth, "grace@example.com", first_name="Grace")
    steps = [STEP, {"subject": "Following up", "body": "Just checking in, {{ candidate.first_name }}.", "delay": "P3D"}]
    made = written(client, auth, [ada["id"], grace["id"]], steps)
    tick()
    [first] = emails_to("ada@example.com")
    assert post_reply(client, received(reply_to(first["raw"]))).status_code == 200
    later(days=4)
    tick()
    tick()
    assert [e["subject"] for e in emails_to("ada@example.com")] == ["A data role for you, Ada"]
    assert sorted(e["subject"] for e in emails_to("grace@example.com")) == ["A data role for you, Grace",
                                                                              "Following up"]
    [follow_up] = [message_from_string(e["raw"], policy=policy.default) for e in emails_to("grace@example.com")
                   if e["subject"] == "Following up"]
    assert "/community/object/" not in follow_up.get_body(preferencelist=("plain",)).get_content()  # the first has it
    state = body(client.http.get(f"/outreach/{made['id']}", headers=auth))
    people = {p["candidate_id"]: p for p in state["people"]}
    assert people[ada["id"]]["state"] == "replied" and len(people[grace["id"]]["sends"]) == 2


def test_turned_off_it_is_refused(client, auth):
    from chalicelib import wiring

    ada = sourced(client, auth, "ada@example.com")
    service = wiring.outreach()
    service.settings = dataclasses.replace(service.settings, outreach_without_consent=False)
    try:
        refused = write(client, auth, [ada["id"]])
        assert refused.status_code == 409 and body(refused)["error"]["code"] == "outreach_without_consent_off"
    finally:
        service.settings = wiring.get_settings()
    tick()
    assert outbox() == []


def test_an_unverified_sender_is_refused(client, auth):
    ada = sourced(client, auth, "ada@example.com")
    refused = write(client, auth, [ada["id"]], sender={"name": "Eve", "email": "eve@unverified.example"})
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "sender_unverified"


HOSTILE = [
    [], "x", {"candidate_ids": "cand_x"}, {"candidate_ids": []},
    {"candidate_ids": ["cand_01hzzzzzzzzzzzzzzzzzzzzzzz"] * 2 + [f"cand_{n}" for n in range(60)]},
    {"candidate_ids": [1]}, {"reason": ""}, {"reason": "a\u0000b"}, {"reason": "x" * 501}, {"reason": "line\nbreak"},
    {"steps": []}, {"steps": [STEP] * 4}, {"steps": ["text"]}, {"steps": [{"subject": "x"}]},
    {"steps": [dict(STEP, body="{{ candidate.nope }}")]}, {"steps": [dict(STEP, body="{% include 'x' %}")]},
    {"steps": [dict(STEP, body="{{ ")]}, {"steps": [dict(STEP, subject="a\nb")]},
    {"steps": [dict(STEP, body="\ud800")]}, {"steps": [dict(STEP, body="x" * 20_001)]},
    {"steps": [dict(STEP, delay="P1000Y")]}, {"steps": [dict(STEP, delay=3)]},
    {"steps": [dict(STEP, body="{% for i in range(10**9) %}x{% endfor %}")]},
    {"sender": "rita"}, {"sender": {"email": "not an address"}}, {"exit_on": ["never"]}, {"extra": 1},
]


@pytest.mark.parametrize("change", HOSTILE)
def test_hostile_bodies_are_400_and_nothing_is_stored(client, auth, change):
    from chalicelib import wiring

    ada = sourced(client, auth, "ada@example.com")
    payload = change if not isinstance(change, dict) else {
        "candidate_ids": [ada["id"]], "sender": RECRUITER, "reason": "A role", "steps": [STEP], **change}
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    response = client.http.post("/outreach", headers=auth, body=raw)
    assert response.status_code == 400, (change, response.status_code, response.body)
    assert set(body(response)["error"]) >= {"code", "message"}
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []
    assert not any(i["kind"] == "outreach" for i in
                   body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"])
    assert wiring.key_repo().get(f"outreach#{ada['id']}") is None


@pytest.mark.parametrize("path", ["/outreach/outr_01hzzzzzzzzzzzzzzzzzzzzzzz", "/outreach/camp_01hzzzzzzzzzzzzzzzzzzzzzzz",
                                  "/outreach/nope"])
def test_unknown_outreach_is_404(client, auth, path):
    assert client.http.get(path, headers=auth).status_code == 404


def test_an_outreach_reads_as_a_campaign_everywhere(client, auth):
    from tests.app.helpers import workspace_session

    ada = sourced(client, auth, "ada@example.com")
    campaign_id = "camp_" + written(client, auth, [ada["id"]])["id"][5:]
    session = workspace_session(client)
    page = client.http.get(f"/dashboard/campaigns/{campaign_id}", headers=session)
    assert page.status_code == 200 and "(one-to-one)" in page.body.decode()
    assert client.http.get("/dashboard/campaigns", headers=session).status_code == 200
    test = client.http.post(f"/campaigns/{campaign_id}/test", headers=auth, body=json.dumps({"email": "me@example.com"}))
    assert test.status_code == 200 and body(test)["subject"].startswith("[Test] A data role")
    assert body(client.http.get(f"/campaigns/{campaign_id}/review", headers=auth))["emailable"] == 1
    tick()
    assert body(client.http.get(f"/analytics/campaigns/{campaign_id}", headers=auth))["sent"] == 1
    cancelled = client.http.post(f"/outreach/outr_{campaign_id[5:]}/cancel", headers=auth, body=b"")
    assert cancelled.status_code == 409  # over already: nothing left to cancel


def test_their_own_pause_and_email_off_are_refused_and_said(client, auth):
    """Review finding 2: a person's own pause, or email turned off on their page, holds for outreach."""
    paused = sourced(client, auth, "paused@example.com")
    quiet = sourced(client, auth, "quiet@example.com")
    set_person(paused["id"], preferences={"paused_until": "2099-01-01T00:00:00Z"})
    set_person(quiet["id"], preferences={"channels_off": ["email"]})
    made = written(client, auth, [paused["id"], quiet["id"]])
    assert made["queued"] == 0
    assert {s["candidate_id"]: s["reason"] for s in made["skipped"]} == {paused["id"]: "paused_by_person",
                                                                         quiet["id"]: "channel_opt_out"}
    tick()
    assert outbox() == []


def test_a_follow_up_never_goes_after_they_paused_meanwhile(client, auth, later):
    ada = sourced(client, auth, "ada@example.com", first_name="Ada")
    steps = [STEP, {"subject": "Following up", "body": "Just checking in.", "delay": "P3D"}]
    written(client, auth, [ada["id"]], steps)
    tick()
    set_person(ada["id"], preferences={"paused_until": "2099-01-01T00:00:00Z"})
    later(days=4)
    tick()
    tick()
    assert [e["subject"] for e in emails_to("ada@example.com")] == ["A data role for you, Ada"]


def test_a_reply_ends_the_sequence_whatever_exit_on_says(client, auth, trusted_cert, later):
    """Review finding 5: exit_on without `replied` still stops on a reply."""
    ada = sourced(client, auth, "ada@example.com", first_name="Ada")
    steps = [STEP, {"subject": "Following up", "body": "Just checking in.", "delay": "P3D"}]
    made = written(client, auth, [ada["id"]], steps, exit_on=["bounced"])
    assert "replied" in body(client.http.get(f"/outreach/{made['id']}", headers=auth))["exit_on"]
    tick()
    [first] = emails_to("ada@example.com")
    assert post_reply(client, received(reply_to(first["raw"]))).status_code == 200
    later(days=4)
    tick()
    tick()
    assert len(emails_to("ada@example.com")) == 1


def test_two_outreaches_at_once_write_to_a_person_once(client, auth, monkeypatch):
    """Review finding 8: B is asked for between A's look and A's claim; A finds them taken."""
    from chalicelib import wiring

    ada = sourced(client, auth, "ada@example.com")
    keys = wiring.outreach().keys
    looked, inner = keys.get, {}

    def look_then_b_is_made(key):
        found = looked(key)
        if key == f"outreach#{ada['id']}" and not inner:  # A has looked: B comes now, and finishes first
            inner["started"] = True
            inner["b"] = written(client, auth, [ada["id"]], sender={"name": "Sam", "email": "sam@example.com"})
        return found

    monkeypatch.setattr(keys, "get", look_then_b_is_made)
    first = written(client, auth, [ada["id"]])
    assert inner["b"]["queued"] == 1
    assert first["queued"] == 0 and first["skipped"] == [{"candidate_id": ada["id"], "reason": "in_outreach"}]
    tick()
    assert len(emails_to("ada@example.com")) == 1


def test_an_outreach_that_cannot_be_scheduled_holds_nobody(client, auth, monkeypatch):
    """Review finding 8: a failure while scheduling cancels it and frees its people."""
    from chalicelib import wiring
    from chalicelib.domain.errors import Conflict

    ada = sourced(client, auth, "ada@example.com")
    service = wiring.outreach()

    def refused(campaign_id, action):
        raise Conflict("the campaign changed meanwhile; read it and try again", code="invalid_state")

    monkeypatch.setattr(service.campaign_service, "act", refused)
    assert write(client, auth, [ada["id"]]).status_code == 409
    monkeypatch.undo()
    [failed] = body(client.http.get("/campaigns", headers=auth))["items"]
    assert failed["status"] == "cancelled"
    assert not any(i["kind"] == "outreach" for i in
                   body(client.http.get(f"/candidates/{ada['id']}/timeline", headers=auth))["items"])
    again = written(client, auth, [ada["id"]])
    assert again["queued"] == 1 and again["skipped"] == []
    tick()
    assert len(emails_to("ada@example.com")) == 1
