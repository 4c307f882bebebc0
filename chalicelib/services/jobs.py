"""Jobs and matching: the minute a role opens, the best-fitting warm people from the pools."""
from __future__ import annotations

import base64
import builtins
import json
from collections import Counter
from datetime import timedelta

from ..domain.candidates import public_view
from ..domain.clock import iso, new_id, utcnow
from ..domain.errors import NotFound, ValidationError
from ..domain.jobs import validate_job
from ..domain.matching import not_emailable_reason, rank
from ..domain.pools import member_view
from ..domain.vocabulary import JobStatus

MAX_RANKED = 20_000  # people read to rank one job; beyond that narrow the job to pools
ALERT_MATCHES = 500  # a job alert goes to the best this many matches who may be emailed


RANKING_FRESH = timedelta(minutes=10)  # a job's ranking is shown this long, then ranked again


class JobService:
    def __init__(self, jobs, pools, memberships, candidates, keys=None):
        self.jobs = jobs
        self.pools = pools
        self.memberships = memberships
        self.candidates = candidates
        self.keys = keys  # where a ranking is kept a while (the job's page opens again at once)

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

    def list(self, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Jobs newest first, a page at a time; the cursor names the last job of the page before."""
        jobs = sorted(self.jobs.all(), key=lambda job: (job.get("created_at") or "", job["id"]), reverse=True)
        if cursor:
            ids = [job["id"] for job in jobs]
            after = _cursor_id(cursor)
            if after not in ids:
                raise ValidationError.field("cursor", "not a cursor this list gave out")
            jobs = jobs[ids.index(after) + 1:]
        page = jobs[:limit]
        return [self.view(job) for job in page], _cursor(page[-1]["id"]) if len(jobs) > limit else None

    def alert_audience(self, job_id: str) -> dict:
        """Who a job alert would go to, before it is sent: the matches it considers, how many may be emailed,
        and why the others may not (counts by reason)."""
        ranked = self.ranking(job_id)["matches"]  # what the job's page shows
        others = Counter(not_emailable_reason(m["status"]) for m in ranked if not m["emailable"])
        return {"matches": len(ranked), "emailable": len(ranked) - sum(others.values()),
                "not_emailable": dict(others.most_common()), "limit": ALERT_MATCHES}

    def matches(self, job_id: str, *, pool: str | None, limit: int) -> builtins.list[dict]:  # (`list` above)
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


    def ranking(self, job_id: str) -> dict:
        """The job's best ALERT_MATCHES matches, kept RANKING_FRESH in the key store (ranking reads up to
        MAX_RANKED people: the workspace's job page loads it after the page, and opens again at once):
        {"matches": [{"candidate_id", "score", "reasons", "emailable", "status"}], "as_of"}. A change to what
        ranking reads of the job (skills, place, pools) ranks again at once."""
        job = self.get(job_id)
        about = json.dumps([job.get(k) for k in ("skills", "city", "country", "remote", "pools")], default=str)
        key = f"ranking#{job_id}"
        kept = ((self.keys.get(key) or {}).get("data") or {}) if self.keys is not None else {}
        if kept.get("about") == about and kept.get("as_of", "") >= iso(utcnow() - RANKING_FRESH):
            return kept
        ranked = self.matches(job_id, pool=None, limit=ALERT_MATCHES)
        data = {"about": about, "as_of": iso(), "matches": [
            {"candidate_id": m["candidate"]["id"], "score": m["score"], "reasons": m["reasons"],
             "emailable": m["emailable"], "status": m["candidate"].get("status")} for m in ranked]}
        if self.keys is not None:
            self.keys.put(key, data=data, created_at=data["as_of"], expires_at=utcnow() + RANKING_FRESH)
        return data


    def ranked_page(self, job_id: str, shown: int) -> dict:
        """The ranking's first `shown` matches, each with the person as stored now (public_view; erased since:
        left out), how many are ranked and how many of them may get a job alert."""
        ranking = self.ranking(job_id)
        ranked = ranking["matches"]
        people = self.candidates.batch_get([m["candidate_id"] for m in ranked[:shown]])
        return {"matches": [{**m, "candidate": public_view(people[m["candidate_id"]])}
                            for m in ranked[:shown] if people.get(m["candidate_id"])],
                "ranked": len(ranked), "emailable": sum(1 for m in ranked if m["emailable"]),
                "as_of": ranking["as_of"]}


def _cursor(job_id: str) -> str:
    """Opaque like every list's cursor (base64url JSON, as http.page_params expects)."""
    return base64.urlsafe_b64encode(json.dumps({"id": job_id}).encode()).decode().rstrip("=")


def _cursor_id(cursor: str) -> str | None:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:  # binascii.Error and JSONDecodeError are ValueErrors
        return None
    return key.get("id") if isinstance(key, dict) and isinstance(key.get("id"), str) else None
