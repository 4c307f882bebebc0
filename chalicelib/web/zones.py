"""The time zones the workspace offers (a campaign's schedule and send window, a person's time zone): the tz
database's region/city names and UTC, sorted; read once."""
from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def time_zones() -> tuple[str, ...]:
    from zoneinfo import available_timezones

    return tuple(sorted(zone for zone in available_timezones() if "/" in zone or zone == "UTC"))
