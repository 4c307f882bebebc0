"""The team in the workspace over HTTP (admins): members invited by form (the email in the outbox), roles changed,
members disabled, enabled and deleted after a confirmation, API keys made (shown once) and revoked, the audit log
filtered and paged; the services' refusals in words; other roles refused; hostile forms and parameters get a 4xx
page and change nothing."""
import json
import re
from urllib.parse import quote, urlencode

import pytest

from tests.app.helpers import WORKSPACE_FORM, body, outbox, text_part, workspace_session


@pytest.fixture
def session(client):
    return workspace_session(client)


def post_form(client, session, path, fields=None, status=None, raw=None):
    answer = client.http.post(path, headers={**session, **WORKSPACE_FORM},
                              body=raw if raw is not None else urlencode(fields or {}, doseq=True))
    if status is not None:
        assert answer.status_code == status, answer.body.decode()[:2000]
    return answer


def get(client, session, path, status=200) -> str:
    answer = client.http.get(path, headers=session)
    assert answer.status_code == status, answer.body.decode()[:2000]
    return answer.body.decode()


def users(client, auth) -> list[dict]:
    return body(client.http.get("/users", headers=auth))["items"]


def member(client, auth, email, role="recruiter", name=None) -> dict:
    made = client.http.post("/users", headers=auth, body=json.dumps(
        {"email": email, "name": name or email.split("@")[0].title(), "role": role,
         "temporary_password": "Temporary-pass-1"}))
    assert made.status_code == 201, made.body
    return body(made)


def signed_in_as(client, email, role) -> dict:
    """A workspace session of a new member with `role` (their first sign-in's password chosen)."""
    from chalicelib import wiring

    wiring.users().create({"email": email, "name": role.title(), "role": role,
                           "temporary_password": "Temporary-pass-1"})
    first = client.http.post("/auth/sign-in", headers={"Content-Type": "application/json"},
                             body=json.dumps({"email": email, "password": "Temporary-pass-1"}))
    client.http.post("/auth/new-password", headers={"Content-Type": "application/json"}, body=json.dumps(
        {"email": email, "session": body(first)["session"], "new_password": "Own-password-22"}))
    return workspace_session(client, email, "Own-password-22")


def me(client, session) -> str:
    return re.search(r'href="/dashboard/team/members/(user_\w+)">[^<]+</a> <span class="you">', get(
        client, session, "/dashboard/team")).group(1)


# ---------------------------------------------------------------- members

def test_an_invitation_by_form_makes_the_member_and_the_email_goes_out(client, auth, session):
    form = get(client, session, "/dashboard/team/invite")
    for label in ("Email", "Name", "Role"):
        assert f">{label}</label>" in form, label
    assert ">Send invitation</button>" in form and 'value="recruiter" selected' in form
    assert "Invite member" in get(client, session, "/dashboard/team")

    answer = post_form(client, session, "/dashboard/team/invite",
                       {"email": " Rita@Example.com ", "name": "Rita  Recruiter", "role": "viewer"}, status=303)
    [rita] = [u for u in users(client, auth) if u["email"] == "rita@example.com"]
    assert rita["name"] == "Rita Recruiter" and rita["role"] == "viewer" and rita["status"] == "invited"
    assert answer.headers["Location"] == f"/dashboard/team/members/{rita['id']}?done=invited"
    [mail] = [item for item in outbox() if "rita@example.com" in item["to"]]
    assert re.search(r"Temporary password: \S+", text_part(mail["raw"]))
    assert "Invitation sent to rita@example.com" in get(client, session, answer.headers["Location"])

    page = get(client, session, "/dashboard/team")
    assert f'href="/dashboard/team/members/{rita["id"]}">Rita Recruiter</a>' in page
    assert ">Viewer</td>" in page and "badge-invited" in page
    assert "Invitation sent" not in get(client, session, "/dashboard/team?done=invited")
    assert "{email}" not in get(client, session, "/dashboard/team/keys?done=invited")
    [entry] = body(client.http.get("/audit?action=POST%20/dashboard/team/invite", headers=auth))["items"]
    assert entry["target"] == rita["id"]


def test_an_invitation_with_mistakes_says_each_beside_its_field_and_makes_nobody(client, auth, session):
    before = users(client, auth)
    empty = post_form(client, session, "/dashboard/team/invite", {"email": "", "name": "", "role": "recruiter"},
                      status=400).body.decode()
    assert 'id="email-error"' in empty and 'id="name-error"' in empty and "Nobody was invited" in empty
    assert 'aria-invalid="true"' in empty
    wrong = post_form(client, session, "/dashboard/team/invite",
                      {"email": "not-an-address", "name": "Linda", "role": "owner"}, status=400).body.decode()
    assert 'id="email-error"' in wrong and 'id="role-error"' in wrong and 'value="not-an-address"' in wrong
    control = post_form(client, session, "/dashboard/team/invite",
                        {"email": "linda@example.com", "name": "Lin\x07da", "role": "viewer"}, status=400)
    assert 'id="name-error"' in control.body.decode()
    taken = post_form(client, session, "/dashboard/team/invite",
                      {"email": "admin@example.com", "name": "Again", "role": "admin"}, status=409).body.decode()
    assert 'id="email-error">already has an account</p>' in taken and 'value="Again"' in taken
    assert users(client, auth) == before


def test_a_role_change_a_disable_an_enable_and_a_delete_after_its_confirmation(client, auth, session):
    vera = member(client, auth, "vera@example.com", "viewer", "Vera")
    page = get(client, session, f"/dashboard/team/members/{vera['id']}")
    assert ">Change role</button>" in page and ">Disable member</button>" in page and ">Delete member</a>" in page
    assert 'value="viewer" selected' in page

    changed = post_form(client, session, f"/dashboard/team/members/{vera['id']}/role", {"role": "recruiter"}, 303)
    assert changed.headers["Location"] == f"/dashboard/team/members/{vera['id']}?done=role"
    assert "Role changed." in get(client, session, changed.headers["Location"])
    assert body(client.http.get(f"/users/{vera['id']}", headers=auth))["role"] == "recruiter"

    post_form(client, session, f"/dashboard/team/members/{vera['id']}/disable", {}, 303)
    assert body(client.http.get(f"/users/{vera['id']}", headers=auth))["status"] == "disabled"
    page = get(client, session, f"/dashboard/team/members/{vera['id']}?done=disabled")
    assert "Member disabled" in page and ">Enable member</button>" in page
    post_form(client, session, f"/dashboard/team/members/{vera['id']}/enable", {}, 303)
    assert body(client.http.get(f"/users/{vera['id']}", headers=auth))["status"] != "disabled"

    key = post_form(client, session, "/dashboard/team/keys", {"name": "Vera's script", "user_id": vera["id"]}, 201)
    secret = re.search(r'value="(crm_[^"]+)"', key.body.decode()).group(1)
    confirm = get(client, session, f"/dashboard/team/members/{vera['id']}/delete")
    assert "Delete Vera?" in confirm and "Their 1 API key (Vera&#39;s script)" in confirm
    assert ">Delete member</button>" in confirm and "audit log" in confirm
    assert body(client.http.get(f"/users/{vera['id']}", headers=auth))["id"] == vera["id"]  # asking deletes nothing
    gone = post_form(client, session, f"/dashboard/team/members/{vera['id']}/delete", {}, 303)
    assert gone.headers["Location"] == "/dashboard/team?done=deleted"
    assert client.http.get(f"/users/{vera['id']}", headers=auth).status_code == 404
    assert client.http.get("/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "vera@example.com" not in get(client, session, "/dashboard/team")


def test_own_account_refusals_are_said_in_words_and_change_nothing(client, auth, session):
    mine = me(client, session)
    page = get(client, session, f"/dashboard/team/members/{mine}")
    assert "This is your own account" in page and ">Disable member<" not in page
    for path, fields in (("role", {"role": "viewer"}), ("disable", {}), ("delete", {})):
        answer = post_form(client, session, f"/dashboard/team/members/{mine}/{path}", fields, status=409)
        assert "You cannot demote, disable or delete your own account" in answer.body.decode(), path
    assert [(u["role"], u["status"]) for u in users(client, auth) if u["id"] == mine] == [("admin", "active")]


def test_a_role_form_without_a_role_changes_nothing_and_says_so(client, auth, session):
    rex = member(client, auth, "rex@example.com", "viewer")
    answer = post_form(client, session, f"/dashboard/team/members/{rex['id']}/role", {}, status=400)
    assert "choose a role" in answer.body.decode()
    repeated = post_form(client, session, f"/dashboard/team/members/{rex['id']}/role",
                         raw="role=admin&role=viewer", status=400)
    assert 'role="alert"' in repeated.body.decode()
    assert body(client.http.get(f"/users/{rex['id']}", headers=auth))["role"] == "viewer"


# ---------------------------------------------------------------- API keys

def test_a_key_made_for_a_member_is_shown_once_acts_as_them_and_is_revoked(client, auth, session):
    ada = member(client, auth, "ada@example.com", "recruiter", "Ada")
    form = get(client, session, f"/dashboard/team/keys?member={ada['id']}")
    assert ">Name</label>" in form and ">Member</label>" in form and ">Create API key</button>" in form
    assert f'<option value="{ada["id"]}" selected>' in form

    made = post_form(client, session, "/dashboard/team/keys", {"name": "ATS sync", "user_id": ada["id"]}, 201)
    page = made.body.decode()
    secret = re.search(r'value="(crm_[^"]+)"', page).group(1)
    assert "shown only this once" in page and "acting as Ada (recruiter)" in page
    assert made.headers["Cache-Control"] == "no-store"
    assert body(client.http.get("/me", headers={"Authorization": f"Bearer {secret}"}))["id"] == ada["id"]

    [key] = [k for k in body(client.http.get("/apikeys", headers=auth))["items"] if k["name"] == "ATS sync"]
    listed = get(client, session, "/dashboard/team/keys")
    assert "ATS sync" in listed and key["hint"] in listed and secret not in listed and ">Ada</a>" in listed
    assert f'action="/dashboard/team/keys/{key["id"]}/revoke"' in listed
    revoked = post_form(client, session, f"/dashboard/team/keys/{key['id']}/revoke", {}, 303)
    assert revoked.headers["Location"] == "/dashboard/team/keys?done=revoked"
    assert "API key revoked." in get(client, session, revoked.headers["Location"])
    assert client.http.get("/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    post_form(client, session, f"/dashboard/team/keys/{key['id']}/revoke", {}, 404)  # once is all


def test_a_key_form_with_mistakes_makes_no_key(client, auth, session):
    before = body(client.http.get("/apikeys", headers=auth))["items"]
    for fields, place in (({"name": ""}, "name-error"), ({"name": "x" * 101}, "name-error"),
                          ({"name": "Ok", "user_id": "user_nope"}, "user_id-error"),
                          ({"name": "Ok", "user_id": "user_" + "0" * 26}, "user_id-error")):
        answer = post_form(client, session, "/dashboard/team/keys", fields, status=400)
        assert f'id="{place}"' in answer.body.decode() and "No key was made" in answer.body.decode(), fields
    assert body(client.http.get("/apikeys", headers=auth))["items"] == before
    assert get(client, session, "/dashboard/team/keys?member=user_nope", status=400)


# ---------------------------------------------------------------- the audit log

def test_the_audit_log_filters_by_member_record_action_and_period_and_pages(client, auth, session):
    pat = member(client, auth, "pat@example.com", "viewer", "Pat")
    post_form(client, session, f"/dashboard/team/members/{pat['id']}/role", {"role": "recruiter"}, 303)
    post_form(client, session, f"/dashboard/team/members/{pat['id']}/disable", {}, 303)
    everything = get(client, session, "/dashboard/team/audit")
    assert everything.index("POST /dashboard/team/members/{user_id}/disable") < everything.index(
        "POST /dashboard/team/members/{user_id}/role")  # newest first
    for label in ("Member", "Record", "Action", "From (UTC)", "To (UTC)"):
        assert f">{label}</label>" in everything

    by_record = get(client, session, f"/dashboard/team/audit?record={pat['id']}")
    assert "/role" in by_record and "/disable" in by_record and "POST /users<" in by_record
    assert ">sign_in</a>" not in by_record
    by_action = get(client, session, "/dashboard/team/audit?" + urlencode(
        {"action": "POST /dashboard/team/members/{user_id}/role"}))
    assert by_action.count("<time ") == 1 and pat["id"] in by_action
    mine = me(client, session)
    by_member = get(client, session, f"/dashboard/team/audit?member={mine}")
    assert f'<option value="{mine}" selected>' in by_member and "<time " in by_member
    assert "No entries match these filters." in get(client, session, "/dashboard/team/audit?member=anonymous")
    today = body(client.http.get("/audit?limit=1", headers=auth))["items"][0]["at"][:10]
    assert "<time " in get(client, session, f"/dashboard/team/audit?from={today}&to={today}")
    assert "No entries" in get(client, session, "/dashboard/team/audit?from=2000-01-01&to=2000-01-31")

    first = get(client, session, "/dashboard/team/audit?limit=2")
    assert first.count("<time ") == 2
    older = re.search(r'href="(/dashboard/team/audit\?cursor=[^"]+)">Older entries', first).group(1)
    second = get(client, session, older.replace("&amp;", "&"))
    assert second.count("<time ") >= 1 and ">Newest entries</a>" in second
    times = re.findall(r'<time datetime="([^"]+)"', first + second)
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("query, field", [
    ("from=2026-02-30", "from"), ("from=yesterday", "from"), ("to=2026-01-01&from=2026-02-01", "from"),
    ("member=a&member=b", "member"), ("action=%E2%80%AE" + "x" * 600, None), ("record=a%0Ab", None),
    ("cursor=bm90LWEtY3Vyc29y", None), ("limit=0", None), ("limit=999", None), ("limit=x", None),
])
def test_bad_audit_filters_are_4xx_and_name_the_filter(client, session, query, field):
    answer = client.http.get(f"/dashboard/team/audit?{query}", headers=session)
    assert 400 <= answer.status_code < 500, answer.body.decode()[:500]
    if field:
        assert f'id="{field}-error"' in answer.body.decode()


# ---------------------------------------------------------------- roles and hostile input

@pytest.mark.parametrize("role", ["recruiter", "viewer"])
def test_only_admins_see_the_team(client, auth, role):
    other = signed_in_as(client, f"{role}@example.com", role)
    target = member(client, auth, f"target-{role}@example.com", "viewer")
    assert ">Team</a>" not in get(client, other, "/dashboard")
    for path in ("/dashboard/team", "/dashboard/team/invite", "/dashboard/team/keys", "/dashboard/team/audit",
                 f"/dashboard/team/members/{target['id']}", f"/dashboard/team/members/{target['id']}/delete"):
        assert client.http.get(path, headers=other).status_code == 403, path
    for path, fields in (("/dashboard/team/invite", {"email": "x@example.com", "name": "X", "role": "admin"}),
                         (f"/dashboard/team/members/{target['id']}/role", {"role": "admin"}),
                         (f"/dashboard/team/members/{target['id']}/delete", {}),
                         ("/dashboard/team/keys", {"name": "mine"})):
        assert post_form(client, other, path, fields).status_code == 403, path
    assert body(client.http.get(f"/users/{target['id']}", headers=auth))["role"] == "viewer"
    assert "x@example.com" not in {u["email"] for u in users(client, auth)}


HOSTILE = [
    ("huge", "role=" + "a" * 20000, 413),
    ("control characters", "role=admin%00", 400),
    ("lone surrogate", "role=%ED%A0%80", 400),
    ("repeated", "role=admin&role=viewer&email=a%40example.com&email=b%40example.com&name=A&name=B", 400),
    ("not UTF-8", "name=%FF%FE", 400),
]


@pytest.mark.parametrize("kind, raw, status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_forms_are_4xx_pages_and_change_nothing(client, auth, session, kind, raw, status):
    target = member(client, auth, "hostile@example.com", "viewer")
    before = users(client, auth), body(client.http.get("/apikeys", headers=auth))["items"]
    for path in ("/dashboard/team/invite", f"/dashboard/team/members/{target['id']}/role",
                 f"/dashboard/team/members/{target['id']}/disable", f"/dashboard/team/members/{target['id']}/delete",
                 "/dashboard/team/keys"):
        answer = post_form(client, session, path, raw=raw)
        assert answer.status_code == status, (path, answer.status_code, answer.body.decode()[:300])
        assert answer.headers["Content-Type"].startswith("text/html"), path
    assert (users(client, auth), body(client.http.get("/apikeys", headers=auth))["items"]) == before


def test_wrong_types_in_json_and_unknown_ids_are_4xx(client, auth, session):
    target = member(client, auth, "typed@example.com", "viewer")
    as_json = {**session, "Content-Type": "application/json"}
    for path, payload in (("/dashboard/team/invite", {"email": ["a@example.com"], "name": 5, "role": True}),
                          (f"/dashboard/team/members/{target['id']}/role", {"role": 5}),
                          ("/dashboard/team/keys", {"name": {"x": 1}, "user_id": 7}),
                          ("/dashboard/team/invite", ["not", "an", "object"])):
        answer = client.http.post(path, headers=as_json, body=json.dumps(payload))
        assert answer.status_code == 400, (path, answer.body.decode()[:300])
    for path in ("/dashboard/team/members/user_nope", "/dashboard/team/members/user_nope/delete"):
        assert client.http.get(path, headers=session).status_code == 404
    for path in ("/dashboard/team/members/user_nope/role", "/dashboard/team/members/user_nope/disable",
                 "/dashboard/team/members/user_nope/enable", "/dashboard/team/members/user_nope/delete",
                 "/dashboard/team/keys/key_nope/revoke"):
        fields = {"role": "admin"} if path.endswith("/role") else {}
        assert post_form(client, session, path, fields).status_code == 404, path
    for bad in ("x" * 600, quote("user_\r\nSet-Cookie: a=b", safe="")):
        assert client.http.get(f"/dashboard/team/members/{bad}", headers=session).status_code == 400
    assert body(client.http.get(f"/users/{target['id']}", headers=auth))["role"] == "viewer"
