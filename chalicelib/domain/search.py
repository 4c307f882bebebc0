"""What a recruiter searches people by: a skill and a piece of a name or an address. Validated here;
the store turns it into its own query (services never build one)."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import ValidationError
from .skills import normalize_skill


@dataclass(frozen=True)
class PeopleSearch:
    skill: str | None = None  # normalized through the alias table
    text: str | None = None  # lower case, at least 2 characters

    @classmethod
    def parse(cls, skill: str | None, q: str | None) -> "PeopleSearch":
        text = q.strip().lower() if q else None
        if text is not None and len(text) < 2:
            raise ValidationError.field("q", "at least 2 characters")
        return cls(normalize_skill(skill) if skill else None, text or None)

    @property
    def empty(self) -> bool:
        return self.skill is None and self.text is None
