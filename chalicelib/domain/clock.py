"""Time and identifiers: ISO 8601 UTC with Z, prefixed ULIDs."""
from __future__ import annotations

from datetime import datetime, timezone

from ulid import ULID


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime | None = None) -> str:
    moment = moment or utcnow()
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def new_id(prefix: str) -> str:
    return f"{prefix}_{str(ULID()).lower()}"
