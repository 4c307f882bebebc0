"""A permission request's answers: a person joins the talent community, or objects (issue 18).

Joining is the double opt-in: the email went to the person's own address, and pressing "Join the talent
community" on the page its link opens is the confirmation. A GET of the link only shows that page: mail
security scanners (Safe Links, Proofpoint and the like) fetch every link of an email, some with a browser's
user agent and script, so a GET that subscribed would let machines give people's consent; telling machines
apart (services/tracking.py does it for clicks, by heuristics) is good enough for a statistic, not for a
consent record. A scanner does not submit forms, and a wrong guess here would cost a person one more press.
The same holds for the objection link: a scanner must not suppress people either.

Consent is recorded on the person (`consent` with its source `permission_request` and the campaign id), on
their timeline, and counted on the campaign (`joined`, `objected`, per source: domain/analytics.py).
An objection suppresses for good: status unsubscribed, `objected`, every sequence ended, never asked again.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.clock import iso, utcnow
from ..domain.permission import JOIN, OBJECT, PermissionLinks, TokenError, objected, source_group, with_objection
from ..domain.suppression import is_suppressed
from ..domain.vocabulary import CandidateStatus, Channel, DecisionReason
from ..observability import count, logger


@dataclass(frozen=True)
class Answer:
    """What a link's page shows: the person's state after (or before) the answer."""
    state: str  # ask (not answered yet), joined, objected, cannot (unsubscribed, suppressed), gone
    company: str
    first_name: str | None = None


class PermissionService:
    def __init__(self, settings, candidates, campaigns, timeline, stats, memberships, exits=None):
        self.settings = settings
        self.links = PermissionLinks(settings.secret, settings.public_url)
        self.candidates = candidates
        self.campaigns = campaigns
        self.timeline = timeline
        self.stats = stats
        self.memberships = memberships
        self.exits = exits  # services/sequences.py SequenceExits: an objection ends every sequence at once

    def _read(self, action: str, token: str) -> tuple[str, str, dict | None]:
        """(campaign id, candidate id, the person or None if erased); TokenError for a link that is not ours."""
        campaign_id, candidate_id = self.links.read(action, token)
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise TokenError("invalid")
        if action == JOIN:  # an old invitation is not consent now; an objection is heard however old its link
            months = campaign.get("permission_months") or self.settings.permission_request_months
            self.links.check_age(token, int(months), utcnow())
        return campaign_id, candidate_id, self.candidates.get(candidate_id)

    def look(self, action: str, token: str) -> Answer:
        """The page a link opens: nothing changes (a scanner's GET is harmless)."""
        _, _, person = self._read(action, token)
        return self._answer(person, asking=True)

    def _answer(self, person: dict | None, asking: bool = False) -> Answer:
        company = self.settings.company_name
        if person is None:
            return Answer("gone", company)
        name = person.get("first_name")
        if objected(person):
            return Answer("objected", company, name)
        if person.get("status") == CandidateStatus.SUBSCRIBED:
            return Answer("joined", company, name)
        if is_suppressed(person) or person.get("status") == CandidateStatus.UNSUBSCRIBED:
            return Answer("cannot", company, name)
        return Answer("ask" if asking else "cannot", company, name)

    def join(self, token: str, *, ip: str | None = None, user_agent: str | None = None) -> Answer:
        """The person pressed Join: consent recorded, subscribed (once: a second press changes nothing)."""
        campaign_id, candidate_id, person = self._read(JOIN, token)
        if person is None:
            return self._answer(None)
        now = iso()

        def joined(current: dict) -> dict:
            if objected(current) or is_suppressed(current) or current.get("status") not in (
                    CandidateStatus.NOT_SUBSCRIBED, CandidateStatus.PENDING):
                return current  # subscribed already, opted out, objected, bounced or complained: as they are
            preferences = dict(current.get("preferences") or {}, unsubscribed_all=False, updated_at=now)
            return dict(current, status=CandidateStatus.SUBSCRIBED, confirmed_at=now, updated_at=now,
                        preferences=preferences, consent={
                            **(current.get("consent") or {}), "marketing": True, "channel": Channel.EMAIL, "given_at": now, "confirmed_at": now,
                            "consent_version": self.settings.consent_version, "source": "permission_request",
                            "campaign_id": campaign_id})

        changed = self.candidates.update(candidate_id, joined)
        if changed is None:
            return self._answer(None)
        before, after = changed
        if after is not before:
            self.memberships.apply([(before, after)])
            self.timeline.add(candidate_id, "consent", {
                "source": "permission_request", "campaign_id": campaign_id, "status": "confirmed",
                "consent_version": self.settings.consent_version, "confirmed_at": now, "ip": ip,
                "user_agent": (user_agent or "")[:300] or None}, at=now)
            self._count(campaign_id, "joined", before)
            logger().info("joined from a permission request", extra={"candidate_id": candidate_id,
                                                                    "campaign_id": campaign_id})
            count("PermissionJoined")
        return self._answer(after)

    def object(self, token: str) -> Answer:
        """The person objected: suppressed for good (status unsubscribed, `objected`), sequences ended."""
        campaign_id, candidate_id, person = self._read(OBJECT, token)
        if person is None:
            return self._answer(None)
        now = iso()

        def objecting(current: dict) -> dict:
            if objected(current):
                return current
            status = current.get("status")
            keep = status in (CandidateStatus.BOUNCED, CandidateStatus.COMPLAINED)  # stronger already
            return dict(with_objection(current, now), status=status if keep else CandidateStatus.UNSUBSCRIBED)

        changed = self.candidates.update(candidate_id, objecting)
        if changed is None:
            return self._answer(None)
        before, after = changed
        if after is not before:
            self.memberships.apply([(before, after)])
            self.timeline.add(candidate_id, "objected", {"source": "permission_link", "campaign_id": campaign_id},
                              at=now)
            if self.exits is not None:
                self.exits.end(candidate_id, DecisionReason.UNSUBSCRIBED)
            self._count(campaign_id, "objected", before)
            logger().info("objection recorded", extra={"candidate_id": candidate_id, "campaign_id": campaign_id})
            count("PermissionObjected")
        return self._answer(after)

    def _count(self, campaign_id: str, what: str, person: dict) -> None:
        group = source_group(person.get("source"))
        self.stats.add(f"campaign#{campaign_id}", {what: 1, f"{what}_s0": 1, f"{what}_src_{group}": 1})
