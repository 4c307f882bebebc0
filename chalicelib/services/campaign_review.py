"""A campaign's review before it is scheduled: how many people its audience holds, how many can be emailed
(or texted), and why the others cannot, by reason.

Each person is decided by the sender's own rule (domain/campaigns.py `decide`, for the first step, as the send
worker decides it) over the audience as the fan-out reads it (audience.py), from the people as stored now.

Bounded (tally.py): a request counts for about BUDGET_SECONDS, then answers what it has with `complete: false`;
the count goes on at the next request from where it stopped (kept in the key store under `review#<campaign id>`).
The page polls until it is complete; an API caller calls again. `python -m tests.bench.campaign_review` measures
it. A count is kept tally.FRESH_FOR, then made again; any change to what the decision reads (the audience, the
category, the channel, the exit rules, how many steps) starts it over.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor

from ..domain.campaigns import decide, reachable
from ..domain.clock import utcnow
from ..domain.vocabulary import Channel
from .audience import BATCH, AudienceReader, Position
from .tally import Tallies, Tally, within

BUDGET_SECONDS = 5.0  # per request: far inside API Gateway's 29 s and the API function's timeout
READERS = 4  # batch reads of people at once (BatchGetItem: a hundred people each)


_pool: ThreadPoolExecutor | None = None


def _readers() -> ThreadPoolExecutor:
    """The threads that read people (one per container, made on first use)."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="review")
    return _pool


def fingerprint(campaign: dict) -> str:
    """What the first step's decision reads of the campaign: a change to any of it starts the count over."""
    parts = {"audience": campaign.get("audience"), "category": campaign.get("category"),
             "channel": campaign.get("channel"), "exit_on": sorted(campaign.get("exit_on") or []),
             "sequence": len(campaign.get("steps") or []) > 1}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class CampaignReview:
    def __init__(self, settings, candidates, memberships, keys, budget_seconds: float | None = None):
        self.settings = settings
        self.candidates = candidates
        self.tallies = Tallies(keys)
        self.audience = AudienceReader(memberships)
        self.budget_seconds = BUDGET_SECONDS if budget_seconds is None else budget_seconds

    def review(self, campaign: dict) -> dict:
        """The count so far (all of it when `complete`), going on for at most the budget."""
        key = f"review#{campaign['id']}"
        tally = self.tallies.load(key, fingerprint(campaign))
        position = Position.of(tally.position)
        counts = Counter(tally.counts)
        reading: list[tuple[list[str], list[Future]]] = []  # a page being read while the next page of ids is

        def step() -> bool:
            nonlocal position
            if position.done:
                return True
            ids, position = self.audience.page(campaign, position)
            if reading:
                self._count(campaign, reading.pop(), counts)
            reading.append((ids, self._read(ids)))
            return position.done

        within(self.budget_seconds, step)
        if reading:  # the position saved is after every page counted
            self._count(campaign, reading.pop(), counts)
        tally.position, tally.counts, tally.done = position.view(), dict(counts), position.done
        self.tallies.save(key, tally)
        return self._answer(campaign, tally)

    def _read(self, ids: list[str]) -> list[Future]:
        """The people of a page, read a batch of a hundred per reading thread."""
        return [_readers().submit(self.candidates.batch_get, ids[start:start + BATCH])
                for start in range(0, len(ids), BATCH)]

    def _count(self, campaign: dict, page: tuple[list[str], list[Future]], counts: Counter) -> None:
        ids, reads = page
        people: dict = {}
        for read in reads:
            people.update(read.result())
        now = utcnow()
        sms = campaign.get("channel") == Channel.SMS
        cap = self.settings.sms_frequency_cap if sms else self.settings.frequency_cap
        sequence = len(campaign["steps"]) > 1
        for candidate_id in ids:
            decision = decide(candidate=people.get(candidate_id), campaign=campaign, step_index=0, now=now,
                              cap=cap, sequence=sequence)
            reason = reachable(decision)
            counts["reachable" if reason is None else str(reason)] += 1

    @staticmethod
    def _answer(campaign: dict, tally: Tally) -> dict:
        counts = dict(tally.counts)
        emailable = int(counts.pop("reachable", 0))
        not_emailable = {reason: int(n) for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))}
        return {"campaign_id": campaign["id"], "channel": campaign.get("channel"),
                "audience": emailable + sum(not_emailable.values()), "emailable": emailable,
                "not_emailable": not_emailable, "complete": tally.done, "as_of": tally.as_of}
