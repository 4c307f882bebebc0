"""Time and identifiers: ISO 8601 UTC with Z, prefixed ULIDs.

`utcnow()` is the app's clock: every date the app computes or stores reads it. Locally, `POST /dev/clock`
moves it by an offset from real time (`set_now`, `reset`): a module global, so every thread of
the local stack's one process (API, queue workers, schedules) sees the same time, and a restart returns to
real time. Only the local-only blueprint (registered when CRM_STAGE is `local`) ever changes the offset;
in a deployed function it stays zero.
"""
from __future__ import annotations

import math
import re
import threading
from datetime import datetime, timedelta, timezone

from ulid import ULID

_offset = timedelta()
_offset_lock = threading.Lock()


def utcnow() -> datetime:
    return datetime.now(timezone.utc) + _offset


def set_now(moment: datetime) -> datetime:
    """The app's clock reads `moment` now and runs on from there (an aware datetime)."""
    global _offset
    with _offset_lock:
        _offset = moment - datetime.now(timezone.utc)
    return utcnow()


def reset() -> datetime:
    """Back to real time."""
    global _offset
    with _offset_lock:
        _offset = timedelta()
    return utcnow()


def offset() -> timedelta:
    return _offset


def iso(moment: datetime | None = None) -> str:
    moment = moment or utcnow()
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Dates we accept from outside. Far enough from datetime's limits (years 1..9999) that converting to
# UTC, adding windows (30 days, a 7-day cap, durations up to a few years) or subtracting them never
# overflows; anything outside is a typo or an attack.
MIN_YEAR, MAX_YEAR = 1900, 2200
_MAX_CHARS = 64


def parse_iso(text: object) -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime (no zone means UTC).

    Raises ValueError for anything else: not text, not ISO 8601, or outside years 1900..2200.
    """
    if not isinstance(text, str) or len(text) > _MAX_CHARS:
        raise ValueError("an ISO 8601 date or time is text such as 2026-12-01T09:00:00Z")
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # checked before astimezone, which can overflow
        raise ValueError(f"dates must be between the years {MIN_YEAR} and {MAX_YEAR}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if not MIN_YEAR <= moment.year <= MAX_YEAR:  # 1900-01-01T00:00+01:00 is 1899 in UTC
        raise ValueError(f"dates must be between the years {MIN_YEAR} and {MAX_YEAR}")
    return moment


def seconds_until(moment: object, now: datetime) -> int:
    """Whole seconds from `now` to an ISO time (0: past, absent or unreadable)."""
    if not isinstance(moment, str):
        return 0
    try:
        return max(0, math.ceil((parse_iso(moment) - now).total_seconds()))
    except ValueError:
        return 0


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(ULID()).lower()}"


_ID_TAIL = re.compile(r"[0-9A-Za-z_-]{1,64}")


def is_id(value: object, prefix: str) -> bool:
    """Shaped like an id new_id(prefix) gives: ids from bodies become DynamoDB keys (bounded, one line)."""
    head = prefix + "_"
    return isinstance(value, str) and value.startswith(head) and bool(_ID_TAIL.fullmatch(value[len(head):]))
