"""Team accounts as a new team would use them: an admin invites, members sign in with Cognito, roles hold,
the audit log shows it all (CONTRACT: users, auth, audit)."""
import json
import re
import time

import pytest

from tests.app.helpers import body, outbox, text_part

PASSWORD = "Viewer-password-1"
JSON = {"Content-Type": "application/json"}


def post(client, path, payload, headers=None):
    return client.http.post(path, headers={**JSON, **(headers or {})}, body=json.dumps(payload))


def bearer(token):
    return {"Authorization": f"Bearer {token}", **JSON}


def add_user(client, auth, role, email=None, password=PASSWORD):
    email = email or f"{role}-{time.monotonic_ns()}@example.com"
    made = post(client, "/users", {"email": email, "name": role.title(), "role": role,
                                   "temporary_password": password}, auth)
    assert made.status_code == 201, made.body
    return body(made)


def sign_in_as(client, email, temporary=PASSWORD, chosen="Chosen-password-2"):
    """The first sign-in: the temporary password, then one's own."""
    first = body(post(client, "/auth/sign-in", {"email": email, "password": temporary}))
    assert first["challenge"] == "new_password_required" and first["session"]
    signed = post(client, "/auth/new-password", {"email": email, "session": first["session"], "new_password": chosen})
    assert signed.status_code == 200, signed.body
    return body(signed)


def audit(client, auth, **filters):
    query = "&".join(f"{k}={v}" for k, v in filters.items())
    answer = client.http.get(f"/audit?{query}", headers=auth)
    assert answer.status_code == 200, answer.body
    return body(answer)["items"]


def test_an_admin_adds_a_viewer_who_reads_and_is_refused_a_write_and_the_audit_shows_it_all(client, auth):
    viewer = add_user(client, auth, "viewer", "vera@example.com")
    assert viewer["role"] == "viewer" and viewer["status"] == "invited" and viewer["id"].startswith("user_")

    signed = sign_in_as(client, "Vera@Example.com")
    assert signed["user"] == {"id": viewer["id"], "email": "vera@example.com", "name": "Viewer", "role": "viewer"}
    assert signed["expires_in"] > 0
    token = bearer(signed["token"])
    me = body(client.http.get("/me", headers=token))
    assert me == {"id": viewer["id"], "email": "vera@example.com", "name": "Viewer", "role": "viewer", "via": "token"}

    person = body(post(client, "/candidates", {"email": "pat@example.com", "first_name": "Pat"}, auth))
    assert client.http.get("/candidates", headers=token).status_code == 200
    assert client.http.get(f"/candidates/{person['id']}", headers=token).status_code == 200

    refused = post(client, "/candidates", {"email": "new@example.com"}, token)
    assert refused.status_code == 403
    assert body(refused)["error"]["code"] == "forbidden" and "viewer" in body(refused)["error"]["message"]
    for method, path in (("GET", "/candidates/export.csv"), ("GET", f"/candidates/{person['id']}/export"),
                         ("DELETE", f"/candidates/{person['id']}"), ("GET", "/users"), ("GET", "/audit")):
        answer = client.http.request(method, path, headers=token)
        assert answer.status_code == 403, (method, path)
        assert set(body(answer)["error"]) == {"code", "message"}
    assert client.http.get(f"/candidates/{person['id']}", headers=auth).status_code == 200  # nothing changed
    assert body(client.http.get("/candidates?q=new@", headers=auth))["items"] == []

    entries = audit(client, auth, actor=viewer["id"])
    seen = [(e["action"], e["outcome"]) for e in entries]
    assert ("sign_in", "ok") in seen
    assert ("POST /candidates", "refused") in seen
    assert ("GET /candidates/{candidate_id}", "ok") in seen
    assert ("DELETE /candidates/{candidate_id}", "refused") in seen
    assert all(e["actor"] == {"id": viewer["id"], "email": "vera@example.com"} for e in entries)
    assert all(e["ip"] for e in entries) and [e["at"] for e in entries] == sorted((e["at"] for e in entries),
                                                                                  reverse=True)
    made = audit(client, auth, action="POST /users")
    assert made[0]["target"] == viewer["id"] and made[0]["via"] == "api_key" and made[0]["actor"]["email"] == \
        "admin@example.com"


def test_an_invitation_goes_out_with_a_temporary_password_that_signs_in(client, auth):
    made = post(client, "/users", {"email": "rita@example.com", "name": "Rita", "role": "recruiter"}, auth)
    assert made.status_code == 201 and "temporary_password" not in body(made)
    [mail] = [item for item in outbox() if "rita@example.com" in item["to"]]
    text = text_part(mail["raw"])
    temporary = re.search(r"Temporary password: (\S+)", text).group(1)
    assert "/dashboard" in text
    signed = sign_in_as(client, "rita@example.com", temporary=temporary)
    assert signed["user"]["role"] == "recruiter"
    # the second sign-in takes the chosen password straight to a token
    again = body(post(client, "/auth/sign-in", {"email": "rita@example.com", "password": "Chosen-password-2"}))
    assert again["token"] and again["user"]["email"] == "rita@example.com"
    assert body(client.http.get("/users", headers=auth))["items"][-1]["status"] == "active"


def test_a_recruiter_does_recruiting_work_but_not_users(client, auth):
    recruiter = add_user(client, auth, "recruiter")
    token = bearer(sign_in_as(client, recruiter["email"])["token"])
    assert post(client, "/candidates", {"email": "c@example.com"}, token).status_code == 201
    assert client.http.get("/candidates/export.csv", headers=token).status_code == 200
    for method, path in (("GET", "/users"), ("POST", "/users"), ("GET", "/audit"),
                         ("PATCH", f"/users/{recruiter['id']}"), ("DELETE", f"/users/{recruiter['id']}")):
        assert client.http.request(method, path, headers=token, body="{}").status_code == 403, (method, path)


def test_wrong_password_unknown_address_disabled_and_locked_out_all_answer_the_same(client, auth):
    user = add_user(client, auth, "recruiter", "lou@example.com")
    sign_in_as(client, "lou@example.com")
    answers = [post(client, "/auth/sign-in", {"email": "lou@example.com", "password": "Wrong-password-9"}),
               post(client, "/auth/sign-in", {"email": "nobody@example.com", "password": "Wrong-password-9"})]
    for attempt in range(9):  # the per-address limit is 10 failures in 15 minutes
        post(client, "/auth/sign-in", {"email": "lou@example.com", "password": f"Wrong-password-{attempt}"})
    answers.append(post(client, "/auth/sign-in", {"email": "lou@example.com", "password": "Chosen-password-2"}))
    other = add_user(client, auth, "viewer", "dee@example.com")
    sign_in_as(client, "dee@example.com")
    assert client.http.patch(f"/users/{other['id']}", headers=auth,
                             body=json.dumps({"disabled": True})).status_code == 200
    answers.append(post(client, "/auth/sign-in", {"email": "dee@example.com", "password": "Chosen-password-2"}))
    for answer in answers:
        assert answer.status_code == 401
        assert body(answer) == {"error": {"code": "sign_in_failed", "message": "wrong email or password"}}
    refused = audit(client, auth, actor=user["id"], action="sign_in")
    assert sum(e["outcome"] == "refused" for e in refused) >= 10


def test_a_role_change_a_disabled_account_and_a_sign_out_take_effect_at_once(client, auth):
    user = add_user(client, auth, "viewer")
    token = bearer(sign_in_as(client, user["email"])["token"])
    assert post(client, "/pools", {"name": "Tried", "kind": "static"}, token).status_code == 403
    changed = client.http.patch(f"/users/{user['id']}", headers=auth, body=json.dumps({"role": "recruiter"}))
    assert body(changed)["role"] == "recruiter"
    assert post(client, "/pools", {"name": "Made", "kind": "static"}, token).status_code == 201

    assert client.http.post("/auth/sign-out", headers=token).status_code == 204
    assert client.http.get("/me", headers=token).status_code == 401
    token = bearer(body(post(client, "/auth/sign-in", {"email": user["email"],
                                                      "password": "Chosen-password-2"}))["token"])
    assert client.http.get("/me", headers=token).status_code == 200
    client.http.patch(f"/users/{user['id']}", headers=auth, body=json.dumps({"disabled": True}))
    assert client.http.get("/me", headers=token).status_code == 401
    client.http.patch(f"/users/{user['id']}", headers=auth, body=json.dumps({"disabled": False}))
    assert body(client.http.get(f"/users/{user['id']}", headers=auth))["status"] == "active"


def test_an_api_key_acts_with_its_owners_role(client, auth):
    from chalicelib import wiring

    viewer = add_user(client, auth, "viewer")
    key = wiring.api_keys().create("viewer's script", user_id=viewer["id"])["key"]
    headers = bearer(key)
    assert body(client.http.get("/me", headers=headers))["via"] == "api_key"
    assert body(client.http.get("/me", headers=headers))["role"] == "viewer"
    assert post(client, "/candidates", {"email": "k@example.com"}, headers).status_code == 403
    assert client.http.delete(f"/users/{viewer['id']}", headers=auth).status_code == 204
    assert client.http.get("/me", headers=headers).status_code == 401  # a deleted member's keys stop at once
    assert client.http.get(f"/users/{viewer['id']}", headers=auth).status_code == 404


def test_tokens_that_were_not_issued_for_this_app_or_have_expired_are_refused(client, auth):
    import jwt as pyjwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    user = add_user(client, auth, "admin")
    token = sign_in_as(client, user["email"])["token"]
    claims = pyjwt.decode(token, options={"verify_signature": False})
    header = pyjwt.get_unverified_header(token)
    moto_key = _moto_private_key()
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = [
        pyjwt.encode({**claims, "role": "x"}, forged_key, algorithm="RS256", headers=header),  # not Cognito's key
        pyjwt.encode({**claims, "exp": int(time.time()) - 5}, moto_key, algorithm="RS256", headers=header),
        pyjwt.encode({**claims, "client_id": "another-app"}, moto_key, algorithm="RS256", headers=header),
        pyjwt.encode({**claims, "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, moto_key,
                     algorithm="RS256", headers=header),
        pyjwt.encode({**claims, "token_use": "id"}, moto_key, algorithm="RS256", headers=header),
        pyjwt.encode(claims, "secret", algorithm="HS256", headers={"kid": header["kid"]}),
        token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"),
        "a.b.c", "x" * 9000, "crm_not_a_key", "",
    ]
    good = pyjwt.encode(claims, moto_key, algorithm="RS256", headers=header)
    assert client.http.get("/me", headers=bearer(good)).status_code == 200  # the forgery kit itself works
    for forged in bad:
        answer = client.http.get("/me", headers=bearer(forged))
        assert answer.status_code == 401, forged[:40]
        assert body(answer)["error"]["code"] == "unauthorized"


def _moto_private_key():
    """The key moto signs its Cognito tokens with: lets the test change one claim and sign again."""
    from jwt.algorithms import RSAAlgorithm
    from moto.utilities.utils import load_resource

    return RSAAlgorithm.from_jwk(json.dumps(load_resource("cognitoidp/resources/jwks-private.json")))


def test_the_last_admin_stays_and_nobody_demotes_themselves(client, auth):
    [admin] = [u for u in body(client.http.get("/users", headers=auth))["items"] if u["role"] == "admin"]
    for change in ({"role": "viewer"}, {"disabled": True}):
        answer = client.http.patch(f"/users/{admin['id']}", headers=auth, body=json.dumps(change))
        assert answer.status_code == 409 and body(answer)["error"]["code"] == "own_account"
    assert client.http.delete(f"/users/{admin['id']}", headers=auth).status_code == 409
    second = add_user(client, auth, "admin")
    token = bearer(sign_in_as(client, second["email"])["token"])
    assert client.http.patch(f"/users/{admin['id']}", headers=token,
                             body=json.dumps({"role": "recruiter"})).status_code == 200
    answer = client.http.patch(f"/users/{second['id']}", headers=auth, body=json.dumps({"role": "viewer"}))
    assert answer.status_code == 403  # the first admin is a recruiter now


@pytest.mark.parametrize("payload, field", [
    ({"email": "x@example.com", "name": "X", "role": "owner"}, "role"),
    ({"email": "x@example.com", "name": "X", "role": ["admin"]}, "role"),
    ({"email": "not an address", "name": "X", "role": "viewer"}, "email"),
    ({"email": "x@example.com", "name": "", "role": "viewer"}, "name"),
    ({"email": "x@example.com", "name": "A\r\nBcc: b@example.com", "role": "viewer"}, "name"),
    ({"email": "x@example.com", "name": "x" * 101, "role": "viewer"}, "name"),
    ({"email": "x@example.com", "name": {"a": 1}, "role": "viewer"}, "name"),
    ({"email": "x@example.com", "name": "X", "role": "viewer", "temporary_password": "short"}, "temporary_password"),
    ({"email": "x@example.com", "name": "X", "role": "viewer", "temporary_password": 123456789012345},
     "temporary_password"),
    ({"email": "x@example.com", "name": "X", "role": "viewer", "is_admin": True}, "is_admin"),
    ({"name": "X", "role": "viewer"}, "email"),
])
def test_bad_user_bodies_are_400_naming_the_field_and_create_nothing(client, auth, payload, field):
    before = body(client.http.get("/users", headers=auth))["items"]
    answer = post(client, "/users", payload, auth)
    assert answer.status_code == 400
    assert field in body(answer)["error"]["fields"]
    assert body(client.http.get("/users", headers=auth))["items"] == before


@pytest.mark.parametrize("raw", ['{"email": "a@b.c", "password": 1}', '{"email": ["a"], "password": "x"}', "[]",
                                 '{"email": "a@b.c"}', '{"email": "a@b.c", "password": "\\ud800"}',
                                 '{"email": "a@b.c", "password": "x", "extra": {"a": {"b": {}}}}', "nope",
                                 '{"email": "' + "a" * 300 + '", "password": "x"}'])
def test_bad_sign_in_bodies_are_400_never_500(client, raw):
    answer = client.http.post("/auth/sign-in", headers=JSON, body=raw)
    assert answer.status_code == 400, (raw, answer.body)
    assert body(answer)["error"]["code"] in ("validation_error", "bad_request", "invalid_json")


def test_the_audit_log_filters_pages_and_refuses_bad_filters(client, auth):
    person = body(post(client, "/candidates", {"email": "aud@example.com"}, auth))
    client.http.patch(f"/candidates/{person['id']}", headers=auth, body=json.dumps({"city": "Lyon"}))
    client.http.get(f"/candidates/{person['id']}/export", headers=auth)
    on_person = audit(client, auth, target=person["id"])
    assert [e["action"] for e in on_person] == ["GET /candidates/{candidate_id}/export",
                                                "PATCH /candidates/{candidate_id}", "POST /candidates"]
    assert audit(client, auth, target=person["id"], action="POST%20/candidates")[0]["action"] == "POST /candidates"
    first_at = on_person[-1]["at"]
    assert audit(client, auth, target=person["id"], to="2000-01-01T00:00:00Z") == []
    assert len(audit(client, auth, target=person["id"], **{"from": first_at})) == 3

    page = body(client.http.get(f"/audit?target={person['id']}&limit=2", headers=auth))
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = body(client.http.get(f"/audit?target={person['id']}&limit=2&cursor={page['next_cursor']}", headers=auth))
    assert [e["action"] for e in page["items"] + rest["items"]] == [e["action"] for e in on_person]

    for query in ("from=yesterday", "to=99999-01-01", "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
                  "colour=red", "limit=0", "cursor=garbage", "actor=%0d%0a"):
        answer = client.http.get(f"/audit?{query}", headers=auth)
        assert answer.status_code == 400, query
    # no route changes or deletes an entry
    for method in ("POST", "PATCH", "PUT", "DELETE"):
        assert client.http.request(method, "/audit", headers=auth).status_code in (403, 404, 405)


def test_erasure_keeps_the_audit_entries_but_not_the_person(client, auth):
    person = body(post(client, "/candidates", {"email": "gone@example.com", "first_name": "Gone"}, auth))
    client.http.get(f"/candidates/{person['id']}", headers=auth)
    before = len(audit(client, auth))
    assert client.http.delete(f"/candidates/{person['id']}", headers=auth).status_code == 200
    entries = audit(client, auth)
    assert len(entries) == before + 1
    erased = [e for e in entries if (e["target"] or "").startswith("erased:")]
    assert [e["action"] for e in erased] == ["DELETE /candidates/{candidate_id}", "GET /candidates/{candidate_id}",
                                             "POST /candidates"]
    assert len({e["target"] for e in erased}) == 1
    assert person["id"] not in json.dumps(entries) and "gone@example.com" not in json.dumps(entries)


def test_a_new_deployed_stage_makes_its_first_admin_once_and_invites_them(client, monkeypatch):
    import dataclasses

    from chalicelib import wiring

    deployed = dataclasses.replace(wiring.get_settings(), stage="dev", admin_email="boss@example.com")
    monkeypatch.setattr(wiring, "get_settings", lambda: deployed)
    wiring.first_admin.cache_clear()
    assert wiring.first_admin() is True
    wiring.first_admin.cache_clear()
    assert wiring.first_admin() is False  # the next container finds them
    invitations = [item for item in outbox() if "boss@example.com" in item["to"]]
    assert len(invitations) == 1 and "Temporary password:" in text_part(invitations[0]["raw"])
    [boss] = [u for u in wiring.users().list() if u["email"] == "boss@example.com"]
    assert boss["role"] == "admin" and boss["status"] == "invited"
    wiring.first_admin.cache_clear()


def test_an_admin_makes_and_revokes_keys_for_members_in_the_api(client, auth):
    viewer = add_user(client, auth, "viewer")
    made = post(client, "/apikeys", {"name": "Reporting script", "user_id": viewer["id"]}, auth)
    assert made.status_code == 201 and body(made)["key"].startswith("crm_") and body(made)["user_id"] == viewer["id"]
    key = bearer(body(made)["key"])
    assert body(client.http.get("/me", headers=key))["role"] == "viewer"
    assert client.http.get("/apikeys", headers=key).status_code == 403  # keys are the admin's business
    listed = body(client.http.get("/apikeys", headers=auth))["items"]
    assert any(k["id"] == body(made)["id"] and k["hint"].endswith(body(made)["key"][-4:]) for k in listed)
    assert body(made)["key"] not in json.dumps(listed) and all("key" not in k for k in listed)  # never the key
    for bad in ({"name": ""}, {"name": "x", "user_id": "user_nope"}, {"name": "x", "user_id": 5}, {"nm": "x"}):
        assert post(client, "/apikeys", bad, auth).status_code == 400
    assert post(client, "/apikeys", {"name": "x", "user_id": "user_" + "0" * 26}, auth).status_code == 404
    assert client.http.delete(f"/apikeys/{body(made)['id']}", headers=auth).status_code == 204
    assert client.http.get("/me", headers=key).status_code == 401
    assert client.http.delete(f"/apikeys/{body(made)['id']}", headers=auth).status_code == 404


def test_previews_are_role_checked_but_not_audited(client, auth):
    from chalicelib.domain.accounts import CHANGE_NOTHING, audited

    routes = {(method, path) for path, methods in __import__("app").app.routes.items() for method in methods}
    assert CHANGE_NOTHING <= routes  # every exception names a real route
    assert not any(audited(method, route) for method, route in CHANGE_NOTHING)
    before = len(audit(client, auth))
    post(client, "/templates/preview", {"subject": "Hi", "html": "<p>Hi</p>", "category": "career_advice"}, auth)
    assert len(audit(client, auth)) == before
