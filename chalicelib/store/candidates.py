"""Candidates and the one-person-per-address invariant (email claims in the keys table)."""
from __future__ import annotations

import base64
import json
import time
from typing import Iterable, Iterator

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from ..domain import jsonbody
from ..domain.errors import EmailTaken, ValidationError, VersionConflict
from ..domain.vocabulary import CandidateStatus
from .connection import condition_failed, transact_write
from .convert import from_dict, to_dict
from .models import CandidateModel, KeyModel

TRANSACT_PAIRS = 50  # TransactWriteItems takes 100 actions: a claim and a person each


def email_key(email: str) -> str:
    return f"email#{email}"


def encode_cursor(key: dict | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, key_names: tuple[str, ...]) -> dict | None:
    """The exclusive start key a cursor stands for; a bad cursor is the caller's error, named."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = jsonbody.loads(base64.urlsafe_b64decode(padded.encode()), field="cursor")
    except (ValueError, TypeError, ValidationError):  # a forged cursor is bad input, whatever it holds
        key = None
    if not isinstance(key, dict) or set(key) != set(key_names) or not all(
            isinstance(v, dict) and len(v) == 1 and isinstance(v.get("S"), str) for v in key.values()):
        raise ValidationError.field("cursor", "not a cursor this list gave out")
    return key


def search_condition(model, search):
    """A PeopleSearch as a filter on people or memberships (both carry skills, email and names).
    Names are stored as typed, so the text is tried as typed, title-cased and capitalized."""
    if search is None or search.empty:
        return None
    condition = model.skills.contains(search.skill) if search.skill else None
    if search.text:
        text = search.text
        match = model.email.contains(text)
        for name_field in (model.first_name, model.last_name):
            for variant in {text, text.title(), text.capitalize()}:
                match = match | name_field.contains(variant)
        condition = match if condition is None else condition & match
    return condition


APPROXIMATE_FOR = 300  # seconds an approximate count is kept in the container
_approximate: dict[str, tuple[float, int]] = {}


class CandidateRepository:
    """People, and the browse index kept with them: every write of a person below writes their index items too
    (store/browse.py), after the person, so a failure there never fails the write (it is logged; the person's
    next write or the backfill mends it)."""

    def __init__(self):
        self._index = None

    @property
    def index(self):
        from .browse import BrowseIndex

        if self._index is None:
            self._index = BrowseIndex()
        return self._index

    def _indexed(self, changes: list[tuple[dict | None, dict | None]]) -> None:
        if not changes:
            return
        try:
            self.index.write(changes)
        except Exception:  # noqa: BLE001 - the person is written; a missing index item must not undo that
            from ..observability import count, logger

            count("BrowseIndexFailed")
            logger().exception("browse index not written", extra={
                "candidate_ids": [(after or before or {}).get("id") for before, after in changes][:20]})

    def get(self, candidate_id: str) -> dict | None:
        try:
            return to_dict(CandidateModel.get(candidate_id, consistent_read=True))
        except DoesNotExist:
            return None

    def batch_get(self, candidate_ids: Iterable[str]) -> dict[str, dict]:
        ids = list(dict.fromkeys(candidate_ids))
        return {item.id: to_dict(item) for item in CandidateModel.batch_get(ids)} if ids else {}

    def id_for_email(self, email: str) -> str | None:
        try:
            return KeyModel.get(email_key(email), consistent_read=True).ref
        except DoesNotExist:
            return None

    def ids_for_emails(self, emails: Iterable[str]) -> dict[str, str]:
        keys = [email_key(e) for e in dict.fromkeys(emails)]
        if not keys:
            return {}
        return {item.pk[len("email#"):]: item.ref for item in KeyModel.batch_get(keys)}

    def create(self, candidate: dict) -> None:
        """Claims the address and stores the person atomically; EmailTaken if the address is claimed."""
        failed = self.create_many([candidate])
        if failed:
            raise EmailTaken(self.id_for_email(candidate["email"]))

    def create_many(self, candidates: list[dict]) -> list[dict]:
        """Creates people in transactions of 50; returns those whose address was claimed meanwhile."""
        lost = self._create_many(candidates)
        lost_ids = {c["id"] for c in lost}
        self._indexed([(None, c) for c in candidates if c["id"] not in lost_ids])
        return lost

    def _create_many(self, candidates: list[dict]) -> list[dict]:
        lost: list[dict] = []
        for start in range(0, len(candidates), TRANSACT_PAIRS):
            chunk = candidates[start:start + TRANSACT_PAIRS]
            try:
                self._create_chunk(chunk)
            except TransactWriteError as exc:
                if len(chunk) == 1 or not condition_failed(exc):
                    if condition_failed(exc):
                        lost.extend(chunk)
                        continue
                    raise
                for candidate in chunk:  # one address in the chunk was taken: find which
                    try:
                        self._create_chunk([candidate])
                    except TransactWriteError as single:
                        if not condition_failed(single):
                            raise
                        lost.append(candidate)
        return lost

    def _create_chunk(self, chunk: list[dict]) -> None:
        with transact_write() as transaction:
            for candidate in chunk:
                claim = KeyModel(email_key(candidate["email"]), ref=candidate["id"], created_at=candidate["created_at"])
                transaction.save(claim, condition=KeyModel.pk.does_not_exist())
                transaction.save(from_dict(CandidateModel, candidate), condition=CandidateModel.id.does_not_exist())

    def save(self, candidate: dict) -> dict:
        """Writes a changed person if nobody else changed it since it was read (optimistic lock)."""
        before = self.get(candidate["id"])  # what the index holds for them: their items are diffed against it
        saved = self._save(candidate)
        self._indexed([(before, saved)])
        return saved

    def _save(self, candidate: dict) -> dict:
        expected = candidate.get("version") or 1
        updated = dict(candidate, version=expected + 1)
        try:
            from_dict(CandidateModel, updated).save(condition=CandidateModel.version == expected)
        except PutError as exc:
            if condition_failed(exc):
                raise VersionConflict(candidate["id"]) from None
            raise
        return updated

    def update(self, candidate_id: str, change, attempts: int = 5) -> tuple[dict, dict] | None:
        """(before, after) of `change(current)`, retried on concurrent writes; None if no such person.

        When `change` returns the person unchanged nothing is written and after is before.
        """
        for _ in range(attempts):
            current = self.get(candidate_id)
            if current is None:
                return None
            updated = change(current)
            if updated == current:
                return current, current
            try:
                saved = self._save(updated)
            except VersionConflict:
                continue
            self._indexed([(current, saved)])
            return current, saved
        raise VersionConflict(candidate_id)

    def save_many(self, candidates: list[dict]) -> list[dict]:
        """Optimistic writes in transactions; returns the ones that lost a race (to retry one by one)."""
        lost: list[dict] = []
        for start in range(0, len(candidates), 100):
            chunk = candidates[start:start + 100]
            before = self.batch_get(c["id"] for c in chunk)  # for the index's diff (see save)
            try:
                with transact_write() as transaction:
                    for candidate in chunk:
                        expected = candidate.get("version") or 1
                        item = from_dict(CandidateModel, dict(candidate, version=expected + 1))
                        transaction.save(item, condition=CandidateModel.version == expected)
            except TransactWriteError as exc:
                if not condition_failed(exc):
                    raise
                lost.extend(chunk)
                continue
            self._indexed([(before.get(c["id"]), c) for c in chunk])
        return lost

    def delete(self, candidate: dict) -> None:
        """Removes the person and their address claim together."""
        with transact_write() as transaction:
            transaction.delete(CandidateModel(candidate["id"]))
            transaction.delete(KeyModel(email_key(candidate["email"])), condition=KeyModel.ref == candidate["id"])
        self._indexed([(candidate, None)])

    def approximate_count(self) -> int:
        """DynamoDB's item count of the people table (refreshed by DynamoDB about every six hours), kept a few
        minutes here: one DescribeTable, not a scan."""
        now = time.monotonic()
        kept = _approximate.get("count")
        if kept is None or now - kept[0] > APPROXIMATE_FOR:
            kept = _approximate["count"] = (now, int(CandidateModel.describe_table().get("ItemCount") or 0))
        return kept[1]

    def scan(self, *, limit: int, cursor: str | None, search=None) -> tuple[list[dict], str | None]:
        """A page of people matching `search` (a PeopleSearch); the cursor resumes after the last one returned."""
        start = decode_cursor(cursor, ("id",))
        items: list[dict] = []
        results = CandidateModel.scan(search_condition(CandidateModel, search), last_evaluated_key=start,
                                      page_size=max(limit, 100))
        for item in results:
            items.append(to_dict(item))
            if len(items) == limit:
                return items, encode_cursor({"id": {"S": item.id}})
        return items, None

    def browse(self, flt, sort, *, limit: int, cursor: str | None, backwards: bool, now):
        """A page of people who pass `flt` (domain/search.py BrowseFilter), in `sort` order, after `cursor`
        (before it when `backwards`): a store.browse.Listing."""
        return self.index.listing(flt, sort, limit, cursor, backwards, now)

    def browse_backfill_step(self) -> bool:
        """Adds the next page of people stored before the browse index existed; True once all are in it."""
        return self.index.backfill_step()

    def iterate(self, condition=None) -> Iterator[dict]:
        for item in CandidateModel.scan(condition, page_size=500):
            yield to_dict(item)

    def pending_since_before(self, cutoff: str) -> Iterator[dict]:
        """People still awaiting their double opt-in, unchanged since before `cutoff` (the daily job's scan)."""
        return self.iterate((CandidateModel.status == CandidateStatus.PENDING) & (CandidateModel.updated_at < cutoff))
