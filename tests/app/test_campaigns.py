import json
import re
from datetime import timedelta

import pytest

from tests.app.campaign_helpers import act, campaign, pool, scheduled_broadcast, subscriber, template
from tests.app.helpers import body, decoded, outbox, text_part, tick


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    """The scheduler re-checks a sending campaign a minute later; tests do not wait."""
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))


def campaign_emails(prefix="Hi"):
    return [item for item in outbox() if item["subject"].startswith(prefix)]


def test_templates_are_checked_when_saved_and_previewed_for_a_person(client, auth):
    bad = client.http.post("/templates", headers=auth, body=json.dumps({
        "name": "x", "category": "career_advice", "subject": "Hi {{ candidate.nickname }}",
        "html": "<p>line one</p>\n<p>{% if %}</p>"}))
    assert bad.status_code == 400
    fields = body(bad)["error"]["fields"]
    assert fields["subject"] == "unknown variables: candidate.nickname"
    assert fields["html"].startswith("line 2:")
    made = template(client, auth, html="<html><head><style>p { color: #123456 }</style></head><body>"
                    "<p>Hello {{ candidate.first_name | default('there') }}</p></body></html>")
    ada = subscriber("ada@example.com", first_name="Ada", skills=["python"])
    preview = body(client.http.post(f"/templates/{made['id']}/preview", headers=auth,
                                    body=json.dumps({"candidate_id": ada["id"]})))
    assert preview["subject"] == "Hi Ada" and "Hello Ada" in preview["html"]
    assert "/u/" in preview["html"] and "Unsubscribe" in preview["html"]  # compliant footer added
    assert "Hello Ada" in preview["text"]  # text generated from the HTML
    assert 'style="color: #123456;"' in preview["html"] and "<style>" not in preview["html"]  # CSS inlined
    listed = body(client.http.get("/templates", headers=auth))["items"]
    assert [t["id"] for t in listed] == [made["id"]]
    patched = client.http.patch(f"/templates/{made['id']}", headers=auth, body=json.dumps({"subject": "New {{ x }}"}))
    assert patched.status_code == 400 and "subject" in body(patched)["error"]["fields"]


def test_broadcast_reaches_exactly_the_eligible_people_once(client, auth):
    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    ada = subscriber("ada@example.com", first_name="Ada", skills=["python"])
    subscriber("bob@example.com", first_name="Bob", skills=["go"])
    opted_out = subscriber("carol@example.com", skills=["go"], )
    from chalicelib import wiring
    wiring.candidate_repo().update(opted_out["id"], lambda c: dict(c, preferences={"unsubscribed_categories": ["career_advice"]}))
    client.http.post("/candidates", headers=auth, body=json.dumps({"email": "sourced@example.com", "skills": ["go"]}))
    gone = subscriber("gone@example.com", skills=["go"])
    client.http.patch(f"/candidates/{gone['id']}", headers=auth, body=json.dumps({"status": "unsubscribed"}))

    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    assert made["status"] == "draft"
    assert act(client, auth, made["id"], "schedule")["status"] == "scheduled"
    tick()   # the scheduler fans out; the worker sends
    tick()   # the scheduler sees everyone processed
    sent = campaign_emails()
    assert sorted(item["to"][0] for item in sent) == ["ada@example.com", "bob@example.com"]
    state = body(client.http.get(f"/campaigns/{made['id']}", headers=auth))
    assert state["status"] == "sent" and state["progress"]["enqueued"] == state["progress"]["processed"] == 5

    raw = next(item["raw"] for item in sent if item["to"] == ["ada@example.com"])
    assert "List-Unsubscribe: <http://127.0.0.1:8000/u/" in raw
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in raw
    assert "multipart/alternative" in raw
    text = text_part(raw)
    assert "https://blog.example.com" not in decoded(raw)  # every link goes through /t/c/
    assert re.search(r"http://127\.0\.0\.1:8000/t/c/[\w-]+", text)
    assert "/t/o/" in decoded(raw)  # the open pixel

    skips = {s["candidate_id"]: s["reason"] for s in wiring.send_repo().for_candidate(opted_out["id"])}
    assert skips == {opted_out["id"]: "category_opt_out"}
    [ada_send] = wiring.send_repo().for_candidate(ada["id"])
    assert ada_send["status"] == "sent" and ada_send["links"] == ["https://blog.example.com/post?id=1"]
    assert ada_send["message_id"]

    for _ in range(2):
        tick()
    assert len(campaign_emails()) == 2  # nothing goes twice


def test_redelivered_and_duplicated_batches_send_nothing_twice(client, auth):
    from chalicelib import wiring

    people, made = scheduled_broadcast(client, auth, [f"p{i}@example.com" for i in range(5)])
    message = {"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [p["id"] for p in people]}
    wiring.campaigns_repo = None
    wiring.campaign_repo().transition(made["id"], "scheduled", "sending")
    worker = wiring.send_worker()
    worker.handle(message)
    worker.handle(message)
    worker.handle(dict(message, recipients=[people[0]["id"]] * 3))
    assert len(campaign_emails()) == 5


def test_a_chunk_that_fails_leaves_the_chunk_before_it_recorded(client, auth, monkeypatch):
    """Chunks overlap (one sends while the next is claimed): if the next one fails, the emails
    already going out are still waited for and recorded, and a redelivery sends only the rest."""
    from chalicelib import wiring
    from chalicelib.domain.tracking import send_key
    from chalicelib.services.sending.pipeline import CHUNK

    people, made = scheduled_broadcast(client, auth, [f"chunk{i}@example.com" for i in range(CHUNK + 10)])
    wiring.campaign_repo().transition(made["id"], "scheduled", "sending")
    message = {"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [p["id"] for p in people]}
    sender = wiring.campaign_sender()
    reads = sender.candidates.batch_get
    calls = []

    def second_read_fails(ids):
        calls.append(len(ids))
        if len(calls) == 2:
            raise RuntimeError("DynamoDB went away")
        return reads(ids)

    monkeypatch.setattr(sender.candidates, "batch_get", second_read_fails)
    with pytest.raises(RuntimeError):
        sender.handle(message)
    first = [p["id"] for p in people[:CHUNK]]
    records = wiring.campaign_sends().get_many([send_key(made["id"], 0, i) for i in first])
    assert len(records) == CHUNK and {r["status"] for r in records.values()} == {"sent"}
    assert len(campaign_emails()) == CHUNK

    monkeypatch.setattr(sender.candidates, "batch_get", reads)
    sender.handle(message)  # SQS brings the message back
    sent_to = [item["to"][0] for item in campaign_emails()]
    assert len(sent_to) == len(set(sent_to)) == CHUNK + 10


def test_two_schedulers_at_once(client, auth):
    import threading

    from chalicelib import wiring

    _, made = scheduled_broadcast(client, auth, [f"p{i}@example.com" for i in range(30)])
    threads = [threading.Thread(target=wiring.scheduler().tick) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tick()
    tick()
    assert len(campaign_emails()) == 30


def test_frequency_cap_skips_broadcasts_with_the_reason(client, auth):
    from chalicelib import wiring

    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    person = subscriber("busy@example.com", skills=["go"])
    for n in range(4):
        made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], name=f"c{n}")
        act(client, auth, made["id"], "schedule")
        tick()
    assert len(campaign_emails()) == 3  # CRM_FREQUENCY_CAP
    reasons = [s.get("reason") for s in wiring.send_repo().for_candidate(person["id"]) if s["status"] == "skipped"]
    assert reasons == ["frequency_cap"]


def test_pause_resume_and_cancel(client, auth):
    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    for i in range(3):
        subscriber(f"p{i}@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    assert made["paused_reason"] is None
    act(client, auth, made["id"], "schedule")
    paused = act(client, auth, made["id"], "pause")
    assert (paused["status"], paused["paused_reason"]) == ("paused", "manual")  # a person paused it
    tick()
    assert campaign_emails() == []
    resumed = act(client, auth, made["id"], "resume")
    assert (resumed["status"], resumed["paused_reason"]) == ("scheduled", None)
    tick()
    assert len(campaign_emails()) == 3
    assert act(client, auth, made["id"], "resume", status=409)["error"]["code"] == "invalid_state"

    other = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}], name="other")
    act(client, auth, other["id"], "schedule")
    assert act(client, auth, other["id"], "cancel")["status"] == "cancelled"
    tick()
    assert len(campaign_emails()) == 3
    assert act(client, auth, other["id"], "schedule", status=409)["error"]["code"] == "invalid_state"


def test_paused_mid_send_defers_and_resumes_without_resending(client, auth):
    from chalicelib import wiring

    people, made = scheduled_broadcast(client, auth, [f"p{i}@example.com" for i in range(4)])
    wiring.campaign_repo().transition(made["id"], "scheduled", "sending")
    worker = wiring.send_worker()
    worker.handle({"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [people[0]["id"]]})
    act(client, auth, made["id"], "pause")
    assert worker.handle({"type": "campaign", "campaign_id": made["id"], "step": 0,
                          "recipients": [p["id"] for p in people]}) == "deferred:paused"
    assert len(campaign_emails()) == 1
    act(client, auth, made["id"], "resume")
    worker.handle({"type": "campaign", "campaign_id": made["id"], "step": 0, "recipients": [p["id"] for p in people]})
    assert sorted(i["to"][0] for i in campaign_emails()) == [f"p{i}@example.com" for i in range(4)]


def test_test_send_is_outside_the_statistics(client, auth):
    from chalicelib import wiring

    tmpl = template(client, auth)
    audience = pool(client, auth)
    made = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]}])
    response = client.http.post(f"/campaigns/{made['id']}/test", headers=auth,
                                body=json.dumps({"email": "Recruiter@Example.com"}))
    assert response.status_code == 200, response.body
    [item] = outbox()
    assert item["to"] == ["recruiter@example.com"] and item["subject"] == "[Test] Hi Alex"
    assert "/t/c/" not in decoded(item["raw"]) and "https://blog.example.com/post?id=1" in decoded(item["raw"])
    assert wiring.campaign_repo().get(made["id"])["status"] == "draft"
    bad = client.http.post(f"/campaigns/{made['id']}/test", headers=auth, body=json.dumps({"email": "nope"}))
    assert bad.status_code == 400


def test_campaign_validation(client, auth):
    response = client.http.post("/campaigns", headers=auth, body=json.dumps({
        "name": "x", "category": "memes", "audience": {"pools": ["pool_missing"]},
        "steps": [{"template_id": "tmpl_missing", "delay": "soon", "condition": "not_opened"}], "enrollment": "sometimes"}))
    assert response.status_code == 400
    fields = body(response)["error"]["fields"]
    assert {"category", "steps[0].delay", "steps[0].condition", "enrollment"} <= set(fields)
    tmpl = template(client, auth)
    missing = client.http.post("/campaigns", headers=auth, body=json.dumps({
        "name": "x", "category": "career_advice", "audience": {"pools": ["pool_missing"]},
        "steps": [{"template_id": tmpl["id"]}]}))
    assert missing.status_code == 400 and "audience.pools" in body(missing)["error"]["fields"]
    assert client.http.post("/campaigns/camp_nope/schedule", headers=auth, body=b"").status_code == 404
    assert client.http.post("/campaigns/camp_nope/explode", headers=auth, body=b"").status_code == 404
