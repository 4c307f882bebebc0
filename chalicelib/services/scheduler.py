"""The scheduler (every minute): due campaigns and due sequence steps -> recipient batches on the
send queue.

Nothing is scanned: campaigns and enrollments with work due sit on sparse `due` indexes (sharded).
A campaign's audience is paged through its pools' memberships (audience.py: each person once, the
excluded pools' members left out, as the review before scheduling counts them); after each page the fan-out
checkpoint is saved, so a crash or a timeout re-enqueues at most one page (the workers' claims
make that harmless) and a campaign larger than one invocation goes on at the next tick. A lease on
the campaign keeps two schedulers from working on it at once.
"""
from __future__ import annotations

import time
from collections import defaultdict
from datetime import timedelta

from ..domain.clock import iso, utcnow
from ..domain.vocabulary import CampaignStatus, EnrollmentMode
from ..observability import logger
from .audience import PAGE, AudienceReader, Position

FANOUT_PAGE = PAGE
RECIPIENTS_PER_MESSAGE = 100
CAMPAIGN_LEASE = timedelta(minutes=5)
STEP_LEASE = timedelta(minutes=15)  # a queued step that never ran becomes due again after this
RECHECK = timedelta(minutes=1)
SWEEP_EVERY = timedelta(minutes=5)  # continuous campaigns look for newcomers this often
SWEEP_OVERLAP = timedelta(minutes=2)  # joins written just before a sweep are caught by the next
DUE_STEPS_PER_SHARD = 1000


class Scheduler:
    def __init__(self, campaigns, enrollments, memberships, send_queue):
        self.campaigns = campaigns
        self.enrollments = enrollments
        self.memberships = memberships
        self.send_queue = send_queue
        self.audience = AudienceReader(memberships, FANOUT_PAGE)

    def tick(self, budget_seconds: float = 40.0) -> dict:
        deadline = time.monotonic() + budget_seconds
        now = utcnow()
        outcomes: dict[str, str] = {}  # campaign id -> what this tick did with it
        for campaign_id in self.campaigns.due(iso(now)):
            if time.monotonic() > deadline:
                break
            if not self.campaigns.lease(campaign_id, iso(now), iso(now + CAMPAIGN_LEASE)):
                outcomes[campaign_id] = "leased_elsewhere"
                continue
            try:
                outcomes[campaign_id] = self._campaign(campaign_id, deadline)
            finally:
                self.campaigns.release(campaign_id)
        return {"campaigns": outcomes, "steps_enqueued": self._due_steps(utcnow())}

    # ------------------------------------------------------------ audience fan-out

    def _campaign(self, campaign_id: str, deadline: float) -> str:
        campaign = self.campaigns.get(campaign_id)
        now = utcnow()
        if campaign["status"] == CampaignStatus.SCHEDULED:
            if not self.campaigns.transition(campaign_id, CampaignStatus.SCHEDULED, CampaignStatus.SENDING,
                                             started_at=iso(now)):
                return "changed"
            campaign["status"] = CampaignStatus.SENDING
        if campaign["status"] != CampaignStatus.SENDING:
            self.campaigns.transition(campaign_id, campaign["status"], campaign["status"], due_at=None)
            return campaign["status"]
        fanout = campaign.get("fanout") or {"pool": 0, "cursor": None, "done": False, "started_at": iso(now)}
        while not fanout["done"]:
            if time.monotonic() > deadline:
                return "continues"
            ids, position = self.audience.page(campaign, Position.of(fanout))
            self._enqueue(campaign_id, 0, ids)
            fanout.update(position.view())
            if position.done:
                fanout["swept_at"] = fanout["started_at"]
            self.campaigns.checkpoint(campaign_id, fanout, len(ids))
        if campaign["enrollment"] == EnrollmentMode.CONTINUOUS:
            return self._sweep(campaign, fanout, now)
        return self._maybe_finished(campaign_id)

    def _enqueue(self, campaign_id: str, step: int, ids: list[str]) -> None:
        messages = [{"type": "campaign", "campaign_id": campaign_id, "step": step,
                     "recipients": ids[i:i + RECIPIENTS_PER_MESSAGE]}
                    for i in range(0, len(ids), RECIPIENTS_PER_MESSAGE)]
        if messages:
            self.send_queue.send_many(messages)

    def _sweep(self, campaign: dict, fanout: dict, now) -> str:
        """Continuous enrollment: people who joined the audience pools since the last sweep."""
        since = fanout.get("swept_at") or fanout["started_at"]
        found = 0
        for index, pool_id in enumerate(campaign["audience"]["pools"]):
            since_with_overlap = iso(_parse(since) - SWEEP_OVERLAP)
            cursor = None
            while True:
                ids, cursor = self.memberships.joined_since(pool_id, since_with_overlap, limit=FANOUT_PAGE, cursor=cursor)
                ids = self.audience.kept(campaign, ids, index)
                self._enqueue(campaign["id"], 0, ids)
                found += len(ids)
                if not cursor:
                    break
        fanout["swept_at"] = iso(now)
        self.campaigns.checkpoint(campaign["id"], fanout, found, due_at=iso(now + SWEEP_EVERY))
        return f"swept:{found}"

    def _maybe_finished(self, campaign_id: str) -> str:
        campaign = self.campaigns.get(campaign_id)
        busy = campaign.get("processed", 0) < campaign.get("enqueued", 0)
        if not busy and len(campaign["steps"]) > 1:
            busy = self.enrollments.active_count(campaign_id) > 0
        if busy:
            self.campaigns.checkpoint(campaign_id, campaign["fanout"], 0, due_at=iso(utcnow() + RECHECK))
            return CampaignStatus.SENDING
        self.campaigns.transition(campaign_id, CampaignStatus.SENDING, CampaignStatus.SENT, due_at=None,
                                  finished_at=iso())
        logger().info("campaign sent", extra={"campaign_id": campaign_id})
        return CampaignStatus.SENT

    # ------------------------------------------------------------ sequence steps

    def _due_steps(self, now) -> int:
        due = self.enrollments.due(iso(now), DUE_STEPS_PER_SHARD)
        statuses: dict[str, str | None] = {}
        batches: dict[tuple[str, int], list[str]] = defaultdict(list)
        for entry in due:
            campaign_id = entry["campaign_id"]
            if campaign_id not in statuses:
                campaign = self.campaigns.get(campaign_id)
                statuses[campaign_id] = campaign["status"] if campaign else None
            if statuses[campaign_id] == CampaignStatus.PAUSED:
                continue  # stays due: it goes the moment the campaign resumes
            if self.enrollments.lease(campaign_id, entry["candidate_id"], entry["due_at"], iso(now + STEP_LEASE)):
                batches[(campaign_id, entry["step"])].append(entry["candidate_id"])
        for (campaign_id, step), ids in batches.items():
            self._enqueue(campaign_id, step, ids)
        return sum(len(ids) for ids in batches.values())


def _parse(text: str):
    from ..domain.clock import parse_iso

    return parse_iso(text)
