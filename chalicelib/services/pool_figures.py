"""A pool's member figures: how many engaged or were contacted in the last 90 days, how many profiles are stale.

They read every member (their dates only: store/pools.py `dates_page`), so a big pool is counted a bounded piece
per request (tally.py), as the campaign review counts an audience: the workspace's pool page shows what is
counted so far and polls; the API (GET /analytics/pools/{id}) counts to the end in one call. The day boundaries
are those of when the count began, so the pieces add up to one count.
"""
from __future__ import annotations

from datetime import timedelta

from ..domain.clock import iso, parse_iso
from .tally import Tallies, Tally, within

PAGE = 1000  # members' dates read at a time
FIGURES = ("size", "engaged_90d", "contacted_90d", "stale_profiles")


class PoolFigures:
    def __init__(self, memberships, keys):
        self.memberships = memberships
        self.tallies = Tallies(keys)

    def count(self, pool: dict, budget_seconds: float | None = None) -> dict:
        """{size, engaged_90d, contacted_90d, stale_profiles, complete, as_of}. With a budget: counted for at most
        that long, going on from the count kept for this pool (a small pool is counted whole at once). None: all
        of it now, nothing kept."""
        if budget_seconds is None or int(pool.get("size") or 0) <= PAGE:
            return self._count(pool, Tally("", iso()), None)
        key = f"poolfigures#{pool['id']}"
        # the pool's generation changes when its rules do (a rebuild): a count of the old members starts over
        return self._count(pool, self.tallies.load(key, f"{pool['id']}#{pool.get('generation') or 0}"),
                           budget_seconds)

    def _count(self, pool: dict, tally: Tally, budget_seconds: float | None) -> dict:
        began = parse_iso(tally.started_at)
        recent, year_ago = iso(began - timedelta(days=90)), iso(began - timedelta(days=365))
        counts = {name: int(tally.counts.get(name) or 0) for name in FIGURES}
        cursor = tally.position.get("cursor")

        def step() -> bool:
            nonlocal cursor
            if tally.done:
                return True
            members, cursor = self.memberships.dates_page(pool["id"], limit=PAGE, cursor=cursor)
            for member in members:
                counts["size"] += 1
                counts["engaged_90d"] += (member.get("last_engaged_at") or "") >= recent
                counts["contacted_90d"] += (member.get("last_contacted_at") or "") >= recent
                counts["stale_profiles"] += bool(member.get("updated_at")) and member["updated_at"] < year_ago
            tally.done = cursor is None
            return tally.done

        within(budget_seconds, step)
        if tally.fingerprint:  # a count kept between requests
            tally.position, tally.counts = {"cursor": cursor}, counts
            self.tallies.save(f"poolfigures#{pool['id']}", tally)
        return {**counts, "complete": tally.done, "as_of": tally.as_of}
