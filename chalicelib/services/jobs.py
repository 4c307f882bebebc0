"""Jobs and matching: the minute a role opens, the best-fitting warm people from the pools."""
from __future__ import annotations

from ..domain.candidates import public_view
from ..domain.clock import iso, new_id
from ..domain.errors import NotFound, ValidationError
from ..domain.jobs import validate_job
from ..domain.matching import rank
from ..domain.pools import member_view
from ..domain.vocabulary import JobStatus

MAX_RANKED = 20_000  # people read to rank one job; beyond that narrow the job to pools


class JobService:
    def __init__(self, jobs, pools, memberships, candidates):
        self.jobs = jobs
        self.pools = pools
        self.memberships = memberships
        self.candidates = candidates

    def create(self, body: object, *, source: str = "api", external_id: str | None = None) -> dict:
        job = validate_job(body)
        missing = [p for p in job.get("pools") or [] if self.pools.get(p) is None]
        if missing:
            raise ValidationError.field("pools", "no such pool: " + ", ".join(missing))
        now = iso()
        job.update(id=new_id("job"), status=JobStatus.OPEN, source=source, external_id=external_id,
                   opened_at=now, created_at=now, updated_at=now)
        self.jobs.create(job)
        return self.view(job)

    def get(self, job_id: str) -> dict:
        job = self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id}")
        return job

    @staticmethod
    def view(job: dict) -> dict:
        fields = ("id", "title", "skills", "city", "country", "remote", "description", "seniority",
                  "department", "url", "pools", "status", "source", "opened_at", "filled_at", "created_at", "updated_at")
        return {name: job.get(name) for name in fields}

    def matches(self, job_id: str, *, pool: str | None, limit: int) -> list[dict]:
        job = self.get(job_id)
        pool_ids = [pool] if pool else (job.get("pools") or [])
        people: dict[str, dict] = {}
        for pool_id in pool_ids:
            if self.pools.get(pool_id) is None:
                raise NotFound(f"no pool {pool_id}")
            for item in self.memberships.iterate(pool_id):
                people.setdefault(item["candidate_id"], member_view(item))
                if len(people) >= MAX_RANKED:
                    break
        if not pool_ids:  # no pools named: the whole talent community
            for candidate in self.candidates.iterate():
                people[candidate["id"]] = public_view(candidate)
                if len(people) >= MAX_RANKED:
                    break
        return rank(job, list(people.values()))[:limit]
