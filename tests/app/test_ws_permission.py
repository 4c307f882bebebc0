"""The workspace's part of issue 18 over HTTP: "Write to" on a profile (a one-to-one email, as POST /outreach) and the
campaign wizard's kind ("Permission request"); each problem at its field, hostile input a 4xx, nothing stored."""
import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest

from tests.app.helpers import WORKSPACE_FORM, body, outbox, tick, workspace_session

GOOD = {"subject": "A role for you, {{ candidate.first_name }}", "message": "Hi {{ candidate.first_name }},\n\nA chat?",
        "reason": "Data engineer opening"}


@pytest.fixture(autouse=True)
def prompt_scheduler(monkeypatch):
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))


@pytest.fixture
def ada(client, auth) -> dict:
    made = client.http.post("/candidates", headers=auth, body=json.dumps({"email": "ada@example.com",
                                                                          "first_name": "Ada", "skills": "python"}))
    assert made.status_code == 201, made.body
    return body(made)


def post(client, session, path, fields):
    data = fields if isinstance(fields, (str, bytes)) else urlencode(fields, doseq=True)
    return client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=data)


def outreach_entries(client, auth, candidate_id) -> list:
    items = body(client.http.get(f"/candidates/{candidate_id}/timeline", headers=auth))["items"]
    return [i for i in items if i["kind"] == "outreach"]


def test_write_to_sends_a_personal_email_from_the_signed_in_member(client, auth, ada):
    session = workspace_session(client)
    profile = client.http.get(f"/dashboard/candidates/{ada['id']}", headers=session)
    assert b">Write to</a>" in profile.body
    form = client.http.get(f"/dashboard/candidates/{ada['id']}/write", headers=session)
    assert form.status_code == 200
    for label in (b">Subject</label>", b">Message</label>", b">Reason</label>", b">Send</button>"):
        assert label in form.body
    sent = post(client, session, f"/dashboard/candidates/{ada['id']}/write", GOOD)
    assert sent.status_code == 303 and "saved=written" in sent.headers["Location"]
    tick()
    [email] = [e for e in outbox() if e["to"] == ["ada@example.com"]]
    assert email["subject"] == "A role for you, Ada" and "admin@example.com" in email["raw"].split("\r\n\r\n")[0]
    [entry] = outreach_entries(client, auth, ada["id"])
    assert entry["data"]["reason"] == "Data engineer opening" and entry["data"]["legal_basis"] == "legitimate_interest"
    again = post(client, session, f"/dashboard/candidates/{ada['id']}/write", GOOD)
    assert again.status_code == 409 and b"contacted in the last 7 days" in again.body


@pytest.mark.parametrize("fields, where", [
    (dict(GOOD, subject=""), b'id="w-subject-error">'), (dict(GOOD, message="{{ nope }}"), b"unknown variables"),
    (dict(GOOD, reason=""), b'id="w-reason-error">'), (dict(GOOD, message="\u0000"), b'id="w-message-error">'),
    (dict(GOOD, subject="x" * 300), b'id="w-subject-error">'), (dict(GOOD, reason="%ED%A0%80"), b"Nothing was sent"),
])
def test_problems_show_at_their_field_and_nothing_is_sent(client, auth, ada, fields, where):
    session = workspace_session(client)
    data = urlencode(fields).replace("%25ED%25A0%2580", "%ED%A0%80")  # a lone surrogate, as UTF-8 bytes
    answer = post(client, session, f"/dashboard/candidates/{ada['id']}/write", data)
    assert 400 <= answer.status_code < 500, answer.body[:300]
    assert answer.status_code == 413 or where in answer.body or b"notice-error" in answer.body
    assert outreach_entries(client, auth, ada["id"]) == []
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []


@pytest.mark.parametrize("raw", ["subject=a&subject=b&message=x&reason=y", "subject=" + "x" * 40_000, "\xff\xfe"])
def test_hostile_forms_are_4xx(client, auth, ada, raw):
    session = workspace_session(client)
    answer = post(client, session, f"/dashboard/candidates/{ada['id']}/write", raw.encode("latin-1"))
    assert 400 <= answer.status_code < 500
    assert outreach_entries(client, auth, ada["id"]) == []


def test_unknown_people_are_404(client, auth):
    session = workspace_session(client)
    unknown = "/dashboard/candidates/cand_01hzzzzzzzzzzzzzzzzzzzzzzz/write"
    assert client.http.get(unknown, headers=session).status_code == 404
    assert post(client, session, unknown, GOOD).status_code == 404


def test_the_wizard_makes_a_permission_request(client, auth):
    session = workspace_session(client)
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps(
        {"name": "Everyone", "kind": "dynamic", "rules": {"field": "skills", "op": "exists"}})))
    first = client.http.get("/dashboard/campaigns/new", headers=session)
    assert b">Permission request</label>" in first.body and b">Kind</legend>" in first.body
    made = post(client, session, "/dashboard/campaigns/new",
                {"name": "Join us", "pools": pool["id"], "kind": "permission_request"})
    assert made.status_code == 303, made.body
    campaign_id = made.headers["Location"].split("/")[3]
    assert body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))["kind"] == "permission_request"
    refused = post(client, session, "/dashboard/campaigns/new", {"name": "x", "pools": pool["id"], "kind": "outreach"})
    assert refused.status_code == 400
