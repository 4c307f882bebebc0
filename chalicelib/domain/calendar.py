"""The content calendar's rules: which days a campaign occupies, and each pool's cadence (pure; no AWS).

- A scheduled campaign (or a draft given a send time) sits on its send day.
- A campaign that sent sits on the days it sent (start to finish, or to today while it still sends); a
  sequence (several steps, or people enrolled as they join) only on the day it started.
- A pool's cadence: when a campaign to it last started (last contacted), when the next scheduled one is due
  (next planned); `quiet` when nothing is planned within QUIET_AFTER.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from .errors import ValidationError
from .vocabulary import CampaignStatus, EnrollmentMode

MAX_DAYS = 92  # a quarter: the widest range one request reads
QUIET_AFTER = timedelta(weeks=4)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
MIN_YEAR, MAX_YEAR = 2000, 2200
# A campaign on its send day while it waits; one that started on the days it sent.
PLANNED = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


def parse_day(value: object, field: str) -> date:
    """YYYY-MM-DD, a real day between MIN_YEAR and MAX_YEAR; anything else is a 400 naming the field."""
    problem = "a day as YYYY-MM-DD, such as 2026-12-01"
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValidationError.field(field, problem)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationError.field(field, problem + " (that day does not exist)") from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError.field(field, f"a day between the years {MIN_YEAR} and {MAX_YEAR}")
    return day


def day_range(start: object, end: object, today: date) -> tuple[date, date]:
    """The days asked for: `from` and `to` (both included); absent, the month of `from` (or of today)."""
    first = parse_day(start, "from") if start is not None else today.replace(day=1)
    last = parse_day(end, "to") if end is not None else month_end(first)
    if last < first:
        raise ValidationError.field("to", "on or after from")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationError.field("to", f"at most {MAX_DAYS} days after from")
    return first, last


def month_end(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def is_sequence(campaign: dict) -> bool:
    return len(campaign.get("steps") or []) > 1 or campaign.get("enrollment") == EnrollmentMode.CONTINUOUS


def send_time(campaign: dict) -> str | None:
    """When a waiting campaign goes out: its send time, else (scheduled for now) when it became due."""
    return campaign.get("send_at") or campaign.get("due_at")


def campaign_days(campaign: dict, now: datetime) -> list[date]:
    """The days a campaign occupies (empty: not on the calendar: an unplanned draft, a cancelled one that never
    sent)."""
    if campaign.get("status") in PLANNED:
        planned = send_time(campaign) if campaign.get("status") == CampaignStatus.SCHEDULED else campaign.get("send_at")
        return [_day(planned)] if planned else []
    if not campaign.get("started_at"):
        return []
    first = _day(campaign["started_at"])
    if is_sequence(campaign):
        return [first]
    last = _day(campaign["finished_at"]) if campaign.get("finished_at") else now.date()
    last = max(first, min(last, first + timedelta(days=MAX_DAYS)))  # a broadcast sends within hours
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def days_view(campaigns: list[dict], first: date, last: date, now: datetime) -> list[dict]:
    """Every day from first to last, each with the campaigns on it (by time, then name)."""
    on: dict[date, list[dict]] = {}
    for campaign in campaigns:
        for day in campaign_days(campaign, now):
            if first <= day <= last:
                on.setdefault(day, []).append(campaign)
    days = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        listed = sorted(on.get(day, []), key=lambda c: (_sort_time(c), c.get("name") or "", c["id"]))
        days.append({"date": day.isoformat(), "campaigns": [entry(c) for c in listed]})
    return days


def entry(campaign: dict) -> dict:
    return {"id": campaign["id"], "name": campaign.get("name"), "status": campaign.get("status"),
            "pools": list((campaign.get("audience") or {}).get("pools") or [])}


def cadence(pools: list[dict], campaigns: list[dict], now: datetime) -> list[dict]:
    """Each pool's last contact, next planned campaign and whether it is quiet (nothing within QUIET_AFTER)."""
    last: dict[str, str] = {}
    upcoming: dict[str, str] = {}
    moment = now.strftime("%Y-%m-%dT%H:%M:%S")
    for campaign in campaigns:
        pool_ids = (campaign.get("audience") or {}).get("pools") or []
        started = campaign.get("started_at")
        planned = send_time(campaign) if campaign.get("status") == CampaignStatus.SCHEDULED else None
        for pool_id in pool_ids:
            if started and started > last.get(pool_id, ""):
                last[pool_id] = started
            if planned and planned[:19] >= moment and planned < upcoming.get(pool_id, "~"):
                upcoming[pool_id] = planned
    horizon = (now + QUIET_AFTER).strftime("%Y-%m-%dT%H:%M:%S")
    return [{"id": pool["id"], "name": pool.get("name"), "last_contacted_at": last.get(pool["id"]),
             "next_planned_at": upcoming.get(pool["id"]),
             "quiet": upcoming.get(pool["id"]) is None or upcoming[pool["id"]][:19] > horizon}
            for pool in pools]


def _day(moment: str) -> date:
    return date.fromisoformat(moment[:10])


def _sort_time(campaign: dict) -> str:
    return campaign.get("started_at") or send_time(campaign) or ""
