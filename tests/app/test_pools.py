import json

from tests.app.helpers import body, tick

PYTHON_LONDON = {"all": [{"field": "skills", "op": "contains_any", "value": ["python"]},
                         {"field": "city", "op": "eq", "value": "London"}]}


def create(client, auth, path, payload, status=201):
    response = client.http.post(path, headers=auth, body=json.dumps(payload))
    assert response.status_code == status, response.body
    return body(response)


def person(client, auth, email, **fields):
    response = client.http.post("/candidates", headers=auth, body=json.dumps({"email": email, **fields}))
    assert response.status_code in (200, 201), response.body
    return body(response)


def members(client, auth, pool_id):
    return sorted(m["email"] for m in body(client.http.get(f"/pools/{pool_id}/members?limit=500", headers=auth))["items"])


def get_pool(client, auth, pool_id):
    return body(client.http.get(f"/pools/{pool_id}", headers=auth))


def test_dynamic_pool_builds_in_the_background_and_follows_changes(client, auth):
    ada = person(client, auth, "ada@example.com", skills=["python"], city="London")
    person(client, auth, "bob@example.com", skills=["go"], city="London")
    pool = create(client, auth, "/pools", {"name": "Python in London", "kind": "dynamic", "rules": PYTHON_LONDON})
    assert pool["status"] == "rebuilding" and pool["id"].startswith("pool_")
    tick()
    assert get_pool(client, auth, pool["id"])["status"] == "ready"
    assert members(client, auth, pool["id"]) == ["ada@example.com"]

    # Every kind of change re-evaluates the pool and writes only what changed.
    client.http.patch(f"/candidates/{ada['id']}", headers=auth, body=json.dumps({"city": "Paris"}))
    assert members(client, auth, pool["id"]) == []
    person(client, auth, "bob@example.com", skills=["python"])                     # upsert merge
    client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"},
                     body=b"email,skills,city\ncara@example.com,Python,london\n")      # import
    from tests.app.helpers import form
    form(client, {"email": "dev@example.com", "consent": "on", "skills": "py", "city": "London"})  # sign-up
    assert members(client, auth, pool["id"]) == ["bob@example.com", "cara@example.com", "dev@example.com"]
    assert get_pool(client, auth, pool["id"])["size"] == 3
    [bob] = body(client.http.get("/candidates?q=bob@", headers=auth))["items"]
    client.http.delete(f"/candidates/{bob['id']}", headers=auth)                      # erasure
    assert members(client, auth, pool["id"]) == ["cara@example.com", "dev@example.com"]
    assert get_pool(client, auth, pool["id"])["size"] == 2


def test_member_copies_follow_the_person(client, auth):
    ada = person(client, auth, "ada@example.com", skills=["python"], city="London", first_name="Ada")
    pool = create(client, auth, "/pools", {"name": "P", "kind": "dynamic", "rules": PYTHON_LONDON})
    tick()
    client.http.patch(f"/candidates/{ada['id']}", headers=auth, body=json.dumps({"first_name": "Augusta"}))
    [member] = body(client.http.get(f"/pools/{pool['id']}/members", headers=auth))["items"]
    assert member["first_name"] == "Augusta" and member["id"] == ada["id"]


def test_touchpoints_move_people_out_of_radio_silence(client, auth):
    ada = person(client, auth, "ada@example.com", last_contacted_at="2020-01-01T00:00:00Z")
    pool = create(client, auth, "/pools", {"name": "Quiet", "kind": "dynamic",
                                          "rules": {"field": "last_contacted_at", "op": "older_than", "value": "P90D"}})
    tick()
    assert members(client, auth, pool["id"]) == ["ada@example.com"]
    client.http.post(f"/candidates/{ada['id']}/touchpoints", headers=auth, body=json.dumps({"channel": "phone"}))
    assert members(client, auth, pool["id"]) == []


def test_rules_change_rebuilds_and_supersedes_older_rebuilds(client, auth):
    person(client, auth, "a@example.com", skills=["python"], city="London")
    person(client, auth, "b@example.com", skills=["go"], city="Berlin")
    pool = create(client, auth, "/pools", {"name": "P", "kind": "dynamic", "rules": PYTHON_LONDON})
    patched = client.http.patch(f"/pools/{pool['id']}", headers=auth, body=json.dumps(
        {"name": "Go people", "rules": {"field": "skills", "op": "contains_all", "value": ["go"]}}))
    assert body(patched)["status"] == "rebuilding" and body(patched)["name"] == "Go people"
    result = tick()  # the first rebuild's message is skipped: its generation is old
    assert result["queues"]["talent-crm-local-jobs"]["received"] >= 2
    assert members(client, auth, pool["id"]) == ["b@example.com"]
    assert get_pool(client, auth, pool["id"])["size"] == 1


def test_rebuild_pages_through_sqs(client, auth, monkeypatch):
    from chalicelib.services import pools as pools_service

    from chalicelib import wiring

    monkeypatch.setattr(pools_service, "REBUILD_PAGE", 3)
    for i in range(10):
        person(client, auth, f"p{i}@example.com", skills=["python"], city="London")
    pool = create(client, auth, "/pools", {"name": "P", "kind": "dynamic", "rules": PYTHON_LONDON})
    service = wiring.pools()
    steps = []
    real_step = service.rebuild_step
    monkeypatch.setattr(service, "rebuild_step", lambda m: steps.append(m["pool_id"]) or real_step(m))
    tick()
    assert steps.count(pool["id"]) == 4  # pages of 3, 3, 3 and 1, one queue message each
    assert get_pool(client, auth, pool["id"])["size"] == 10 and len(members(client, auth, pool["id"])) == 10
    # A redelivered page (SQS is at-least-once) changes nothing.
    real_step({"pool_id": pool["id"], "generation": 1, "cursor": None})
    tick()
    assert get_pool(client, auth, pool["id"])["size"] == 10


def test_invalid_rules_are_refused_with_the_bad_part_named(client, auth):
    cases = [
        ({"field": "shoe_size", "op": "eq", "value": 9}, "rules.field"),
        ({"field": "skills", "op": "gte", "value": 2}, "rules.op"),
        ({"all": [{"field": "created_at", "op": "older_than", "value": "3 months"}]}, "rules.all[0].value"),
    ]
    for rules, path in cases:
        response = client.http.post("/pools", headers=auth, body=json.dumps({"name": "x", "kind": "dynamic", "rules": rules}))
        assert response.status_code == 400 and path in body(response)["error"]["fields"], body(response)
    for payload, field in [({"name": "x", "kind": "dynamic"}, "rules"), ({"name": "x", "kind": "static", "rules": {}}, "rules"),
                           ({"kind": "static"}, "name"), ({"name": "x", "kind": "smart"}, "kind")]:
        response = client.http.post("/pools", headers=auth, body=json.dumps(payload))
        assert response.status_code == 400 and field in body(response)["error"]["fields"]


def test_static_pools(client, auth):
    a = person(client, auth, "a@example.com")
    b = person(client, auth, "b@example.com")
    pool = create(client, auth, "/pools", {"name": "Future sales leaders", "kind": "static"})
    added = body(client.http.post(f"/pools/{pool['id']}/members", headers=auth,
                                  body=json.dumps({"candidate_ids": [a["id"], b["id"], "cand_nobody"]})))
    assert added == {"added": 2, "already_members": 0, "not_found": ["cand_nobody"]}
    again = body(client.http.post(f"/pools/{pool['id']}/members", headers=auth, body=json.dumps({"candidate_ids": [a["id"]]})))
    assert again["added"] == 0 and again["already_members"] == 1
    assert get_pool(client, auth, pool["id"])["size"] == 2
    assert client.http.delete(f"/pools/{pool['id']}/members/{a['id']}", headers=auth).status_code == 200
    assert client.http.delete(f"/pools/{pool['id']}/members/{a['id']}", headers=auth).status_code == 404
    assert members(client, auth, pool["id"]) == ["b@example.com"] and get_pool(client, auth, pool["id"])["size"] == 1
    dynamic = create(client, auth, "/pools", {"name": "d", "kind": "dynamic", "rules": PYTHON_LONDON})
    refused = client.http.post(f"/pools/{dynamic['id']}/members", headers=auth, body=json.dumps({"candidate_ids": [a["id"]]}))
    assert refused.status_code == 409 and body(refused)["error"]["code"] == "not_static"


def test_deleting_a_pool_never_deletes_people(client, auth):
    a = person(client, auth, "a@example.com", skills=["python"], city="London")
    pool = create(client, auth, "/pools", {"name": "P", "kind": "dynamic", "rules": PYTHON_LONDON})
    tick()
    assert client.http.delete(f"/pools/{pool['id']}", headers=auth).status_code == 200
    tick()
    assert client.http.get(f"/pools/{pool['id']}", headers=auth).status_code == 404
    assert client.http.get(f"/candidates/{a['id']}", headers=auth).status_code == 200
    from chalicelib import wiring
    assert wiring.membership_repo().current(a["id"]) == {}


def test_candidates_by_pool_paging_and_export(client, auth):
    for i in range(7):
        person(client, auth, f"p{i}@example.com", skills=["python"], city="London")
    person(client, auth, "other@example.com", skills=["go"])
    pool = create(client, auth, "/pools", {"name": "P", "kind": "dynamic", "rules": PYTHON_LONDON})
    tick()
    seen, cursor = [], None
    while True:
        url = f"/candidates?pool={pool['id']}&limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(url, headers=auth))
        seen += [c["email"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == [f"p{i}@example.com" for i in range(7)]
    assert [c["email"] for c in body(client.http.get(f"/candidates?pool={pool['id']}&q=p3@", headers=auth))["items"]] == ["p3@example.com"]
    csv_text = client.http.get(f"/candidates/export.csv?pool={pool['id']}", headers=auth).body.decode()
    assert csv_text.count("@example.com") == 7 and "other@" not in csv_text
    assert client.http.get("/candidates?pool=pool_missing", headers=auth).status_code == 404


def test_builtin_views_exist_from_the_start(client, auth):
    names = [p["name"] for p in body(client.http.get("/pools", headers=auth))["items"]]
    assert "Not contacted in 90 days" in names and "Profile not updated in 12 months" in names
    body(client.http.get("/pools", headers=auth))
    assert len(body(client.http.get("/pools", headers=auth))["items"]) == 2  # created once


def test_daily_job_refreshes_time_based_pools(client, auth, monkeypatch):
    from datetime import timedelta

    from chalicelib.domain import clock

    person(client, auth, "a@example.com", last_contacted_at="2026-01-01T00:00:00Z")
    pool = create(client, auth, "/pools", {"name": "Quiet", "kind": "dynamic",
                                          "rules": {"field": "last_contacted_at", "op": "older_than", "value": "P5000D"}})
    tick()
    assert members(client, auth, pool["id"]) == []
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(days=6000))
    from chalicelib.domain import rules
    monkeypatch.setattr(rules, "utcnow", lambda: real() + timedelta(days=6000))
    result = tick()
    assert pool["id"] in result["schedules"]["daily"]["pools_refreshed"]
    assert members(client, auth, pool["id"]) == ["a@example.com"]
