"""A campaign's review before it is scheduled: how many people its audience holds, how many can be emailed
(or texted), and why the others cannot, by reason.

Each person is decided by the sender's own rule (domain/campaigns.py `decide`, for the first step, as the send
worker decides it) over the audience as the fan-out reads it (audience.py), from the people as stored now.

Bounded: a request counts for about BUDGET_SECONDS (a page of people is not begun if the longest page so far
would end it past that; the first page always is), then answers what it has with `complete: false`; the count
goes on at the next request from where it stopped (kept in the key store under `review#<campaign id>`). The
page polls until it is complete; an API caller calls again. Measured by `python -m tests.bench.campaign_review`
(the local stack's emulator, 2 cores): 10,000 people in 8.7 s over 3 requests, the longest 4.9 s (34 s with
the cores busy elsewhere); 100,000 in 39 minutes over 253 requests (cores busy; the longest 19 s, before the
page-time check), nearly all of it inside the emulator, whose Query reads a pool's whole partition for each
page of 500 (the fan-out pays the same there) and whose BatchGetItem answers one request at a time. A count is kept FRESH_FOR, then made again; any change to what the
decision reads (the audience, the category, the channel, the exit rules, how many steps) starts it over.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from ..domain.campaigns import decide, reachable
from ..domain.clock import iso, parse_iso, utcnow
from ..domain.vocabulary import Channel
from .audience import BATCH, AudienceReader, Position

BUDGET_SECONDS = 5.0  # per request: far inside API Gateway's 29 s and the API function's timeout
FRESH_FOR = timedelta(minutes=10)  # a finished count is shown this long, then counted again
KEPT_FOR = timedelta(days=1)  # the key store forgets a count after this
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
        self.keys = keys
        self.audience = AudienceReader(memberships)
        self.budget_seconds = BUDGET_SECONDS if budget_seconds is None else budget_seconds

    def review(self, campaign: dict) -> dict:
        """The count so far (all of it when `complete`), going on for at most the budget."""
        deadline = time.monotonic() + self.budget_seconds
        now = utcnow()
        key = f"review#{campaign['id']}"
        state = self._state(key, campaign, now)
        position = Position.of(state["position"])
        counts = Counter(state["counts"])
        reading = None  # a page whose people are being read while the next page of ids is
        longest = 0.0  # the longest page so far: none is begun that would end past the deadline
        while not position.done:
            began = time.monotonic()
            ids, position = self.audience.page(campaign, position)
            if reading is not None:
                self._count(campaign, *reading, counts)
            reading = (ids, self._read(ids))
            longest = max(longest, time.monotonic() - began)
            if time.monotonic() + longest > deadline:
                break
        if reading is not None:  # the position saved is after every page counted
            self._count(campaign, *reading, counts)
        state.update(position=position.view(), counts=dict(counts))
        self.keys.put(key, data=state, created_at=iso(now), expires_at=now + KEPT_FOR)
        return self._answer(campaign, state, position.done)

    def _state(self, key: str, campaign: dict, now) -> dict:
        """The count kept for this campaign, if it is about the campaign as it is and fresh enough; else a new one."""
        kept = (self.keys.get(key) or {}).get("data") or {}
        fresh = kept.get("fingerprint") == fingerprint(campaign) and kept.get("started_at", "") >= iso(now - FRESH_FOR)
        if fresh and isinstance(kept.get("position"), dict) and isinstance(kept.get("counts"), dict):
            return kept
        return {"fingerprint": fingerprint(campaign), "started_at": iso(now), "position": Position().view(),
                "counts": {}}

    def _read(self, ids: list[str]) -> list[Future]:
        """The people of a page, read a batch of a hundred per reading thread."""
        return [_readers().submit(self.candidates.batch_get, ids[start:start + BATCH])
                for start in range(0, len(ids), BATCH)]

    def _count(self, campaign: dict, ids: list[str], reads: list[Future], counts: Counter) -> None:
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
    def _answer(campaign: dict, state: dict, complete: bool) -> dict:
        counts = dict(state["counts"])
        emailable = int(counts.pop("reachable", 0))
        not_emailable = {reason: int(n) for reason, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))}
        return {"campaign_id": campaign["id"], "channel": campaign.get("channel"),
                "audience": emailable + sum(not_emailable.values()), "emailable": emailable,
                "not_emailable": not_emailable, "complete": complete, "as_of": iso(parse_iso(state["started_at"]))}
