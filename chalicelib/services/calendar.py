"""The content calendar (GET /calendar, the workspace's Calendar page): campaigns by day, each pool's cadence.

Campaigns are few (tens to a few thousand): they are read a page at a time up to MAX_CAMPAIGNS, and so are the
pools; the placing rules are pure (domain/calendar.py).
"""
from __future__ import annotations

from ..domain.calendar import cadence, day_range, days_view
from ..domain import clock
from ..observability import logger

PAGE = 200
MAX_CAMPAIGNS = 10_000  # read at most this many campaigns for one calendar
MAX_POOLS = 2_000


class CalendarService:
    def __init__(self, campaigns, pools, silver=None):
        self.campaigns = campaigns  # the campaign repository (page)
        self.pools = pools  # the pool service (list)
        self.silver = silver  # silver_medalists.py: the built-in pool is on the calendar from the first day

    def calendar(self, start: object, end: object) -> dict:
        """{"days": [{"date", "campaigns": [{"id", "name", "status", "pools"}]}], "pools": [{"id", "name",
        "last_contacted_at", "next_planned_at", "quiet"}]} for the days asked, both included (400: see day_range)."""
        now = clock.utcnow()  # the module's: the local clock and the tests' held clock move it
        first, last = day_range(start, end, now.date())
        campaigns = self._campaigns()
        return {"days": days_view(campaigns, first, last, now), "pools": cadence(self._pools(), campaigns, now)}

    def _campaigns(self) -> list[dict]:
        found: list[dict] = []
        cursor = None
        while True:
            items, cursor = self.campaigns.page(PAGE, cursor)
            found += items
            if not cursor or len(found) >= MAX_CAMPAIGNS:
                break
        if cursor:
            logger().warning("calendar read its campaign limit", extra={"limit": MAX_CAMPAIGNS})
        return found

    def _pools(self) -> list[dict]:
        if self.silver is not None:
            self.silver.ensure()  # never raises: the calendar shows whatever pools there are
        found: list[dict] = []
        cursor = None
        while True:
            items, cursor = self.pools.list(PAGE, cursor)
            found += items
            if not cursor or len(found) >= MAX_POOLS:
                break
        return sorted(found, key=lambda pool: ((pool.get("name") or "").casefold(), pool["id"]))
