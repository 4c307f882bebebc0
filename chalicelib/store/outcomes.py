"""Hiring outcomes (applications, offers, hires, jobs opened and filled), by kind and time."""
from __future__ import annotations

from .convert import from_dict, to_dict
from .models import OutcomeModel


class OutcomeRepository:
    def add(self, outcome: dict) -> None:
        from_dict(OutcomeModel, outcome).save()

    def between(self, kind: str, start: str, end: str) -> list[dict]:
        return [to_dict(item) for item in OutcomeModel.query(kind, OutcomeModel.sk.between(start, end + "~"))]

    def all_of(self, kind: str) -> list[dict]:
        return [to_dict(item) for item in OutcomeModel.query(kind)]
