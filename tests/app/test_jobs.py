import json

from tests.app.helpers import body, tick
from tests.app.test_pools import create, person


def test_job_matches_rank_pool_members_with_reasons(client, auth):
    pool = create(client, auth, "/pools", {"name": "Engineers", "kind": "dynamic",
                                          "rules": {"field": "skills", "op": "exists"}})
    strong = person(client, auth, "strong@example.com", skills=["python", "terraform"], city="London")
    remote = person(client, auth, "remote@example.com", skills=["python"], remote_ok=True, city="Lisbon")
    weak = person(client, auth, "weak@example.com", skills=["excel"], city="Leeds")
    gone = person(client, auth, "gone@example.com", skills=["python", "terraform"], city="London")
    client.http.patch(f"/candidates/{gone['id']}", headers=auth, body=json.dumps({"status": "unsubscribed"}))
    for i in range(6):  # python is common, terraform is rare
        person(client, auth, f"py{i}@example.com", skills=["python"])
    tick()

    job = create(client, auth, "/jobs", {"title": "Platform engineer", "skills": ["Python", "TF"],
                                        "city": "London", "country": "GB", "remote": True, "pools": [pool["id"]]})
    assert job["id"].startswith("job_") and job["skills"] == ["python", "terraform"] and job["status"] == "open"
    assert body(client.http.get(f"/jobs/{job['id']}", headers=auth))["title"] == "Platform engineer"

    ranked = body(client.http.get(f"/jobs/{job['id']}/matches", headers=auth))["items"]
    emails = [m["candidate"]["email"] for m in ranked]
    assert emails[0] == "strong@example.com" and emails[1] == "remote@example.com"
    assert "gone@example.com" not in emails  # unsubscribed people never appear
    assert emails.index("weak@example.com") == len(emails) - 1
    top = ranked[0]
    assert "matched skills: python, terraform" in top["reasons"] and "in London" in top["reasons"]
    assert "remote ok" in ranked[1]["reasons"]
    assert top["emailable"] is False  # sourced people have not consented to marketing email
    assert ranked[0]["score"] > ranked[1]["score"] > ranked[-1]["score"]
    assert {strong["id"], remote["id"], weak["id"]} <= {m["candidate"]["id"] for m in ranked}
    limited = body(client.http.get(f"/jobs/{job['id']}/matches?limit=2", headers=auth))["items"]
    assert len(limited) == 2


def test_job_validation(client, auth):
    response = client.http.post("/jobs", headers=auth, body=json.dumps({"skills": "python", "country": "Atlantis",
                                                                         "pools": ["pool_nope"], "salary": 1}))
    assert response.status_code == 400
    assert set(body(response)["error"]["fields"]) == {"title", "country", "salary"}
    unknown_pool = client.http.post("/jobs", headers=auth, body=json.dumps({"title": "x", "pools": ["pool_nope"]}))
    assert unknown_pool.status_code == 400 and "pools" in body(unknown_pool)["error"]["fields"]
    assert client.http.get("/jobs/job_nope", headers=auth).status_code == 404
    assert client.http.get("/jobs/job_nope/matches", headers=auth).status_code == 404
