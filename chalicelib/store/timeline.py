"""A person's history, newest first: consent records, touchpoints, imports, emails."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ..domain.clock import iso, new_id
from ..domain.errors import ValidationError
from .candidates import decode_cursor, encode_cursor
from .convert import storable
from .models import TimelineModel


def _as_dict(item: TimelineModel) -> dict:
    return {
        "id": item.sk, "kind": item.kind, "at": item.at,
        "data": item.data.as_dict() if item.data else {},
    }


class TimelineRepository:
    def add(self, candidate_id: str, kind: str, data: dict, at: str | None = None) -> dict:
        at = at or iso()
        sk = f"{at}#{new_id('evt')}"
        TimelineModel(candidate_id, sk, kind=kind, at=at, data=storable(data)).save()
        return {"id": sk, "kind": kind, "at": at, "data": data}

    def add_many(self, entries: list[tuple[str, str, dict, str]]) -> None:
        """(candidate_id, kind, data, at) in batches of 25."""
        with TimelineModel.batch_write() as batch:
            for candidate_id, kind, data, at in entries:
                batch.save(TimelineModel(candidate_id, f"{at}#{new_id('evt')}", kind=kind, at=at, data=storable(data)))

    def get(self, candidate_id: str, entry_id: str) -> dict | None:
        try:
            return _as_dict(TimelineModel.get(candidate_id, entry_id, consistent_read=True))
        except DoesNotExist:
            return None

    def update_data(self, candidate_id: str, entry_id: str, data: dict) -> None:
        TimelineModel(candidate_id, entry_id).update(actions=[TimelineModel.data.set(storable(data))])

    def page(self, candidate_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        start = decode_cursor(cursor, ("candidate_id", "sk"))
        if start and start["candidate_id"]["S"] != candidate_id:
            raise ValidationError.field("cursor", "belongs to another candidate's timeline")
        query = TimelineModel.query(candidate_id, scan_index_forward=False, limit=limit, last_evaluated_key=start)
        items = [_as_dict(item) for item in query]
        return items, encode_cursor(query.last_evaluated_key)

    def all(self, candidate_id: str) -> list[dict]:
        return [_as_dict(item) for item in TimelineModel.query(candidate_id, scan_index_forward=False)]

    def delete_all(self, candidate_id: str) -> int:
        count = 0
        with TimelineModel.batch_write() as batch:
            for item in TimelineModel.query(candidate_id, attributes_to_get=["candidate_id", "sk"]):
                batch.delete(item)
                count += 1
        return count
