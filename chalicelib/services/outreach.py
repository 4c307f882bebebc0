"""One-to-one outreach (POST /outreach, GET /outreach/{id}): a recruiter writes to one person or a hand-picked
list, from their own identity, optionally in up to three steps that stop on a reply.

Built on the campaign machinery, not beside it: an outreach is a campaign of kind `outreach` whose audience is
the people picked (`recipients`: services/audience.py) and whose steps carry their own text. The scheduler fans
it out and the send pipeline sends it, so the claim (at most once per person and step), send windows, replies
ending the sequence (exit_on `replied`), the sender's verified identity (services/senders.py) and the outreach
configuration set (by kind) hold as for every campaign. What is outreach's own is decided here, when it is
asked for, and told back: nobody is dropped silently, each person is `queued` or `skipped` with a reason:
- never the unsubscribed, objected, bounced, complained or erased (domain/outreach.py refusal);
- at most one open outreach per person (`in_outreach`);
- nobody contacted by any channel in the last 7 days (`recently_contacted`: an email, a logged call, LinkedIn
  message or meeting: services/candidates.py touchpoints);
- the sender's daily cap (CRM_OUTREACH_DAILY_CAP, per sender and UTC day, counted atomically as people are
  queued: `daily_cap`).
The legal basis (legitimate interest) and the recruiter's reason go on each queued person's timeline.

An outreach's id is `outr_<ulid>`, its campaign's `camp_<ulid>` (the same ULID): the links and reply tokens of its
emails name the campaign as every campaign's do (domain/tracking.py, domain/replies.py).
"""
from __future__ import annotations

from datetime import timedelta

from ..domain import clock
from ..domain.campaigns import kind_of, without_consent_refused
from ..domain.clock import is_id, iso, new_id
from ..domain.errors import NotFound, ValidationError
from ..domain.outreach import OUTREACH_CATEGORY, day_key, refusal, step_template, validate_outreach
from ..domain.tracking import send_key
from ..domain.vocabulary import (CampaignAction, CampaignKind, CampaignStatus, Channel, DecisionReason,
                                 EnrollmentMode, EnrollmentStatus, SendStatus)
from ..observability import logger

LEGAL_BASIS = "legitimate_interest"
KEPT = timedelta(days=400)  # a person's latest outreach is remembered this long (longer than any sequence)
CLOSED = (CampaignStatus.CANCELLED,)
# A claim only decides between requests that read the same latest outreach at once: once the winner's
# outreach is the person's latest, later requests claim after it. Short, so an old claim (DynamoDB deletes
# expired items days late) never holds a person whose latest outreach has itself expired.
CLAIM_KEPT = timedelta(days=1)


class OutreachService:
    def __init__(self, settings, campaign_service, campaigns, candidates, enrollments, sends, stats, timeline,
                 senders, templates=None, keys=None):
        self.settings = settings
        self.campaign_service = campaign_service  # schedules it as any campaign (its sender checked there)
        self.campaigns = campaigns
        self.candidates = candidates
        self.enrollments = enrollments
        self.sends = sends
        self.stats = stats
        self.timeline = timeline
        self.senders = senders
        self.keys = keys

    def create(self, body: object, user_id: str | None) -> dict:
        """Validates, sorts the people into queued and skipped, and schedules the outreach for the queued."""
        if not self.settings.outreach_without_consent:
            raise without_consent_refused()
        request = validate_outreach(body)
        sender = request.sender.stored() if request.sender else ({"user_id": user_id} if is_id(user_id, "user")
                                                                 else None)
        if sender is None:
            raise ValidationError.field("sender", "say who writes: {\"user_id\"} or {\"name\", \"email\"}")
        resolved = self.senders.check(sender)  # a member who is gone, or an address SES refuses: 409, nothing kept
        now = clock.utcnow()
        ids = request.candidate_ids
        people = self.candidates.batch_get(ids)
        latest = self._latest(ids)
        open_ids = self._open(latest)
        campaign_id = new_id("camp")
        queued, skipped = [], []
        for candidate_id in ids:
            reason = refusal(people.get(candidate_id), now, candidate_id in open_ids)
            if reason is None and not self._claim(candidate_id, latest.get(candidate_id), campaign_id, now):
                reason = DecisionReason.IN_OUTREACH  # another outreach took them since we looked
            if reason is None:
                queued.append(candidate_id)
            else:
                skipped.append({"candidate_id": candidate_id, "reason": reason})
        queued, over = self._within_cap(resolved.email, queued, now)
        for candidate_id in over:  # not written to after all: the next outreach may have them
            self.keys.delete(claim_key(candidate_id, latest.get(candidate_id)))
        skipped += [{"candidate_id": i, "reason": DecisionReason.DAILY_CAP} for i in over]
        campaign = self._campaign(campaign_id, request, sender, queued, skipped, now)
        self.campaigns.create(campaign)
        if queued:
            self._schedule(campaign, queued, latest)
            for candidate_id in queued:
                self._note(candidate_id, campaign, resolved.email, request.reason, now)
        else:  # nobody to write to: it is over before it starts
            self.campaigns.transition(campaign["id"], CampaignStatus.DRAFT, CampaignStatus.SENT, due_at=None,
                                      finished_at=iso(now), updated_at=iso(now))
        logger().info("outreach created", extra={"campaign_id": campaign["id"], "queued": len(queued),
                                                 "skipped": len(skipped)})
        return {"id": outreach_id_of(campaign["id"]), "queued": len(queued), "skipped": skipped}

    def _schedule(self, campaign: dict, queued: list[str], latest: dict[str, str | None]) -> None:
        """Its people's latest outreach, scheduled as any campaign; if that fails, nothing of it is left to hold
        them: the campaign is cancelled and its keys undone (the error is raised on)."""
        try:
            for candidate_id in queued:
                self.keys.put(open_key(candidate_id), ref=campaign["id"], created_at=campaign["created_at"],
                              expires_at=clock.utcnow() + KEPT)
            self.campaign_service.act(campaign["id"], CampaignAction.SCHEDULE)
        except Exception:
            now = iso()
            self.campaigns.transition(campaign["id"], CampaignStatus.DRAFT, CampaignStatus.CANCELLED, due_at=None,
                                      finished_at=now, updated_at=now)
            for candidate_id in queued:
                self._restore(candidate_id, latest.get(candidate_id))
            raise

    def _restore(self, candidate_id: str, latest: str | None) -> None:
        """The person's latest outreach is the one before again, and the claim after it free."""
        if latest:
            self.keys.put(open_key(candidate_id), ref=latest, created_at=iso(), expires_at=clock.utcnow() + KEPT)
        else:
            self.keys.delete(open_key(candidate_id))
        self.keys.delete(claim_key(candidate_id, latest))

    def _campaign(self, campaign_id: str, request, sender: dict, queued: list[str], skipped: list[dict],
                  now) -> dict:
        name = f"Outreach: {request.steps[0].subject}"[:200]
        steps = [{"template": step_template(step.subject, step.body), "delay": step.delay, "condition": "always"}
                 for step in request.steps]
        return {"id": campaign_id, "name": name, "channel": Channel.EMAIL, "category": OUTREACH_CATEGORY,
                "kind": CampaignKind.OUTREACH, "audience": {"pools": [], "exclude_pools": []}, "recipients": queued,
                "skipped": skipped, "reason": request.reason, "steps": steps, "send_at": None,
                "enrollment": EnrollmentMode.ONCE, "exit_on": request.exit_on, "sender": sender,
                "send_window": None, "status": CampaignStatus.DRAFT, "job_id": None, "created_at": iso(now),
                "updated_at": iso(now), "enqueued": 0, "processed": 0}

    def _within_cap(self, sender_email: str, queued: list[str], now) -> tuple[list[str], list[str]]:
        """The people the sender's daily cap still allows (each counted atomically), and the rest."""
        cap = self.settings.outreach_daily_cap
        until = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=2)
        for index, _ in enumerate(queued):
            if not self.keys.hit(day_key(sender_email, now), cap, until):
                return queued[:index], queued[index:]
        return queued, []

    def _latest(self, ids: list[str]) -> dict[str, str | None]:
        """Each person's latest outreach (key store: outreach#<person>), None if they had none."""
        found = {candidate_id: self.keys.get(open_key(candidate_id)) for candidate_id in ids}
        return {candidate_id: (item or {}).get("ref") or None for candidate_id, item in found.items()}

    def _claim(self, candidate_id: str, latest: str | None, campaign_id: str, now) -> bool:
        """The person is this outreach's, unless another one claimed them after the same latest outreach first
        (two requests at once both found them free: one conditional write decides)."""
        return self.keys.put_new(claim_key(candidate_id, latest), ref=campaign_id, created_at=iso(now),
                                 expires_at=now + CLAIM_KEPT)

    def _open(self, latest: dict[str, str | None]) -> set[str]:
        """Who is in an open outreach now: their latest one not cancelled, and its last step not come for them
        yet (a sequence's enrollment active or not made yet; a single email not yet sent or skipped)."""
        by_outreach: dict[str, list[str]] = {}
        for candidate_id, ref in latest.items():
            if ref:
                by_outreach.setdefault(ref, []).append(candidate_id)
        open_ids: set[str] = set()
        for outreach_id, ids in by_outreach.items():
            campaign = self.campaigns.get(outreach_id)
            if campaign is None or campaign["status"] in CLOSED:
                continue
            if len(campaign["steps"]) > 1:
                places = self.enrollments.get_many(outreach_id, ids)
                open_ids |= {i for i in ids if i in (campaign.get("recipients") or [])
                             and places.get(i, {}).get("status", EnrollmentStatus.ACTIVE) == EnrollmentStatus.ACTIVE}
            else:
                done = self.sends.get_many([send_key(outreach_id, 0, i) for i in ids])
                open_ids |= {i for i in ids if i in (campaign.get("recipients") or [])
                             and send_key(outreach_id, 0, i) not in done}
        return open_ids

    def _note(self, candidate_id: str, campaign: dict, sender_email: str, reason: str, now) -> None:
        """Why the person is written to goes on their timeline (once the outreach is scheduled)."""
        self.timeline.add(candidate_id, "outreach", {
            "outreach_id": campaign["id"], "legal_basis": LEGAL_BASIS, "reason": reason, "sender": sender_email,
            "steps": len(campaign["steps"]), "subject": campaign["steps"][0]["template"]["subject"]}, at=iso(now))

    def get(self, outreach_id: str) -> dict:
        """Its state and each person's sends (GET /outreach/{id})."""
        campaign = self._campaign_of(outreach_id)
        outreach_id = campaign["id"]
        recipients = campaign.get("recipients") or []
        steps = len(campaign["steps"])
        sent = self.sends.get_many([send_key(outreach_id, s, i) for s in range(steps) for i in recipients])
        places = self.enrollments.get_many(outreach_id, recipients) if steps > 1 and recipients else {}
        people = []
        for candidate_id in recipients:
            sends = [_send_view(sent[send_key(outreach_id, s, candidate_id)]) for s in range(steps)
                     if send_key(outreach_id, s, candidate_id) in sent]
            place = places.get(candidate_id) or {}
            people.append({"candidate_id": candidate_id, "sends": sends,
                           "state": _person_state(sends, place, steps),
                           "exit_reason": place.get("reason")})
        return {"id": outreach_id_of(outreach_id), "campaign_id": outreach_id, "status": campaign["status"], "sender": campaign.get("sender"),
                "reason": campaign.get("reason"), "created_at": campaign.get("created_at"),
                "steps": [{"subject": s["template"]["subject"], "body": s["template"]["text"], "delay": s["delay"]}
                          for s in campaign["steps"]],
                "exit_on": campaign.get("exit_on"), "queued": len(recipients),
                "skipped": campaign.get("skipped") or [], "people": people}

    def _campaign_of(self, outreach_id: str) -> dict:
        campaign = self.campaigns.get(campaign_id_of(outreach_id)) if is_id(outreach_id, "outr") else None
        if campaign is None or kind_of(campaign) != CampaignKind.OUTREACH:
            raise NotFound(f"no outreach {outreach_id}")
        return campaign

    def cancel(self, outreach_id: str) -> dict:
        self.campaign_service.act(self._campaign_of(outreach_id)["id"], CampaignAction.CANCEL)
        return self.get(outreach_id)


def open_key(candidate_id: str) -> str:
    return f"outreach#{candidate_id}"


def claim_key(candidate_id: str, latest: str | None) -> str:
    """The one outreach that follows the person's `latest` (none: their first)."""
    return f"outreach-claim#{candidate_id}#{latest or 'none'}"


def outreach_id_of(campaign_id: str) -> str:
    return "outr_" + campaign_id.partition("_")[2]


def campaign_id_of(outreach_id: str) -> str:
    return "camp_" + outreach_id.partition("_")[2]


def _send_view(send: dict) -> dict:
    return {"step": send.get("step"), "status": send.get("status"), "subject": send.get("subject"),
            "sent_at": send.get("sent_at"), "replied_at": send.get("replied_at"), "reason": send.get("reason")}


def _person_state(sends: list[dict], place: dict, steps: int) -> str:
    """queued (nothing yet), in_sequence, replied, finished, exited, skipped, failed."""
    if any(s.get("replied_at") for s in sends):
        return "replied"
    if place.get("status") == EnrollmentStatus.EXITED:
        return "exited"
    if not sends:
        return "queued"
    last = sends[-1]
    if last["status"] == SendStatus.SKIPPED:
        return "skipped"
    if last["status"] == SendStatus.FAILED:
        return "failed"
    if steps > 1 and place.get("status") == EnrollmentStatus.ACTIVE:
        return "in_sequence"
    return "finished"
