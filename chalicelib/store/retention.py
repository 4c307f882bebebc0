"""Retention's reads and state (domain/retention.py): the people whose retention may be over, page by page, and each
person's retention state in the key store (`retention#<id>`: an ask awaiting its answer, a recruiter's keep).

Why a scan: no index orders people by their last activity (the browse index's by_contact orders by last contact
only, and every person never contacted sorts first in it, so it would not bound the read; last engagement and
consent are not on it). The scan's filter leaves out, on DynamoDB's side, everyone created, engaged or contacted
since the cutoff; the daily job reads it a page at a time, its cursor kept in the key store (PASS_KEY), so a large
table is covered over as many runs as it needs, each within its time budget.
"""
from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from ..domain.vocabulary import CandidateStatus
from .candidates import decode_cursor, encode_cursor
from .convert import storable, to_dict
from .models import CandidateModel, KeyModel

PREFIX = "retention#"
# What retention reads of a person (domain/retention.py, the report's lines): DynamoDB sends only these, so a pass
# moves and parses a fraction of each item (the read capacity is the same).
FIELDS = ("id", "email", "first_name", "last_name", "status", "stage", "created_at", "last_engaged_at",
          "last_contacted_at", "confirmed_at", "consent", "preferences")
SCAN_PAGE = 1000  # people DynamoDB reads per scan request (its filter leaves out most of them)
PASS_KEY = "retention#pass"  # {"cursor"} while a pass over the people is under way


def _key(candidate_id: str) -> str:
    return f"{PREFIX}{candidate_id}"


class RetentionStore:
    def state(self, candidate_id: str) -> dict:
        try:
            item = KeyModel.get(_key(candidate_id), consistent_read=True)
        except DoesNotExist:
            return {}
        return dict(item.data.as_dict()) if item.data else {}

    def states(self, candidate_ids: list[str]) -> dict[str, dict]:
        """id -> state of those who have one (batched reads)."""
        keys = [_key(i) for i in dict.fromkeys(candidate_ids)]
        items = KeyModel.batch_get(keys) if keys else []
        return {item.pk[len(PREFIX):]: dict(item.data.as_dict()) if item.data else {} for item in items}

    def put(self, candidate_id: str, data: dict, expires_at: datetime, at: str) -> None:
        KeyModel(_key(candidate_id), data=storable(data), created_at=at, expires_at=expires_at).save()

    def delete(self, candidate_id: str) -> None:
        KeyModel(_key(candidate_id)).delete()

    def page(self, cutoff: str, cursor: str | None, limit: int) -> tuple[list[dict], str | None]:
        """Up to `limit` people neither created, engaged nor contacted since `cutoff`, and not pending; the cursor
        goes on after the last one (None: the end of the table)."""
        start = decode_cursor(cursor, ("id",))
        found: list[dict] = []
        for item in CandidateModel.scan(_old_enough(cutoff), last_evaluated_key=start, page_size=SCAN_PAGE,
                                        attributes_to_get=list(FIELDS)):
            found.append(to_dict(item))
            if len(found) == limit:
                return found, encode_cursor({"id": {"S": item.id}})
        return found, None

    def pass_cursor(self) -> str | None:
        try:
            item = KeyModel.get(PASS_KEY, consistent_read=True)
        except DoesNotExist:
            return None
        return (item.data.as_dict() if item.data else {}).get("cursor")

    def save_pass_cursor(self, cursor: str | None, at: str) -> None:
        if cursor is None:
            KeyModel(PASS_KEY).delete()
        else:
            KeyModel(PASS_KEY, data={"cursor": cursor}, created_at=at).save()


def _old_enough(cutoff: str):
    def before(attribute):
        return attribute.does_not_exist() | (attribute < cutoff)

    return ((CandidateModel.created_at < cutoff) & before(CandidateModel.last_engaged_at)
            & before(CandidateModel.last_contacted_at) & (CandidateModel.status != CandidateStatus.PENDING))
