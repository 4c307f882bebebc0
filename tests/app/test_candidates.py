import csv
import io
import json

import pytest

from tests.app.helpers import body, confirm_link, form

CSV = {"Content-Type": "text/csv"}


def create(client, auth, **fields):
    response = client.http.post("/candidates", headers=auth, body=json.dumps(fields))
    assert response.status_code in (200, 201), response.body
    return body(response)


@pytest.mark.parametrize("method, path", [
    ("GET", "/candidates"), ("POST", "/candidates"), ("GET", "/candidates/cand_x"),
    ("PATCH", "/candidates/cand_x"), ("DELETE", "/candidates/cand_x"), ("GET", "/candidates/cand_x/export"),
    ("GET", "/candidates/cand_x/timeline"), ("POST", "/candidates/cand_x/touchpoints"),
    ("POST", "/candidates/import"), ("GET", "/candidates/export.csv"),
])
def test_recruiter_routes_need_a_valid_key(client, method, path):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic crm_test_key"}):
        response = client.http.request(method, path, headers=headers, body=b"")
        assert response.status_code == 401
        assert body(response)["error"]["code"] == "unauthorized"


def test_upsert_creates_then_merges(client, auth):
    response = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "Grace@Example.com", "first_name": "Grace", "skills": ["COBOL"], "seniority": "principal"}))
    assert response.status_code == 201
    created = body(response)
    assert created["id"].startswith("cand_") and created["status"] == "not_subscribed"
    assert created["source"] == "sourced"
    again = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "grace@example.com", "last_name": "Hopper", "skills": ["fortran"]}))
    assert again.status_code == 200
    merged = body(again)
    assert merged["id"] == created["id"]
    assert (merged["first_name"], merged["last_name"]) == ("Grace", "Hopper")
    assert merged["skills"] == ["cobol", "fortran"]


def test_bad_bodies(client, auth):
    cases = [
        ({"first_name": "x"}, "email"),
        ({"email": "a@b.com", "country": "Narnia"}, "country"),
        ({"email": "a@b.com", "status": "subscribed"}, "status"),
        ({"email": "a@b.com", "nope": 1}, "nope"),
    ]
    for payload, field in cases:
        response = client.http.post("/candidates", headers=auth, body=json.dumps(payload))
        assert response.status_code == 400 and field in body(response)["error"]["fields"]
    wrong_type = client.http.post("/candidates", headers={**auth, "Content-Type": "text/plain"}, body="x")
    assert wrong_type.status_code == 415
    assert client.http.get("/candidates/cand_missing", headers=auth).status_code == 404
    assert client.http.get("/candidates?limit=0", headers=auth).status_code == 400
    assert client.http.get("/candidates?cursor=%%%", headers=auth).status_code == 400


def test_patch_changes_exactly_and_keeps_history(client, auth):
    person = create(client, auth, email="p@example.com", first_name="Pat", city="Leeds", skills=["python"])
    response = client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                 body=json.dumps({"city": None, "skills": ["js"], "stage": "interviewing"}))
    assert response.status_code == 200
    patched = body(response)
    assert patched["city"] is None and patched["skills"] == ["javascript"] and patched["stage"] == "interviewing"
    assert patched["first_name"] == "Pat"
    bad = client.http.patch(f"/candidates/{person['id']}", headers=auth, body=json.dumps({"email": "x@y.com"}))
    assert bad.status_code == 400 and "email" in body(bad)["error"]["fields"]
    timeline = body(client.http.get(f"/candidates/{person['id']}/timeline", headers=auth))["items"]
    assert [e["kind"] for e in timeline] == ["updated", "created"]
    assert timeline[0]["data"]["fields"] == ["city", "skills", "stage"]


def test_search_by_skill_and_text_with_cursor_paging(client, auth):
    for i in range(7):
        create(client, auth, email=f"dev{i}@example.com", first_name=f"Dev{i}", skills=["python" if i % 2 else "go"])
    create(client, auth, email="zed@other.org", first_name="Zed", last_name="Quinn", skills=["python"])
    python = body(client.http.get("/candidates?skill=Python", headers=auth))["items"]
    assert sorted(c["email"] for c in python) == ["dev1@example.com", "dev3@example.com", "dev5@example.com", "zed@other.org"]
    assert [c["email"] for c in body(client.http.get("/candidates?q=quinn", headers=auth))["items"]] == ["zed@other.org"]
    seen, cursor = [], None
    while True:
        url = "/candidates?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = body(client.http.get(url, headers=auth))
        assert len(page["items"]) <= 3
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8


def test_touchpoints_update_last_contacted(client, auth):
    person = create(client, auth, email="t@example.com")
    response = client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth,
                                body=json.dumps({"channel": "linkedin", "summary": "Sent InMail about the data role"}))
    assert response.status_code == 201
    fetched = body(client.http.get(f"/candidates/{person['id']}", headers=auth))
    assert fetched["last_contacted_at"] == body(response)["at"]
    older = client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth,
                             body=json.dumps({"channel": "phone", "at": "2020-01-01T10:00:00Z"}))
    assert older.status_code == 201
    assert body(client.http.get(f"/candidates/{person['id']}", headers=auth))["last_contacted_at"] == fetched["last_contacted_at"]
    bad = client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth, body=json.dumps({"channel": "pigeon"}))
    assert bad.status_code == 400 and "channel" in body(bad)["error"]["fields"]


def test_csv_import_counts_errors_and_is_idempotent(client, auth):
    existing = create(client, auth, email="old@example.com", first_name="Old", skills=["java"])
    data = ("\ufeffE-mail,First name,Last name,Skills,Country,Remote\r\n"
            "old@example.com,,Timer,Kotlin | JS,GB,yes\r\n"
            "new1@example.com,New,One,\"python, aws\",DE,no\r\n"
            "broken,Bad,Row,,,\r\n"
            "new2@example.com,New,Two,go,Narnia,\r\n"
            "NEW1@example.com,,,terraform,,\r\n").encode("utf-8")
    first = client.http.post("/candidates/import", headers={**auth, **CSV}, body=data)
    assert first.status_code == 200, first.body
    result = body(first)
    assert (result["created"], result["updated"], result["unchanged"]) == (1, 1, 0)
    assert [e["row"] for e in result["errors"]] == [4, 5]
    assert "email" in result["errors"][0]["error"] and "country" in result["errors"][1]["error"]
    assert result["duplicate_rows"] == [6]
    old = body(client.http.get(f"/candidates/{existing['id']}", headers=auth))
    assert (old["first_name"], old["last_name"], old["skills"]) == ("Old", "Timer", ["java", "kotlin", "javascript"])
    assert old["source"] == "sourced"
    [new1] = body(client.http.get("/candidates?q=new1@", headers=auth))["items"]
    assert new1["skills"] == ["python", "aws", "terraform"] and new1["status"] == "not_subscribed"
    assert new1["source"] == "csv_import"

    again = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body=data))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert body(client.http.get(f"/candidates/{existing['id']}", headers=auth))["updated_at"] == old["updated_at"]


def test_csv_import_over_many_chunks_merges_counts_and_orders_errors(client, auth):
    """350 addresses: four chunks on the import's threads; errors anywhere come back in row order."""
    from chalicelib.services.imports import CHUNK, THREADS

    create(client, auth, email="p7@example.com", first_name="Seven")
    lines = ["email,first_name,country"]
    for i in range(350):
        lines.append(f"p{i}@example.com,P{i},{'Narnia' if i % 97 == 5 else 'GB'}")
    lines.insert(200, "not-an-email,Bad,GB")
    result = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body="\n".join(lines).encode()))
    assert 350 > CHUNK * (THREADS - 1)  # every thread gets a chunk
    bad_rows = [row for row, line in enumerate(lines, start=1) if "Narnia" in line or "not-an-email" in line]
    assert [e["row"] for e in result["errors"]] == bad_rows and len(bad_rows) == 5
    assert (result["created"], result["updated"]) == (350 - 1 - (len(bad_rows) - 1), 1)
    assert body(client.http.get("/candidates?limit=1", headers=auth))["items"]
    again = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body="\n".join(lines).encode()))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 350 - (len(bad_rows) - 1))


def test_csv_import_limits(client, auth):
    assert client.http.post("/candidates/import", headers=auth, body=b"email\na@b.com").status_code == 415
    no_email = client.http.post("/candidates/import", headers={**auth, **CSV}, body=b"name\nx\n")
    assert no_email.status_code == 400 and "file" in body(no_email)["error"]["fields"]
    too_many = "email\n" + "".join(f"p{i}@example.com\n" for i in range(10_001))
    response = client.http.post("/candidates/import", headers={**auth, **CSV}, body=too_many.encode())
    assert response.status_code == 413 and body(response)["error"]["code"] == "too_many_rows"
    assert body(client.http.get("/candidates", headers=auth))["items"] == []  # nothing half-imported


def test_csv_export_round_trips(client, auth):
    create(client, auth, email="e1@example.com", first_name="=cmd()", skills=["python", "aws"], phone="+441234567890")
    response = client.http.get("/candidates/export.csv", headers=auth)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert rows[0]["email"] == "e1@example.com" and rows[0]["first_name"] == "'=cmd()"
    assert rows[0]["skills"] == "python; aws" and rows[0]["phone"] == "+441234567890"
    reimport = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body=response.body))
    assert reimport["errors"] == [] and reimport["created"] == 0


def test_gdpr_export_and_erasure(client, auth):
    form(client, {"email": "erase@example.com", "consent": "on", "first_name": "Eve"})
    link = confirm_link("erase@example.com")
    client.http.get("/signups/confirm?token=" + link.split("token=")[1])
    [person] = body(client.http.get("/candidates?q=erase@", headers=auth))["items"]
    client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth, body=json.dumps({"channel": "phone"}))

    export = body(client.http.get(f"/candidates/{person['id']}/export", headers=auth))
    assert export["candidate"]["email"] == "erase@example.com"
    assert len(export["consent_records"]) == 1 and len(export["touchpoints"]) == 1
    assert [s["kind"] for s in export["sends"]] == ["confirmation"]

    erased = client.http.delete(f"/candidates/{person['id']}", headers=auth)
    assert erased.status_code == 200 and body(erased)["erased"] is True
    assert client.http.get(f"/candidates/{person['id']}", headers=auth).status_code == 404
    assert client.http.delete(f"/candidates/{person['id']}", headers=auth).status_code == 404

    from tests.integration.dump import all_items

    leftovers = json.dumps(all_items())
    assert "erase@example.com" not in leftovers and "Eve" not in leftovers and person["id"] not in leftovers

    # An import does not bring the person back, nor does a recruiter...
    result = body(client.http.post("/candidates/import", headers={**auth, **CSV}, body=b"email\nerase@example.com\n"))
    assert result["created"] == 0 and "erased" in result["errors"][0]["error"]
    again = client.http.post("/candidates", headers=auth, body=json.dumps({"email": "erase@example.com"}))
    assert again.status_code == 409 and body(again)["error"]["code"] == "erased"
    # ...but the person may sign up again themselves.
    assert form(client, {"email": "erase@example.com", "consent": "on"}).status_code == 202
    link = confirm_link("erase@example.com")
    client.http.get("/signups/confirm?token=" + link.split("token=")[1])
    [back] = body(client.http.get("/candidates?q=erase@", headers=auth))["items"]
    assert back["status"] == "subscribed"
