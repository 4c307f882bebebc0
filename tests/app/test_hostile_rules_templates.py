"""Hostile input, issue #11 classes 3 and 4: absurd pool rules are refused (and bad rules already stored
break no one's write), and template rendering is bounded at save, preview and send."""
import json

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber
from tests.app.helpers import body, form, outbox, tick

PYTHON = {"field": "skills", "op": "contains_any", "value": ["python"]}


def post(client, auth, path, payload):
    return client.http.post(path, headers=auth, body=json.dumps(payload))


def patch(client, auth, path, payload):
    return client.http.patch(path, headers=auth, body=json.dumps(payload))


def nested_not(levels):
    rule = PYTHON
    for _ in range(levels):
        rule = {"not": rule}
    return rule


# ---------------------------------------------------------------- class 3: rules

ABSURD_RULES = [
    ({"field": "created_at", "op": "older_than", "value": "P99999Y"}, "rules.value"),
    ({"field": "last_contacted_at", "op": "newer_than", "value": "P101Y"}, "rules.value"),
    ({"field": "created_at", "op": "older_than", "value": "PT999999999H"}, "rules.value"),
    ({"field": "created_at", "op": "older_than", "value": "P" + "9" * 5000 + "D"}, "rules.value"),
    ({"field": "created_at", "op": "gte", "value": "0001-01-01T00:00:00Z"}, "rules.value"),
    ({"field": "updated_at", "op": "lte", "value": "9999-12-31T23:59:59Z"}, "rules.value"),
    ({"field": "engagement_score", "op": "gte", "value": 1e308}, "rules.value"),  # (the body reader may refuse it)
    ({"field": "engagement_score", "op": "gte", "value": 1e12}, "rules.value"),
    ({"field": "engagement_score", "op": "lte", "value": -(10 ** 30)}, "rules.value"),
    ({"field": "engagement_score", "op": "lte", "value": -(10 ** 12)}, "rules.value"),
    ({"field": "skills", "op": "contains_any", "value": [f"s{i}" for i in range(501)]}, "rules.value"),
    ({"field": "tags", "op": "contains_all", "value": ["x" * 1000]}, "rules.value"),
    ({"field": "city", "op": "eq", "value": "x" * 10_000}, "rules.value"),
    ({"any": [PYTHON] * 101}, "rules.any"),
    (nested_not(50), "rules" + ".not" * 11),
    ({"field": "skills", "op": "exists", "value": True, "weight": 3}, "rules"),
    ({"field": "skills", "op": "exists", "extra" * 2000: 1}, "rules"),
]


def assert_refused(response, path):
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    if error["code"] == "invalid_json":  # the body reader refuses numbers JSON cannot carry exactly
        return
    assert error["code"] == "validation_error" and path in error["fields"], (path, error)


def test_absurd_rule_values_are_refused_when_creating_and_changing_a_pool(client, auth):
    made = body(post(client, auth, "/pools", {"name": "Python", "kind": "dynamic", "rules": PYTHON}))
    for rules, path in ABSURD_RULES:
        created = post(client, auth, "/pools", {"name": "absurd", "kind": "dynamic", "rules": rules})
        assert_refused(created, path)
        assert len(created.body) < 2000  # what was sent is not echoed back at length
        assert_refused(patch(client, auth, f"/pools/{made['id']}", {"rules": rules}), path)
    for payload in ({"name": "x", "kind": "dynamic", "rules": PYTHON, "priority": 1},
                    {"name": "x" * 101, "kind": "dynamic", "rules": PYTHON},
                    {"name": "x", "kind": "static", "description": "d" * 1001}):
        assert post(client, auth, "/pools", payload).status_code == 400, payload
    assert body(client.http.get(f"/pools/{made['id']}", headers=auth))["rules"] == PYTHON  # nothing changed
    names = [p["name"] for p in body(client.http.get("/pools?limit=500", headers=auth))["items"]]
    assert "absurd" not in names and "x" not in names


def store_bad_pool(name, rules):
    """A dynamic pool written straight to the store, as if saved before the bounds existed."""
    from chalicelib import wiring
    from chalicelib.domain.clock import iso, new_id

    pool = {"id": new_id("pool"), "name": name, "kind": "dynamic", "description": None, "rules": rules,
            "status": "ready", "size": 0, "generation": 1, "builtin": None, "created_at": iso(), "updated_at": iso()}
    wiring.pool_repo().create(pool)
    return pool["id"]


def store_unreadable_pool():
    """Rules that are not even JSON (a hand edit)."""
    from chalicelib.domain.clock import iso, new_id
    from chalicelib.store.models import PoolModel

    pool_id = new_id("pool")
    PoolModel(id=pool_id, name="hand edited", kind="dynamic", rules="{not json", status="ready", size=0,
              generation=1, created_at=iso(), updated_at=iso()).save()
    return pool_id


def members(client, auth, pool_id):
    listed = body(client.http.get(f"/pools/{pool_id}/members?limit=500", headers=auth))["items"]
    return sorted(m["email"] for m in listed)


def test_pools_stored_with_bad_rules_break_no_ones_write(client, auth):
    good = body(post(client, auth, "/pools", {"name": "Python", "kind": "dynamic", "rules": PYTHON}))
    tick()
    bad = [store_bad_pool("huge duration", {"field": "created_at", "op": "older_than", "value": "P99999Y"}),
           store_bad_pool("huge number", {"field": "engagement_score", "op": "gte", "value": 1e308}),
           store_bad_pool("year 9999", {"field": "created_at", "op": "lte", "value": "9999-12-31T23:59:59Z"}),
           store_bad_pool("too deep", nested_not(30)),
           store_bad_pool("not rules", ["skills"]),
           store_unreadable_pool()]

    created = post(client, auth, "/candidates", {"email": "ada@example.com", "skills": ["python"], "city": "Leeds"})
    assert created.status_code == 201, created.body
    ada = body(created)
    changed = patch(client, auth, f"/candidates/{ada['id']}", {"city": "London"})
    assert changed.status_code == 200, changed.body
    imported = client.http.post("/candidates/import", headers={**auth, "Content-Type": "text/csv"},
                                body=b"email,skills\nbob@example.com,python\ncara@example.com,go\n")
    assert imported.status_code == 200 and body(imported)["created"] == 2, imported.body
    signed_up = form(client, {"email": "dev@example.com", "consent": "on", "skills": "python"})
    assert signed_up.status_code < 400, signed_up.body

    # The people are fully written, and the good pool followed every change.
    assert body(client.http.get(f"/candidates/{ada['id']}", headers=auth))["city"] == "London"
    assert members(client, auth, good["id"]) == ["ada@example.com", "bob@example.com", "dev@example.com"]
    [bob] = body(client.http.get("/candidates?q=bob@", headers=auth))["items"]
    erased = client.http.delete(f"/candidates/{bob['id']}", headers=auth)
    assert erased.status_code == 200, erased.body
    assert members(client, auth, good["id"]) == ["ada@example.com", "dev@example.com"]
    assert body(client.http.get(f"/pools/{good['id']}", headers=auth))["size"] == 2

    # Each bad pool is reported, where a recruiter looks; the good one is not.
    for pool_id in bad:
        shown = client.http.get(f"/pools/{pool_id}", headers=auth)
        assert shown.status_code == 200, shown.body
        assert body(shown)["status"] == "error" and "rules" in body(shown)["error"], body(shown)
    assert body(client.http.get(f"/pools/{good['id']}", headers=auth))["error"] is None
    listed = {p["id"]: p for p in body(client.http.get("/pools?limit=500", headers=auth))["items"]}
    assert all(listed[pool_id]["status"] == "error" for pool_id in bad)

    # The background work (rebuilds, the daily refresh) goes past them too; fixed rules clear the error.
    result = tick()
    assert not any(q.get("failed") for q in result["queues"].values()), result
    fixed = patch(client, auth, f"/pools/{bad[0]}", {"rules": PYTHON})
    assert fixed.status_code == 200 and body(fixed)["error"] is None, fixed.body
    tick()
    assert body(client.http.get(f"/pools/{bad[0]}", headers=auth))["status"] == "ready"
    assert members(client, auth, bad[0]) == ["ada@example.com", "dev@example.com"]


def test_a_pool_marked_for_an_error_its_rules_no_longer_have_is_rebuilt_daily(client, auth):
    from chalicelib import wiring

    post(client, auth, "/candidates", {"email": "ada@example.com", "skills": ["python"]})
    made = body(post(client, auth, "/pools", {"name": "Python", "kind": "dynamic", "rules": PYTHON}))
    tick()
    wiring.pool_repo().mark_error(made["id"])  # e.g. its size counter could not be updated once
    shown = body(client.http.get(f"/pools/{made['id']}", headers=auth))
    assert shown["status"] == "error" and shown["error"]
    assert made["id"] in tick()["schedules"]["daily"]["pools_refreshed"]
    shown = body(client.http.get(f"/pools/{made['id']}", headers=auth))
    assert (shown["status"], shown["error"], shown["size"]) == ("ready", None, 1)


# ---------------------------------------------------------------- class 4: templates

HTML = "<html><body>\n<p>Hello {{ candidate.first_name | default('there') }}</p>\n{}\n</body></html>"
ABUSIVE = [  # (part, source with the abuse on line 3 of the HTML, or the subject)
    ("html", HTML.replace("{}", "{{ 9**9**9**9 }}")),
    ("html", HTML.replace("{}", "{{ 99999999999 * 99999999999 * 99999999999 }}")),
    ("html", HTML.replace("{}", "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}")),
    ("html", HTML.replace("{}", "{% set s = 'ab' * 5000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}")),
    ("html", HTML.replace("{}", "{{ 'x' | center(1000000000) }}")),
    ("html", HTML.replace("{}", "{{ 'x' | indent(1000000000) }}")),
    ("html", HTML.replace("{}", "{{ 'x x x' | wordwrap(1, wrapstring='-' * 100000) }}")),
    ("html", HTML.replace("{}", "{{ '%0999999999d' | format(1) }}")),
    ("html", HTML.replace("{}", "{{ 'x' * 1000000000 }}")),
    ("html", HTML.replace("{}", "{{ ('x' * 100000) ~ ('x' * 100000) ~ ('x' * 100000) }}")),
    ("html", HTML.replace("{}", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}")),
    ("html", HTML.replace("{}", "{% include 'footer.html' %}")),
    ("html", HTML.replace("{}", "{% import 'macros.html' as m %}")),
    ("html", HTML.replace("{}", "{% from 'macros.html' import f %}")),
    ("html", HTML.replace("{}", "{% extends 'base.html' %}")),
    ("text", "Hi\n\n{% for i in range(9000) %}{{ 'y' * 100000 }}{% endfor %}"),
    ("subject", "{% for i in range(300) %}word {% endfor %}"),
]


def template_payload(part, source):
    payload = {"name": "abuse", "category": "career_advice", "subject": "Hi",
               "html": "<html><body><p>Hi</p></body></html>"}
    payload[part] = source
    return payload


def assert_refused_with_the_line(response, part):
    """A 400 naming the part, and the line of the abuse (line 3 in ABUSIVE; a subject too long once
    rendered is about the whole subject)."""
    assert response.status_code == 400, (part, response.body)
    error = body(response)["error"]
    assert error["code"] in ("render_limit", "render_error", "validation_error"), error
    expected = "renders to" if part == "subject" else "line 3"
    assert error["fields"][part].startswith(expected), error
    assert part in error["message"]


@pytest.mark.parametrize("part, source", ABUSIVE)
def test_abusive_templates_are_refused_when_saved_and_changed(client, auth, part, source):
    assert_refused_with_the_line(post(client, auth, "/templates", template_payload(part, source)), part)
    good = body(post(client, auth, "/templates", template_payload("html", HTML.replace("{}", "<p>fine</p>"))))
    assert_refused_with_the_line(patch(client, auth, f"/templates/{good['id']}", {part: source}), part)
    assert body(client.http.get(f"/templates/{good['id']}", headers=auth))[part] == good[part]  # unchanged


def store_template(fields):
    """A template written straight to the store, as if saved before the limits existed."""
    from chalicelib import wiring
    from chalicelib.domain.clock import iso, new_id

    template = {"id": new_id("tmpl"), "name": "stored", "category": "career_advice", "text": None,
                "builtin": None, "created_at": iso(), "updated_at": iso(), **fields}
    wiring.template_repo().create(template)
    return template


TAGS = ("{% include", "{% import", "{% from", "{% extends")


@pytest.mark.parametrize("part, source", ABUSIVE)
def test_previewing_a_stored_abusive_template_is_a_400_naming_the_line(client, auth, part, source):
    stored = store_template(template_payload(part, source))
    ada = subscriber("ada@example.com", first_name="Ada")
    response = post(client, auth, f"/templates/{stored['id']}/preview", {"candidate_id": ada["id"]})
    if any(tag in source for tag in TAGS):  # no other template to reach: refused as it renders
        assert response.status_code == 400 and body(response)["error"]["code"] == "render_error", response.body
        assert body(response)["error"]["fields"][part].startswith("line 3"), response.body
        return
    assert_refused_with_the_line(response, part)


def test_a_stored_template_over_the_limits_skips_the_recipient_with_the_reason(client, auth):
    from chalicelib import wiring

    audience = pool(client, auth)
    tick()
    ada = subscriber("ada@example.com", first_name="Ada", skills=["go"])
    cases = [("subject", "{% for i in range(300) %}word {% endfor %}"),
             ("html", HTML.replace("{}", "{% for i in range(20000) %}x{% endfor %}")),
             ("html", HTML.replace("{}", "{{ 'x' | center(100000000) }}"))]
    for n, (part, source) in enumerate(cases):
        stored = store_template(template_payload(part, source))
        made = campaign(client, auth, [audience["id"]], [{"template_id": stored["id"]}], name=f"c{n}")
        act(client, auth, made["id"], "schedule")
        tick()
        [send] = [s for s in wiring.send_repo().for_candidate(ada["id"]) if s["campaign_id"] == made["id"]]
        reason = send.get("error") or send.get("reason") or ""
        assert send["status"] in ("failed", "skipped") and "render" in reason and part in reason, send
        assert "line" in reason or "renders to" in reason, send
    assert outbox() == []  # nothing went out, and the worker was not held


def test_preview_needs_ids_that_can_be_keys(client, auth):
    stored = store_template(template_payload("html", "<p>Hi</p>"))
    for payload in [{"candidate_id": ""}, {"candidate_id": "x" * 5000}, {"candidate_id": 5}, {},
                    {"candidate_id": "cand_x", "job_id": ""}, {"candidate_id": "cand_x", "job_id": ["j"]}]:
        response = post(client, auth, f"/templates/{stored['id']}/preview", payload)
        assert response.status_code == 400, (payload, response.body)
    assert post(client, auth, f"/templates/{stored['id']}/preview", {"candidate_id": "cand_x"}).status_code == 404
    for path in ["/templates/" + "t" * 3000, "/pools/" + "p" * 3000]:
        assert client.http.get(path, headers=auth).status_code in (400, 404)
