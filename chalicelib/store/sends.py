"""Emails we decided to send, keyed by their at-most-once claim."""
from __future__ import annotations

from pynamodb.exceptions import PutError

from ..domain.clock import iso
from .convert import to_dict
from .models import SendModel


class SendRepository:
    def claim(self, key: str, *, kind: str, candidate_id: str, subject: str | None = None) -> bool:
        """True if this call took the claim; False if someone (or an earlier delivery) had it."""
        try:
            SendModel(key, kind=kind, candidate_id=candidate_id, status="claimed",
                      created_at=iso(), subject=subject).save(condition=SendModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, key: str, message_id: str) -> None:
        SendModel(key).update(actions=[
            SendModel.status.set("sent"), SendModel.message_id.set(message_id), SendModel.sent_at.set(iso()),
        ])

    def mark_failed(self, key: str, error: str) -> None:
        SendModel(key).update(actions=[SendModel.status.set("failed"), SendModel.error.set(error[:500])])

    def release(self, key: str) -> None:
        """Only when SES surely did not accept the message (throttled, refused before sending)."""
        SendModel(key).delete(condition=SendModel.status == "claimed")

    def for_candidate(self, candidate_id: str) -> list[dict]:
        return [to_dict(item) for item in SendModel.by_candidate.query(candidate_id, scan_index_forward=False)]

    def delete_for_candidate(self, candidate_id: str) -> int:
        keys = [item.pk for item in SendModel.by_candidate.query(candidate_id)]
        with SendModel.batch_write() as batch:
            for key in keys:
                batch.delete(SendModel(key))
        return len(keys)
