"""POST|GET /dev/clock: the local stack's clock, moved for every function at once (CONTRACT: local-only routes)."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, outbox, tick


@pytest.fixture(autouse=True)
def real_time_after(monkeypatch):
    from chalicelib.domain import clock
    from chalicelib.services import scheduler
    from chalicelib.services.sending import recorder

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    monkeypatch.setattr(recorder, "RETRY_QUEUE_DELAY", 0)
    yield
    clock.reset()


def post_clock(client, payload, content_type="application/json"):
    raw = payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.http.post("/dev/clock", headers={"Content-Type": content_type}, body=raw)


def now_of(response) -> datetime:
    assert response.status_code == 200, response.body
    return datetime.fromisoformat(body(response)["now"].replace("Z", "+00:00"))


def test_set_advance_and_reset(client):
    from chalicelib.domain.clock import utcnow

    start = now_of(client.http.get("/dev/clock"))
    assert abs(start - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert now_of(post_clock(client, {"set": "2028-01-01T09:00:00Z"})).isoformat().startswith("2028-01-01T09:00")
    assert now_of(post_clock(client, {"now": "2028-01-01T09:00:00Z"})).year == 2028  # the contract's spelling
    assert now_of(post_clock(client, {"advance": "P1M"})).isoformat().startswith("2028-02-01")
    assert utcnow().month == 2  # what every service reads
    assert now_of(client.http.get("/dev/clock")).month == 2
    back = now_of(post_clock(client, {"reset": True}))
    assert abs(back - datetime.now(timezone.utc)) < timedelta(seconds=5)


@pytest.mark.parametrize("payload", [
    {}, {"set": "2028-01-01", "advance": "P1D"}, {"advance": "30 days"}, {"advance": 30}, {"set": "tomorrow"},
    {"set": None}, {"reset": False}, {"reset": "yes"}, {"later": "P1D"}, [], "P1D", {"advance": "P99999Y"},
    {"set": "1800-01-01T00:00:00Z"}, {"set": "2300-01-01T00:00:00Z"}, {"set": "9" * 500},
])
def test_hostile_bodies_answer_400_in_the_contract_format(client, payload):
    from chalicelib.domain.clock import offset

    response = post_clock(client, payload)
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] in {"validation_error", "invalid_json"} and error["message"]
    assert offset() == timedelta(0)


def test_the_clock_never_leaves_the_years_every_date_is_checked_against(client):
    now_of(post_clock(client, {"set": "2200-06-01T00:00:00Z"}))
    response = post_clock(client, {"advance": "P1Y"})
    assert response.status_code == 400 and "advance" in body(response)["error"]["fields"]
    assert now_of(client.http.get("/dev/clock")).year == 2200


def test_not_json_is_refused(client):
    assert post_clock(client, b"\xff\xfe{", "application/json").status_code == 400
    assert post_clock(client, b"set=2028-01-01", "text/plain").status_code == 415


def test_a_month_on_a_p30d_step_goes_out_at_the_next_tick(client, auth):
    """A sequence whose second step waits 30 days: nothing before the clock moves, the step right after."""
    first = template(client, auth, name="first", subject="Step one")
    second = template(client, auth, name="second", subject="Step two")
    audience = pool(client, auth)
    tick()
    subscriber("patient@example.com", skills=["go"])
    made = campaign(client, auth, [audience["id"]], [
        {"template_id": first["id"], "delay": "P0D"}, {"template_id": second["id"], "delay": "P30D"}])
    act(client, auth, made["id"], "schedule")
    tick()
    tick()
    assert [i["subject"] for i in outbox()] == ["Step one"]
    now_of(post_clock(client, {"advance": "P31D"}))
    tick()
    tick()
    assert sorted(i["subject"] for i in outbox()) == ["Step one", "Step two"]
