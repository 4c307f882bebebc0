"""ISO 8601 durations (P3D, PT2H, P1Y2M, P2W) and calendar-correct subtraction."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_PATTERN = re.compile(
    r"^P(?!$)(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


@dataclass(frozen=True)
class Duration:
    months: int = 0
    delta: timedelta = timedelta()

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this duration; months and years move on the calendar (Mar 31 - P1M = Feb 28)."""
        return _shift_months(moment, -self.months) - self.delta

    def after(self, moment: datetime) -> datetime:
        return _shift_months(moment, self.months) + self.delta


def _shift_months(moment: datetime, months: int) -> datetime:
    if not months:
        return moment
    year, month = divmod(moment.year * 12 + (moment.month - 1) + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def parse_duration(text: object) -> Duration:
    """Raises ValueError for anything that is not an ISO 8601 duration."""
    if not isinstance(text, str):
        raise ValueError("a duration must be text such as P3D or PT2H")
    match = _PATTERN.match(text.strip().upper())
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as P3D, PT2H or P1Y")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    if any(v > 100_000 for v in parts.values()):
        raise ValueError(f"{text!r} is too long a duration")
    return Duration(
        months=parts.get("years", 0) * 12 + parts.get("months", 0),
        delta=timedelta(weeks=parts.get("weeks", 0), days=parts.get("days", 0), hours=parts.get("hours", 0),
                        minutes=parts.get("minutes", 0), seconds=parts.get("seconds", 0)),
    )
