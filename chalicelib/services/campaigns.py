"""Campaigns: create, schedule, pause, resume, cancel, test sends and job alerts; drafts written a part at a time
(the workspace's wizard), and the review of who can be reached before scheduling (campaign_review.py)."""
from __future__ import annotations

import json
from datetime import timedelta

from ..domain.bodies import parse_body
from ..domain.campaigns import (DEFAULT_EXITS, DEFINITION, PERMISSION_PROBLEM, CampaignTestBody, check_transition,
                                incomplete, permission_problem, validate_campaign, validate_campaign_patch)
from ..domain.campaigns import kind_of, without_consent_refused
from ..domain.clock import iso, new_id, utcnow
from ..domain.errors import Conflict, NotFound, RateLimited, ValidationError
from ..domain.suppression import is_suppressed
from ..domain.vocabulary import CampaignAction, CampaignStatus, Category, Channel, EnrollmentMode, PausedReason
from ..domain.vocabulary import CampaignKind
from ..observability import logger
from .campaign_review import CampaignReview
from .jobs import ALERT_MATCHES

VIEW = ("id", "name", "channel", "category", *DEFINITION, "status", "paused_reason", "job_id", "created_at",
        "updated_at", "started_at", "finished_at")
TESTS_PER_HOUR = 20
# The category a draft holds before its settings give it one (the store needs text).
NO_CATEGORY = ""


class CampaignService:
    def __init__(self, settings, campaigns, templates, pools, candidates, mailer, template_service, jobs,
                 pool_service, keys, tombstones, senders=None, deliverability=None):
        self.settings = settings
        self.deliverability = deliverability  # services/deliverability.py: refuses a resume while all marketing waits
        self.senders = senders  # services/senders.py: who the emails come from, checked when scheduled
        self.tombstones = tombstones
        self.campaigns = campaigns
        self.templates = templates
        self.pools = pools
        self.candidates = candidates
        self.mailer = mailer
        self.template_service = template_service
        self.jobs = jobs
        self.pool_service = pool_service
        self.keys = keys

    @staticmethod
    def view(campaign: dict) -> dict:
        data = {k: campaign.get(k) for k in VIEW}
        data["category"] = data["category"] or None  # a draft without its settings yet
        data["progress"] = {"enqueued": campaign.get("enqueued", 0), "processed": campaign.get("processed", 0)}
        return data

    def create(self, body: object, *, job_id: str | None = None) -> dict:
        definition = validate_campaign(body)
        self._check_references(definition)
        return self._create(definition, job_id)

    def start(self, body: object) -> dict:
        """A draft from its name and audience (the wizard's first page); its steps and settings come by `patch`."""
        given = validate_campaign_patch(body)
        missing = {k: v for k, v in incomplete(given).items() if k in ("name", "audience.pools")}
        if missing:
            raise ValidationError("invalid campaign: " + ", ".join(sorted(missing)), missing)
        self._check_references(given)
        definition = {"channel": Channel.EMAIL, "category": NO_CATEGORY, "steps": [], "send_at": None,
                      "enrollment": EnrollmentMode.ONCE, "exit_on": list(DEFAULT_EXITS), **given}
        return self._create(definition, None)

    def _create(self, definition: dict, job_id: str | None) -> dict:
        definition = self._with_permission_months({}, definition)
        now = iso()
        campaign = {"id": new_id("camp"), **definition, "status": CampaignStatus.DRAFT, "job_id": job_id,
                    "created_at": now, "updated_at": now, "enqueued": 0, "processed": 0}
        self.campaigns.create(campaign)
        logger().info("campaign created", extra={"campaign_id": campaign["id"]})
        return self.view(campaign)

    def patch(self, campaign_id: str, body: object) -> dict:
        """A draft's change: the fields sent, each checked as when a campaign is made. Only a draft changes."""
        campaign = self.get(campaign_id)
        if campaign["status"] != CampaignStatus.DRAFT:
            raise Conflict(f"a {campaign['status']} campaign cannot change: only a draft does",
                           {"status": campaign["status"]}, code="invalid_state")
        given = validate_campaign_patch(body)
        self._check_references({**given, "channel": given.get("channel", campaign["channel"])})
        changed = {**campaign, **given, "updated_at": iso()}
        if permission_problem(changed):  # the draft as it would be, not only the fields sent
            field = next((f for f in ("kind", "channel", "steps") if f in given), "kind")
            raise ValidationError.field(field, PERMISSION_PROBLEM)
        if given.get("channel") == Channel.SMS and "steps" not in given:  # the steps' templates need a text part
            self._check_references({"channel": Channel.SMS, "steps": changed["steps"]})
        changed = self._with_permission_months(campaign, changed)
        stored = {k: changed[k] for k in ("name", "channel", "category", "updated_at")}
        stored["definition"] = json.dumps({k: changed.get(k) for k in DEFINITION}, separators=(",", ":"))
        if not self.campaigns.transition(campaign_id, CampaignStatus.DRAFT, CampaignStatus.DRAFT, **stored):
            raise Conflict("the campaign changed meanwhile; read it and try again", code="invalid_state")
        return self.view(self.get(campaign_id))

    def _with_permission_months(self, before: dict, definition: dict) -> dict:
        """A campaign becoming a permission request (made so, or a draft changed to one) keeps the months it asks
        a person at most once in (issue 18); refused when writing without consent is turned off."""
        if kind_of(definition) != CampaignKind.PERMISSION_REQUEST or (
                kind_of(before) == CampaignKind.PERMISSION_REQUEST and definition.get("permission_months")):
            return definition
        if not self.settings.outreach_without_consent:
            raise without_consent_refused()
        return {**definition, "permission_months": self.settings.permission_request_months}

    def _check_references(self, definition: dict) -> None:
        """The pools and templates a campaign (or a draft's change) names exist; an SMS step's template has text."""
        problems = {}
        audience = definition.get("audience") or {}
        for field in ("pools", "exclude_pools"):
            missing = [p for p in audience.get(field) or [] if self.pools.get(p) is None]
            if missing:
                problems[f"audience.{field}"] = "no such pool: " + ", ".join(missing)
        for index, step in enumerate(definition.get("steps") or []):
            template = self.templates.get(step["template_id"])
            if template is None:
                problems[f"steps[{index}].template_id"] = f"no template {step['template_id']}"
            elif definition.get("channel") == Channel.SMS and not template.get("text"):
                problems[f"steps[{index}].template_id"] = "an SMS step needs a template with a text part"
        if problems:
            raise ValidationError("invalid campaign: " + ", ".join(sorted(problems)), problems)

    def review(self, campaign_id: str, budget_seconds: float | None = None) -> dict:
        """How many people the audience holds, how many can be reached, why the others cannot (bounded: it may
        answer `complete: false`, and goes on when asked again; `budget_seconds` bounds this call)."""
        campaign = self.get(campaign_id)
        missing = incomplete(campaign)
        if missing:
            raise Conflict("the campaign is not complete: " + ", ".join(sorted(missing)), missing, code="incomplete")
        return CampaignReview(self.settings, self.candidates, self.pool_service.memberships, self.keys,
                              budget_seconds).review(campaign)

    def schedule(self, campaign_id: str, send_at: str | None) -> dict:
        """The wizard's last step: a draft scheduled now (send_at None) or at `send_at`."""
        campaign = self.get(campaign_id)
        if campaign["status"] == CampaignStatus.DRAFT and campaign.get("send_at") != send_at:
            self.patch(campaign_id, {"send_at": send_at})
        return self.act(campaign_id, CampaignAction.SCHEDULE)

    def get(self, campaign_id: str) -> dict:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise NotFound(f"no campaign {campaign_id}")
        return campaign

    def list(self, limit: int, cursor: str | None):
        items, next_cursor = self.campaigns.page(limit, cursor)
        return [self.view(c) for c in items], next_cursor

    def act(self, campaign_id: str, action: CampaignAction) -> dict:
        campaign = self.get(campaign_id)
        status = campaign["status"]
        check_transition(status, action)
        missing = incomplete(campaign) if action == CampaignAction.SCHEDULE else {}
        if missing:  # a draft started in the workspace and not finished
            raise ValidationError("the campaign is not complete: " + ", ".join(sorted(missing)), missing)
        if (action in (CampaignAction.SCHEDULE, CampaignAction.RESUME) and kind_of(campaign) != CampaignKind.CAMPAIGN
                and not self.settings.outreach_without_consent):
            raise without_consent_refused()  # turned off since it was made: nothing goes out
        if action == CampaignAction.SCHEDULE and self.senders is not None:
            self.senders.check(campaign.get("sender"))  # never start sending as an address SES refuses
        now = iso()
        if action == CampaignAction.SCHEDULE:
            due = max(campaign.get("send_at") or now, now) if campaign.get("send_at") else now
            changed = self.campaigns.transition(campaign_id, status, CampaignStatus.SCHEDULED, due_at=due,
                                                updated_at=now)
        elif action == CampaignAction.PAUSE:
            changed = self.campaigns.transition(campaign_id, status, CampaignStatus.PAUSED, due_at=None,
                                                paused_from=status, paused_reason=PausedReason.MANUAL, updated_at=now)
        elif action == CampaignAction.RESUME:
            if self.deliverability is not None:
                self.deliverability.refuse_resume(campaign)
            back = campaign.get("paused_from") or CampaignStatus.SENDING
            due = campaign["send_at"] if back == CampaignStatus.SCHEDULED and campaign.get("send_at") else now
            changed = self.campaigns.transition(campaign_id, status, back, due_at=max(due, now), paused_from=None,
                                                paused_reason=None, updated_at=now)
        else:  # cancel
            changed = self.campaigns.transition(campaign_id, status, CampaignStatus.CANCELLED, due_at=None,
                                                paused_reason=None, updated_at=now, finished_at=now)
        if not changed:
            raise Conflict("the campaign changed meanwhile; read it and try again", code="invalid_state")
        if action == CampaignAction.RESUME and self.deliverability is not None:
            self.deliverability.resumed(campaign_id)  # a person's word: the rates that paused it count anew
        logger().info("campaign " + action, extra={"campaign_id": campaign_id})
        return self.view(self.get(campaign_id))

    def test(self, campaign_id: str, body: object) -> dict:
        campaign = self.get(campaign_id)
        request = parse_body(CampaignTestBody, body)
        email, step = request.email, request.step
        if step >= len(campaign["steps"]):
            raise ValidationError.field("step", f"a step number from 0 to {len(campaign['steps']) - 1}")
        known = self.candidates.id_for_email(email)
        candidate = self.candidates.get(known) if known else None
        if candidate is not None and is_suppressed(candidate):
            raise Conflict(f"{email} is {candidate['status']}: it gets no email, tests included",
                           {"email": f"{candidate['status']}: suppressed"}, code="suppressed")
        if candidate is None:
            self.tombstones.refuse_erased(email)
        until = utcnow() + timedelta(hours=1)
        if not self.keys.hit(f"rate#test#{campaign_id}#{utcnow():%Y%m%d%H}", TESTS_PER_HOUR, until):
            raise RateLimited("at most 20 test sends per campaign per hour", retry_after=3600 - utcnow().minute * 60)
        definition = campaign["steps"][step]  # an outreach's step carries its own text (domain/outreach.py)
        template = definition.get("template") or self.templates.get(definition["template_id"])
        candidate = candidate or {"id": new_id("cand"), "email": email, "first_name": "Alex", "last_name": "Example",
                                  "city": "London", "country": "GB", "skills": ["python", "aws"]}
        candidate = dict(candidate, email=email)
        job = self.jobs.get(campaign["job_id"]) if campaign.get("job_id") else None
        built = self.template_service.test_email(template, candidate, job, campaign_id)
        message_id = self.mailer.send_raw(from_email=self.settings.from_email, to=email, raw=built.raw,
                                          tags={"kind": "test", "campaign_id": campaign_id})
        return {"sent": True, "to": email, "message_id": message_id, "subject": built.subject}

    def job_alert(self, job_id: str) -> dict:
        """A job_alert campaign to the job's matches who may be emailed, scheduled now."""
        job = self.jobs.get(job_id)
        # the ranking the job's page shows (kept a while): the alert goes to the people the recruiter saw
        matches = [m for m in self.jobs.ranking(job_id)["matches"][:ALERT_MATCHES] if m["emailable"]]
        if not matches:
            raise Conflict("no match for this job may be emailed", {"matches": "none subscribed"},
                           code="no_emailable_matches")
        pool = self.pool_service.create({"name": f"Job alert: {job['title']}"[:100], "kind": "static",
                                         "description": f"Matches for {job_id} on {iso()[:10]}"})
        self.pool_service.add_members(pool["id"], {"candidate_ids": [m["candidate_id"] for m in matches]})
        template = self.template_service.builtin_job_alert()
        created = self.create({"name": f"Job alert: {job['title']}"[:200], "channel": Channel.EMAIL,
                               "category": Category.JOB_ALERT, "audience": {"pools": [pool["id"]]},
                               "steps": [{"template_id": template["id"]}], "enrollment": EnrollmentMode.ONCE},
                              job_id=job_id)
        return self.act(created["id"], CampaignAction.SCHEDULE)
