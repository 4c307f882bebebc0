"""People-side bodies over HTTP (issue #12, item 4): each class of wrong input, on every route that takes one,
is a 400 in the contract's error body naming the field, and changes nothing stored."""
import json

import pytest

from tests.app.ats_signing import signed
from tests.app.helpers import FORM, body

JSON = {"Content-Type": "application/json"}
EVENT = {"id": "evt-1", "type": "application.created", "occurred_at": "2026-11-20T10:00:00Z",
         "data": {"email": "ats@example.com"}}

# class of input -> [(route, field, value)]; {person} and {pool} are filled in.
CASES = {
    "a number for text": [
        ("POST /candidates", "email", 42), ("PATCH /candidates/{person}", "last_contacted_at", 1732000000),
        ("POST /candidates/{person}/touchpoints", "summary", 7), ("POST /pools", "name", 3),
        ("PATCH /pools/{pool}", "description", 1.5), ("POST /candidates/{person}/lift-suppression", "reason", 9),
        ("POST /signups", "email", 5), ("ATS", "occurred_at", 1732000000),
    ],
    "text for a list or an object": [
        ("POST /pools/{pool}/members", "candidate_ids", "cand_x"), ("ATS", "data", "ats@example.com"),
        ("PATCH /candidates/{person}", "remote_ok", "maybe"),
    ],
    "null": [
        ("POST /candidates", "email", None), ("POST /candidates/{person}/touchpoints", "channel", None),
        ("POST /pools", "kind", None), ("PATCH /pools/{pool}", "name", None),
        ("POST /pools/{pool}/members", "candidate_ids", None), ("POST /signups", "consent", None),
        ("ATS", "id", None),
    ],
    "a nested object": [
        ("POST /candidates", "first_name", {"a": {"b": 1}}), ("PATCH /candidates/{person}", "skills", {"a": 1}),
        ("POST /candidates/{person}/touchpoints", "at", {"a": 1}), ("POST /pools", "description", {"a": 1}),
        ("POST /pools/{pool}/members", "candidate_ids", [{"id": "cand_x"}]), ("POST /signups", "email", {"a": 1}),
        ("ATS", "id", {"a": 1}),
    ],
    "a huge list": [
        ("POST /candidates", "tags", [f"t{i}" for i in range(5000)]),
        ("POST /pools/{pool}/members", "candidate_ids", [f"cand_{i}" for i in range(1000)]),
        ("POST /pools", "name", ["x"] * 5000), ("ATS", "type", ["application.created"] * 1000),
    ],
    "an unknown field": [
        ("POST /candidates", "favourite_colour", "blue"), ("PATCH /candidates/{person}", "nickname", "Ada"),
        ("POST /pools", "colour", "red"), ("PATCH /pools/{pool}", "kind", "dynamic"),
    ],
    "control characters in text": [
        ("POST /pools", "name", "Backend\x00"), ("PATCH /pools/{pool}", "name", "Back\x1b[31mend"),
        ("POST /pools", "description", "Shortlist\x00"), ("PATCH /pools/{pool}", "description", "Short\u2028list"),
        ("POST /candidates/{person}/touchpoints", "summary", "Called\x00"),
        ("POST /candidates/{person}/touchpoints", "summary", "Called\x7f"),
        ("POST /candidates/{person}/lift-suppression", "reason", "confirmed\x00"),
        ("POST /candidates/{person}/lift-suppression", "reason", "confirmed\x1b[2J"),
    ],
    "a line break in a name": [
        ("POST /pools", "name", "Backend\r\nengineers"), ("PATCH /pools/{pool}", "name", "Backend\nengineers"),
    ],
    "a value outside the enum": [
        ("POST /candidates", "stage", "won"), ("PATCH /candidates/{person}", "status", "subscribed"),
        ("PATCH /candidates/{person}", "status", "bounced"),
        ("POST /candidates/{person}/touchpoints", "channel", "sms"),
        ("POST /pools", "kind", "smart"),
    ],
}
GOOD = {
    "POST /candidates": {"email": "new@example.com"},
    "PATCH /candidates/{person}": {"city": "Leeds"},
    "POST /candidates/{person}/touchpoints": {"channel": "phone"},
    "POST /candidates/{person}/lift-suppression": {"reason": "confirmed by phone"},
    "POST /pools": {"name": "P", "kind": "static"},
    "PATCH /pools/{pool}": {"name": "Q"},
    "POST /pools/{pool}/members": {"candidate_ids": ["cand_x"]},
    "POST /signups": {"email": "form@example.com", "consent": "on"},
    "ATS": EVENT,
}


@pytest.fixture
def ids(client, auth):
    person = client.http.post("/candidates", headers=auth, body=json.dumps({"email": "grace@example.com"}))
    pool = client.http.post("/pools", headers=auth, body=json.dumps({"name": "Static", "kind": "static"}))
    assert person.status_code == 201 and pool.status_code == 201
    return {"person": body(person)["id"], "pool": body(pool)["id"]}


def send(client, auth, ids, route, payload):
    if route == "ATS":
        return signed(client, payload)
    method, path = route.split(" ")
    headers = JSON if path == "/signups" else auth
    return client.http.request(method, path.format(**ids), headers=headers, body=json.dumps(payload))


def stored(client, auth, ids):
    people = body(client.http.get("/candidates?limit=500", headers=auth))["items"]
    pools = body(client.http.get("/pools?limit=500", headers=auth))["items"]
    members = body(client.http.get(f"/pools/{ids['pool']}/members", headers=auth))["items"]
    timeline = body(client.http.get(f"/candidates/{ids['person']}/timeline", headers=auth))["items"]
    return people, pools, members, timeline


@pytest.mark.parametrize("kind", CASES)
def test_each_class_of_wrong_input_is_a_400_naming_the_field_and_changes_nothing(client, auth, ids, kind):
    before = stored(client, auth, ids)
    for route, field, value in CASES[kind]:
        response = send(client, auth, ids, route, {**GOOD[route], field: value})
        assert response.status_code == 400, (route, field, response.body)
        error = body(response)["error"]
        assert set(body(response)) == {"error"} and error["code"] == "validation_error" and error["message"]
        assert field in error["fields"], (route, field, error)
        assert len(response.body) < 2000  # a problem per field, never the input echoed back
    assert stored(client, auth, ids) == before


@pytest.mark.parametrize("route, field", [
    ("POST /pools", "name"), ("PATCH /pools/{pool}", "description"),
    ("POST /candidates/{person}/touchpoints", "summary"), ("POST /candidates/{person}/lift-suppression", "reason")])
def test_a_lone_surrogate_in_written_text_is_a_400_and_changes_nothing(client, auth, ids, route, field):
    """Refused by the JSON reader before any model (domain/jsonbody.py); the models refuse it too (tests/unit)."""
    before = stored(client, auth, ids)
    response = send(client, auth, ids, route, {**GOOD[route], field: "Ada\ud800"})
    assert response.status_code == 400 and body(response)["error"]["code"] == "invalid_json", response.body
    assert stored(client, auth, ids) == before


def test_the_same_routes_take_their_good_bodies(client, auth, ids):
    statuses = {route: send(client, auth, ids, route, payload).status_code for route, payload in GOOD.items()}
    assert statuses == {"POST /candidates": 201, "PATCH /candidates/{person}": 200,
                        "POST /candidates/{person}/touchpoints": 201,
                        "POST /candidates/{person}/lift-suppression": 409,  # not suppressed: the body was fine
                        "POST /pools": 201, "PATCH /pools/{pool}": 200, "POST /pools/{pool}/members": 200,
                        "POST /signups": 202, "ATS": 200}


def test_a_form_sign_up_keeps_its_spellings(client, auth):
    """Every form value is text: consent "yes", remote_ok "on", skills as one comma-separated field."""
    raw = "email=form%40example.com&consent=yes&remote_ok=on&skills=Python%2C+k8s&submit=Join&country=gb"
    assert client.http.post("/signups", headers=FORM, body=raw).status_code == 202
    [person] = body(client.http.get("/candidates?q=form@", headers=auth))["items"]
    assert (person["remote_ok"], person["skills"], person["country"], person["status"]) == (
        True, ["python", "kubernetes"], "GB", "pending")
    refused = client.http.post("/signups", headers=FORM, body="email=form%40example.com&consent=maybe")
    assert refused.status_code == 400 and set(body(refused)["error"]["fields"]) == {"consent"}
