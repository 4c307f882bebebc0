"""Pools in the workspace over HTTP: the list, the rule builder and its live count, saving (new and edit), a pool's
page (rules in words, members, figures), static members, deletion, roles, and hostile input (4xx, nothing changed)."""
import json
import re
from urllib.parse import quote, urlencode

import pytest

from tests.app.helpers import WORKSPACE_FORM, body, tick, workspace_session

PYTHON = {"g0.op": "all", "g0.c0.field": "skills", "g0.c0.op": "contains_any", "g0.c0.value": "python"}


@pytest.fixture
def people(client, auth):
    made = {}
    for email, fields in (("ada@example.com", {"skills": ["python"], "city": "Berlin", "first_name": "Ada"}),
                          ("bob@example.com", {"skills": ["python", "go"], "city": "London", "remote_ok": True}),
                          ("cy@example.com", {"skills": ["java"], "city": "Berlin"})):
        answer = client.http.post("/candidates", headers=auth, body=json.dumps({"email": email, **fields}))
        made[email] = body(answer)["id"]
    return made


@pytest.fixture
def browser(client):
    return workspace_session(client)


def post(client, browser, path, fields, htmx=False):
    headers = {**browser, **WORKSPACE_FORM, **({"HX-Request": "true"} if htmx else {})}
    return client.http.post(path, headers=headers, body=urlencode(fields, doseq=True))


def html(answer) -> str:
    return answer.body.decode()


def pools(client, auth) -> list[dict]:
    return body(client.http.get("/pools?limit=500", headers=auth))["items"]


def created(client, browser, fields) -> str:
    answer = post(client, browser, "/dashboard/pools/new", {**fields, "action": "save"})
    assert answer.status_code == 303, html(answer)
    return answer.headers["Location"].rsplit("/", 1)[1]


# ---------------------------------------------------------------- the list

def test_the_list_shows_each_pool_and_a_new_pool_button(client, auth, browser):
    client.http.post("/pools", headers=auth, body=json.dumps({"name": "Shortlist <b>", "kind": "static"}))
    page = client.http.get("/dashboard/pools", headers=browser)
    text = html(page)
    assert page.status_code == 200 and ">New pool</button>" in text
    assert "Shortlist &lt;b&gt;" in text and "Static" in text and "badge-ready" in text
    assert "Not contacted in 90 days" in text and "(built in)" in text  # the built-in pools
    assert '<link rel="stylesheet" href="/dashboard/assets/pools.css">' in text
    assert client.http.get("/dashboard/assets/pools.css").status_code == 200


# ---------------------------------------------------------------- the builder and its live count

def test_the_builder_counts_and_samples_as_the_rules_change(client, browser, people):
    answer = post(client, browser, "/dashboard/pools/builder", PYTHON, htmx=True)
    text = html(answer)
    assert answer.status_code == 200 and "2 people match" in text and 'id="rules-area"' in text
    assert f'href="/dashboard/candidates/{people["ada@example.com"]}">Ada</a>' in text
    assert f'/dashboard/candidates/{people["bob@example.com"]}' in text
    one = post(client, browser, "/dashboard/pools/builder", {**PYTHON, "g0.c1.field": "city", "g0.c1.op": "eq",
                                                             "g0.c1.value": "berlin"}, htmx=True)
    assert "1 person matches" in html(one)
    nobody = post(client, browser, "/dashboard/pools/builder", {**PYTHON, "g0.c0.value": "cobol"}, htmx=True)
    assert "0 people match" in html(nobody)


def test_builder_buttons_add_groups_and_conditions_and_remove_rows(client, browser, people):
    grown = html(post(client, browser, "/dashboard/pools/builder", {**PYTHON, "action": "group:g0"}))
    assert 'name="g0.g1.op"' in grown and 'name="g0.g1.c0.field"' in grown and "Group 2" in grown
    assert "Fill in each condition’s value" in grown  # the new row is empty: no count, no error shown
    assert 'class="field-error" id="g0-g1-c0-error"></p>' in grown
    fields = {**PYTHON, "g0.g1.op": "any", "g0.g1.c0.field": "city", "g0.g1.c0.op": "eq", "g0.g1.c0.value": "London",
              "g0.g1.c1.field": "remote_ok", "g0.g1.c1.op": "eq", "g0.g1.c1.value": "yes"}
    assert "1 person matches" in html(post(client, browser, "/dashboard/pools/builder", fields))
    added = html(post(client, browser, "/dashboard/pools/builder", {**fields, "action": "add:g0.g1"}))
    assert 'name="g0.g1.c2.field"' in added and "autofocus" in added
    removed = html(post(client, browser, "/dashboard/pools/builder", {**fields, "action": "remove:g0.c0"}))
    assert 'name="g0.g0.op"' in removed and 'name="g0.c0.field"' not in removed  # renumbered
    none = html(post(client, browser, "/dashboard/pools/builder", {**fields, "g0.op": "none"}))
    assert "1 person matches" in none  # only cy: not python, not (London or remote)


def test_the_builder_adapts_operators_and_values_to_the_field(client, browser, people):
    # a field of another type: its own operators (the first chosen), a yes/no list for booleans
    text = html(post(client, browser, "/dashboard/pools/builder", {**PYTHON, "g0.c0.field": "remote_ok"}))
    assert '<option value="eq" selected>is</option>' in text and 'name="g0.c0.value"' in text
    assert '<option value="yes" selected>yes</option>' in text and "1 person matches" in text
    missing = html(post(client, browser, "/dashboard/pools/builder", {**PYTHON, "g0.c0.op": "missing"}))
    assert 'name="g0.c0.value"' not in missing and "0 people match" in missing
    wrong = html(post(client, browser, "/dashboard/pools/builder",
                      {"g0.op": "all", "g0.c0.field": "engagement_score", "g0.c0.op": "gte", "g0.c0.value": "lots"}))
    assert "Condition 1: a number such as 10" in wrong and "a number such as 10</p>" in wrong


def test_a_big_table_gives_an_estimate_from_a_sample_and_says_so(client, browser, people, monkeypatch):
    from chalicelib.services import pools as service
    from chalicelib.store import candidates

    monkeypatch.setattr(service, "PREVIEW_READ", 2)
    monkeypatch.setattr(candidates, "APPROXIMATE_FOR", 0)
    text = html(post(client, browser, "/dashboard/pools/builder", {**PYTHON, "g0.c0.op": "exists"}))
    assert "About 3 people match" in text and "2 of a sample of 2 people (100.0%) of about 3" in text
    rare = html(post(client, browser, "/dashboard/pools/builder",
                     {"g0.op": "all", "g0.c0.field": "city", "g0.c0.op": "eq", "g0.c0.value": "Lisbon"}))
    assert "No match in a sample of 2 people" in rare and "At least 0" not in rare


def test_the_json_preview_route(client, auth, people):
    rules = {"any": [{"field": "city", "op": "eq", "value": "berlin"}, {"not": {"field": "skills", "op": "exists"}}]}
    answer = client.http.post("/pools/preview", headers=auth, body=json.dumps({"rules": rules}))
    found = body(answer)
    assert answer.status_code == 200 and found["count"] == 2 and found["exact"] is True and found["read"] == 3
    assert sorted(p["email"] for p in found["sample"]) == ["ada@example.com", "cy@example.com"]
    for bad in ({}, {"rules": {"all": []}}, {"rules": "x"}, {"rules": {"field": "skills", "op": "gte", "value": 1}}):
        refused = client.http.post("/pools/preview", headers=auth, body=json.dumps(bad))
        assert refused.status_code == 400 and body(refused)["error"]["fields"], bad


# ---------------------------------------------------------------- saving

def test_a_new_rule_based_pool_is_saved_as_the_grammar_and_read_back_in_words(client, auth, browser, people):
    fields = {"name": "Python, Berlin or remote", "description": "For the Q3 push", "kind": "dynamic", **PYTHON,
              "g0.g1.op": "any", "g0.g1.c0.field": "city", "g0.g1.c0.op": "eq", "g0.g1.c0.value": "Berlin",
              "g0.g1.c1.field": "remote_ok", "g0.g1.c1.op": "eq", "g0.g1.c1.value": "yes"}
    pool_id = created(client, browser, fields)
    pool = body(client.http.get(f"/pools/{pool_id}", headers=auth))
    assert pool["rules"] == {"all": [{"field": "skills", "op": "contains_any", "value": ["python"]},
                                     {"any": [{"field": "city", "op": "eq", "value": "Berlin"},
                                              {"field": "remote_ok", "op": "eq", "value": True}]}]}
    assert pool["kind"] == "dynamic" and pool["description"] == "For the Q3 push"
    rebuilding = html(client.http.get(f"/dashboard/pools/{pool_id}", headers=browser))
    assert 'hx-trigger="every 2s"' in rebuilding  # the status is polled while the pool is counted
    tick()
    status = client.http.get(f"/dashboard/pools/{pool_id}/status", headers=browser)
    assert status.headers.get("HX-Refresh") == "true" and "badge-ready" in html(status)
    page = html(client.http.get(f"/dashboard/pools/{pool_id}", headers=browser))
    assert "skills include python AND (city is Berlin OR remote is yes)" in page
    assert "Rule-based pool" in page and "2 people" in page and 'hx-trigger="every 2s"' not in page
    assert f'/dashboard/candidates/{people["ada@example.com"]}' in page and "bob@example.com" in page
    assert "For the Q3 push" in page and ">Remove<" not in page  # a rule-based pool's members follow its rules
    figures = html(client.http.get(f"/dashboard/pools/{pool_id}/figures", headers=browser))
    for label in ("Engaged in 90 days", "Radio silence", "Stale profiles", "Hires credited to campaigns", "Health"):
        assert label in figures


def test_editing_shows_the_rules_in_the_builder_and_rebuilds_only_when_they_change(client, auth, browser, people):
    rules = {"all": [{"field": "skills", "op": "contains_any", "value": ["python", "go"]},
                     {"not": {"field": "city", "op": "in", "value": ["London", "Paris"]}},
                     {"field": "last_contacted_at", "op": "older_than", "value": "P90D"}]}
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": "Old", "kind": "dynamic",
                                                                          "rules": rules})))
    form = html(client.http.get(f"/dashboard/pools/{pool['id']}/edit", headers=browser))
    assert 'value="python, go"' in form and 'value="London, Paris"' in form and 'value="90 days"' in form
    assert '<option value="none" selected>none of these</option>' in form and 'value="Old"' in form
    same = {"name": "Renamed", "description": "", "g0.op": "all", "g0.c0.field": "skills", "g0.c0.op": "contains_any",
            "g0.c0.value": "python, go", "g0.g1.op": "none", "g0.g1.c0.field": "city", "g0.g1.c0.op": "in",
            "g0.g1.c0.value": "London, Paris", "g0.c2.field": "last_contacted_at", "g0.c2.op": "older_than",
            "g0.c2.value": "90 days", "action": "save"}
    assert post(client, browser, f"/dashboard/pools/{pool['id']}/edit", same).status_code == 303
    renamed = body(client.http.get(f"/pools/{pool['id']}", headers=auth))
    assert renamed["name"] == "Renamed" and renamed["generation"] == 1 and renamed["rules"] == rules
    changed = post(client, browser, f"/dashboard/pools/{pool['id']}/edit", {**same, "g0.c2.value": "6 months"})
    assert changed.status_code == 303
    after = body(client.http.get(f"/pools/{pool['id']}", headers=auth))
    assert after["generation"] == 2 and after["rules"]["all"][2]["value"] == "P6M"


def test_a_static_pool_lists_its_members_with_remove_and_a_way_to_add_more(client, auth, browser, people):
    pool_id = created(client, browser, {"name": "Shortlist", "kind": "static", **PYTHON})  # the rules are ignored
    assert body(client.http.get(f"/pools/{pool_id}", headers=auth))["rules"] is None
    client.http.post(f"/pools/{pool_id}/members", headers=auth,
                     body=json.dumps({"candidate_ids": [people["ada@example.com"], people["cy@example.com"]]}))
    page = html(client.http.get(f"/dashboard/pools/{pool_id}", headers=browser))
    assert "Static pool" in page and "A static pool" in page and 'href="/dashboard/candidates"' in page
    assert f'/dashboard/pools/{pool_id}/members/{people["ada@example.com"]}/remove' in page
    assert 'aria-label="Remove Ada"' in page
    gone = post(client, browser, f"/dashboard/pools/{pool_id}/members/{people['ada@example.com']}/remove", {})
    assert gone.status_code == 303 and gone.headers["Location"] == f"/dashboard/pools/{pool_id}"
    left = body(client.http.get(f"/pools/{pool_id}/members", headers=auth))["items"]
    assert [m["email"] for m in left] == ["cy@example.com"]
    again = post(client, browser, f"/dashboard/pools/{pool_id}/members/{people['ada@example.com']}/remove", {})
    assert again.status_code == 404 and "is not a member" in html(again)
    edit = html(client.http.get(f"/dashboard/pools/{pool_id}/edit", headers=browser))
    assert 'id="rules-area"' not in edit  # a static pool has no rules to edit


def test_members_are_paged(client, auth, browser, people, monkeypatch):
    from chalicelib.api import ws_pools

    monkeypatch.setattr(ws_pools, "MEMBERS_PAGE", 2)
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": "S", "kind": "static"})))
    client.http.post(f"/pools/{pool['id']}/members", headers=auth, body=json.dumps({"candidate_ids": list(people.values())}))
    first = html(client.http.get(f"/dashboard/pools/{pool['id']}", headers=browser))
    cursor = re.search(r'\?cursor=([^"]+)">Next page', first).group(1)
    second = html(client.http.get(f"/dashboard/pools/{pool['id']}?cursor={cursor}", headers=browser))
    assert "First page" in second and "Next page" not in second
    shown = [email for email in people if email in first] + [email for email in people if email in second]
    assert sorted(shown) == sorted(people)


def test_deleting_asks_first_and_keeps_the_people(client, auth, browser, people):
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": "Temp", "kind": "static"})))
    confirm = html(client.http.get(f"/dashboard/pools/{pool['id']}/delete", headers=browser))
    assert "The people stay" in confirm and ">Delete pool</button>" in confirm
    done = post(client, browser, f"/dashboard/pools/{pool['id']}/delete", {})
    assert done.status_code == 303 and done.headers["Location"] == "/dashboard/pools"
    assert client.http.get(f"/pools/{pool['id']}", headers=auth).status_code == 404
    assert client.http.get(f"/candidates/{people['ada@example.com']}", headers=auth).status_code == 200


# ---------------------------------------------------------------- form problems: 400, the form again, nothing stored

@pytest.mark.parametrize("fields, where, problem", [
    ({"name": "", "kind": "dynamic", **PYTHON}, "name-error", "required text"),
    ({"name": "P", "kind": "dynamic", **PYTHON, "g0.c0.value": ""}, "g0-c0-error", "fill in a value"),
    ({"name": "P", "kind": "dynamic", "g0.op": "all"}, "", "add a condition"),
    ({"name": "P", "kind": "dynamic", **PYTHON, "g0.c1.field": "created_at", "g0.c1.op": "older_than",
      "g0.c1.value": "ages"}, "g0-c1-error", "a length of time such as 90 days"),
    ({"name": "P", "kind": "dynamic", **PYTHON, "g0.c1.field": "created_at", "g0.c1.op": "gte",
      "g0.c1.value": "31/01/2026"}, "g0-c1-error", "a day such as 2026-01-31"),
    ({"name": "P", "kind": "dynamic", **PYTHON, "g0.c0.value": "x" * 201}, "g0-c0-error", "at most 200 characters"),
    ({"name": "P", "kind": "sometimes", **PYTHON}, "", "must be static or dynamic"),
    ({"name": "P" * 101, "kind": "dynamic", **PYTHON}, "name-error", "required text"),
    ({"name": "a\nb", "kind": "static"}, "name-error", "line breaks"),
    ({"name": "P", "description": "d" * 1001, "kind": "static"}, "description-error", "1000"),
])
def test_a_bad_form_is_shown_again_with_the_problem_beside_the_field(client, auth, browser, fields, where, problem):
    before = pools(client, auth)
    answer = post(client, browser, "/dashboard/pools/new", {**fields, "action": "save"})
    text = html(answer)
    assert answer.status_code == 400 and "The pool was not saved" in text and problem in text
    if where:
        assert re.search(f'id="{where}">[^<]*{re.escape(problem)}', text), text
    assert 'name="name"' in text and pools(client, auth) == before


def test_an_edit_with_problems_changes_nothing(client, auth, browser, people):
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps(
        {"name": "Keep", "kind": "dynamic", "rules": {"all": [{"field": "skills", "op": "contains_any", "value": ["go"]}]}})))
    answer = post(client, browser, f"/dashboard/pools/{pool['id']}/edit",
                  {"name": "", "description": "", **PYTHON, "g0.c0.value": "", "action": "save"})
    assert answer.status_code == 400 and "fill in a value" in html(answer) and "required text" in html(answer)
    after = body(client.http.get(f"/pools/{pool['id']}", headers=auth))
    assert (after["name"], after["rules"], after["generation"]) == ("Keep", pool["rules"], 1)


# ---------------------------------------------------------------- hostile input: 4xx, never a 500, nothing changed

@pytest.mark.parametrize("raw", [
    "name=a&name=b&kind=static&action=save",                       # a field twice
    "name=P&kind=dynamic&action=save&g0.c0.field=skills&g0.c0.field=city",
    "name=P&kind=dynamic&action=save&g0.c0.value=%ED%A0%80",       # a lone surrogate
    "name=P&kind=dynamic&action=save&g0.c0.value=%FF%FE",          # not UTF-8
    "name=P&kind=static&action=save&description=a%00b",            # a control character
    "&".join(f"g0.c{i}.field=skills" for i in range(150)),           # too many fields
    "name=P&kind=dynamic&action=save&" + "g0" + ".g1" * 5 + ".c0.field=skills",   # groups too deep
    "name=a%07b&kind=static&action=save",                          # a bell in a one-line field
    "name=P&kind=dynamic&action=explode:g0",
    "name=P&kind=dynamic&action=remove:g0",
    "name=P&kind=dynamic&action=remove:g0.c7",
])
def test_hostile_forms_are_refused_and_change_nothing(client, auth, browser, raw):
    before = pools(client, auth)
    for path in ("/dashboard/pools/new", "/dashboard/pools/builder"):
        answer = client.http.post(path, headers={**browser, **WORKSPACE_FORM}, body=raw)
        assert 400 <= answer.status_code < 500, (path, raw, answer.status_code, answer.body[:300])
    assert pools(client, auth) == before


def test_huge_bodies_wrong_types_and_unknown_ids_are_4xx(client, auth, browser):
    before = pools(client, auth)
    huge = client.http.post("/dashboard/pools/builder", headers={**browser, **WORKSPACE_FORM},
                            body="g0.c0.value=" + "x" * 70000)
    assert huge.status_code == 413
    as_json = client.http.post("/dashboard/pools/new", headers={**browser, "Content-Type": "application/json"},
                               body=json.dumps({"name": 5, "kind": ["static"], "action": "save"}))
    assert as_json.status_code == 400 and "name: one value, as text" in as_json.body.decode()
    wrong_media = client.http.post("/dashboard/pools/new", headers={**browser, "Content-Type": "text/plain"}, body="x")
    assert wrong_media.status_code == 415
    for path in ("/dashboard/pools/pool_nope", "/dashboard/pools/pool_nope/edit", "/dashboard/pools/pool_nope/delete",
                 "/dashboard/pools/pool_nope/figures", "/dashboard/pools/" + "x" * 300):
        assert client.http.get(path, headers=browser).status_code == 404, path
    for path in ("/dashboard/pools/pool_nope/edit", "/dashboard/pools/pool_nope/delete",
                 "/dashboard/pools/pool_nope/members/cand_nope/remove"):
        assert post(client, browser, path, {"name": "x", "action": "save"}).status_code == 404, path
    for query in ("cursor=nope", "cursor=" + quote("\u2028"), "cursor=" + "x" * 3000):
        assert client.http.get("/dashboard/pools?" + query, headers=browser).status_code == 400, query
    assert pools(client, auth) == before


def test_a_dynamic_pool_refuses_member_removal(client, auth, browser, people):
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps(
        {"name": "D", "kind": "dynamic", "rules": {"field": "skills", "op": "exists"}})))
    answer = post(client, browser, f"/dashboard/pools/{pool['id']}/members/{people['ada@example.com']}/remove", {})
    assert answer.status_code == 409


# ---------------------------------------------------------------- roles

def test_a_viewer_reads_pools_but_cannot_change_them(client, auth, people):
    client.http.post("/users", headers=auth, body=json.dumps({"email": "vw@example.com", "name": "Vw",
                                                              "role": "viewer", "temporary_password": "Temporary-pass-1"}))
    first = client.http.post("/dashboard/sign-in", headers={"Content-Type": "application/x-www-form-urlencoded"},
                             body=urlencode({"email": "vw@example.com", "password": "Temporary-pass-1"}))
    session_value = html(first).split('name="session" value="')[1].split('"')[0]
    done = client.http.post("/dashboard/new-password", headers={"Content-Type": "application/x-www-form-urlencoded"},
                            body=urlencode({"email": "vw@example.com", "session": session_value,
                                            "new_password": "Viewer-own-pass-2"}))
    viewer = {"Cookie": done.headers["Set-Cookie"].split(";")[0], "Sec-Fetch-Site": "same-origin"}
    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": "S", "kind": "static"})))
    listing = client.http.get("/dashboard/pools", headers=viewer)
    assert listing.status_code == 200 and "New pool" not in html(listing)
    page = client.http.get(f"/dashboard/pools/{pool['id']}", headers=viewer)
    assert page.status_code == 200 and "Edit pool" not in html(page)
    assert post(client, viewer, "/dashboard/pools/new", {"name": "V", "kind": "static", "action": "save"}).status_code == 403
    assert post(client, viewer, f"/dashboard/pools/{pool['id']}/delete", {}).status_code == 403
    assert len(pools(client, auth)) == 3  # the two built in, and S


def test_a_change_from_another_site_is_refused(client, auth, browser):
    answer = client.http.post("/dashboard/pools/new", headers={"Cookie": browser["Cookie"], "Sec-Fetch-Site": "cross-site",
                                                               **{"Content-Type": WORKSPACE_FORM["Content-Type"]}},
                              body=urlencode({"name": "X", "kind": "static", "action": "save"}))
    assert answer.status_code == 403 and not [p for p in pools(client, auth) if p["name"] == "X"]


def test_the_figures_draw_the_size_history(client, auth, browser):
    from chalicelib import wiring

    pool = body(client.http.post("/pools", headers=auth, body=json.dumps({"name": "H", "kind": "static"})))
    for day, size in (("2026-01-01", 10), ("2026-01-02", 40), ("2026-01-03", 25)):
        wiring.key_repo().set_entry(f"poolsizes#{pool['id']}", day, size)
    figures = html(client.http.get(f"/dashboard/pools/{pool['id']}/figures", headers=browser))
    points = re.search(r'<polyline class="history-line" points="([^"]+)"', figures).group(1).split()
    assert len(points) == 3 and points[1].endswith(",8.0")  # the largest reaches the top
    assert "from 10 on 2026-01-01 to 25 on 2026-01-03" in figures and "largest 40" in figures
    assert "style=" not in figures  # the page's CSP allows no inline style
