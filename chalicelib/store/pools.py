"""Pools and their memberships.

A membership is written with a condition (join: not there yet; leave: still there) so that the
pool's size counter moves only when membership really changed, whoever raced whom.
"""
from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from pynamodb.exceptions import DeleteError, DoesNotExist, PutError, UpdateError
from pynamodb.expressions.update import Action

from ..domain.errors import Conflict, NotFound, ValidationError
from ..domain.pools import SNAPSHOT_FIELDS
from ..domain.vocabulary import PoolStatus
from .candidates import decode_cursor, encode_cursor, search_condition
from .connection import condition_failed
from .convert import from_dict, to_dict
from .models import MembershipModel, PoolModel


def _pool(item: PoolModel) -> dict:
    pool = to_dict(item)
    pool["rules"] = _rules(pool.get("rules"))
    return pool


def _rules(text: str | None):
    """The stored rules; text that is not JSON (written around the API) is handed on as it is, for
    the rule parser to refuse and the pool to be reported, rather than failing every read of pools."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _stored(name: str, value):
    return json.dumps(value, separators=(",", ":")) if name == "rules" and value is not None else value


class PoolRepository:
    def create(self, pool: dict) -> None:
        """Conflict if a pool has the id."""
        try:
            from_dict(PoolModel, dict(pool, rules=_stored("rules", pool.get("rules")))).save(
                condition=PoolModel.id.does_not_exist())
        except PutError as exc:
            if condition_failed(exc):
                raise Conflict(f"pool {pool['id']} exists") from None
            raise

    def get(self, pool_id: str) -> dict | None:
        try:
            return _pool(PoolModel.get(pool_id, consistent_read=True))
        except DoesNotExist:
            return None

    def all(self) -> list[dict]:
        """Every pool: a small table (tens to hundreds of items), read whole."""
        return sorted((_pool(p) for p in PoolModel.scan()), key=lambda p: p["created_at"])

    def update(self, pool_id: str, **values) -> None:
        """NotFound if the pool is not there (deleted since it was read)."""
        actions = [getattr(PoolModel, k).set(_stored(k, v)) if v is not None else getattr(PoolModel, k).remove()
                   for k, v in values.items()]
        _update_existing(PoolModel(pool_id), actions)

    def start_rebuild(self, pool_id: str, now: str, **values) -> int:
        """Bumps the generation (older rebuild jobs then stop) and marks the pool rebuilding; NotFound if it is
        not there."""
        item = PoolModel(pool_id)
        actions: list[Action] = [PoolModel.generation.add(1), PoolModel.status.set(PoolStatus.REBUILDING),
                                 PoolModel.updated_at.set(now)]
        actions += [getattr(PoolModel, k).set(_stored(k, v)) for k, v in values.items()]
        _update_existing(item, actions)
        return int(item.generation)

    def finish_rebuild(self, pool_id: str, generation: int, now: str) -> bool:
        try:
            PoolModel(pool_id).update(
                actions=[PoolModel.status.set(PoolStatus.READY), PoolModel.rebuilt_at.set(now)],
                condition=PoolModel.generation == generation)
        except UpdateError as exc:
            if condition_failed(exc):
                return False  # a newer rules change started another rebuild, or the pool is gone
            raise
        return True

    def mark_error(self, pool_id: str) -> None:
        """Status "error": its rules cannot be evaluated (a rules change clears it: start_rebuild)."""
        try:
            PoolModel(pool_id).update(actions=[PoolModel.status.set(PoolStatus.ERROR)], condition=PoolModel.id.exists())
        except UpdateError as exc:
            if not condition_failed(exc):
                raise  # the pool was deleted meanwhile: nothing to mark

    def add_sizes(self, deltas: dict[str, int]) -> None:
        for pool_id, delta in deltas.items():
            if delta:
                try:
                    PoolModel(pool_id).update(actions=[PoolModel.size.add(delta)], condition=PoolModel.id.exists())
                except UpdateError as exc:
                    if not condition_failed(exc):
                        raise  # the pool was deleted meanwhile: nothing to count

    def delete(self, pool_id: str) -> None:
        PoolModel(pool_id).delete()


def _update_existing(item: PoolModel, actions: list[Action]) -> None:
    try:
        item.update(actions=actions, condition=PoolModel.id.exists())
    except UpdateError as exc:
        if condition_failed(exc):
            raise NotFound(f"no pool {item.id}") from None
        raise


class MembershipRepository:
    def current(self, candidate_id: str) -> dict[str, str]:
        """The pools a person is in: pool id -> joined_at."""
        return {item.pool_id: item.joined_at for item in MembershipModel.by_candidate.query(candidate_id)}

    def existing(self, pool_id: str, candidate_ids: list[str]) -> dict[str, str]:
        keys = [(pool_id, c) for c in dict.fromkeys(candidate_ids)]
        if not keys:
            return {}
        return {item.candidate_id: item.joined_at
                for item in MembershipModel.batch_get(keys, attributes_to_get=["candidate_id", "joined_at"])}

    def join(self, entries: list[tuple[str, dict, str]]) -> Counter:
        """(pool id, person, joined_at): adds those not yet members. Returns joins per pool.

        One conditional PutItem per membership (1 write unit; a transaction's item costs 2), a few in flight at
        once. Not BatchWriteItem: it cannot carry the condition, and without it a membership another writer
        made meanwhile (a rebuild page delivered twice, a person's change racing a rebuild) would be counted
        again in the pool's size."""
        items = [_item(pool_id, person, at) for pool_id, person, at in entries]
        if not items:
            return Counter()
        created = [items[0]] if _create(items[0]) else []  # alone first: it builds the client the threads share
        if len(items) > 1:
            with ThreadPoolExecutor(max_workers=min(JOIN_THREADS, len(items) - 1), thread_name_prefix="join") as pool:
                futures = [(item, pool.submit(_create, item)) for item in items[1:]]
            failure = None
            for item, future in futures:  # every one answered (the pool is shut down): none left uncounted
                if future.exception() is not None:
                    failure = failure or future.exception()
                elif future.result():
                    created.append(item)
            if failure is not None:
                # the caller counts nothing when join raises, and a retry finds these made (never counted again):
                # count them here, then raise
                PoolRepository().add_sizes(Counter(item.pool_id for item in created))
                raise failure
        return Counter(item.pool_id for item in created)

    def leave(self, pairs: list[tuple[str, str]]) -> Counter:
        """(pool id, candidate id): removes those still members. Returns leaves per pool."""
        left: Counter = Counter()
        for pool_id, candidate_id in pairs:
            try:
                MembershipModel(pool_id, candidate_id).delete(condition=MembershipModel.candidate_id.exists())
                left[pool_id] += 1
            except DeleteError as exc:
                if not condition_failed(exc):
                    raise
        return left

    def refresh(self, entries: list[tuple[str, dict, str]]) -> None:
        """Rewrites the copies members carry after the person changed."""
        with MembershipModel.batch_write() as batch:
            for pool_id, person, joined_at in entries:
                batch.save(_item(pool_id, person, joined_at))

    def page(self, pool_id: str, *, limit: int, cursor: str | None, search=None) -> tuple[list[dict], str | None]:
        start = decode_cursor(cursor, ("pool_id", "candidate_id"))
        if start and start["pool_id"]["S"] != pool_id:
            raise ValidationError.field("cursor", "belongs to another pool")
        query = MembershipModel.query(pool_id, filter_condition=search_condition(MembershipModel, search), limit=limit,
                                      last_evaluated_key=start, page_size=limit)
        items = [to_dict(item) for item in query]
        return items, encode_cursor(query.last_evaluated_key)

    def ids_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[str], str | None]:
        """The members' candidate ids only (a campaign's fan-out): the copies of the people they carry are
        neither sent back nor parsed."""
        start = decode_cursor(cursor, ("pool_id", "candidate_id"))
        query = MembershipModel.query(pool_id, limit=limit, last_evaluated_key=start, page_size=limit,
                                      attributes_to_get=["candidate_id"])
        ids = [item.candidate_id for item in query]
        return ids, encode_cursor(query.last_evaluated_key)

    def dates_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """The members' dates only (a pool's figures): last engaged, last contacted, last updated."""
        start = decode_cursor(cursor, ("pool_id", "candidate_id"))
        query = MembershipModel.query(pool_id, limit=limit, last_evaluated_key=start, page_size=limit,
                                      attributes_to_get=["candidate_id", *MEMBER_DATES])
        items = [{name: getattr(item, name) for name in MEMBER_DATES} for item in query]
        return items, encode_cursor(query.last_evaluated_key)

    def joined_since(self, pool_id: str, since: str, *, limit: int, cursor: str | None) -> tuple[list[str], str | None]:
        """Candidate ids that joined the pool at or after `since`, a page at a time."""
        start = decode_cursor(cursor, ("pool_id", "candidate_id", "joined_at"))
        query = MembershipModel.by_joined.query(pool_id, MembershipModel.joined_at >= since, limit=limit,
                                                last_evaluated_key=start, page_size=limit)
        ids = [item.candidate_id for item in query]
        return ids, encode_cursor(query.last_evaluated_key)

    def iterate(self, pool_id: str):
        for item in MembershipModel.query(pool_id, page_size=500):
            yield to_dict(item)

    def delete_some(self, pool_id: str, count: int = 500) -> int:
        """Removes up to `count` members (a deleted pool is emptied in chunks). Returns how many."""
        keys = [item.candidate_id for item in MembershipModel.query(
            pool_id, limit=count, attributes_to_get=["pool_id", "candidate_id"])]
        with MembershipModel.batch_write() as batch:
            for candidate_id in keys:
                batch.delete(MembershipModel(pool_id, candidate_id))
        return len(keys)


MEMBER_DATES = ("last_engaged_at", "last_contacted_at", "updated_at")
JOIN_THREADS = 8  # conditional puts in flight at once (each waits on a round trip, not on CPU)


def _create(item: MembershipModel) -> bool:
    """Writes the membership unless it exists; True if this call created it."""
    try:
        item.save(condition=MembershipModel.candidate_id.does_not_exist())
    except PutError as exc:
        if condition_failed(exc):
            return False
        raise
    return True


def _item(pool_id: str, person: dict, joined_at: str) -> MembershipModel:
    data = {name: person.get(name) for name in SNAPSHOT_FIELDS}
    data.update(pool_id=pool_id, candidate_id=person["id"], joined_at=joined_at)
    return from_dict(MembershipModel, data)
