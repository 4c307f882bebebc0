"""ATS events: signatures, replays, people, stages, outcomes, exits and attribution."""
import re
import time
from datetime import timedelta


from tests.app.ats_signing import signed
from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, outbox, text_part, tick


def event(kind, data, event_id=None, occurred_at="2026-11-20T10:00:00Z"):
    return {"id": event_id or f"evt-{kind}-{time.time_ns()}", "type": kind, "occurred_at": occurred_at, "data": data}


def test_signatures_are_checked(client):
    payload = event("application.created", {"email": "a@example.com"})
    assert signed(client, payload, secret="wrong").status_code == 401
    assert signed(client, payload, at=int(time.time()) - 301).status_code == 401
    assert signed(client, payload, at=int(time.time()) + 301).status_code == 401
    assert signed(client, payload, tamper=True).status_code == 401
    assert client.http.post("/webhooks/ats", headers={"Content-Type": "application/json"}, body=b"{}").status_code == 401
    response = signed(client, payload)
    assert response.status_code == 200 and body(response)["status"] == "recorded"
    assert body(signed(client, payload))["status"] == "duplicate"  # replay of the same id
    bad = signed(client, {"id": "x", "type": "candidate.stage_changed", "occurred_at": "2026-01-01T00:00:00Z",
                          "data": {"email": "a@example.com", "stage": "promoted"}})
    assert bad.status_code == 400 and "data.stage" in body(bad)["error"]["fields"]


def test_unknown_people_are_created_from_the_ats_without_consent(client, auth):
    signed(client, event("application.created", {"email": "New.Person@Example.com", "first_name": "Nia", "job_id": "42"}))
    [person] = body(client.http.get("/candidates?q=new.person", headers=auth))["items"]
    assert (person["source"], person["status"], person["stage"], person["first_name"]) == ("ats", "not_subscribed", "applied", "Nia")
    signed(client, event("candidate.stage_changed", {"email": "new.person@example.com", "stage": "interviewing"}))
    signed(client, event("application.created", {"email": "new.person@example.com"}))  # never backwards
    assert body(client.http.get(f"/candidates/{person['id']}", headers=auth))["stage"] == "interviewing"
    signed(client, event("candidate.hired", {"email": "new.person@example.com", "job_id": "42"}))
    hired = body(client.http.get(f"/candidates/{person['id']}", headers=auth))
    assert hired["stage"] == "hired" and hired["engagement_score"] > 0
    kinds = [e["kind"] for e in body(client.http.get(f"/candidates/{person['id']}/timeline", headers=auth))["items"]]
    assert "candidate_hired" in kinds and "application_created" in kinds


def test_jobs_opened_and_filled_give_time_to_fill(client, auth):
    from chalicelib import wiring
    from chalicelib.store.outcomes import OutcomeRepository

    signed(client, event("job.opened", {"job_id": "ats-7", "title": "SRE", "skills": ["k8s"], "city": "Leeds"},
                         occurred_at="2026-10-01T09:00:00Z"))
    assert body(signed(client, event("job.opened", {"job_id": "ats-7", "title": "SRE"})))["status"] == "known"
    signed(client, event("job.filled", {"job_id": "ats-7"}, occurred_at="2026-10-31T09:00:00Z"))
    [filled] = OutcomeRepository().between("job_filled", "2026-10-01", "2026-11-30")
    assert filled["days_to_fill"] == 30.0
    job = wiring.job_repo().get(filled["job_id"])
    assert (job["status"], job["source"], job["skills"]) == ("filled", "ats", ["kubernetes"])


def test_application_ends_sequences_at_once_and_is_credited_to_the_clicked_campaign(client, auth, monkeypatch):
    from chalicelib import wiring
    from chalicelib.services import scheduler
    from chalicelib.store.outcomes import OutcomeRepository

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    first = template(client, auth, name="one", subject="One")
    second = template(client, auth, name="two", subject="Two")
    audience = pool(client, auth)
    tick()
    ada = subscriber("ada@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [{"template_id": first["id"]},
                                                     {"template_id": second["id"], "delay": "P3D"}])
    act(client, auth, made["id"], "schedule")
    tick()
    [email] = outbox()
    click = re.search(r"/t/c/[\w-]+", text_part(email["raw"])).group(0)
    from chalicelib.store.models import SendModel
    SendModel(f"{made['id']}#0#{ada['id']}").update(actions=[SendModel.sent_at.set("2020-01-01T00:00:00.000Z")])
    client.http.get(click, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"})
    from chalicelib.domain.clock import iso, utcnow
    signed(client, event("application.created", {"email": "ada@example.com", "job_id": "9"}, occurred_at=iso(utcnow())))
    state = wiring.enrollment_repo().get_many(made["id"], [ada["id"]])[ada["id"]]
    assert (state["status"], state["reason"]) == ("exited", "applied")
    [application] = OutcomeRepository().between("application", "2020-01-01", "2100-01-01")
    assert application["campaign_id"] == made["id"] and application["pools"] == [audience["id"]]
    assert application["source"] == "sourced"
    assert wiring.stats_repo().totals(f"campaign#{made['id']}")["applied"] == 1
    assert wiring.stats_repo().totals(f"pool#{audience['id']}")["applied"] == 1


# ---------------------------------------------------------------- hostile payloads (issue #11, class 6)

WRONG_TYPES = [None, ["a@example.com"], {"email": "a@example.com"}, 42.5, True, "", "x" * 400, "a\r\nb", "\x00"]


def _people(client, auth):
    return body(client.http.get("/candidates?limit=500", headers=auth))["items"]


def test_wrong_types_in_signed_events_are_400_and_create_nobody(client, auth):
    """Every field the service reads, of every wrong type, in a correctly signed event: a 400 naming it."""
    valid = {"email": "typed@example.com", "job_id": "j-1", "offer_id": "o-1", "stage": "interviewing"}
    for kind in ("application.created", "candidate.stage_changed", "offer.accepted", "candidate.hired"):
        for name in valid:
            for value in WRONG_TYPES:
                if value in ("", None) and name != "email" and (name, kind) != ("stage", "candidate.stage_changed"):
                    continue  # optional there: empty means absent
                response = signed(client, event(kind, {**valid, name: value}))
                assert response.status_code == 400, (kind, name, value, response.body)
                assert body(response)["error"]["code"] == "validation_error"
    for name, value in (("id", {"a": 1}), ("id", ["x"]), ("id", True), ("id", "x" * 201), ("id", "a\nb"),
                        ("type", ["application.created"]), ("type", 7), ("occurred_at", 1732000000),
                        ("occurred_at", ["2026-11-20T10:00:00Z"]), ("data", "typed@example.com"), ("data", [valid]),
                        ("data", None)):
        payload = {**event("application.created", valid), name: value}
        response = signed(client, payload)
        assert response.status_code == 400 and name in body(response)["error"]["fields"], (name, value, response.body)
    for payload in ([], "event", 42, None):
        assert signed(client, payload).status_code == 400
    assert _people(client, auth) == []


def test_hostile_dates_in_signed_events_are_400(client, auth):
    for occurred_at in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
                        "1899-12-31T00:00:00Z", "2201-01-01T00:00:00Z", "not a date", ""):
        response = signed(client, event("application.created", {"email": "dated@example.com"}, occurred_at=occurred_at))
        assert response.status_code == 400 and "occurred_at" in body(response)["error"]["fields"], response.body
    assert _people(client, auth) == []
    # the edge of the range works, 30-day attribution window and all
    early = signed(client, event("application.created", {"email": "dated@example.com"},
                                 occurred_at="1900-01-01T00:00:00Z"))
    assert early.status_code == 200 and body(early)["status"] == "recorded"


def test_numeric_ats_ids_are_kept_as_text(client, auth):
    from chalicelib.store.outcomes import OutcomeRepository

    response = signed(client, event("application.created", {"email": "num@example.com", "job_id": 42, "offer_id": 7}))
    assert response.status_code == 200, response.body
    [application] = OutcomeRepository().between("application", "2020-01-01", "2100-01-01")
    assert application["job_id"] == "42"
