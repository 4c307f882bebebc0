"""Silver medalists: people the ATS rejected after they reached an interview or an offer.

They are a built-in, rule-based pool (stage rejected, furthest stage interviewing or offer: services/ats.py keeps
`furthest_stage`). The pool is made when first needed and made again if someone deletes it: its rule brings its
members back. When a job opens, those of them among the job's matches (the ranking the job's page shows) are
offered a permission request: a draft `permission_request` campaign to a static pool of them, reviewed in the
campaign wizard before anything is sent.
"""
from __future__ import annotations

from ..domain.clock import iso
from ..domain.errors import Conflict
from ..domain.vocabulary import CampaignKind, CandidateStatus, Stage
from ..observability import logger

POOL_KEY = "builtin#silver_medalists"  # the key store's record of the pool's id
POOL = {
    "name": "Silver medalists",
    "description": "People the ATS rejected after an interview or an offer: strong candidates for the next "
                   "similar job. Built in: deleted, it is made again.",
    "rules": {"all": [{"field": "stage", "op": "eq", "value": Stage.REJECTED.value},
                      {"field": "furthest_stage", "op": "in",
                       "value": [Stage.INTERVIEWING.value, Stage.OFFER.value]}]},
}
MAX_READ = 20_000  # members read to find the silver medalists among a job's matches (as jobs.MAX_RANKED)
# Who a permission request is for: people without marketing consent (subscribed people get job alerts).
REQUESTABLE = (CandidateStatus.NOT_SUBSCRIBED,)


class SilverMedalists:
    def __init__(self, pools, keys, memberships, jobs, campaigns):
        self.pools = pools  # the pool service
        self.keys = keys
        self.memberships = memberships  # the membership repository
        self.jobs = jobs  # the job service (its kept ranking)
        self.campaigns = campaigns  # the campaign service

    def pool(self) -> dict:
        """The built-in pool, made now if it does not exist (never made or deleted since)."""
        record = self.keys.get(POOL_KEY) or {}
        existing = self.pools.pools.get(record["ref"]) if record.get("ref") else None
        if existing is not None:
            return existing
        # one maker per missing pool (the guard names the pool that went missing): two first requests at once
        # must not make two pools
        guard = f"{POOL_KEY}#making#{record.get('ref') or 'first'}"
        if not self.keys.put_new(guard, created_at=iso()):
            made = (self.keys.get(POOL_KEY) or {}).get("ref")
            found = self.pools.pools.get(made) if made and made != record.get("ref") else None
            if found is None:
                raise Conflict("the silver medalists pool is being made; try again in a moment", code="busy")
            return found
        try:
            pool = self.pools.create({"kind": "dynamic", **POOL}, builtin="silver_medalists")
            self.keys.put(POOL_KEY, ref=pool["id"], created_at=iso())
        except Exception:
            self.keys.delete(guard)  # the next request makes it
            raise
        logger().info("silver medalists pool made", extra={"pool_id": pool["id"], "again": bool(record)})
        return self.pools.pools.get(pool["id"]) or pool

    def ensure(self) -> bool:
        """The pool exists (made now if not): the schedule's every run, so a stage has it from its first minute
        and a deleted one comes back within a minute. Never raises: the schedule's other work goes on."""
        try:
            self.pool()
        except Exception:  # logged; the next run (or the first page that needs it) makes it
            logger().exception("silver medalists pool not made")
            return False
        return True

    def for_job(self, job_id: str) -> dict:
        """The silver medalists among the job's ranked matches, best first, each with why they match:
        {"pool_id", "matches": [{"candidate_id", "score", "reasons", "status", "requestable"}], "requestable"}."""
        self.jobs.get(job_id)  # 404 for an unknown job
        pool = self.pool()
        silver = set()
        for item in self.memberships.iterate(pool["id"]):
            silver.add(item["candidate_id"])
            if len(silver) >= MAX_READ:
                break
        ranked = self.jobs.ranking(job_id)["matches"]
        matches = [{"candidate_id": m["candidate_id"], "score": m["score"], "reasons": m["reasons"],
                    "status": m["status"], "requestable": m["status"] in REQUESTABLE}
                   for m in ranked if m["candidate_id"] in silver]
        return {"pool_id": pool["id"], "matches": matches, "requestable": sum(m["requestable"] for m in matches)}

    def request_permission(self, job_id: str) -> dict:
        """A draft permission request to the job's silver medalists without consent (a static pool of them),
        for the recruiter to review and schedule. 409 when there is nobody to ask."""
        job = self.jobs.get(job_id)
        found = self.for_job(job_id)
        people = [m["candidate_id"] for m in found["matches"] if m["requestable"]]
        if not people:
            raise Conflict("no silver medalist among this job's matches can be asked for permission",
                           {"matches": "no silver medalist without marketing consent"}, code="no_silver_medalists")
        title = job["title"]
        pool = self.pools.create({"name": f"Silver medalists: {title}"[:100], "kind": "static",
                                  "description": f"Silver medalists matching {job_id} on {iso()[:10]}"})
        try:
            self.pools.add_members(pool["id"], {"candidate_ids": people})
            draft = self.campaigns.start({"name": f"Permission request: {title}"[:200],
                                          "kind": CampaignKind.PERMISSION_REQUEST, "audience": {"pools": [pool["id"]]}})
        except Exception:  # refused (CRM_OUTREACH_WITHOUT_CONSENT=off) or failed: no pool left behind
            self.pools.delete(pool["id"])
            raise
        logger().info("silver medalists permission request drafted",
                      extra={"job_id": job_id, "campaign_id": draft["id"], "people": len(people)})
        return {"campaign": draft, "pool_id": pool["id"], "people": len(people)}
