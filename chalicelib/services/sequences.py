"""Ends a person's running sequences at once when an exit condition happens (applied, hired,
unsubscribed, bounced, replied...). The worker checks again at every step, so this is about not leaving
people waiting in a sequence they have left; a reply is known only here (services/replies.py), so for
`replied` this is what stops the next step."""
from __future__ import annotations

from ..domain.clock import iso
from ..domain.vocabulary import DecisionReason, EnrollmentStatus

ALWAYS = (DecisionReason.COMPLAINED, DecisionReason.ERASED)  # no campaign keeps these people, whatever its exit_on


class SequenceExits:
    def __init__(self, campaigns, enrollments):
        self.campaigns = campaigns
        self.enrollments = enrollments

    def end(self, candidate_id: str, reason: DecisionReason) -> list[str]:
        ended = []
        for campaign_id in self.enrollments.for_candidate(candidate_id):
            campaign = self.campaigns.get(campaign_id)
            if campaign is None or (reason not in campaign["exit_on"] and reason not in ALWAYS):
                continue
            current = self.enrollments.get_many(campaign_id, [candidate_id]).get(candidate_id)
            if current and current["status"] == EnrollmentStatus.ACTIVE:
                self.enrollments.put_many([{**current, "status": EnrollmentStatus.EXITED, "reason": reason,
                                            "updated_at": iso(), "due_at": None, "due_shard": None}])
                ended.append(campaign_id)
        return ended
