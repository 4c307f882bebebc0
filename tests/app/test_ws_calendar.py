"""The Calendar page over HTTP: a month of campaigns linked with their status, the pools' cadence with Quiet marked,
previous/next months, and "Plan a campaign" on a day (a draft with that send time, finished in the wizard, whose
review shows the time); hostile months and plan forms get a 4xx page and store nothing."""
import json
from datetime import datetime, timezone
from urllib.parse import urlencode

import pytest

from tests.app.campaign_helpers import act, campaign, pool, template
from tests.app.helpers import WORKSPACE_FORM, body, fixed_clock, tick, workspace_session
from tests.app.test_ws_jobs import viewer_session

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch, NOW)


@pytest.fixture
def session(client):
    return workspace_session(client)


def post_form(client, session, path, fields, status=None):
    answer = client.http.post(path, headers={**session, **WORKSPACE_FORM}, body=urlencode(fields, doseq=True))
    if status is not None:
        assert answer.status_code == status, answer.body.decode()[:3000]
    return answer


def campaigns_of(client, auth):
    return body(client.http.get("/campaigns?limit=500", headers=auth))["items"]


def test_the_month_shows_campaigns_by_day_and_the_pools_cadence(client, auth, session, clock):
    tmpl = template(client, auth)
    engineers = pool(client, auth, name="Engineers")
    pool(client, auth, {"field": "skills", "op": "contains_any", "value": ["cobol"]}, name="Mainframe folk")
    tick()
    news = campaign(client, auth, [engineers["id"]], [{"template_id": tmpl["id"]}], name="December news",
                    send_at="2026-12-10T09:00:00Z")
    act(client, auth, news["id"], "schedule")
    page = client.http.get("/dashboard/calendar", headers=session)
    html = page.body.decode()
    assert page.status_code == 200 and "<h2 id=\"month-title\">December 2026</h2>" in html
    assert 'aria-current="page">Calendar</a>' in html
    assert f'<a href="/dashboard/campaigns/{news["id"]}">December news</a>' in html
    assert '<span class="badge badge-scheduled">Scheduled</span>' in html
    assert 'href="/dashboard/calendar?month=2026-11" rel="prev">Previous month</a>' in html
    assert 'href="/dashboard/calendar?month=2027-01" rel="next">Next month</a>' in html
    assert 'href="/dashboard/calendar/plan?day=2026-12-10">Plan a campaign<span class="visually-hidden"> on Thursday 10 December' in html
    assert "plan?day=2026-11-30" not in html  # nothing is planned in the past
    panel = html[html.index('id="cadence-title"'):]
    assert "Mainframe folk" in panel and "Engineers" in panel
    quiet_part = panel[panel.index("Mainframe folk"):]
    assert quiet_part.index('badge-quiet">Quiet') < quiet_part.index("</li>")
    engineers_part = panel[panel.index(">Engineers<"):]
    assert "Quiet" not in engineers_part[:engineers_part.index("</li>")] and "2026-12-10 09:00 UTC" in engineers_part
    january = client.http.get("/dashboard/calendar?month=2027-01", headers=session).body.decode()
    assert "January 2027" in january and "December news" not in january


def test_planning_on_a_day_makes_a_draft_with_that_send_time_for_the_wizard(client, auth, session, clock):
    tmpl = template(client, auth)
    engineers = pool(client, auth, name="Engineers")
    form = client.http.get("/dashboard/calendar/plan?day=2026-12-10", headers=session).body.decode()
    for label in ("Name", "Send on", "At", "Time zone", "Engineers"):
        assert f">{label}</label>" in form, label
    assert 'value="2026-12-10"' in form and 'value="09:00"' in form
    answer = post_form(client, session, "/dashboard/calendar/plan", {
        "name": "Holiday note", "day": "2026-12-10", "time": "10:30", "timezone": "Europe/Berlin",
        "pools": engineers["id"]}, status=303)
    campaign_id = answer.headers["Location"].split("/")[3]
    assert answer.headers["Location"] == f"/dashboard/campaigns/{campaign_id}/steps"
    draft = body(client.http.get(f"/campaigns/{campaign_id}", headers=auth))
    assert draft["status"] == "draft" and draft["send_at"].startswith("2026-12-10T09:30:00")
    assert draft["audience"]["pools"] == [engineers["id"]] and draft["name"] == "Holiday note"
    completed = client.http.patch(f"/campaigns/{campaign_id}", headers=auth, body=json.dumps(
        {"category": "career_advice", "steps": [{"template_id": tmpl["id"]}]}))
    assert completed.status_code == 200, completed.body
    review = client.http.get(f"/dashboard/campaigns/{campaign_id}/review", headers=session).body.decode()
    assert 'value="2026-12-10T09:30"' in review  # the wizard's review shows the planned time (UTC)
    month = client.http.get("/dashboard/calendar", headers=session).body.decode()
    assert "Holiday note" in month and '<span class="badge badge-draft">Draft</span>' in month


@pytest.mark.parametrize("fields, field", [
    ({"name": "", "day": "2026-12-10", "pools": "P"}, "name"),
    ({"name": "X", "day": "2026-12-10"}, "pools"),
    ({"name": "X", "day": "2026-11-10", "pools": "P"}, "day"),  # passed
    ({"name": "X", "day": "2026-02-30", "pools": "P"}, "day"),
    ({"name": "X", "day": "tomorrow", "pools": "P"}, "day"),
    ({"name": "X", "day": "2026-12-10", "time": "25:99", "pools": "P"}, "time"),
    ({"name": "X", "day": "2026-12-10", "time": "9am", "pools": "P"}, "time"),
    ({"name": "X", "day": "2026-12-10", "timezone": "Mars/Olympus", "pools": "P"}, "timezone"),
    ({"name": "X", "day": "2026-12-10", "pools": "pool_nope"}, "pools"),
    ({"name": "X" * 300, "day": "2026-12-10", "pools": "P"}, "name"),
    ({"name": "Tab\x01", "day": "2026-12-10", "pools": "P"}, "name"),
    ({"name": ["A", "B"], "day": "2026-12-10", "pools": "P"}, "name"),
    ({"name": "X", "day": ["2026-12-10", "2026-12-11"], "pools": "P"}, "day"),
])
def test_a_plan_with_mistakes_comes_back_with_the_problem_and_stores_nothing(client, auth, session, clock, fields,
                                                                          field):
    engineers = pool(client, auth, name="Engineers")
    sent = {k: (engineers["id"] if v == "P" else v) for k, v in fields.items()}
    answer = post_form(client, session, "/dashboard/calendar/plan", sent)
    html = answer.body.decode()
    assert answer.status_code == 400, html[:2000]
    assert f'id="{field}-error">' in html and f'id="{field}-error"></p>' not in html, html[html.index("<form"):][:3000]
    assert campaigns_of(client, auth) == []


@pytest.mark.parametrize("query", ["?month=2026-13", "?month=26-12", "?month=NaN", "?month=%00", "?month=" + "1" * 900,
                                   "?month=%ED%A0%80", "?month=0000-01", "?month=9999-12"])
def test_hostile_months_are_a_400_page(client, session, query):
    answer = client.http.get(f"/dashboard/calendar{query}", headers=session)
    assert answer.status_code == 400 and "<html" in answer.body.decode()


def test_a_hostile_plan_day_is_ignored_and_the_form_still_shows(client, session, clock):
    answer = client.http.get("/dashboard/calendar/plan?day=2026-99-99x", headers=session)
    assert answer.status_code == 200 and 'value="2026-12-02"' in answer.body.decode()


def test_a_viewer_reads_the_calendar_but_plans_nothing(client, auth, clock):
    pool(client, auth, name="Engineers")
    viewer = viewer_session(client, auth)
    page = client.http.get("/dashboard/calendar", headers=viewer).body.decode()
    assert "December 2026" in page and "Plan a campaign" not in page
    assert post_form(client, viewer, "/dashboard/calendar/plan", {"name": "X"}).status_code == 403
    assert campaigns_of(client, auth) == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    answer = client.http.get("/dashboard/calendar")
    assert answer.status_code in (302, 303) and "/dashboard/sign-in" in answer.headers["Location"]
