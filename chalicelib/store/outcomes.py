"""Hiring outcomes (applications, offers, hires, jobs opened and filled), by kind and time."""
from __future__ import annotations

from ..domain.vocabulary import OutcomeKind
from .convert import from_dict, to_dict
from .models import OutcomeModel


class OutcomeRepository:
    def add(self, outcome: dict) -> None:
        from_dict(OutcomeModel, outcome).save()

    def between(self, kind: OutcomeKind, start: str, end: str) -> list[dict]:
        return [to_dict(item) for item in OutcomeModel.query(kind, OutcomeModel.sk.between(start, end + "~"))]

    def all_of(self, kind: OutcomeKind) -> list[dict]:
        return [to_dict(item) for item in OutcomeModel.query(kind)]

    # the outcomes that name a person (services/ats.py writes them, services/analytics.py reads them)
    PERSONAL_KINDS = (OutcomeKind.APPLICATION, OutcomeKind.OFFER_CREATED, OutcomeKind.OFFER_ACCEPTED,
                      OutcomeKind.OFFER_DECLINED, OutcomeKind.HIRE)
    ERASED = "erased"  # the candidate id an erased person's outcomes keep

    def forget_candidate(self, candidate_id: str) -> int:
        """An erased person's outcomes keep counting (hires, offers) but no longer name them. Erasure
        is rare: a filtered query per kind, not an index kept for it."""
        forgotten = 0
        for kind in self.PERSONAL_KINDS:
            for item in OutcomeModel.query(kind, filter_condition=OutcomeModel.candidate_id == candidate_id):
                item.update(actions=[OutcomeModel.candidate_id.set(self.ERASED)])
                forgotten += 1
        return forgotten
