"""Issue #11, class 6: every malformed input is a 4xx in the contract's format and changes nothing stored.

Each test is one class of input (several payloads) sent to public, recruiter and signed routes alike.
"""
import json
import time
from urllib.parse import quote

import pytest

from tests.app.ats_signing import SECRET
from tests.app.helpers import FORM, body

JSON = {"Content-Type": "application/json"}

# The strict JSON reader's class: bodies Python's json module takes (or dies on) that we must refuse.
HOSTILE_JSON = {
    "deep list": "[" * 3000 + "]" * 3000,  # RecursionError in json.loads, and small enough for /signups (16 KiB)
    "deep object": '{"a":' * 2000 + "1" + "}" * 2000,
    "lone surrogate": '{"email": "ada@example.com", "first_name": "\\ud800", "name": "\\udfff", "consent": true}',
    "lone surrogate in a key": '{"email": "ada@example.com", "\\udc00": 1}',
    "surrogate in a list": '{"email": "ada@example.com", "skills": ["go", "\\ud83d"]}',
    "NaN": '{"email": "ada@example.com", "first_name": NaN, "amount": NaN, "target": NaN}',
    "Infinity": '{"email": "ada@example.com", "amount": Infinity, "target": -Infinity}',
    "huge integer": '{"email": "ada@example.com", "amount": 1' + "0" * 60 + "}",
    "integer over 1e15": '{"email": "ada@example.com", "amount": 10000000000000001, "target": -10000000000000001}',
    "float overflow": '{"email": "ada@example.com", "first_name": 1e400, "amount": 1e300}',
    "float below DynamoDB's range": '{"email": "ada@example.com", "amount": 1e-200, "target": 1e-131}',
    "too many keys": json.dumps({f"k{i}": i for i in range(1001)}),
    "key too long": json.dumps({"email": "ada@example.com", "k" * 201: 1}),
}


def recruiter_routes(client, auth, person):
    """(method, path) of routes taking a JSON body, with a real person behind the {id} ones."""
    return [("post", "/candidates"), ("patch", f"/candidates/{person['id']}"),
            ("post", f"/candidates/{person['id']}/touchpoints"), ("post", "/pools"), ("post", "/campaigns"),
            ("post", "/templates"), ("post", "/jobs"), ("post", "/goals"), ("post", "/costs")]


@pytest.fixture
def person(client, auth):
    response = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "grace@example.com", "first_name": "Grace", "skills": ["cobol"],
         "linkedin_url": "linkedin.com/in/g"}))
    assert response.status_code == 201, response.body
    return body(response)


def stored(client, auth, person) -> dict:
    """What a recruiter can read back: the person, their timeline, and every list."""
    def get(path):
        response = client.http.get(path, headers=auth)
        assert response.status_code == 200, (path, response.body)
        return body(response)

    return {"person": get(f"/candidates/{person['id']}"), "timeline": get(f"/candidates/{person['id']}/timeline"),
            **{path: get(path) for path in ("/candidates?limit=500", "/pools", "/campaigns", "/templates", "/costs")},
            "goals": [{k: v for k, v in goal.items() if k != "progress"} for goal in get("/goals")["items"]]}


def assert_refused(response, status=400, code=None, field=None):
    assert response.status_code == status, response.body
    error = body(response)["error"]
    assert error["code"] and error["message"]
    if code:
        assert error["code"] == code, error
    if field:
        assert field in error.get("fields", {}), error


def signed_raw(client, raw: bytes):
    from chalicelib.domain.ats import signature

    stamp = int(time.time())
    return client.http.post("/webhooks/ats", body=raw, headers={
        "Content-Type": "application/json", "X-CRM-Signature": f"t={stamp},v1={signature(SECRET, stamp, raw)}"})


# ---------------------------------------------------------------- strict JSON, everywhere

def test_hostile_json_is_invalid_json_on_every_route_and_changes_nothing(client, auth, person):
    before = stored(client, auth, person)
    for name, raw in HOSTILE_JSON.items():
        assert_refused(client.http.post("/signups", headers=JSON, body=raw), code="invalid_json")  # public
        for method, path in recruiter_routes(client, auth, person):
            assert_refused(getattr(client.http, method)(path, headers=auth, body=raw), code="invalid_json")
        assert_refused(client.http.post("/webhooks/ses", headers=JSON, body=raw), code="invalid_json")  # verified
        if not name.startswith("deep"):  # see test_ats_body_nesting_is_bounded
            assert_refused(signed_raw(client, raw.encode()), code="invalid_json")  # signed
    assert stored(client, auth, person) == before
    assert body(client.http.get("/candidates?q=ada@example.com", headers=auth))["items"] == []


def test_ats_body_nesting_is_bounded():
    """The ATS body's own parse (domain/ats.py parse_event on the raw bytes) bounds nesting too."""
    from chalicelib.domain.ats import parse_event
    from chalicelib.domain.errors import ValidationError

    for raw in (HOSTILE_JSON["deep list"], HOSTILE_JSON["deep object"]):
        with pytest.raises(ValidationError) as caught:
            parse_event(raw.encode())
        assert caught.value.code == "invalid_json"


def test_strict_json_still_reads_what_people_send(client, auth):
    """Emoji as surrogate pairs, large amounts within the field's bound, nesting within bounds: all fine."""
    response = client.http.post("/candidates", headers=auth, body='{"email": "emoji@example.com", '
                                '"first_name": "\\ud83d\\ude00 Joy", "tags": ["a", "b"], "remote_ok": true}')
    assert response.status_code == 201 and body(response)["first_name"] == "\U0001f600 Joy"
    cost = client.http.post("/costs", headers=auth, body='{"source": "agency", "amount": 1000000000000}')
    assert cost.status_code == 201 and body(cost)["amount"] == 1e12
    pool = {"name": "Nested", "kind": "dynamic", "rules": {"all": [{"any": [{"field": "skills", "op": "exists"}]}]}}
    assert client.http.post("/pools", headers=auth, body=json.dumps(pool)).status_code == 201


# ---------------------------------------------------------------- forms, query strings, path parameters

HOSTILE_FORM_VALUES = {
    "NUL": "a%00b",
    "escape": "a%1bb",
    "DEL": "a%7Fb",
    "C1 control": "a%C2%85b",
    "line separator": "a%E2%80%A8b",
    "encoded lone surrogate": "%ED%A0%80",
    "invalid UTF-8": "%FF%FE",
}


def test_hostile_form_fields_are_refused_and_sign_nobody_up(client, auth):
    for value in HOSTILE_FORM_VALUES.values():
        for field in ("first_name", "city", "skills", "email"):
            raw = f"email=form%40example.com&consent=on&{field}={value}"
            assert_refused(client.http.post("/signups", headers=FORM, body=raw))
    too_many = "email=form%40example.com&consent=on&" + "&".join(f"f{i}=x" for i in range(200))
    assert_refused(client.http.post("/signups", headers=FORM, body=too_many), field="body")
    assert body(client.http.get("/candidates?q=form@example.com", headers=auth))["items"] == []


def test_line_breaks_never_reach_a_location_header(client, auth):
    """redirect_to becomes the 303's Location: CR/LF (encoded or not), spaces, tabs, NUL are refused."""
    for tail in ("%0d%0aSet-Cookie:%20a=b", "%0aX:%20y", "%0d", "%09x", "%20x", "%00", "%E2%80%A8"):
        redirect = quote("https://careers.example.com/thanks", safe="") + tail
        response = client.http.post("/signups", headers=FORM,
                                    body=f"email=r%40example.com&consent=on&redirect_to={redirect}")
        assert_refused(response, field="redirect_to")
        assert "Location" not in response.headers
    assert body(client.http.get("/candidates?q=r@example.com", headers=auth))["items"] == []
    good = client.http.post("/signups", headers=FORM, body="email=r%40example.com&consent=on&redirect_to="
                            + quote("https://careers.example.com/thanks?from=form", safe=""))
    assert good.status_code == 303 and good.headers["Location"] == "https://careers.example.com/thanks?from=form"


def test_sign_up_metadata_is_kept_as_one_printable_line(client, auth):
    """UTM tags and hidden fields come from the page, not the person: cleaned, never a reason to refuse."""
    from chalicelib import wiring

    raw = "email=utm%40example.com&consent=on&utm_source=news%0d%0aletter&utm_campaign=a%09b&form_id=x%0ay"
    assert client.http.post("/signups", headers=FORM, body=raw).status_code == 202
    [person] = body(client.http.get("/candidates?q=utm@example.com", headers=auth))["items"]
    assert person["utm"] == {"source": "news letter", "campaign": "a b"}
    consent = [e for e in wiring.candidates().timeline_page(person["id"], 50, None)[0] if e["kind"] == "consent"]
    assert all("\n" not in json.dumps(entry) for entry in consent)


@pytest.mark.parametrize("value", ["%0d%0a", "%00", "a%0aSet-Cookie:x", "%E2%80%A9", "x" * 3000])
def test_query_strings_are_one_bounded_line(client, auth, value):
    for path in (f"/candidates?q={value}", f"/candidates?skill={value}", f"/candidates?cursor={value}",
                 f"/analytics/overview?from={value}", f"/costs?to={value}", f"/jobs/job_x/matches?pool={value}"):
        assert_refused(client.http.get(path, headers=auth))
    assert_refused(client.http.get(f"/signups/confirm?token={value}"))  # public
    many = "&".join(f"p{i}=1" for i in range(60))
    assert_refused(client.http.get(f"/candidates?{many}", headers=auth), field="query")


@pytest.mark.parametrize("value", ["a%0d%0ab", "a%00b", "%E2%80%A8", "c" * 600])
def test_path_parameters_are_one_bounded_line(client, auth, value):
    for path in (f"/candidates/{value}", f"/candidates/{value}/timeline", f"/pools/{value}", f"/campaigns/{value}",
                 f"/analytics/campaigns/{value}"):
        assert_refused(client.http.get(path, headers=auth))
    assert_refused(client.http.patch(f"/candidates/{value}", headers=auth, body='{"first_name": "x"}'))
    for path in (f"/u/{value}", f"/t/c/{value}"):  # public
        assert_refused(client.http.get(path))


# ---------------------------------------------------------------- text fields of people and jobs

BAD_TEXT = ["Ada\x00", "Ada\x1b[31m", "Ada\x7f", "Ada\x85", "Ada\u2028Lovelace", "\x0bx\x0c"]
BAD_URLS = ["https://example.com/a\r\nSet-Cookie: x=y", "https://example.com/\x00", "https://example.com/a b",
            "javascript:alert(1)", "https://user:pass@example.com/", 'https://example.com/"onmouseover="x',
            "https://example.com/<script>", "ftp://example.com/x", "https://example.com:99999/"]


def test_control_characters_in_profile_text_are_refused(client, auth, person):
    before = stored(client, auth, person)
    for value in BAD_TEXT:
        for field in ("first_name", "last_name", "city", "source"):
            assert_refused(client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                             body=json.dumps({field: value})), field=field)
            assert_refused(client.http.post("/candidates", headers=auth,
                                            body=json.dumps({"email": "new@example.com", field: value})), field=field)
        assert_refused(client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                         body=json.dumps({"skills": ["go", value]})), field="skills")
        assert_refused(client.http.post("/signups", headers=JSON, body=json.dumps(
            {"email": "new@example.com", "consent": True, "first_name": value})), field="first_name")
    assert stored(client, auth, person) == before


def test_line_breaks_in_single_line_text_are_collapsed(client, auth, person):
    response = client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                 body=json.dumps({"first_name": "Ada\r\nLovelace", "city": "\tLondon\n"}))
    assert response.status_code == 200
    assert (body(response)["first_name"], body(response)["city"]) == ("Ada Lovelace", "London")


def test_url_fields_are_http_without_whitespace_or_controls(client, auth, person):
    before = stored(client, auth, person)
    for url in BAD_URLS:
        for field in ("linkedin_url", "portfolio_url"):
            assert_refused(client.http.patch(f"/candidates/{person['id']}", headers=auth,
                                             body=json.dumps({field: url})), field=field)
        assert_refused(client.http.post("/jobs", headers=auth, body=json.dumps({"title": "Dev", "url": url})),
                       field="url")
    assert stored(client, auth, person) == before
    ok = client.http.patch(f"/candidates/{person['id']}", headers=auth,
                           body=json.dumps({"portfolio_url": "https://grace.dev/work?x=1#top"}))
    assert ok.status_code == 200 and body(ok)["portfolio_url"] == "https://grace.dev/work?x=1#top"


def test_job_and_campaign_text_and_ids(client, auth, person):
    before = stored(client, auth, person)
    for value in BAD_TEXT:
        assert_refused(client.http.post("/jobs", headers=auth, body=json.dumps({"title": value})), field="title")
        assert_refused(client.http.post("/jobs", headers=auth, body=json.dumps({"title": "Dev", "skills": [value]})),
                       field="skills")
    for skills in ([{"a": 1}], [["go"]], [True], 42):
        assert_refused(client.http.post("/jobs", headers=auth, body=json.dumps({"title": "Dev", "skills": skills})),
                       field="skills")
    campaign = {"name": "C", "category": "career_advice", "audience": {"pools": ["pool_x"]},
                "steps": [{"template_id": "tmpl_x"}]}
    for name in BAD_TEXT:
        assert_refused(client.http.post("/campaigns", headers=auth, body=json.dumps(dict(campaign, name=name))),
                       field="name")
    for bad_id in ("pool_" + "a" * 3000, "pool_\x00", "pool_a b", "pool_"):
        assert_refused(client.http.post("/campaigns", headers=auth, body=json.dumps(
            dict(campaign, audience={"pools": [bad_id]}))), field="audience.pools")
        assert_refused(client.http.post("/jobs", headers=auth, body=json.dumps({"title": "Dev", "pools": [bad_id]})),
                       field="pools")
    assert stored(client, auth, person) == before


# ---------------------------------------------------------------- dates

BAD_DATES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00Z", "1899-12-31T23:59:59Z",
             "1900-01-01T00:30:00+01:00", "2201-01-01T00:00:00Z", "99999-01-01", "2026-13-01", "x", {"y": 2026},
             ["2026"]]


def test_dates_out_of_range_are_400_everywhere(client, auth, person):
    before = stored(client, auth, person)
    campaign = {"name": "C", "category": "career_advice", "audience": {"pools": ["pool_x"]},
                "steps": [{"template_id": "tmpl_x"}]}
    for value in BAD_DATES:
        text = json.dumps(value)
        sent = [
            (client.http.patch(f"/candidates/{person['id']}", headers=auth, body=f'{{"last_contacted_at": {text}}}'),
             "last_contacted_at"),
            (client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth,
                              body=f'{{"channel": "note", "at": {text}}}'), "at"),
            (client.http.post("/campaigns", headers=auth, body=json.dumps(dict(campaign, send_at=value))), "send_at"),
            (client.http.post("/costs", headers=auth,
                              body=f'{{"source": "agency", "amount": 1, "from": {text}}}'), "from"),
            (client.http.post("/goals", headers=auth, body='{"metric": "hires_from_pools", "target": 1, '
                              f'"period": {{"from": "2026-01-01T00:00:00Z", "to": {text}}}}}'), None),
        ]
        if isinstance(value, str):
            sent.append((client.http.get(f"/analytics/overview?from={quote(value)}", headers=auth), "from"))
            sent.append((client.http.get(f"/costs?to={quote(value)}", headers=auth), "to"))
        for response, field in sent:
            assert_refused(response, field=field)
    assert stored(client, auth, person) == before


def test_dates_at_the_edges_of_the_range_work(client, auth, person):
    """1900 and 2200 are accepted, and the arithmetic on them (windows of days) stays in range."""
    for at in ("1900-01-01T00:00:00Z", "2200-12-31T23:59:59Z"):
        response = client.http.post(f"/candidates/{person['id']}/touchpoints", headers=auth,
                                    body=json.dumps({"channel": "note", "at": at}))
        assert response.status_code == 201, response.body
    assert client.http.get("/analytics/overview?from=1900-01-01T00:00:00Z&to=2200-12-31T23:59:59Z",
                           headers=auth).status_code == 200


def test_forged_cursors_are_400(client, auth, person):
    import base64

    def cursor(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    forged = [cursor(b"[" * 1000), cursor(b'{"id": {"S": "\\ud800"}}'), cursor(b'{"id": {"S": NaN}}'), cursor(b"[1]"),
              cursor(b'{"id": {"N": 1e999}}'), "%%%", cursor(b"\xff\xfe")]
    pools = body(client.http.post("/pools", headers=auth, body='{"name": "P", "kind": "static"}'))
    for value in forged:
        for path in ("/candidates?", "/candidates?skill=go&", f"/candidates?pool={pools['id']}&", "/pools?",
                     "/campaigns?", "/templates?", f"/candidates/{person['id']}/timeline?",
                     f"/pools/{pools['id']}/members?"):
            assert_refused(client.http.get(f"{path}cursor={quote(value)}", headers=auth), field="cursor")


@pytest.mark.parametrize("wrong", [[], "", 0, False, {}])
def test_a_wrong_value_is_not_taken_for_an_absent_one(client, auth, wrong):
    """Only a missing field takes its default: an empty list, false or zero is the caller's mistake."""
    cost = {"source": "agency", "amount": 10, "currency": wrong}
    assert client.http.post("/costs", headers=auth, body=json.dumps(cost)).status_code == 400
    goal = {"metric": "hires_from_pools", "target": 3, "period": {"from": wrong, "to": "2027-01-01T00:00:00Z"}}
    expected = 201 if wrong == "" else 400  # an empty text field in a form-like body means "not given"
    assert client.http.post("/goals", headers=auth, body=json.dumps(goal)).status_code == expected
