"""The daily schedule (app.py's `daily` handler): every once-a-day job, one pass each."""
from __future__ import annotations

import time

from .privacy import expire_pending

# The daily function may run 900 s (.chalice/config.json); retention's pass takes what the other jobs left, less a
# margin for its last page. What it does not reach, its kept cursor reaches tomorrow.
DAILY_SECONDS = 780.0


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
        started = time.monotonic()
        done = {"builtin_pools_created": self.pools.ensure_builtin(),
                "pool_sizes_recorded": self.analytics.record_pool_sizes(),
                "pending_expired": expire_pending(self.settings, self.candidates, self.privacy),
                "pools_refreshed": self.pools.refresh_time_based()}
        if self.retention is not None:
            done["retention"] = self.retention.run(max(30.0, DAILY_SECONDS - (time.monotonic() - started)))
        return done
