"""Counting over a big set a bounded piece per request, going on where the last request stopped.

A page that counts a pool or a campaign's audience answers within its budget with what it has counted so far
(`complete: false`) and polls; the next request counts the next pieces. The count in progress is kept in the key
store under one key: what it is about (`fingerprint`: a change starts it over), when it began, where it is
(`position`, the counter's own) and the counts. A finished count is shown FRESH_FOR, then made again.

Used by the campaign review (campaign_review.py) and the pool figures (pool_figures.py).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from ..domain.clock import iso, parse_iso, utcnow

FRESH_FOR = timedelta(minutes=10)  # a finished count is shown this long, then counted again
KEPT_FOR = timedelta(days=1)  # the key store forgets a count after this


@dataclass
class Tally:
    """A count in progress: what it is about, when it began, where it is, what it has counted."""
    fingerprint: str
    started_at: str
    position: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    done: bool = False

    def view(self) -> dict:
        return {"fingerprint": self.fingerprint, "started_at": self.started_at, "position": self.position,
                "counts": self.counts, "done": self.done}

    @property
    def as_of(self) -> str:
        return iso(parse_iso(self.started_at))


class Tallies:
    """Counts in progress, kept in the key store (store/keys.py)."""

    def __init__(self, keys, fresh_for: timedelta = FRESH_FOR):
        self.keys = keys
        self.fresh_for = fresh_for

    def load(self, key: str, fingerprint: str) -> Tally:
        """The count kept under `key` if it is about `fingerprint` and fresh enough; else a new one, begun now."""
        now = utcnow()
        kept = (self.keys.get(key) or {}).get("data") or {}
        fresh = (kept.get("fingerprint") == fingerprint and isinstance(kept.get("started_at"), str)
                 and kept["started_at"] >= iso(now - self.fresh_for))
        if fresh and isinstance(kept.get("position"), dict) and isinstance(kept.get("counts"), dict):
            return Tally(fingerprint, kept["started_at"], kept["position"], kept["counts"], bool(kept.get("done")))
        return Tally(fingerprint, iso(now))

    def save(self, key: str, tally: Tally) -> None:
        now = utcnow()
        self.keys.put(key, data=tally.view(), created_at=iso(now), expires_at=now + KEPT_FOR)


def within(budget_seconds: float | None, step: Callable[[], bool]) -> None:
    """Calls `step` (True when there is nothing left) until it is done or the budget would be passed: a step
    is not begun if the longest so far would end it past the deadline; the first always is. None: no budget."""
    deadline = None if budget_seconds is None else time.monotonic() + budget_seconds
    longest = 0.0
    while True:
        began = time.monotonic()
        if step():
            return
        longest = max(longest, time.monotonic() - began)
        if deadline is not None and time.monotonic() + longest > deadline:
            return
