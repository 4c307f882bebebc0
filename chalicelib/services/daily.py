"""The daily schedule (app.py's `daily` handler): every once-a-day job, one pass each."""
from __future__ import annotations

from .. import wiring
from ..settings import get_settings


def run() -> dict:
    """What each job did, by name."""
    from .privacy import expire_pending

    pools = wiring.pools()
    return {"builtin_pools_created": pools.ensure_builtin(),
            "pool_sizes_recorded": wiring.analytics().record_pool_sizes(),
            "pending_expired": expire_pending(get_settings(), wiring.candidate_repo(), wiring.privacy()),
            "pools_refreshed": pools.refresh_time_based()}
