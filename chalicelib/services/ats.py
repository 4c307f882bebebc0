"""ATS events by webhook: jobs opened and filled, applications, stages, offers, hires.

Signed (timestamp + HMAC-SHA256), replay-safe by event id. A person the CRM does not know is
created from the event with `source: ats` and no marketing consent. Applications and hires end
sequences at once and are credited to a campaign clicked (or, reported apart, opened) within 30
days before, and to the pools that campaign targeted. Each person keeps the furthest stage they reached
(`furthest_stage`): rejected after an interview or an offer, they are silver medalists (silver_medalists.py).
"""
from __future__ import annotations

import time
from datetime import timedelta

from ..domain.analytics import counters
from ..domain.ats import STAGE_ORDER, next_stage, parse_event, verify_signature
from ..domain.candidates import validate_profile
from ..domain.clock import iso, new_id, parse_iso, utcnow
from ..domain.emails import normalize_email
from ..domain.errors import EmailTaken, ValidationError
from ..domain.vocabulary import CandidateStatus, DecisionReason, JobStatus, OutcomeKind, Stage
from ..observability import count, logger
from .ports import SendStore, TimelineStore

ATTRIBUTION_WINDOW = timedelta(days=30)
REPLAY_GUARD = timedelta(days=30)
OUTCOME_KINDS = {"application.created": OutcomeKind.APPLICATION, "offer.created": OutcomeKind.OFFER_CREATED,
                 "offer.accepted": OutcomeKind.OFFER_ACCEPTED, "offer.declined": OutcomeKind.OFFER_DECLINED,
                 "candidate.hired": OutcomeKind.HIRE}


class AtsService:
    def __init__(self, settings, keys, candidates, timeline: TimelineStore, memberships, membership_repo, jobs,
                 outcomes, sends: SendStore, stats, exits, campaigns, tombstones, silver=None):
        self.settings = settings
        self.silver = silver  # silver_medalists.py: its pool exists before the first silver medalist
        self.keys = keys
        self.tombstones = tombstones
        self.candidates = candidates
        self.timeline = timeline
        self.memberships = memberships
        self.membership_repo = membership_repo
        self.jobs = jobs
        self.outcomes = outcomes
        self.sends = sends
        self.stats = stats
        self.exits = exits
        self.campaigns = campaigns

    def receive(self, raw: bytes, signature_header: str | None, now: float | None = None) -> dict:
        verify_signature(signature_header, raw, self.settings.ats_secret, time.time() if now is None else now)
        event = parse_event(raw)  # the strict JSON reader: depth, numbers and text bounded
        guard = f"ats#{event['id']}"
        if not self.keys.put_new(guard, created_at=iso(), expires_at=utcnow() + REPLAY_GUARD):
            return {"status": "duplicate", "id": event["id"]}
        try:
            result = self._handle(event)
        except Exception:
            self.keys.delete(guard)  # the ATS retries; we act then
            raise
        count("AtsEvent")
        return {"status": result, "id": event["id"]}

    def _handle(self, event: dict) -> str:
        kind, data = event["type"], event["data"]
        if kind == "job.opened":
            return self._job_opened(event)
        if kind == "job.filled":
            return self._job_filled(event)
        if kind not in OUTCOME_KINDS and kind != "candidate.stage_changed":
            logger().info("ATS event type ignored", extra={"type": kind})
            return "ignored"
        person = self._person(data, event["occurred_at"])
        if person is None:  # erased at their request: the ATS does not bring them back
            logger().info("ATS event for an erased person ignored", extra={"type": kind, "event_id": event["id"]})
            return "ignored_erased"
        stage = {"application.created": Stage.APPLIED, "candidate.stage_changed": data.get("stage"),
                 "offer.created": Stage.OFFER, "candidate.hired": Stage.HIRED}.get(kind)
        if stage:
            self._set_stage(person["id"], stage, event["occurred_at"])
        if kind in OUTCOME_KINDS:
            self._outcome(OUTCOME_KINDS[kind], event, person)
        moving_on = kind == "candidate.stage_changed" and stage in (Stage.INTERVIEWING, Stage.OFFER)
        if kind == "application.created" or moving_on:
            self.exits.end(person["id"], DecisionReason.APPLIED)
        if kind == "candidate.hired":
            self.exits.end(person["id"], DecisionReason.HIRED)
            self.exits.end(person["id"], DecisionReason.APPLIED)
        self.timeline.add(person["id"], kind.replace(".", "_"), {"event_id": event["id"], "job_id": data.get("job_id"),
                                                                "stage": stage}, at=event["occurred_at"])
        return "recorded"

    # ------------------------------------------------------------ people

    def _person(self, data: dict, occurred_at: str) -> dict | None:
        """The person the event is about, created from it if unknown; None if they were erased."""
        email = normalize_email(data.get("email"), field="data.email")
        existing = self.candidates.id_for_email(email)
        if existing:
            return self.candidates.get(existing)
        if self.tombstones.erased(email):
            return None
        try:
            profile = validate_profile({k: v for k, v in data.items() if k in ("first_name", "last_name", "phone",
                                                                                  "city", "country", "linkedin_url")})
        except ValidationError:
            profile = {}
        now = iso()
        person = {"id": new_id("cand"), "email": email, "status": CandidateStatus.NOT_SUBSCRIBED, "source": "ats",
                  "created_at": now, "updated_at": now, "version": 1,
                  **{k: v for k, v in profile.items() if v not in (None, [])}}
        try:
            self.candidates.create(person)
        except EmailTaken as taken:
            return self.candidates.get(taken.candidate_id)
        self.memberships.apply([(None, person)])
        return person

    def _set_stage(self, candidate_id: str, stage: str, at: str) -> None:
        from ..domain.engagement import add_event

        def change(current: dict) -> dict:
            new_stage = next_stage(current.get("stage"), stage)
            reached = furthest_stage(current.get("furthest_stage"), current.get("stage"), new_stage)
            if new_stage == current.get("stage") and reached == current.get("furthest_stage"):
                return current
            updated = dict(current, stage=new_stage, furthest_stage=reached, updated_at=iso())
            if new_stage in (Stage.APPLIED, Stage.HIRED):  # people who apply are engaged
                kind = OutcomeKind.APPLICATION if new_stage == Stage.APPLIED else OutcomeKind.HIRE  # as the outcome
                updated["engagement_score"] = add_event(current.get("engagement_score"), current.get("engagement_at"),
                                                        kind, parse_iso(at))
                updated["engagement_at"] = at
                updated["last_engaged_at"] = max(current.get("last_engaged_at") or "", at)
            return updated

        result = self.candidates.update(candidate_id, change)
        if result and result[1] is not result[0]:
            if self.silver is not None and is_silver_medalist(result[1]):
                self.silver.ensure()  # made now, they join it below (else its rebuild, when made, finds them)
            self.memberships.apply([result])

    # ------------------------------------------------------------ outcomes and attribution

    def _outcome(self, kind: OutcomeKind, event: dict, person: dict) -> None:
        data = event["data"]
        credited = kind in (OutcomeKind.APPLICATION, OutcomeKind.HIRE)
        clicked, opened = self._attribution(person["id"], event["occurred_at"]) if credited else (None, None)
        pools = sorted(self.membership_repo.current(person["id"]))
        job = self._job_by_external(data.get("job_id")) if data.get("job_id") else None
        self.outcomes.add({"kind": kind, "sk": f"{event['occurred_at']}#{event['id']}",
                           "occurred_at": event["occurred_at"],
                           "candidate_id": person["id"], "job_id": (job or {}).get("id") or data.get("job_id"),
                           "source": person.get("source"), "pools": pools or None,
                           "campaign_id": (clicked or {}).get("campaign_id"),
                           "open_campaign_id": (opened or {}).get("campaign_id"),
                           "data": {k: v for k, v in data.items() if k in ("job_id", "offer_id", "stage")}})
        metric = "applied" if kind == OutcomeKind.APPLICATION else "hired"
        if clicked:
            self.stats.add(f"campaign#{clicked['campaign_id']}",
                           counters(metric, clicked.get("step", 0), clicked.get("variant")))
            campaign = self.campaigns.get(clicked["campaign_id"])
            for pool_id in (campaign or {}).get("audience", {}).get("pools", []):
                self.stats.add(f"pool#{pool_id}", {metric: 1})
        elif opened:
            self.stats.add(f"campaign#{opened['campaign_id']}", {f"{metric}_after_open": 1})

    def _attribution(self, candidate_id: str, occurred_at: str) -> tuple[dict | None, dict | None]:
        """The latest campaign send clicked (else opened) within 30 days before the event."""
        start = iso(parse_iso(occurred_at) - ATTRIBUTION_WINDOW)
        clicked = opened = None
        for send in self.sends.for_candidate(candidate_id):
            if send.get("kind") != "campaign":
                continue
            if send.get("clicked_at") and start <= send["clicked_at"] <= occurred_at:
                if clicked is None or send["clicked_at"] > clicked["clicked_at"]:
                    clicked = send
            if send.get("opened_at") and start <= send["opened_at"] <= occurred_at:
                if opened is None or send["opened_at"] > opened["opened_at"]:
                    opened = send
        return clicked, opened

    # ------------------------------------------------------------ jobs

    def _job_by_external(self, external_id: str) -> dict | None:
        found = self.keys.get(f"atsjob#{external_id}")
        return self.jobs.get(found["ref"]) if found and found.get("ref") else None

    def _job_opened(self, event: dict) -> str:
        data = event["data"]
        if self._job_by_external(data["job_id"]):
            return "known"
        from ..domain.jobs import validate_job

        fields = validate_job({k: v for k, v in data.items() if k in ("title", "skills", "city", "country", "remote",
                                                                       "description", "department", "url")})
        job = {**fields, "id": new_id("job"), "status": JobStatus.OPEN, "source": "ats",
               "external_id": str(data["job_id"]), "opened_at": event["occurred_at"], "created_at": iso(),
               "updated_at": iso()}
        self.jobs.create(job)
        self.keys.put(f"atsjob#{data['job_id']}", ref=job["id"], created_at=iso())
        self.outcomes.add({"kind": OutcomeKind.JOB_OPENED, "sk": f"{event['occurred_at']}#{event['id']}",
                           "occurred_at": event["occurred_at"], "job_id": job["id"]})
        return "job_created"

    def _job_filled(self, event: dict) -> str:
        data = event["data"]
        job = self._job_by_external(data["job_id"])
        if job is None:
            return "unknown_job"
        open_for = parse_iso(event["occurred_at"]) - parse_iso(job["opened_at"] or job["created_at"])
        days = open_for.total_seconds() / 86400
        self.jobs.mark_filled(job["id"], event["occurred_at"])
        self.outcomes.add({"kind": OutcomeKind.JOB_FILLED, "sk": f"{event['occurred_at']}#{event['id']}",
                           "occurred_at": event["occurred_at"], "job_id": job["id"], "days_to_fill": round(days, 2)})
        return "job_filled"


def furthest_stage(*stages: str | None) -> str | None:
    """The furthest of these stages along the hiring path (a rejection is no step along it): a person rejected
    after an interview or an offer keeps it, so the silver medalists pool can find them."""
    reached = [stage for stage in stages if STAGE_ORDER.get(stage, 0) > 0]
    return max(reached, key=lambda stage: STAGE_ORDER[stage], default=None)


def is_silver_medalist(person: dict) -> bool:
    """Rejected after an interview or an offer (the silver medalists pool's rule says the same)."""
    return person.get("stage") == Stage.REJECTED and person.get("furthest_stage") in (Stage.INTERVIEWING, Stage.OFFER)
