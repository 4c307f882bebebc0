"""The campaign side's declared bodies over HTTP: a body that does not fit is a 400 in the contract's error
body naming the field (never a 500), and nothing is stored; the same routes still take what they took."""
import json

from tests.app.campaign_helpers import campaign, pool, template
from tests.app.helpers import body

WRONG = {
    "/campaigns": [
        ({"name": 5}, "name"), ({"channel": "fax"}, "channel"), ({"channel": None}, "channel"),
        ({"enrollment": "twice"}, "enrollment"), ({"exit_on": ["forever"] * 50_000}, "exit_on"),
        ({"steps": [{"template_id": "tmpl_x", "condition": "sometimes"}]}, "steps[0].condition"),
        ({"steps": [{"template_id": "tmpl_x"}] * 1000}, "steps"), ({"audience": {"pools": "pool_x"}}, "audience.pools"),
        ({"send_at": {"at": "2026-12-01"}}, "send_at"), ({"colour": "red"}, "colour"),
    ],
    "/templates": [
        ({"subject": 5}, "subject"), ({"category": "memes"}, "category"), ({"html": None}, "html"),
        ({"name": ["x"]}, "name"), ({"priority": 1}, "priority"),
    ],
    "/jobs": [({"title": {"t": 1}}, "title"), ({"pools": [None] * 50_000}, "pools"), ({"remote": "maybe"}, "remote"),
              ({"seniority": "boss"}, "seniority"), ({"salary": 1}, "salary")],
    "/costs": [({"amount": "10"}, "amount"), ({"amount": True}, "amount"), ({"currency": 978}, "currency"),
               ({"from": {"d": 1}}, "from"), ({"source": None}, "source")],
    "/goals": [({"target": "3"}, "target"), ({"metric": "happiness"}, "metric"), ({"period": []}, "period"),
               ({"period": {"to": "soon"}}, "period.to"), ({"filters": "engineering"}, "filters")],
}
VALID = {
    "/campaigns": lambda ids: {"name": "x", "category": "career_advice", "audience": {"pools": [ids["pool"]]},
                               "steps": [{"template_id": ids["template"]}]},
    "/templates": lambda ids: {"name": "x", "category": "career_advice", "subject": "Hi", "html": "<p>Hi</p>"},
    "/jobs": lambda ids: {"title": "Engineer"},
    "/costs": lambda ids: {"source": "agency", "amount": 10},
    "/goals": lambda ids: {"metric": "hires_from_pools", "target": 3, "period": {"to": "2027-01-01T00:00:00Z"}},
}


def assert_contract_400(response, field):
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] == "validation_error" and error["message"] and field in error["fields"], error
    assert len(response.body) < 2000  # one problem per field, not per item of a huge list


def test_bodies_that_do_not_fit_are_400_naming_the_field_and_store_nothing(client, auth):
    ids = {"template": template(client, auth)["id"], "pool": pool(client, auth)["id"]}
    before = {path: body(client.http.get(path, headers=auth))["items"] for path in ("/campaigns", "/templates", "/goals")}
    for path, cases in WRONG.items():
        for changes, field in cases:
            response = client.http.post(path, headers=auth, body=json.dumps({**VALID[path](ids), **changes}))
            assert_contract_400(response, field)
        assert client.http.post(path, headers=auth, body=json.dumps(VALID[path](ids))).status_code == 201
    after = {path: body(client.http.get(path, headers=auth))["items"] for path in before}
    assert all(len(after[path]) == len(before[path]) + 1 for path in before)  # only the valid ones


def test_template_patch_test_send_and_preview_refuse_what_does_not_fit(client, auth):
    made = template(client, auth)
    audience = pool(client, auth)
    draft = campaign(client, auth, [audience["id"]], [{"template_id": made["id"]}])
    cases = [
        ("PATCH", f"/templates/{made['id']}", {"name": None}, "name"),
        ("PATCH", f"/templates/{made['id']}", {"category": 5}, "category"),
        ("PATCH", f"/templates/{made['id']}", {"builtin": "x"}, "builtin"),
        ("POST", f"/campaigns/{draft['id']}/test", {"email": 5}, "email"),
        ("POST", f"/campaigns/{draft['id']}/test", {"email": "a@example.com", "step": "0"}, "step"),
        ("POST", f"/campaigns/{draft['id']}/test", {"email": "a@example.com", "step": 1}, "step"),  # one step only
        ("POST", f"/templates/{made['id']}/preview", {"candidate_id": ["cand_x"]}, "candidate_id"),
    ]
    for method, path, payload, field in cases:
        response = client.http.request(method, path, headers=auth, body=json.dumps(payload).encode())
        assert_contract_400(response, field)
    assert body(client.http.get(f"/templates/{made['id']}", headers=auth))["name"] == made["name"]  # unchanged
    assert body(client.http.get(f"/campaigns/{draft['id']}", headers=auth))["status"] == "draft"
