"""The daily schedule (app.py's `daily` handler): every once-a-day job, one pass each."""
from __future__ import annotations

from .privacy import expire_pending


class DailyJobs:
    def __init__(self, settings, pools, analytics, candidates, privacy, retention=None):
        self.settings = settings
        self.pools = pools  # the pool service
        self.analytics = analytics
        self.candidates = candidates  # the candidate repository (the pending scan)
        self.privacy = privacy
        self.retention = retention  # services/retention.py: re-permission and erasure at the end of retention

    def run(self) -> dict:
        """What each job did, by name."""
        done = {"builtin_pools_created": self.pools.ensure_builtin(),
                "pool_sizes_recorded": self.analytics.record_pool_sizes(),
                "pending_expired": expire_pending(self.settings, self.candidates, self.privacy),
                "pools_refreshed": self.pools.refresh_time_based()}
        if self.retention is not None:
            done["retention"] = self.retention.run()
        return done
