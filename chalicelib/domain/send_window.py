"""A campaign's send window: the hours and days its emails may go out, in the candidate's time or a fixed zone.

`{"start": "09:00", "end": "17:00", "days": ["mon", ...], "timezone": "candidate" | "<IANA>",
"fallback_timezone"?: "<IANA>"}` (CONTRACT: campaigns). A window whose end is before its start runs past
midnight (22:00 to 02:00 belongs to the day it starts). Days default to Monday to Friday: recruiting email
is read on working days.

Whose time: a fixed zone, or the candidate's: their `timezone` field (IANA), else the one zone their city and
country name (quiet_hours.py, as SMS quiet hours place a person), else the window's fallback (UTC when it
names none). Outside the window a send is deferred to the next opening, never skipped.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from .bodies import Body
from .quiet_hours import zone_for_candidate

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
WORKING_DAYS = DAYS[:5]
CANDIDATE = "candidate"
FALLBACK = "UTC"
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")  # ASCII digits only
TIME_PROBLEM = "a time of day such as 09:00 (24-hour clock)"
DAYS_PROBLEM = "a non-empty list of days: " + ", ".join(DAYS)
ZONE_PROBLEM = "candidate, or a time zone name such as Europe/Berlin"
FALLBACK_PROBLEM = "a time zone name such as Europe/Berlin"


@lru_cache(maxsize=None)
def known_zone(name: object) -> bool:
    """An IANA zone the tz database knows (not a path, not a local file)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


class SendWindow(Body):
    start: str = Field(description=TIME_PROBLEM)
    end: str = Field(description=TIME_PROBLEM)
    days: list[str] = Field(default_factory=lambda: list(WORKING_DAYS), description=DAYS_PROBLEM)
    timezone: str = Field(CANDIDATE, description=ZONE_PROBLEM)
    fallback_timezone: str | None = Field(None, description=FALLBACK_PROBLEM)

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError("an object with start, end, days and timezone")
        return value

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.fullmatch(value):
            raise ValueError(TIME_PROBLEM)
        return value

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        if not value or not all(day in DAYS for day in value):
            raise ValueError(DAYS_PROBLEM)
        return [day for day in DAYS if day in value]  # each once, in week order

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value != CANDIDATE and not known_zone(value):
            raise ValueError(ZONE_PROBLEM)
        return value

    @field_validator("fallback_timezone")
    @classmethod
    def _fallback(cls, value: str | None) -> str | None:
        if value is not None and not known_zone(value):
            raise ValueError(FALLBACK_PROBLEM)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> "SendWindow":
        if self.start == self.end:
            raise ValueError("start and end must differ: the window would be empty")
        return self

    def stored(self) -> dict:
        return self.model_dump()


def zone_for(window: dict, candidate: dict | None) -> str:
    """Whose time the window is read in for this person (see the module's docstring)."""
    if window.get("timezone") != CANDIDATE:
        return window["timezone"]
    person = candidate or {}
    own = person.get("timezone")
    if isinstance(own, str) and known_zone(own):
        return own
    return zone_for_candidate(person) or window.get("fallback_timezone") or FALLBACK


def _minutes(clock: str) -> time:
    hours, minutes = clock.split(":")
    return time(int(hours), int(minutes))


def _span(window: dict, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The window opened on `day` (local), in UTC: [start, end)."""
    start, end = _minutes(window["start"]), _minutes(window["end"])
    opens = datetime.combine(day, start, tzinfo=zone)
    closes = datetime.combine(day + timedelta(days=1) if end <= start else day, end, tzinfo=zone)
    return opens.astimezone(timezone.utc), closes.astimezone(timezone.utc)


def next_opening(window: dict, zone_name: str, now: datetime) -> datetime:
    """`now` when the window is open then, else the moment (UTC) it next opens."""
    zone = ZoneInfo(zone_name)
    moment = now.astimezone(timezone.utc) if now.tzinfo else now.replace(tzinfo=timezone.utc)
    today = moment.astimezone(zone).date()
    days = set(window.get("days") or WORKING_DAYS)
    openings = []
    for offset in range(-1, 9):  # yesterday's window may run past midnight; a week on, every day has come round
        day = today + timedelta(days=offset)
        if DAYS[day.weekday()] not in days:
            continue
        opens, closes = _span(window, day, zone)
        if opens <= moment < closes:
            return moment
        if opens > moment:
            openings.append(opens)
    return min(openings)


def is_open(window: dict, zone_name: str, now: datetime) -> bool:
    return next_opening(window, zone_name, now) == (now.astimezone(timezone.utc) if now.tzinfo
                                                    else now.replace(tzinfo=timezone.utc))
