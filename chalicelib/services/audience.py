"""Who a campaign's audience holds, read a page at a time: the members of its pools, each person once, without
the members of its excluded pools.

The scheduler's fan-out (scheduler.py) and the review before scheduling (campaign_review.py) read the audience
through this one reader, so "N in audience" on the review is the number the fan-out enqueues. A person in two
of the audience's pools is read from the first of them; the later pools leave out who the earlier ones hold
(one batch read per hundred ids per earlier pool, as for an excluded pool).

A one-to-one outreach (services/outreach.py) has no pools: its audience is the people the recruiter picked
(`recipients`, at most 50), read in one page.
"""
from __future__ import annotations

from dataclasses import dataclass

PAGE = 500  # memberships read at a time (ids only)
BATCH = 100  # ids per batch read of another pool's memberships (DynamoDB BatchGetItem's limit)


@dataclass
class Position:
    """Where a read of the audience is: the pool (its index) and the cursor within it; done at the end."""
    pool: int = 0
    cursor: str | None = None
    done: bool = False

    @classmethod
    def of(cls, data: dict | None) -> "Position":
        data = data or {}
        return cls(int(data.get("pool") or 0), data.get("cursor"), bool(data.get("done")))

    def view(self) -> dict:
        return {"pool": self.pool, "cursor": self.cursor, "done": self.done}


class AudienceReader:
    def __init__(self, memberships, page: int | None = None):
        self.memberships = memberships
        self.page_size = page or PAGE

    def page(self, campaign: dict, position: Position) -> tuple[list[str], Position]:
        """The next page of the audience's people after `position`, and the position after it."""
        if campaign.get("recipients") is not None:  # an outreach: the people picked, in one page
            if position.done:
                return [], Position(0, None, True)
            return list(dict.fromkeys(campaign["recipients"])), Position(0, None, True)
        pools = campaign["audience"]["pools"]
        if position.done or position.pool >= len(pools):
            return [], Position(len(pools), None, True)
        ids, cursor = self.memberships.ids_page(pools[position.pool], limit=self.page_size, cursor=position.cursor)
        ids = self.kept(campaign, ids, position.pool)
        if cursor:
            return ids, Position(position.pool, cursor, False)
        following = position.pool + 1
        return ids, Position(following, None, following >= len(pools))

    def kept(self, campaign: dict, ids: list[str], pool_index: int) -> list[str]:
        """`ids` read from the audience's pool at `pool_index`, each once, without the people an excluded pool
        holds or an earlier audience pool already gave."""
        audience = campaign["audience"]
        ids = list(dict.fromkeys(ids))
        for pool_id in [*audience["pools"][:pool_index], *(audience.get("exclude_pools") or [])]:
            if not ids:
                break
            held: set[str] = set()
            for start in range(0, len(ids), BATCH):
                held |= set(self.memberships.existing(pool_id, ids[start:start + BATCH]))
            ids = [i for i in ids if i not in held]
        return ids
