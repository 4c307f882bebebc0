"""The workspace's frame over HTTP: the session cookie, where sign-in sends you, cross-site requests, roles."""
import json
from urllib.parse import urlencode

import pytest

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
SAME_SITE = {"Sec-Fetch-Site": "same-origin"}
ADMIN = {"email": "admin@example.com", "password": "Test-admin-password-1"}


def sign_in(client, fields=None, **extra):
    return client.http.post("/dashboard/sign-in", headers=FORM, body=urlencode({**(fields or ADMIN), **extra}))


def session(client, fields=None) -> dict:
    answer = sign_in(client, fields)
    assert answer.status_code == 303, answer.body
    return {"Cookie": answer.headers["Set-Cookie"].split(";")[0]}


def test_a_visitor_is_sent_to_sign_in_and_comes_back(client, auth):
    answer = client.http.get("/dashboard?from=2026-01-01")
    assert answer.status_code == 303 and answer.headers["Location"] == "/dashboard/sign-in?next=%2Fdashboard%3Ffrom%3D2026-01-01"
    htmx = client.http.get("/dashboard", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx.headers["HX-Redirect"] == "/dashboard/sign-in"
    page = client.http.get("/dashboard/sign-in?next=%2Fdashboard%3Ffrom%3D2026-01-01")
    assert 'name="next" value="/dashboard?from=2026-01-01"' in page.body.decode()
    back = sign_in(client, next="/dashboard?from=2026-01-01")
    assert back.headers["Location"] == "/dashboard?from=2026-01-01"
    cookie = back.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1: a Secure cookie would never come back
    assert client.http.get("/dashboard", headers=session(client)).status_code == 200


@pytest.mark.parametrize("target", ["//evil.example.com/dashboard", "https://evil.example.com", "/dashboard\\@evil",
                                    "/other", "/dashboard/\r\nSet-Cookie: x=1", "javascript:alert(1)", ""])
def test_sign_in_never_redirects_outside_the_workspace(client, target):
    answer = sign_in(client, next=target)
    assert answer.status_code == 303 and answer.headers["Location"] == "/dashboard"
    assert "evil" not in client.http.get("/dashboard/sign-in?" + urlencode({"next": target})).body.decode()


def test_wrong_credentials_and_bad_keys_show_the_form_again(client):
    for fields in ({"email": "admin@example.com", "password": "Wrong-password-1"},
                   {"email": "nobody@example.com", "password": "Wrong-password-1"}, {"email": "", "password": ""}):
        answer = sign_in(client, fields)
        assert answer.status_code in (400, 401) and "Set-Cookie" not in answer.headers
        assert "<form" in answer.body.decode()
    assert "Wrong email or password" in sign_in(client, {"email": "a@example.com", "password": "x"}).body.decode()
    for key in ("crm_not_a_key", "eyJhbGciOiJub25lIn0.e30.", "x" * 300):
        answer = sign_in(client, {"api_key": key})
        assert answer.status_code == 401 and "Set-Cookie" not in answer.headers
    keyed = sign_in(client, {"api_key": "crm_test_key"})
    assert keyed.status_code == 303 and "crm_session=crm_test_key" in keyed.headers["Set-Cookie"]


@pytest.mark.parametrize("body", ["email=a&email=b&password=x", "email=%ff%fe&password=x", "password=" + "x" * 20000,
                                  "email=a%00b&password=x", "&".join(f"f{i}=1" for i in range(200))])
def test_hostile_sign_in_forms_are_4xx_never_500(client, body):
    answer = client.http.post("/dashboard/sign-in", headers=FORM, body=body)
    assert 400 <= answer.status_code < 500 and "Set-Cookie" not in answer.headers


def test_a_change_through_the_session_must_come_from_our_own_pages(client, auth):
    cookie = session(client)
    payload = json.dumps({"email": "csrf@example.com"})
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "null"},
                    {"Origin": "https://evil.example.com"}, {}):
        answer = client.http.post("/candidates", headers={**cookie, **headers, "Content-Type": "application/json"},
                                  body=payload)
        assert answer.status_code == 403 and json.loads(answer.body)["error"]["code"] == "cross_site", headers
        assert client.http.post("/dashboard/sign-out", headers={**cookie, **headers}).status_code == 403
    assert json.loads(client.http.get("/candidates?q=csrf@", headers=auth).body)["items"] == []
    made = client.http.post("/candidates", headers={**cookie, **SAME_SITE, "Content-Type": "application/json"},
                            body=payload)
    assert made.status_code == 201
    made = client.http.post("/candidates", headers={**cookie, "Origin": "http://127.0.0.1:8000",
                                                    "Content-Type": "application/json"},
                            body=json.dumps({"email": "csrf2@example.com"}))
    assert made.status_code == 201
    # a bearer is no cookie: scripts and the crm command are not asked where they come from
    assert client.http.post("/candidates", headers={**auth, "Sec-Fetch-Site": "cross-site"},
                            body=json.dumps({"email": "csrf3@example.com"})).status_code == 201


def test_sign_out_ends_the_session_and_clears_the_cookie(client):
    cookie = session(client)
    answer = client.http.post("/dashboard/sign-out", headers={**cookie, **SAME_SITE})
    assert answer.status_code == 303 and answer.headers["Location"] == "/dashboard/sign-in"
    assert "Max-Age=0" in answer.headers["Set-Cookie"]
    assert client.http.get("/dashboard", headers=cookie).status_code == 303  # the token was revoked


def test_a_viewer_reads_pages_but_a_change_is_a_page_saying_no(client, auth):
    client.http.post("/users", headers=auth, body=json.dumps({"email": "vw@example.com", "name": "Vw",
                                                              "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    first = sign_in(client, {"email": "vw@example.com", "password": "Temporary-pass-1"})
    assert first.status_code == 200 and "New password" in first.body.decode()
    session_value = first.body.decode().split('name="session" value="')[1].split('"')[0]
    done = client.http.post("/dashboard/new-password", headers=FORM, body=urlencode(
        {"email": "vw@example.com", "session": session_value, "new_password": "Viewer-own-pass-2"}))
    assert done.status_code == 303
    cookie = {"Cookie": done.headers["Set-Cookie"].split(";")[0]}
    page = client.http.get("/dashboard", headers=cookie)
    assert page.status_code == 200 and "Vw · viewer" in page.body.decode() and ">Team<" not in page.body.decode()
    refused = client.http.post("/candidates", headers={**cookie, **SAME_SITE, "Content-Type": "application/json"},
                               body=json.dumps({"email": "no@example.com"}))
    assert refused.status_code == 403


def test_a_weak_new_password_keeps_the_challenge_with_the_reason(client, auth):
    client.http.post("/users", headers=auth, body=json.dumps({"email": "np@example.com", "name": "Np",
                                                              "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    first = sign_in(client, {"email": "np@example.com", "password": "Temporary-pass-1"})
    session_value = first.body.decode().split('name="session" value="')[1].split('"')[0]
    weak = client.http.post("/dashboard/new-password", headers=FORM, body=urlencode(
        {"email": "np@example.com", "session": session_value, "new_password": "short"}))
    assert weak.status_code == 400 and "at least 12 characters" in weak.body.decode()
    assert "New password" in weak.body.decode()


def test_sign_in_comes_back_to_the_record_asked_for(client, auth):
    person = json.loads(client.http.post("/candidates", headers=auth, body=json.dumps({"email": "back@example.com"}))
                        .body)
    answer = client.http.get(f"/dashboard/candidates/{person['id']}?edit=1")
    assert answer.headers["Location"] == (f"/dashboard/sign-in?next=%2Fdashboard%2Fcandidates%2F{person['id']}"
                                          "%3Fedit%3D1")
