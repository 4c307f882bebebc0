"""Subject tests: a step with two to four subjects gives each recipient one, chosen stably, and may pick a winner.

`"subjects": ["...", "..."]` on a step (each a Jinja2 subject like the template's, which it replaces) and
optionally `"winner": {"metric": "clicks" | "replies", "test_share": 0.2, "after": "PT4H"}` (CONTRACT:
campaigns). Without a winner every recipient gets the variant their id hashes to. With one, the test share of
the audience (chosen by the same hash, so a retry or a redelivery gives the same answer) gets the variants
evenly; the rest wait until `after` has passed since the test's first send, then all get the variant with the
best rate of the metric (clicks or replies per email sent; never opens, which machines inflate; a tie goes to
the earlier subject).
"""
from __future__ import annotations

import hashlib
from typing import Any

from pydantic import Field, field_validator, model_validator

from .bodies import Body
from .durations import parse_duration
from .templates import subject_problem
from .text import unsafe_reason

MIN_VARIANTS, MAX_VARIANTS = 2, 4
SUBJECT_CHARS = 200
METRICS = ("clicks", "replies")
SUBJECTS_PROBLEM = (f"a list of {MIN_VARIANTS} to {MAX_VARIANTS} different subjects, each one line of at most "
                    f"{SUBJECT_CHARS} characters")
WINNER_PROBLEM = "an object with metric (clicks or replies), test_share (0.05 to 0.5) and after (PT1H to P7D)"


def _hash_share(*parts: str) -> float:
    """A stable number in [0, 1) for these ids: the same recipient always lands in the same place."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def variant_for(campaign_id: str, step: int, candidate_id: str, variants: int) -> int:
    """Which subject (0-based) this recipient gets while the test runs."""
    return min(int(_hash_share(campaign_id, str(step), candidate_id, "variant") * variants), variants - 1)


def in_test(campaign_id: str, step: int, candidate_id: str, share: float) -> bool:
    """Whether the recipient is in the test group (a `winner` rule's test_share of the audience)."""
    return _hash_share(campaign_id, str(step), candidate_id, "test") < share


def pick_winner(results: list[dict], metric: str) -> int:
    """The best variant's index by `metric` per email sent; results[i]: the variant's funnel (domain/analytics.py:
    its "sent", "clicked" and "replied")."""
    field = "clicked" if metric == "clicks" else "replied"

    def rate(index: int) -> tuple[float, int]:
        sent = int(results[index].get("sent") or 0)
        return (int(results[index].get(field) or 0) / sent if sent else 0.0, -index)

    return max(range(len(results)), key=rate)


class Winner(Body):
    metric: str = Field(description="clicks or replies (opens are not a fair measure: machines open mail)")
    test_share: float = Field(ge=0.05, le=0.5, allow_inf_nan=False, description="a share from 0.05 to 0.5")
    after: str = Field(description="a duration from PT1H to P7D, such as PT4H")

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            raise ValueError(WINNER_PROBLEM)
        if isinstance(value.get("test_share"), int) and not isinstance(value.get("test_share"), bool):
            value = dict(value, test_share=float(value["test_share"]))  # 1 is refused by its bound, not its type
        return value

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in METRICS:
            raise ValueError("clicks or replies (opens are not a fair measure: machines open mail)")
        return value

    @field_validator("after")
    @classmethod
    def _after(cls, value: str) -> str:
        try:
            wait = parse_duration(value)
        except ValueError:
            raise ValueError("a duration from PT1H to P7D, such as PT4H") from None
        if wait.months or not 3600 <= wait.delta.total_seconds() <= 7 * 86400:
            raise ValueError("a duration from PT1H to P7D, such as PT4H")
        return value


def checked_subjects(value: Any) -> list[str]:
    """The subjects as given (trimmed), or ValueError with SUBJECTS_PROBLEM."""
    if not isinstance(value, list) or not MIN_VARIANTS <= len(value) <= MAX_VARIANTS:
        raise ValueError(SUBJECTS_PROBLEM)
    subjects = []
    for subject in value:
        if (not isinstance(subject, str) or not subject.strip() or len(subject) > SUBJECT_CHARS
                or "\n" in subject or "\r" in subject or unsafe_reason(subject)):
            raise ValueError(SUBJECTS_PROBLEM)
        subjects.append(subject.strip())
    if len(set(subjects)) != len(subjects):
        raise ValueError(SUBJECTS_PROBLEM)
    for number, subject in enumerate(subjects, 1):
        problem = subject_problem(subject)
        if problem:
            raise ValueError(f"subject {number}: {problem}")
    return subjects


def chosen_variant(step: dict, campaign_id: str, step_index: int, candidate_id: str,
                   winner: int | None) -> int | None:
    """The subject (0-based) this recipient gets: None for a step without subjects; the winner once there is one,
    for everyone outside the test group; else the variant their id hashes to."""
    subjects = step.get("subjects") or []
    if len(subjects) < MIN_VARIANTS:
        return None
    rule = step.get("winner")
    if rule and winner is not None and not in_test(campaign_id, step_index, candidate_id, rule["test_share"]):
        return min(winner, len(subjects) - 1)
    return variant_for(campaign_id, step_index, candidate_id, len(subjects))


def waits_for_winner(step: dict, campaign_id: str, step_index: int, candidate_id: str, winner: int | None) -> bool:
    """Whether this recipient waits: outside the test group of a step whose winner is not known yet."""
    rule = step.get("winner")
    return bool(rule and step.get("subjects") and winner is None
                and not in_test(campaign_id, step_index, candidate_id, rule["test_share"]))


def with_subject(template: dict, step: dict, variant: int | None) -> dict:
    """The template as this recipient gets it: the variant's subject in place of the template's."""
    if variant is None:
        return template
    return dict(template, subject=step["subjects"][variant])
