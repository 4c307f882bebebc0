"""Consent over time (issue 16 item 4), from outside: people age past CRM_RETENTION_MONTHS on the local clock
(POST /dev/clock), POST /dev/tick runs the daily job: a subscriber gets one re-permission email and keeps their place
by its link, another does not answer and is erased after CRM_REPERMISSION_DAYS; a sourced person kept with a reason
survives, one not kept is erased. The report says what will happen; hostile input is a 400, nothing stored."""
import json
import re
from urllib.parse import urlencode

import pytest

from tests.app.campaign_helpers import subscriber
from tests.app.helpers import WORKSPACE_FORM, body, outbox, text_part, workspace_session


@pytest.fixture(autouse=True)
def real_time_after():
    from chalicelib.domain import clock

    yield
    clock.reset()


def dev(client, path, payload=None):
    response = client.http.post(path, headers={"Content-Type": "application/json"},
                                body=json.dumps(payload) if payload is not None else "")
    assert response.status_code == 200, response.body
    return body(response)


def advance(client, duration):
    return dev(client, "/dev/clock", {"advance": duration})


def tick(client):
    return dev(client, "/dev/tick")


def sourced(client, auth, email, **fields):
    response = client.http.post("/candidates", headers=auth, body=json.dumps({"email": email, **fields}))
    assert response.status_code in (200, 201), response.body
    return body(response)


def emails_to(address):
    return [item for item in outbox() if address in item["to"]]


def link_in(item, answer):
    return re.search(rf"https?://\S+(/retention/{answer}\?token=\S+)", text_part(item["raw"])).group(1)


def status_of(client, auth, candidate_id):
    return client.http.get(f"/candidates/{candidate_id}", headers=auth).status_code


def test_repermission_renews_or_erases_and_a_kept_sourced_person_survives(client, auth):
    kept_sub, silent = subscriber("ada@example.com", first_name="Ada"), subscriber("bob@example.com")
    keeper, dropped = sourced(client, auth, "kim@example.com"), sourced(client, auth, "sam@example.com")
    # within retention: nothing happens
    advance(client, "P23M")
    tick(client)
    assert not emails_to("ada@example.com") and status_of(client, auth, dropped["id"]) == 200

    # the report of the month ahead names who is due
    report = body(client.http.get(f"/retention?month={_month(client, 'P1M')}", headers=auth))
    assert report["counts"]["repermission_due"] == 2 and report["counts"]["erasure_due"] == 2
    assert {p["email"] for p in report["erasure_due"]} == {"kim@example.com", "sam@example.com"}
    assert report["erasure_due"][0]["link"].startswith("/candidates/cand_")
    later = body(client.http.get(f"/retention?month={_month(client, 'P1M30D')}", headers=auth))  # asked, no answer
    assert {(p["email"], p["why"]) for p in later["erasure_due"]} == {("ada@example.com", "no_answer"),
                                                                       ("bob@example.com", "no_answer")}

    keep = client.http.post(f"/candidates/{keeper['id']}/retention", headers=auth,
                            body=json.dumps({"keep": True, "reason": "Finalist for the 2027 platform team"}))
    assert keep.status_code == 200, keep.body
    assert body(keep)["kept"]["reason"] == "Finalist for the 2027 platform team"

    advance(client, "P2M")  # 25 months
    tick(client)
    tick(client)  # a second run (or a retried message) sends nothing more
    assert len(emails_to("ada@example.com")) == 1 and len(emails_to("bob@example.com")) == 1
    assert status_of(client, auth, dropped["id"]) == 404  # no consent, not kept: erased
    assert client.http.post("/candidates", headers=auth, body=json.dumps({"email": "sam@example.com"})
                            ).status_code == 409  # the tombstone: never re-added by an import or the API
    assert status_of(client, auth, keeper["id"]) == 200
    timeline = body(client.http.get(f"/candidates/{keeper['id']}/timeline", headers=auth))["items"]
    assert any(e["kind"] == "retention_kept" and e["data"]["by"] for e in timeline)

    email = emails_to("ada@example.com")[0]
    assert "Keep me in the talent community" in email["raw"] or "Keep me in the talent community" in text_part(
        email["raw"])
    assert "Remove me" in text_part(email["raw"])
    opened = client.http.get(link_in(email, "keep"))  # a mail scanner opening the link renews nothing
    assert opened.status_code == 200 and "Keep me in the talent community" in opened.body.decode()
    assert body(client.http.get(f"/candidates/{kept_sub['id']}", headers=auth))["consent"].get("source") != "repermission"
    token = link_in(email, "keep").split("token=", 1)[1]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    confirmed = client.http.post("/retention/keep", headers=form, body=f"token={token}")
    assert confirmed.status_code == 200 and "staying" in confirmed.body.decode()
    assert client.http.post("/retention/keep", headers=form, body=f"token={token}").status_code == 200  # twice: same
    person = body(client.http.get(f"/candidates/{kept_sub['id']}", headers=auth))
    assert person["consent"]["source"] == "repermission" and person["status"] == "subscribed"
    timeline = body(client.http.get(f"/candidates/{kept_sub['id']}/timeline", headers=auth))["items"]
    assert [e for e in timeline if e["kind"] == "consent" and e["data"]["source"] == "repermission"]

    advance(client, "P31D")
    tick(client)
    assert status_of(client, auth, silent["id"]) == 404  # did not answer: erased
    assert status_of(client, auth, kept_sub["id"]) == 200  # renewed: the clock restarted
    assert status_of(client, auth, keeper["id"]) == 200  # kept for 24 months from the keep
    assert len(emails_to("ada@example.com")) == 1


def test_engaging_while_awaiting_keeps_the_person_and_remove_me_erases(client, auth):
    from chalicelib.domain.clock import iso
    from tests.app.ats_signing import signed

    engaged, leaving = subscriber("eve@example.com"), subscriber("lea@example.com")
    advance(client, "P25M")
    tick(client)
    applied = {"id": "evt-retention-1", "type": "application.created", "occurred_at": iso(),
               "data": {"email": "eve@example.com", "job_id": "42"}}  # they applied while we waited: engaged
    assert signed(client, applied).status_code == 200  # signed now (real time, as the ATS signs)
    remove = link_in(emails_to("lea@example.com")[0], "remove")
    page = client.http.get(remove)
    assert page.status_code == 200 and "Remove me" in page.body.decode()
    assert status_of(client, auth, leaving["id"]) == 200  # opening the link erases nothing
    token = remove.split("token=", 1)[1]
    done = client.http.post("/retention/remove", headers={"Content-Type": "application/x-www-form-urlencoded"},
                            body=urlencode({"token": token}))
    assert done.status_code == 200, done.body
    assert status_of(client, auth, leaving["id"]) == 404
    assert client.http.get(remove).status_code == 400  # the link of an erased person
    advance(client, "P31D")
    tick(client)
    assert status_of(client, auth, engaged["id"]) == 200
    assert body(client.http.get(f"/candidates/{engaged['id']}/retention", headers=auth))["action"] == "none"


def test_the_send_is_claimed_once_under_retries(client, auth):
    from chalicelib import wiring

    person = subscriber("rae@example.com")
    advance(client, "P25M")
    service = wiring.retention()
    message = {"type": "repermission", "candidate_id": person["id"]}
    assert service.send(message) == "sent"
    deadline = service.store.state(person["id"])["deadline"]
    assert service.send(message) == "skipped:already_claimed"  # a duplicate or retried message
    assert service.run()["asks_queued"] == 0  # the next day's pass: awaiting the answer, nothing to send
    tick(client)
    assert len(emails_to("rae@example.com")) == 1
    assert service.store.state(person["id"])["deadline"] == deadline
    assert service.send({"type": "repermission", "candidate_id": 7}) == "skipped:bad_message"
    assert service.erase_due(message) == "skipped:awaiting_answer"  # the deadline has not passed


def _month(client, ahead):
    from datetime import datetime

    from chalicelib.domain.durations import parse_duration

    now = datetime.fromisoformat(body(client.http.get("/dev/clock"))["now"].replace("Z", "+00:00"))
    return f"{parse_duration(ahead).after(now):%Y-%m}"


@pytest.mark.parametrize("query", ["month=2020-01", "month=2026-13", "month=abc", "month=" + "9" * 300,
                                   "month=2027-01&month=2027-02", "month=%ED%A0%80", "month=2027-01%0A",
                                   "months=2027-01", "month=1"])
def test_hostile_report_queries_are_400(client, auth, query):
    response = client.http.get(f"/retention?{query}", headers=auth)
    assert response.status_code == 400, response.body
    assert body(response)["error"]["code"] == "validation_error"


@pytest.mark.parametrize("payload", [
    {}, {"keep": True}, {"keep": True, "reason": ""}, {"keep": True, "reason": "   "}, {"keep": "yes", "reason": "x"},
    {"keep": 1, "reason": "x"}, {"keep": True, "reason": "x" * 501}, {"keep": True, "reason": "a\u0000b"},
    {"keep": True, "reason": "\ud800"}, {"keep": True, "reason": ["x"]}, {"keep": True, "reason": "x", "extra": 1},
    [], "keep", None,
])
def test_hostile_keep_bodies_are_400_and_store_nothing(client, auth, payload):
    person = sourced(client, auth, "hal@example.com")
    response = client.http.post(f"/candidates/{person['id']}/retention", headers=auth,
                                body=json.dumps(payload) if payload is not None else "")
    assert response.status_code == 400, response.body
    assert body(client.http.get(f"/candidates/{person['id']}/retention", headers=auth))["kept"] is None


def test_keep_refuses_unknown_people_subscribers_and_other_media(client, auth):
    person = subscriber("sue@example.com")
    keep = json.dumps({"keep": True, "reason": "x"})
    assert client.http.post("/candidates/cand_01ARZ3NDEKTSV4RRFFQ69G5FAV/retention", headers=auth,
                            body=keep).status_code == 404
    refused = client.http.post(f"/candidates/{person['id']}/retention", headers=auth, body=keep)
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "has_consent"
    other = client.http.post(f"/candidates/{person['id']}/retention", headers={**auth, "Content-Type": "text/plain"},
                             body=keep)
    assert other.status_code == 415


@pytest.mark.parametrize("path", ["/retention/keep", "/retention/keep?token=abc", "/retention/keep?token=a.b.c",
                                  "/retention/remove?token=" + "x" * 300, "/retention/remove"])
def test_bad_links_are_pages_not_errors(client, path):
    response = client.http.get(path)
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")


def test_hostile_remove_posts(client):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for path in ("/retention/remove", "/retention/keep"):
        for raw in ("", "token=abc", "token=a&token=b", "token=%FF"):
            assert client.http.post(path, headers=form, body=raw).status_code == 400
        assert client.http.post(path, headers={"Content-Type": "text/plain"}, body="x").status_code == 415


# ---------------------------------------------------------------- the workspace page

def test_the_workspace_report_and_its_keep(client, auth):
    person = sourced(client, auth, "max@example.com", first_name="Max")
    session = workspace_session(client)
    advance(client, "P24M")
    page = client.http.get("/dashboard/retention", headers=session)
    text = page.body.decode()
    assert page.status_code == 200 and "Retention" in text and "max@example.com" in text
    assert f'href="/dashboard/candidates/{person["id"]}"' in text and "Reason to keep max@example.com" in text
    keep_path = f"/dashboard/retention/{person['id']}"
    empty = client.http.post(keep_path, headers={**session, **WORKSPACE_FORM}, body=urlencode({"reason": " "}))
    assert empty.status_code == 400 and "field-error" in empty.body.decode()
    assert body(client.http.get(f"/candidates/{person['id']}/retention", headers=auth))["kept"] is None
    kept = client.http.post(keep_path, headers={**session, **WORKSPACE_FORM},
                            body=urlencode({"reason": "Speaker at our meetup"}))
    assert kept.status_code == 303 and kept.headers["Location"] == "/dashboard/retention"
    after = client.http.get("/dashboard/retention", headers=session).body.decode()
    assert "Speaker at our meetup" in after and "Stop keeping max@example.com" in after
    stop = client.http.post(keep_path, headers={**session, **WORKSPACE_FORM}, body=urlencode({"keep": "false"}))
    assert stop.status_code == 303
    assert body(client.http.get(f"/candidates/{person['id']}/retention", headers=auth))["kept"] is None


UNKNOWN = "cand_01arz3ndektsv4rrffq69g5fav"


@pytest.mark.parametrize("path, fields", [
    (f"/dashboard/retention/{UNKNOWN}", {"reason": "x"}),  # nobody: 404
    ("/dashboard/retention/nope", {"reason": "x"}),
    ("/dashboard/retention/" + "c" * 400, {"reason": "x"}),
    (f"/dashboard/retention/{UNKNOWN}", {"reason": ["x", "y"]}),
    (f"/dashboard/retention/{UNKNOWN}", {"reason": "x", "month": "1999-01"}),
    (f"/dashboard/retention/{UNKNOWN}", {"reason": "x", "month": "\u0000"}),
    (f"/dashboard/retention/{UNKNOWN}", {"reason": "x", "keep": "maybe"}),
    (f"/dashboard/retention/{UNKNOWN}", {"reason": "x", "keep": ["true", "false"]}),
])
def test_hostile_workspace_keeps_are_4xx_pages(client, path, fields):
    session = workspace_session(client)
    response = client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=urlencode(fields, doseq=True))
    assert 400 <= response.status_code < 500, response.body
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_workspace_keep_with_a_bad_reason_stores_nothing(client, auth):
    person = sourced(client, auth, "ivy@example.com")
    session = workspace_session(client)
    for reason in ("x" * 501, "a\u0000b", "", "\ud800"):
        raw = urlencode({"reason": reason.encode("utf-8", "surrogatepass")})
        response = client.http.post(f"/dashboard/retention/{person['id']}", headers={**session, **WORKSPACE_FORM},
                                    body=raw)
        assert response.status_code == 400, (reason, response.body)
    assert body(client.http.get(f"/candidates/{person['id']}/retention", headers=auth))["kept"] is None


@pytest.mark.parametrize("query", ["month=2020-01", "month=x", "month=2027-01&month=2027-02", "other=1"])
def test_hostile_workspace_report_queries_are_400_pages(client, query):
    response = client.http.get(f"/dashboard/retention?{query}", headers=workspace_session(client))
    assert response.status_code == 400
    assert response.headers["Content-Type"].startswith("text/html")


def test_a_viewer_reads_the_report_but_may_not_keep(client, auth):
    from tests.app.test_ws_jobs import viewer_session

    person = sourced(client, auth, "pat@example.com")
    advance(client, "P25M")
    viewer = viewer_session(client, auth, "ret-viewer@example.com")
    page = client.http.get("/dashboard/retention", headers=viewer).body.decode()
    assert "pat@example.com" in page and "Reason to keep" not in page
    refused = client.http.post(f"/dashboard/retention/{person['id']}", headers={**viewer, **WORKSPACE_FORM},
                               body=urlencode({"reason": "mine"}))
    assert refused.status_code == 403
    assert body(client.http.get(f"/candidates/{person['id']}/retention", headers=auth))["kept"] is None


def test_the_audit_log_names_who_kept_whom(client, auth):
    person = sourced(client, auth, "zoe@example.com")
    session = workspace_session(client)
    assert client.http.post(f"/dashboard/retention/{person['id']}", headers={**session, **WORKSPACE_FORM},
                            body=urlencode({"reason": "Alumni"})).status_code == 303
    entries = body(client.http.get(f"/audit?target={person['id']}", headers=auth))["items"]
    assert any(e["action"] == "POST /dashboard/retention/{candidate_id}" and "admin@example.com" in json.dumps(e)
               for e in entries)


def test_a_large_pass_goes_on_over_runs_from_its_kept_cursor(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services import retention

    monkeypatch.setattr(retention, "PAGE", 2)
    people = [subscriber(f"p{i}@example.com") for i in range(5)]
    advance(client, "P25M")
    service = wiring.retention()
    runs = [service.run(budget_seconds=0) for _ in range(3)]
    assert [r["pass_complete"] for r in runs] == [False, False, True]
    assert sum(r["asks_queued"] for r in runs) == 5
    assert service.store.pass_cursor() is None
    tick(client)
    assert all(len(emails_to(p["email"])) == 1 for p in people)


def test_a_throttled_send_is_released_and_goes_on_the_retry(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services.ports import Refused
    from chalicelib.services.sending.worker import RetryLater

    person = subscriber("tia@example.com")
    advance(client, "P25M")
    service = wiring.retention()
    real = service.mailer.send_raw
    monkeypatch.setattr(service.mailer, "send_raw", lambda **kw: (_ for _ in ()).throw(
        Refused("Throttling", "slow down", retryable=True)))
    message = {"type": "repermission", "candidate_id": person["id"]}
    with pytest.raises(RetryLater):
        service.send(message)
    monkeypatch.setattr(service.mailer, "send_raw", real)
    assert service.send(message) == "sent"  # SQS brings the message back: the same ask, its claim released
    assert len(emails_to("tia@example.com")) == 1


@pytest.mark.parametrize("query", ["month=0000-01", "month=9999-12", "month=2027-00", "=1e308",
                                   "month=2027-01&month=2027-02"])
def test_odd_report_months_are_400s(client, auth, query):
    answer = client.http.get(f"/retention?{query}", headers=auth)
    assert answer.status_code == 400 and body(answer)["error"]["code"] == "validation_error"


@pytest.mark.parametrize("path", ["/retention/remove?=1.7976931348623157e%2B308", "/retention/keep?other=1"])
def test_links_without_their_token_are_pages_not_errors(client, path):
    answer = client.http.get(path)
    assert answer.status_code == 400
