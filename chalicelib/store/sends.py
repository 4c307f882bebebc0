"""Emails we decided to send, keyed by their at-most-once claim."""
from __future__ import annotations

from pynamodb.exceptions import DeleteError, PutError
from pynamodb.expressions.update import Action

from ..domain.clock import iso
from ..domain.vocabulary import CandidateStatus, SendStatus
from .connection import condition_failed
from .convert import to_dict
from .models import SendModel


class SendRepository:
    def claim(self, key: str, *, kind: str, candidate_id: str, subject: str | None = None) -> bool:
        """True if this call took the claim; False if someone (or an earlier delivery) had it."""
        try:
            SendModel(key, kind=kind, candidate_id=candidate_id, status=SendStatus.CLAIMED,
                      created_at=iso(), subject=subject).save(condition=SendModel.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, key: str, message_id: str) -> None:
        SendModel(key).update(actions=[
            SendModel.status.set(SendStatus.SENT), SendModel.message_id.set(message_id), SendModel.sent_at.set(iso()),
        ])

    def mark_failed(self, key: str, error: str) -> None:
        SendModel(key).update(actions=[SendModel.status.set(SendStatus.FAILED), SendModel.error.set(error[:500])])

    def release(self, key: str) -> bool:
        """Only when SES surely did not accept the message (throttled, refused before sending). False, and the
        send left as it is, when it is no longer claimed (sent, failed) or not there (erased meanwhile)."""
        try:
            SendModel(key).delete(condition=SendModel.status == SendStatus.CLAIMED)
        except DeleteError as exc:
            if condition_failed(exc):
                return False
            raise
        return True

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
        marketing_sends (the new list), sms (bool), claim (the send item), consent (optional: the person's consent
        as the claim leaves it, a permission request's requested_at; exact, since the person is unchanged)}.
        Returns (claimed keys, keys that lost: already claimed or the person changed)."""
        from pynamodb.exceptions import TransactWriteError

        from .connection import condition_failed, transact_write
        from .convert import from_dict
        from .models import CandidateModel

        claimed, lost = [], []

        def transact(chunk: list[dict]) -> None:
            with transact_write() as transaction:
                for entry in chunk:
                    transaction.save(from_dict(SendModel, entry["claim"]), condition=SendModel.pk.does_not_exist())
                    cap_list = CandidateModel.sms_sends if entry.get("sms") else CandidateModel.marketing_sends
                    actions: list[Action] = [cap_list.set(entry["marketing_sends"]), CandidateModel.version.add(1)]
                    if entry.get("consent") is not None:
                        actions.append(CandidateModel.consent.set(entry["consent"]))
                    transaction.update(
                        CandidateModel(entry["candidate_id"]),
                        actions=actions,
                        condition=(CandidateModel.version == entry["version"])
                        & CandidateModel.status.is_in(*(entry.get("statuses") or (CandidateStatus.SUBSCRIBED,))),
                    )

        for start in range(0, len(entries), 50):
            chunk = entries[start:start + 50]
            try:
                transact(chunk)
                claimed += [e["key"] for e in chunk]
            except TransactWriteError as exc:
                if not condition_failed(exc):
                    raise
                for entry in chunk:
                    try:
                        transact([entry])
                        claimed.append(entry["key"])
                    except TransactWriteError as single:
                        if not condition_failed(single):
                            raise
                        lost.append(entry["key"])
        return claimed, lost

    def record(self, items: list[dict]) -> None:
        """The outcome of claimed sends (sent or failed): an UpdateItem per send setting only its outcome, so
        that what SES reported meanwhile (an event before the record: bounced_at, delivered_at, ...) stays.
        Only over the claim: a send erased since (the person erased) is not re-created, and a failure an event
        set (a bounce tied to the send by its tags before this record) keeps its status: the rest of the
        outcome is written then, in a second request (only in that case)."""
        from pynamodb.exceptions import UpdateError

        for item in items:
            send = SendModel(item["pk"])
            try:
                send.update(actions=_outcome_actions(item),
                            condition=SendModel.pk.exists() & (SendModel.status != SendStatus.FAILED))
            except UpdateError as exc:
                if not condition_failed(exc):
                    raise
                self._record_without_status(item)

    @staticmethod
    def _record_without_status(item: dict) -> None:
        from pynamodb.exceptions import UpdateError

        actions = _outcome_actions({k: v for k, v in item.items() if k != "status"})
        try:
            SendModel(item["pk"]).update(actions=actions, condition=SendModel.pk.exists())
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # else erased since its claim: nothing to record

    def record_skips(self, items: list[dict]) -> int:
        """A skipped broadcast recipient, with the reason; never over a send that exists."""
        from .connection import create_all
        from .convert import from_dict

        return len(create_all([from_dict(SendModel, i) for i in items], SendModel.pk))

    def get_many(self, keys: list[str]) -> dict[str, dict]:
        keys = list(dict.fromkeys(keys))
        return {item.pk: to_dict(item) for item in SendModel.batch_get(keys)} if keys else {}

    def release(self, key: str) -> bool:
        return SendRepository().release(key)


OUTCOME_FIELDS = ("status", "sent_at", "message_id", "links", "own_message_id", "error")


def _outcome_actions(item: dict) -> list[Action]:
    """The outcome's fields set; the claim's (kind, candidate_id, campaign_id, ...) only if not there."""
    from .convert import storable

    known = SendModel.get_attributes()
    actions: list[Action] = []
    for name, value in item.items():
        if name == "pk" or value is None or name not in known:
            continue
        field, value = getattr(SendModel, name), storable(value)
        actions.append(field.set(value) if name in OUTCOME_FIELDS else field.set(field | value))
    return actions


class TrackingSends:
    """What the tracking routes read and write on a send: one read, one update per event."""

    def get(self, key: str) -> dict | None:
        from pynamodb.exceptions import DoesNotExist

        try:
            return to_dict(SendModel.get(key))
        except DoesNotExist:
            return None

    def count(self, key: str, kind: str, now: str, machine: bool) -> tuple[bool, int | None]:
        """Counts an open or click on the send: (whether it was the send's first human one, the subject test
        variant the send carries), both read off the update's answer (no extra read)."""
        from pynamodb.exceptions import UpdateError

        first_at = SendModel.opened_at if kind == "open" else SendModel.clicked_at
        total = SendModel.opens if kind == "open" else SendModel.clicks
        machine_total = SendModel.machine_opens if kind == "open" else SendModel.machine_clicks
        item = SendModel(key)
        actions: list[Action] = [machine_total.add(1)] if machine else [total.add(1), first_at.set(first_at | now)]
        try:
            item.update(actions=actions, condition=SendModel.pk.exists())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False, None  # no such send (erased since): nothing to count
            raise
        variant = getattr(item, "variant", None)
        return not machine and getattr(item, first_at.attr_name) == now, None if variant is None else int(variant)

    def mark_unsubscribed(self, key: str, now: str) -> bool:
        return self.mark_first(key, "unsubscribed_at", now)

    def mark_first(self, key: str, attribute: str, now: str, **also) -> bool:
        """Sets `attribute` on the send unless set already (an event counted once). True if set now."""
        from pynamodb.exceptions import UpdateError

        field = getattr(SendModel, attribute)
        actions = [field.set(now)] + [getattr(SendModel, k).set(v) for k, v in also.items()]
        try:
            SendModel(key).update(actions=actions, condition=SendModel.pk.exists() & field.does_not_exist())
        except UpdateError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def by_message(self, message_id: str) -> dict | None:
        """The send SES gave this message id (the index holds keys only: then one read)."""
        for item in SendModel.by_message.query(message_id, limit=1):
            return self.get(item.pk)
        return None
