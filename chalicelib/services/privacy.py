"""GDPR: export everything held about a person; erase it everywhere.

Erasure keeps only a keyed hash of the address (so a later import does not re-add the person,
though they may sign up again themselves) and an anonymous count.
"""
from __future__ import annotations

from ..domain.candidates import public_view
from ..domain.clock import iso
from ..domain.errors import NotFound
from ..domain.vocabulary import CandidateStatus
from ..observability import count, logger
from .ports import SendStore, TimelineStore
from .reply_list import unlist


class PrivacyService:
    def __init__(self, settings, candidates, tombstones, timeline: TimelineStore, sends: SendStore, memberships,
                 enrollments, outcomes, audit=None):
        self.settings = settings
        self.audit = audit  # the audit log keeps its entries, with the person's id replaced
        self.memberships = memberships
        self.candidates = candidates
        self.tombstones = tombstones
        self.timeline = timeline
        self.sends = sends
        self.enrollments = enrollments
        self.outcomes = outcomes

    def export(self, candidate_id: str) -> dict:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise NotFound(f"no candidate {candidate_id}")
        history = self.timeline.all(candidate_id)
        return {
            "exported_at": iso(),
            "candidate": public_view(candidate),
            "consent_records": [e for e in history if e["kind"] == "consent"],
            "touchpoints": [e for e in history if e["kind"] == "touchpoint"],
            "timeline": history,
            "sends": self.sends.for_candidate(candidate_id),
        }

    def erasure_preview(self, candidate_id: str) -> dict:
        """What erase() would remove, counted, for the person confirming it (the outcomes keep their counts)."""
        if self.candidates.get(candidate_id) is None:
            raise NotFound(f"no candidate {candidate_id}")
        return {"timeline": len(self.timeline.all(candidate_id)), "sends": len(self.sends.for_candidate(candidate_id)),
                "pool_memberships": len(self.memberships.pools_of(candidate_id)),
                "enrollments": len(self.enrollments.for_candidate(candidate_id))}

    def erase(self, candidate_id: str) -> dict:
        candidate = self.candidates.get(candidate_id)
        if candidate is None:
            raise NotFound(f"no candidate {candidate_id}")
        now = iso()
        # The tombstone goes first: an import running meanwhile must not re-add the address.
        self.tombstones.record(candidate["email"], now)
        unlisted = unlist(self.timeline, self.timeline.all(candidate_id))  # their replies on campaigns' lists
        removed = {
            "timeline": self.timeline.delete_all(candidate_id),
            "sends": self.sends.delete_for_candidate(candidate_id),
            "enrollments": self.enrollments.delete_for_candidate(candidate_id),
            "outcomes_anonymized": self.outcomes.forget_candidate(candidate_id),  # the counts stay, not the person
            "audit_entries_pseudonymized": self.audit.forget(candidate_id) if self.audit else 0,
        }
        self.memberships.apply([(candidate, None)])
        self.candidates.delete(candidate)
        logger().info("candidate erased", extra={"candidate_id": candidate_id, "replies_unlisted": unlisted, **removed})
        count("CandidateErased")
        return {"erased": True, "id": candidate_id, "erased_at": now, "removed": removed}


PENDING_DAYS = 30


def expire_pending(settings, candidates, privacy: PrivacyService, now=None) -> dict:
    """Daily retention: sign-ups never confirmed within 30 days are not kept.

    A person who only ever came from the form is removed (no tombstone: they never became a
    contact); a person we knew before goes back to `not_subscribed`.
    """
    from datetime import timedelta

    from ..domain.clock import utcnow

    cutoff = iso((now or utcnow()) - timedelta(days=PENDING_DAYS))
    done = {"removed": 0, "reverted": 0}
    for candidate in list(candidates.pending_since_before(cutoff)):
        if candidate.get("source") == "careers_page" and not candidate.get("confirmed_at"):
            privacy.timeline.delete_all(candidate["id"])
            privacy.sends.delete_for_candidate(candidate["id"])
            privacy.memberships.apply([(candidate, None)])
            candidates.delete(candidate)
            done["removed"] += 1
        else:
            try:
                saved = candidates.save(dict(candidate, status=CandidateStatus.NOT_SUBSCRIBED, updated_at=iso()))
                privacy.memberships.apply([(candidate, saved)])
                done["reverted"] += 1
            except Exception:  # changed meanwhile: tomorrow's run looks again
                logger().warning("pending expiry skipped a changing candidate", extra={"candidate_id": candidate["id"]})
    return done
