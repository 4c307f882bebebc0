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


class CampaignSends:
    """Claims, records and lookups of campaign sends (one item per campaign step and person)."""

    def claim(self, entries: list[dict]) -> tuple[list[str], list[str]]:
        """Takes the claim and counts the send against the person's cap, atomically, only if the
        person is still subscribed and unchanged since read. entries: {key, candidate_id, version,
        marketing_sends (the new list), sms (bool), claim (the send item)}.
        Returns (claimed keys, keys that lost: already claimed or the person changed)."""
        from pynamodb.exceptions import TransactWriteError

        from .candidates import _condition_failed
        from .connection import transact_write
        from .convert import from_dict
        from .models import CandidateModel

        claimed, lost = [], []

        def transact(chunk: list[dict]) -> None:
            with transact_write() as transaction:
                for entry in chunk:
                    transaction.save(from_dict(SendModel, entry["claim"]), condition=SendModel.pk.does_not_exist())
                    cap_list = CandidateModel.sms_sends if entry.get("sms") else CandidateModel.marketing_sends
                    transaction.update(
                        CandidateModel(entry["candidate_id"]),
                        actions=[cap_list.set(entry["marketing_sends"]), CandidateModel.version.add(1)],
                        condition=(CandidateModel.version == entry["version"]) & (CandidateModel.status == "subscribed"),
                    )

        for start in range(0, len(entries), 50):
            chunk = entries[start:start + 50]
            try:
                transact(chunk)
                claimed += [e["key"] for e in chunk]
            except TransactWriteError as exc:
                if not _condition_failed(exc):
                    raise
                for entry in chunk:
                    try:
                        transact([entry])
                        claimed.append(entry["key"])
                    except TransactWriteError as single:
                        if not _condition_failed(single):
                            raise
                        lost.append(entry["key"])
        return claimed, lost

    def record(self, items: list[dict]) -> None:
        """The outcome of claimed sends (sent or failed): rewrites the items this worker claimed."""
        from .convert import from_dict

        with SendModel.batch_write() as batch:
            for item in items:
                batch.save(from_dict(SendModel, item))

    def record_skips(self, items: list[dict]) -> int:
        """A skipped broadcast recipient, with the reason; never over a send that exists."""
        from .connection import create_all
        from .convert import from_dict

        return len(create_all([from_dict(SendModel, i) for i in items], SendModel.pk))

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        keys = list(dict.fromkeys(keys))
        return {item.pk: to_dict(item) for item in SendModel.batch_get(keys)} if keys else {}

    def release(self, key: str) -> None:
        SendRepository().release(key)
