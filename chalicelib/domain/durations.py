"""ISO 8601 durations (P3D, PT2H, P1Y2M, P2W) and calendar-correct subtraction.

Every duration is at most MAX_YEARS long, checked here once for every user (pool rules, campaign step
delays): a stored "P99999Y" would otherwise make each date computation with it fail.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_YEARS = 100
_MAX_DAYS = MAX_YEARS * 365.2425  # the Gregorian year
_MAX_TEXT = 64
_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d{1,7})Y)?(?:(?P<months>\d{1,7})M)?(?:(?P<weeks>\d{1,7})W)?(?:(?P<days>\d{1,7})D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d{1,9})H)?(?:(?P<minutes>\d{1,11})M)?(?:(?P<seconds>\d{1,12})S)?)?$",
    re.ASCII,
)


@dataclass(frozen=True)
class Duration:
    months: int = 0
    delta: timedelta = timedelta()

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this duration; months and years move on the calendar (Mar 31 - P1M = Feb 28).
        ValueError (never OverflowError) if the result is outside the calendar (years 1 to 9999)."""
        try:
            return _shift_months(moment, -self.months) - self.delta
        except (OverflowError, ValueError):
            raise ValueError(f"{moment.date().isoformat()} minus {self} is before the year 1") from None

    def after(self, moment: datetime) -> datetime:
        try:
            return _shift_months(moment, self.months) + self.delta
        except (OverflowError, ValueError):
            raise ValueError(f"{moment.date().isoformat()} plus {self} is after the year 9999") from None

    def __str__(self) -> str:
        return f"{self.months} months and {self.delta.days} days" if self.months else f"{self.delta.days} days"


def _shift_months(moment: datetime, months: int) -> datetime:
    if not months:
        return moment
    year, month = divmod(moment.year * 12 + (moment.month - 1) + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def parse_duration(text: object) -> Duration:
    """Raises ValueError (and nothing else) for anything that is not an ISO 8601 duration of at most
    MAX_YEARS years."""
    if not isinstance(text, str):
        raise ValueError("a duration must be text such as P3D or PT2H")
    if len(text) > _MAX_TEXT:
        raise ValueError(f"a duration is at most {_MAX_TEXT} characters, such as P3D, PT2H or P1Y")
    match = _PATTERN.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P3D, PT2H or P1Y")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    months = parts.get("years", 0) * 12 + parts.get("months", 0)
    days = (parts.get("weeks", 0) * 7 + parts.get("days", 0) + parts.get("hours", 0) / 24
            + parts.get("minutes", 0) / 1440 + parts.get("seconds", 0) / 86400)
    if months * _MAX_DAYS / (MAX_YEARS * 12) + days > _MAX_DAYS:
        raise ValueError(f"{text!r} is longer than {MAX_YEARS} years")
    return Duration(
        months=months,
        delta=timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0), hours=parts.get("hours", 0),
                        minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0)),
    )
