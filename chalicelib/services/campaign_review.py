"""A campaign's review before it is scheduled: how many people its audience holds, how many can be emailed
(or texted), and why the others cannot, by reason.

Each person is decided by the sender's own rule (domain/campaigns.py `decide`, for the first step, as the send
worker decides it) over the audience as the fan-out reads it (audience.py), from the people as stored now.

Bounded: a request counts for at most BUDGET_SECONDS, then answers what it has with `complete: false`; the
count goes on at the next request from where it stopped (kept in the key store under `review#<campaign id>`).
The page polls until it is complete; an API caller calls again. Measured on the local stack (2 cores, the
emulator): see docs/api.md, "Campaigns". A count is kept FRESH_FOR, then made again; any change to what the
decision reads (the audience, the category, the channel, the exit rules, how many steps) starts it over.
"""
from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from datetime import timedelta

from ..domain.campaigns import decide, reachable
from ..domain.clock import iso, parse_iso, utcnow
from ..domain.vocabulary import Channel
from .audience import AudienceReader, Position

BUDGET_SECONDS = 5.0  # per request: far inside API Gateway's 29 s and the API function's timeout
FRESH_FOR = timedelta(minutes=10)  # a finished count is shown this long, then counted again
KEPT_FOR = timedelta(days=1)  # the key store forgets a count after this


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
        while not position.done:
            ids, position = self.audience.page(campaign, position)
            self._count(campaign, ids, counts)
            if time.monotonic() > deadline:
                break
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

    def _count(self, campaign: dict, ids: list[str], counts: Counter) -> None:
        if not ids:
            return
        people = self.candidates.batch_get(ids)
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
