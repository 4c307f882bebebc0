"""Opt-outs and suppressions that no input can lift by the way.

A bounced or complained person never gets email again from any path unless a recruiter lifts the
suppression explicitly (recorded). An unsubscribed person opts back in only by confirming a sign-up
themselves. Merges (API upserts, imports, sign-ups) and recruiter edits therefore never move a
person's status to a weaker one; events (a bounce, an unsubscribe) and confirmations set it directly.
"""
from __future__ import annotations

from .vocabulary import SUPPRESSED_STATUSES, CandidateStatus

SUPPRESSED = frozenset(SUPPRESSED_STATUSES)
# how strongly a status says "do not email": a change may go up, never down by the way
_STRENGTH: dict[str, int] = {CandidateStatus.BOUNCED: 2, CandidateStatus.COMPLAINED: 2, CandidateStatus.UNSUBSCRIBED: 1}


def is_suppressed(person: dict | None) -> bool:
    return (person or {}).get("status") in SUPPRESSED


def weakens(before: str | None, after: str | None) -> bool:
    """True when `after` would lift an opt-out or a suppression that `before` holds."""
    return _STRENGTH.get(before or "", 0) > _STRENGTH.get(after or "", 0)


def keep_opt_outs(current: dict, updated: dict) -> dict:
    """`updated`, but with the current status wherever it would lift an opt-out or a suppression."""
    if weakens(current.get("status"), updated.get("status")):
        return dict(updated, status=current["status"])
    return updated


def signup_status(current: str | None) -> str:
    """A person's status after they use the sign-up form (before they confirm): people without
    consent await confirmation; opted-out and suppressed people stay as they are."""
    if current is None or current in (CandidateStatus.NOT_SUBSCRIBED, CandidateStatus.PENDING):
        return CandidateStatus.PENDING
    return current
