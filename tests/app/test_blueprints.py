"""The shape of the HTTP side: routes live in one blueprint per feature (chalicelib/api/), app.py registers
them and declares the event handlers; the answers Chalice gives itself carry the contract's error body."""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.app.campaign_helpers import campaign, pool, subscriber, template
from tests.app.helpers import body

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ("schedule", "pause", "resume", "cancel", "test")
EVENT_HANDLERS = {"send_worker", "jobs_worker", "scheduler", "daily"}


def test_app_py_declares_only_the_event_handlers():
    tree = ast.parse((ROOT / "app.py").read_text())
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert functions == EVENT_HANDLERS
    routes = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "route"]
    assert not routes


def test_every_route_is_a_function_of_its_features_blueprint(app_module):
    modules = {}
    for path, methods in app_module.app.routes.items():
        for method, entry in methods.items():
            modules[(method, path)] = entry.view_function.__module__  # functools.wraps keeps the module
    assert set(modules.values()) <= {f"chalicelib.api.{p.stem}" for p in (ROOT / "chalicelib" / "api").glob("*.py")}
    assert modules[("POST", "/campaigns/{campaign_id}/test")] == "chalicelib.api.campaigns"
    assert modules[("POST", "/dev/tick")] == "chalicelib.api.local_only"
    views = {entry.view_function.__name__ for path, methods in app_module.app.routes.items()
             if path.startswith("/campaigns/{campaign_id}/") for entry in methods.values()}
    # the actions, the review of who can be reached (GET), and the 404 of any other action
    assert views == {f"campaign_{action}" for action in ACTIONS} | {"campaign_unknown_action", "campaign_review"}


def _campaign(client, auth) -> dict:
    subscriber("bp.reader@example.com", skills=["python"])
    return campaign(client, auth, [pool(client, auth)["id"]], [{"template_id": template(client, auth)["id"]}])


NOT_AN_ACTION = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="-_."),
                        min_size=1, max_size=30).filter(lambda text: text not in ACTIONS and text.strip("."))


def test_any_other_action_is_the_contracts_404_and_changes_nothing(client, auth):
    made = _campaign(client, auth)

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(NOT_AN_ACTION, st.sampled_from([b"", b"{}", b'{"email": "x@example.com"}', b"\x00junk"]))
    def check(action, payload):
        response = client.http.post(f"/campaigns/{made['id']}/{action}", headers=auth, body=payload)
        assert response.status_code == 404, (action, response.status_code, response.body[:200])
        error = body(response)["error"]
        assert error["code"] == "not_found" and all(name in error["message"] for name in ACTIONS)

    check()
    for action in ("Schedule", "SCHEDULE", "schedule-now", "tests", "cancel.json"):  # near misses, by hand
        assert client.http.post(f"/campaigns/{made['id']}/{action}", headers=auth, body=b"").status_code == 404
    assert body(client.http.get(f"/campaigns/{made['id']}", headers=auth))["status"] == "draft"
    assert client.http.post(f"/campaigns/{made['id']}/explode", body=b"").status_code == 401  # auth first


def test_each_action_reaches_its_own_route(client, auth):
    made = _campaign(client, auth)
    path = f"/campaigns/{made['id']}"
    assert body(client.http.post(f"{path}/pause", headers=auth, body=b""))["error"]["code"] == "invalid_state"
    assert body(client.http.post(f"{path}/schedule", headers=auth, body=b"ignored"))["status"] == "scheduled"
    assert body(client.http.post(f"{path}/pause", headers=auth, body=b""))["status"] == "paused"
    assert body(client.http.post(f"{path}/resume", headers=auth, body=b""))["status"] == "scheduled"
    tested = client.http.post(f"{path}/test", headers=auth, body=json.dumps({"email": "me@example.com"}))
    assert tested.status_code == 200 and body(tested)["to"] == "me@example.com"
    assert client.http.post(f"{path}/test", headers=auth, body=b"").status_code == 400  # test needs its body
    assert body(client.http.post(f"{path}/cancel", headers=auth, body=b""))["status"] == "cancelled"
    for action in ACTIONS:
        missing = client.http.post(f"/campaigns/camp_nope/{action}", headers=auth,
                                   body=json.dumps({"email": "me@example.com"}))
        assert missing.status_code == 404 and "no campaign" in body(missing)["error"]["message"], action


@pytest.mark.parametrize("method, path", [
    ("GET", "/campaigns/camp_nope/schedule"), ("PUT", "/campaigns/camp_nope/test"),
    ("DELETE", "/campaigns/camp_nope/explode"), ("GET", "/campaigns/camp_nope/explode"),
    ("DELETE", "/health"), ("PUT", "/pools"), ("POST", "/signups/confirm"), ("PATCH", "/jobs/job_x/matches"),
    ("DELETE", "/dashboard"), ("PUT", "/webhooks/ses"),
])
def test_a_method_the_path_lacks_is_405_in_the_contracts_error_body(client, auth, method, path):
    response = client.http.request(method, path, headers=auth, body=b"")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert body(response) == {"error": {"code": "method_not_allowed", "message": f"Unsupported method: {method}"}}
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert method not in allowed and allowed <= {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


def test_a_binary_answer_the_client_did_not_accept_is_400_in_the_contracts_error_body(client):
    refused = client.http.get("/t/o/anything", headers={"Accept": "text/html"})  # the pixel is image/gif
    assert refused.status_code == 400 and body(refused)["error"]["code"] == "bad_request"
    assert client.http.get("/t/o/anything", headers={"Accept": "image/*"}).status_code == 200


def test_the_daily_schedule_runs_every_daily_job(app_module):
    from crmlocal.runtime import run_schedule

    assert set(run_schedule(app_module, "daily")) == {
        "builtin_pools_created", "pool_sizes_recorded", "pending_expired", "pools_refreshed", "retention"}


def test_importing_the_app_tunes_the_collector_and_freezes_what_it_loaded():
    code = "import gc, app; print(gc.get_threshold(), gc.get_freeze_count() > 1000)"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "CRM_STAGE": "dev"},
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.split() == ["(10000,", "10,", "10)", "True"]
