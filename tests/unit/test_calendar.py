"""The content calendar's pure rules: days asked for, the days a campaign occupies, each pool's cadence."""
from datetime import date, datetime, timezone

import pytest

from chalicelib.domain.calendar import MAX_DAYS, campaign_days, cadence, day_range, month_end
from chalicelib.domain.errors import ValidationError

NOW = datetime(2026, 12, 15, 12, 0, tzinfo=timezone.utc)


def test_month_ends_and_default_ranges():
    assert [month_end(date(2026, m, 1)).day for m in (1, 2, 4, 12)] == [31, 28, 30, 31]
    assert month_end(date(2028, 2, 10)) == date(2028, 2, 29)
    assert day_range(None, None, NOW.date()) == (date(2026, 12, 1), date(2026, 12, 31))
    assert day_range("2026-12-20", None, NOW.date()) == (date(2026, 12, 20), date(2026, 12, 31))
    first = date(2026, 1, 1)
    assert day_range("2026-01-01", "2026-04-02", NOW.date()) == (first, date(2026, 4, 2))  # 92 days
    with pytest.raises(ValidationError):
        day_range("2026-01-01", "2026-04-03", NOW.date())
    assert MAX_DAYS == 92


def campaign(**fields):
    return {"id": "camp_1", "name": "C", "audience": {"pools": ["p1"]}, "steps": [{}], "enrollment": "once", **fields}


def test_the_days_a_campaign_occupies():
    assert campaign_days(campaign(status="scheduled", send_at="2026-12-20T09:00:00.000Z"), NOW) == [date(2026, 12, 20)]
    assert campaign_days(campaign(status="scheduled", send_at=None, due_at="2026-12-15T11:00:00.000Z"), NOW) == [
        date(2026, 12, 15)]
    assert campaign_days(campaign(status="draft", send_at=None), NOW) == []
    assert campaign_days(campaign(status="cancelled"), NOW) == []
    sent = campaign(status="sent", started_at="2026-12-01T23:00:00Z", finished_at="2026-12-02T01:00:00Z")
    assert campaign_days(sent, NOW) == [date(2026, 12, 1), date(2026, 12, 2)]
    sending = campaign(status="sending", started_at="2026-12-14T10:00:00Z")
    assert campaign_days(sending, NOW) == [date(2026, 12, 14), date(2026, 12, 15)]  # to today while it sends
    sequence = campaign(status="sending", steps=[{}, {}], started_at="2026-12-01T10:00:00Z")
    assert campaign_days(sequence, NOW) == [date(2026, 12, 1)]
    continuous = campaign(status="sent", enrollment="continuous", started_at="2026-11-01T10:00:00Z",
                          finished_at="2026-12-01T10:00:00Z")
    assert campaign_days(continuous, NOW) == [date(2026, 11, 1)]


def test_cadence_quiet_after_four_weeks_and_last_contact_from_starts():
    pools = [{"id": "p1", "name": "One"}, {"id": "p2", "name": "Two"}, {"id": "p3", "name": "Three"}]
    campaigns = [
        campaign(status="sent", started_at="2026-12-01T10:00:00Z"),
        campaign(status="sent", started_at="2026-11-01T10:00:00Z"),
        campaign(status="scheduled", send_at="2027-01-12T12:00:00.000Z"),  # exactly four weeks on: not quiet
        campaign(status="scheduled", send_at="2027-01-12T12:00:01.000Z", audience={"pools": ["p2"]}),
        campaign(status="scheduled", send_at="2026-12-14T12:00:00.000Z", audience={"pools": ["p3"]}),  # passed
        campaign(status="draft", send_at="2026-12-20T12:00:00.000Z", audience={"pools": ["p3"]}),  # not scheduled
    ]
    one, two, three = cadence(pools, campaigns, NOW)
    assert one == {"id": "p1", "name": "One", "last_contacted_at": "2026-12-01T10:00:00Z",
                   "next_planned_at": "2027-01-12T12:00:00.000Z", "quiet": False}
    assert two["quiet"] is True and two["next_planned_at"] == "2027-01-12T12:00:01.000Z"
    assert three["quiet"] is True and three["next_planned_at"] is None and three["last_contacted_at"] is None
