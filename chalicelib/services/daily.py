"""The daily schedule (app.py's `daily` handler): every once-a-day job, one pass each."""
from __future__ import annotations

from .privacy import expire_pending


class DailyJobs:
    def __init__(self, settings, pools, analytics, candidates, privacy):
        self.settings = settings
        self.pools = pools  # the pool service
        self.analytics = analytics
        self.candidates = candidates  # the candidate repository (the pending scan)
        self.privacy = privacy

    def run(self) -> dict:
        """What each job did, by name."""
        return {"builtin_pools_created": self.pools.ensure_builtin(),
                "pool_sizes_recorded": self.analytics.record_pool_sizes(),
                "pending_expired": expire_pending(self.settings, self.candidates, self.privacy),
                "pools_refreshed": self.pools.refresh_time_based()}
