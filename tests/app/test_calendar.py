"""GET /calendar: scheduled campaigns on their send day, sent ones on the days they sent, sequences on their start;
each pool's last contact, next planned campaign and quiet mark; hostile ranges are 400."""
from datetime import datetime, timezone

import pytest

from tests.app.campaign_helpers import act, campaign, pool, subscriber, template
from tests.app.helpers import body, fixed_clock, tick
from tests.app.test_pools import create

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    return fixed_clock(monkeypatch, NOW)


def calendar(client, auth, query="", status=200):
    answer = client.http.get(f"/calendar{query}", headers=auth)
    assert answer.status_code == status, answer.body
    return body(answer)


def planned_month(client, auth):
    """Pools: Engineers (a campaign in 9 days), Designers (sent today, nothing planned), Alumni (next in January,
    beyond four weeks), Empty (never contacted). A draft with no send time is on no day."""
    tmpl = template(client, auth)
    engineers = pool(client, auth, {"field": "skills", "op": "contains_any", "value": ["python"]}, name="Engineers")
    designers = pool(client, auth, {"field": "skills", "op": "contains_any", "value": ["figma"]}, name="Designers")
    alumni = create(client, auth, "/pools", {"name": "Alumni", "kind": "static"})
    empty = create(client, auth, "/pools", {"name": "Empty", "kind": "static"})
    tick()
    subscriber("dee@example.com", skills=["figma"])
    step = [{"template_id": tmpl["id"]}]
    later = campaign(client, auth, [engineers["id"]], step, name="December news", send_at="2026-12-10T09:00:00Z")
    act(client, auth, later["id"], "schedule")
    sent = campaign(client, auth, [designers["id"]], step, name="Design digest")
    act(client, auth, sent["id"], "schedule")
    tick()
    january = campaign(client, auth, [alumni["id"]], step, name="New year", send_at="2027-01-15T10:00:00Z")
    act(client, auth, january["id"], "schedule")
    sequence = campaign(client, auth, [engineers["id"]], step * 2, name="Welcome sequence",
                        send_at="2026-12-03T09:00:00Z")
    campaign(client, auth, [empty["id"]], step, name="Unplanned draft")
    return {"engineers": engineers, "designers": designers, "alumni": alumni, "empty": empty, "later": later,
            "sent": sent, "january": january, "sequence": sequence}


def test_the_month_holds_scheduled_and_sent_campaigns_and_each_pools_cadence(client, auth, clock):
    made = planned_month(client, auth)
    data = calendar(client, auth, "?from=2026-12-01&to=2026-12-31")
    assert set(data) == {"days", "pools"}
    assert [d["date"] for d in data["days"]][:2] == ["2026-12-01", "2026-12-02"] and len(data["days"]) == 31
    on = {d["date"]: d["campaigns"] for d in data["days"] if d["campaigns"]}
    sent = body(client.http.get(f"/campaigns/{made['sent']['id']}", headers=auth))
    assert sent["status"] == "sent"
    assert on["2026-12-01"] == [{"id": made["sent"]["id"], "name": "Design digest", "status": "sent",
                                 "pools": [made["designers"]["id"]]}]
    assert on["2026-12-10"] == [{"id": made["later"]["id"], "name": "December news", "status": "scheduled",
                                 "pools": [made["engineers"]["id"]]}]
    assert [c["name"] for c in on["2026-12-03"]] == ["Welcome sequence"]  # a draft planned on a day
    assert set(on) == {"2026-12-01", "2026-12-03", "2026-12-10"}  # the unplanned draft is nowhere; January is later
    pools = {p["name"]: p for p in data["pools"]}
    assert set(pools) >= {"Engineers", "Designers", "Alumni", "Empty"}
    assert pools["Engineers"]["next_planned_at"].startswith("2026-12-10T09:00:00")
    assert pools["Engineers"] == {"id": made["engineers"]["id"], "name": "Engineers", "last_contacted_at": None,
                                  "next_planned_at": pools["Engineers"]["next_planned_at"], "quiet": False}
    assert pools["Designers"]["last_contacted_at"].startswith("2026-12-01T08:00")
    assert pools["Designers"]["next_planned_at"] is None and pools["Designers"]["quiet"] is True
    assert pools["Alumni"]["next_planned_at"].startswith("2027-01-15T10:00") and pools["Alumni"]["quiet"] is True
    assert pools["Empty"] == {"id": made["empty"]["id"], "name": "Empty", "last_contacted_at": None,
                              "next_planned_at": None, "quiet": True}
    january = calendar(client, auth, "?from=2027-01-01&to=2027-01-31")
    assert [c["name"] for d in january["days"] for c in d["campaigns"]] == ["New year"]


def test_a_sequence_sits_on_its_start_and_a_broadcast_on_each_day_it_sent(client, auth, clock):
    tmpl = template(client, auth)
    audience = pool(client, auth)
    tick()
    subscriber("ada@example.com", skills=["go"])
    sequence = campaign(client, auth, [audience["id"]], [{"template_id": tmpl["id"]},
                                                         {"template_id": tmpl["id"], "delay": "P3D"}], name="Drip")
    act(client, auth, sequence["id"], "schedule")
    tick()
    clock["at"] = datetime(2026, 12, 5, 8, 0, tzinfo=timezone.utc)
    tick()
    days = calendar(client, auth, "?from=2026-12-01&to=2026-12-07")["days"]
    assert [d["date"] for d in days if d["campaigns"]] == ["2026-12-01"]


def test_without_dates_the_calendar_is_this_month(client, auth, clock):
    days = calendar(client, auth)["days"]
    assert (days[0]["date"], days[-1]["date"]) == ("2026-12-01", "2026-12-31")
    days = calendar(client, auth, "?from=2027-02-10")["days"]
    assert (days[0]["date"], days[-1]["date"]) == ("2027-02-10", "2027-02-28")


@pytest.mark.parametrize("query, field", [
    ("?from=2026-13-01&to=2026-12-31", "from"), ("?from=2026-02-30&to=2026-03-01", "from"),
    ("?from=2026-12-31&to=2026-12-01", "to"), ("?from=2026-01-01&to=2026-12-31", "to"),
    ("?from=2026-12-01&to=2027-03-03", "to"), ("?from=NaN&to=2026-12-31", "from"), ("?from=2026-12-01&to=Infinity", "to"),
    ("?from=-2026-12-01", "from"), ("?from=2026-1-1", "from"), ("?from=20261201", "from"),
    ("?from=%EF%BC%92026-12-01", "from"), ("?from=2026-12-01T00:00:00Z", "from"), ("?from=9999-12-01", "from"),
    ("?from=2026-12-01&from=2026-11-01", "from"), ("?from=2026-12-01%00", "from"), ("?to=" + "9" * 5000, "to"),
    ("?from=%ED%A0%80", "from"), ("?from=0001-01-01", "from"), ("?from= 2026-12-01", "from"),
])
def test_hostile_ranges_are_400_naming_the_field(client, auth, query, field):
    error = calendar(client, auth, query, status=400)["error"]
    assert error["code"] and field in (error.get("fields") or {}), error


def test_the_calendar_needs_a_team_member(client):
    assert client.http.get("/calendar").status_code == 401
