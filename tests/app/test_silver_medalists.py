"""Silver medalists: the furthest stage a person reached (a rule-able field), the built-in pool (made again if
deleted), and a job's silver medalists offered a permission request (a draft to review) by JSON and in the workspace."""
import time
from urllib.parse import urlencode

import pytest

from tests.app.ats_signing import signed
from tests.app.campaign_helpers import subscriber
from tests.app.helpers import WORKSPACE_FORM, body, tick, workspace_session
from tests.app.test_pools import create, members
from tests.app.test_ws_jobs import viewer_session


def event(kind, data):
    return {"id": f"evt-{kind}-{time.time_ns()}", "type": kind, "occurred_at": "2026-11-20T10:00:00Z", "data": data}


def stages(client, email, *moves, **profile):
    """The ATS moves `email` through these stages (the first event names the person)."""
    signed(client, event("application.created", {"email": email, **profile}))
    for stage in moves:
        kind = "offer.created" if stage == "offer" else "candidate.stage_changed"
        answer = signed(client, event(kind, {"email": email, "stage": stage} if kind != "offer.created" else
                                      {"email": email, "offer_id": "o1"}))
        assert answer.status_code == 200, answer.body


def person_of(client, auth, email):
    [found] = body(client.http.get(f"/candidates?q={email}", headers=auth))["items"]
    return body(client.http.get(f"/candidates/{found['id']}", headers=auth))


def silver_pool(client, auth):
    pools = body(client.http.get("/pools?limit=500", headers=auth))["items"]
    return [p for p in pools if p["name"] == "Silver medalists"]


def test_the_furthest_stage_is_kept_and_silver_medalists_fill_the_built_in_pool(client, auth):
    stages(client, "ines@example.com", "interviewing", "rejected", skills=["python"])
    stages(client, "otto@example.com", "offer", "rejected")
    stages(client, "abe@example.com", "rejected")  # rejected straight after applying: not a silver medalist
    stages(client, "ian@example.com", "interviewing")  # still interviewing
    tick()
    ines = person_of(client, auth, "ines@example.com")
    assert (ines["stage"], ines.get("furthest_stage")) == ("rejected", "interviewing")
    assert person_of(client, auth, "otto@example.com").get("furthest_stage") == "offer"
    assert person_of(client, auth, "abe@example.com").get("furthest_stage") == "applied"
    [pool] = silver_pool(client, auth)
    assert pool["kind"] == "dynamic" and pool["rules"]["all"][1]["field"] == "furthest_stage"
    assert members(client, auth, pool["id"]) == ["ines@example.com", "otto@example.com"]
    # applying again after the rejection keeps what they reached; a new rejection keeps them in
    stages(client, "ines@example.com", "rejected")
    assert person_of(client, auth, "ines@example.com")["furthest_stage"] == "interviewing"
    assert members(client, auth, pool["id"]) == ["ines@example.com", "otto@example.com"]
    # a rule on the field, as any pool may have
    mine = create(client, auth, "/pools", {"name": "Reached an offer", "kind": "dynamic",
                                           "rules": {"field": "furthest_stage", "op": "eq", "value": "offer"}})
    tick()
    assert members(client, auth, mine["id"]) == ["otto@example.com"]


def test_the_built_in_pool_is_made_at_start_and_again_if_deleted(client, auth):
    tick()  # the schedule's first run
    [first] = silver_pool(client, auth)
    assert first["builtin"] == "silver_medalists" and members(client, auth, first["id"]) == []
    stages(client, "ines@example.com", "interviewing", "rejected")
    tick()
    [pool] = silver_pool(client, auth)
    assert pool["id"] == first["id"] and members(client, auth, pool["id"]) == ["ines@example.com"]
    assert client.http.delete(f"/pools/{pool['id']}", headers=auth).status_code == 200
    tick()  # the schedule makes it again, and its rule brings its members back
    [again] = silver_pool(client, auth)
    assert again["id"] != pool["id"] and members(client, auth, again["id"]) == ["ines@example.com"]
    assert client.http.delete(f"/pools/{again['id']}", headers=auth).status_code == 200
    assert client.http.get("/calendar", headers=auth).status_code == 200  # a page that lists the pools makes it
    tick()
    [third] = silver_pool(client, auth)
    assert third["id"] not in (pool["id"], again["id"]) and members(client, auth, third["id"]) == ["ines@example.com"]
    assert len(silver_pool(client, auth)) == 1


def job_with_silver_medalists(client, auth):
    stages(client, "ines@example.com", "interviewing", "rejected", skills=["python"], first_name="Ines")
    stages(client, "otto@example.com", "offer", "rejected", skills=["python", "aws"])
    stages(client, "abe@example.com", "rejected", skills=["python"])
    subscriber("sub@example.com", skills=["python"])
    tick()
    return create(client, auth, "/jobs", {"title": "Python engineer", "skills": ["python"]})


def test_a_job_offers_a_permission_request_to_its_silver_medalists(client, auth):
    job = job_with_silver_medalists(client, auth)
    found = body(client.http.get(f"/jobs/{job['id']}/silver-medalists", headers=auth))
    by_id = {m["candidate_id"]: m for m in found["matches"]}
    ines, otto = person_of(client, auth, "ines@example.com"), person_of(client, auth, "otto@example.com")
    assert set(by_id) == {ines["id"], otto["id"]} and found["requestable"] == 2
    assert all(m["reasons"] and m["requestable"] for m in found["matches"])

    made = client.http.post(f"/jobs/{job['id']}/silver-medalists", headers=auth, body=b"")
    assert made.status_code == 201, made.body
    answer = body(made)
    draft = body(client.http.get(f"/campaigns/{answer['campaign']['id']}", headers=auth))
    assert draft["status"] == "draft" and draft["kind"] == "permission_request"
    assert answer["people"] == 2 and draft["audience"]["pools"] == [answer["pool_id"]]
    assert members(client, auth, answer["pool_id"]) == ["ines@example.com", "otto@example.com"]
    assert client.http.get("/dev/outbox.json").status_code in (200, 404)


def test_nobody_to_ask_is_409_and_an_unknown_job_404(client, auth):
    job = create(client, auth, "/jobs", {"title": "Rust engineer", "skills": ["rust"]})
    answer = client.http.post(f"/jobs/{job['id']}/silver-medalists", headers=auth, body=b"")
    assert answer.status_code == 409 and body(answer)["error"]["code"] == "no_silver_medalists"
    campaigns = body(client.http.get("/campaigns", headers=auth))["items"]
    assert campaigns == []
    for method in ("GET", "POST"):
        missing = client.http.request(method, "/jobs/job_nope/silver-medalists", headers=auth, body=b"")
        assert missing.status_code == 404


@pytest.fixture
def session(client):
    return workspace_session(client)


def test_the_job_page_offers_the_request_and_the_button_drafts_it(client, auth, session):
    job = job_with_silver_medalists(client, auth)
    fragment = client.http.get(f"/dashboard/jobs/{job['id']}/matches", headers=session).body.decode()
    assert "Request permission from 2 silver medalists" in fragment and "Silver medalist</span>" in fragment
    answer = client.http.post(f"/dashboard/jobs/{job['id']}/silver-medalists", headers={**session, **WORKSPACE_FORM},
                              body=urlencode({}))
    assert answer.status_code == 303, answer.body
    campaign_id = answer.headers["Location"].split("requested=")[1]
    page = client.http.get(answer.headers["Location"], headers=session).body.decode()
    assert f'href="/dashboard/campaigns/{campaign_id}"' in page and "Review the permission request" in page
    assert body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))["status"] == "draft"


def test_a_viewer_sees_no_button_and_may_not_post(client, auth):
    job = job_with_silver_medalists(client, auth)
    viewer = viewer_session(client, auth)
    fragment = client.http.get(f"/dashboard/jobs/{job['id']}/matches", headers=viewer).body.decode()
    assert "Silver medalists" in fragment and "Request permission" not in fragment
    answer = client.http.post(f"/dashboard/jobs/{job['id']}/silver-medalists", headers={**viewer, **WORKSPACE_FORM},
                              body=b"")
    assert answer.status_code == 403
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []


def test_a_job_the_ats_opens_offers_its_silver_medalists_too(client, auth):
    stages(client, "ines@example.com", "interviewing", "rejected", skills=["python"])
    tick()
    opened = signed(client, event("job.opened", {"job_id": "ats-77", "title": "Python developer", "skills": ["python"]}))
    assert opened.status_code == 200, opened.body
    [job] = [j for j in body(client.http.get("/jobs", headers=auth))["items"] if j["source"] == "ats"]
    found = body(client.http.get(f"/jobs/{job['id']}/silver-medalists", headers=auth))
    assert [m["candidate_id"] for m in found["matches"]] == [person_of(client, auth, "ines@example.com")["id"]]


def test_with_outreach_without_consent_off_nothing_is_made(client, auth, monkeypatch):
    import dataclasses

    from chalicelib import wiring

    job = job_with_silver_medalists(client, auth)
    pools_before = body(client.http.get("/pools?limit=500", headers=auth))["items"]
    service = wiring.campaigns()
    monkeypatch.setattr(service, "settings", dataclasses.replace(service.settings, outreach_without_consent=False))
    refused = client.http.post(f"/jobs/{job['id']}/silver-medalists", headers=auth, body=b"")
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "outreach_without_consent_off"
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []
    tick()  # the pool's deletion finishes
    after = body(client.http.get("/pools?limit=500", headers=auth))["items"]
    assert sorted(p["id"] for p in after) == sorted(p["id"] for p in pools_before)


def test_hostile_requests_to_the_job_pages_button_are_4xx_and_make_nothing(client, auth, session):
    job = job_with_silver_medalists(client, auth)
    form = {**session, **WORKSPACE_FORM}
    assert client.http.post("/dashboard/jobs/job_nope/silver-medalists", headers=form, body=b"").status_code == 404
    assert client.http.post("/dashboard/jobs/%00/silver-medalists", headers=form, body=b"").status_code in (400, 404)
    huge = client.http.post(f"/dashboard/jobs/{job['id']}/silver-medalists", headers=form, body=b"x=" + b"y" * 40_000)
    assert huge.status_code == 413
    control = client.http.post(f"/dashboard/jobs/{job['id']}/silver-medalists", headers=form, body=b"a=%01")
    assert control.status_code == 400
    foreign = client.http.post(f"/dashboard/jobs/{job['id']}/silver-medalists",
                               headers={**form, "Sec-Fetch-Site": "cross-site"}, body=b"")
    assert foreign.status_code == 403
    assert body(client.http.get("/campaigns", headers=auth))["items"] == []
