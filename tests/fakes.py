"""In-memory stand-ins for the store's repositories, held to the same contract as the DynamoDB ones
(tests/contract/), so services can be tested without AWS. Behaviour, not speed: every read copies."""
from __future__ import annotations

import base64
import copy
import json
import threading
from collections import Counter

from chalicelib.domain import clock
from chalicelib.domain.clock import iso, new_id
from chalicelib.domain.errors import Conflict, EmailTaken, NotFound, ValidationError, VersionConflict
from chalicelib.domain.pools import SNAPSHOT_FIELDS
from chalicelib.domain.vocabulary import CandidateStatus, PoolStatus, SendStatus


class InMemoryKeys:
    """chalicelib.services.ports.KeyStore."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.lock = threading.Lock()

    def _live(self, key: str) -> dict | None:
        item = self.items.get(key)
        if item and item.get("expires_at") and item["expires_at"] < clock.utcnow():
            return None
        return item

    def hit(self, key: str, limit: int, expires_at, amount: int = 1) -> bool:
        with self.lock:
            item = self.items.setdefault(key, {"pk": key})
            if item.get("count") is not None and item["count"] >= limit:
                return False
            item["count"] = (item.get("count") or 0) + amount
            item["expires_at"] = expires_at
            return True

    def put(self, key, *, ref=None, data=None, created_at=None, expires_at=None) -> None:
        with self.lock:
            self.items[key] = {"pk": key, "ref": ref, "data": copy.deepcopy(data), "created_at": created_at,
                               "expires_at": expires_at}

    def put_new(self, key, *, ref=None, data=None, created_at=None, expires_at=None) -> bool:
        with self.lock:
            if key in self.items:  # like a condition on the key: an expired item still counts until deleted
                return False
            self.items[key] = {"pk": key, "ref": ref, "data": copy.deepcopy(data), "created_at": created_at,
                               "expires_at": expires_at}
            return True

    def get(self, key: str) -> dict | None:
        item = self._live(key)
        if item is None:
            return None
        return {"pk": key, "ref": item.get("ref"), "count": item.get("count"),
                "data": copy.deepcopy(item.get("data")) or {}, "created_at": item.get("created_at")}

    def existing(self, keys: list[str]) -> set[str]:
        return {k for k in keys if k in self.items}

    def refs(self, keys: list[str]) -> dict[str, str]:
        live = {k: self._live(k) for k in keys}
        return {k: item["ref"] for k, item in live.items() if item and item.get("ref")}

    def delete(self, key: str) -> None:
        self.items.pop(key, None)

    def with_prefix(self, prefix: str) -> list[dict]:
        return [{"pk": k, "ref": v.get("ref"), "data": copy.deepcopy(v.get("data")) or {},
                 "created_at": v.get("created_at")} for k, v in self.items.items() if k.startswith(prefix)]


class InMemoryCandidates:
    """chalicelib.services.ports.CandidateStore."""

    def __init__(self):
        self.people: dict[str, dict] = {}
        self.claims: dict[str, str] = {}  # normalized address -> candidate id
        self.lock = threading.Lock()

    def approximate_count(self) -> int:
        return len(self.people)

    def get(self, candidate_id: str) -> dict | None:
        return copy.deepcopy(self.people.get(candidate_id))

    def batch_get(self, candidate_ids) -> dict[str, dict]:
        return {i: copy.deepcopy(self.people[i]) for i in dict.fromkeys(candidate_ids) if i in self.people}

    def id_for_email(self, email: str) -> str | None:
        return self.claims.get(email)

    def ids_for_emails(self, emails) -> dict[str, str]:
        return {e: self.claims[e] for e in emails if e in self.claims}

    def create(self, candidate: dict) -> None:
        if self.create_many([candidate]):
            raise EmailTaken(self.claims.get(candidate["email"]))

    def create_many(self, candidates: list[dict]) -> list[dict]:
        lost = []
        with self.lock:
            for candidate in candidates:
                if candidate["email"] in self.claims or candidate["id"] in self.people:
                    lost.append(candidate)
                    continue
                self.claims[candidate["email"]] = candidate["id"]
                self.people[candidate["id"]] = copy.deepcopy(candidate)
        return lost

    def save(self, candidate: dict) -> dict:
        expected = candidate.get("version") or 1
        with self.lock:
            current = self.people.get(candidate["id"])
            if current is not None and (current.get("version") or 1) != expected:
                raise VersionConflict(candidate["id"])
            updated = dict(copy.deepcopy(candidate), version=expected + 1)
            self.people[candidate["id"]] = updated
        return copy.deepcopy(updated)

    def update(self, candidate_id: str, change, attempts: int = 5):
        for _ in range(attempts):
            current = self.get(candidate_id)
            if current is None:
                return None
            updated = change(current)
            if updated == current:
                return current, current
            try:
                return current, self.save(updated)
            except VersionConflict:
                continue
        raise VersionConflict(candidate_id)

    def save_many(self, candidates: list[dict]) -> list[dict]:
        lost = []
        for candidate in candidates:
            try:
                self.save(candidate)
            except VersionConflict:
                lost.append(candidate)
        return lost

    def delete(self, candidate: dict) -> None:
        with self.lock:
            self.people.pop(candidate["id"], None)
            if self.claims.get(candidate["email"]) == candidate["id"]:
                del self.claims[candidate["email"]]

    def scan(self, *, limit: int, cursor: str | None, search=None):
        ordered = sorted(self.people)
        start = ordered.index(cursor) + 1 if cursor in self.people else 0
        found = []
        for candidate_id in ordered[start:]:
            person = self.people[candidate_id]
            if _matches(person, search):
                found.append(copy.deepcopy(person))
                if len(found) == limit:
                    return found, candidate_id
        return found, None

    def iterate(self, condition=None):
        assert condition is None, "the fake filters with the named methods, not store conditions"
        return iter([copy.deepcopy(p) for _, p in sorted(self.people.items())])

    def pending_since_before(self, cutoff: str):
        return iter([copy.deepcopy(p) for _, p in sorted(self.people.items())
                     if p.get("status") == CandidateStatus.PENDING and (p.get("updated_at") or "") < cutoff])


def _matches(person: dict, search) -> bool:
    if search is None or search.empty:
        return True
    if search.skill and search.skill not in (person.get("skills") or []):
        return False
    if search.text:
        text = search.text
        names = [person.get("first_name") or "", person.get("last_name") or ""]
        variants = {text, text.title(), text.capitalize()}
        return text in person.get("email", "") or any(v in name for v in variants for name in names)
    return True


class InMemoryTimeline:
    """chalicelib.services.ports.TimelineStore."""

    def __init__(self):
        self.entries: dict[str, dict[str, dict]] = {}  # candidate id -> entry id -> entry

    def add(self, candidate_id: str, kind: str, data: dict, at: str | None = None) -> dict:
        at = at or iso()
        entry = {"id": f"{at}#{new_id('evt')}", "kind": kind, "at": at, "data": copy.deepcopy(data)}
        self.entries.setdefault(candidate_id, {})[entry["id"]] = entry
        return copy.deepcopy(entry)

    def add_many(self, entries) -> None:
        for candidate_id, kind, data, at in entries:
            self.add(candidate_id, kind, data, at)

    def get(self, candidate_id: str, entry_id: str) -> dict | None:
        return copy.deepcopy(self.entries.get(candidate_id, {}).get(entry_id))

    def update_data(self, candidate_id: str, entry_id: str, data: dict) -> None:
        self.entries[candidate_id][entry_id]["data"] = copy.deepcopy(data)

    def all(self, candidate_id: str) -> list[dict]:
        """Newest first by id, as the table's sort key orders them (ids of one millisecond: by creation)."""
        found = self.entries.get(candidate_id, {})
        return [copy.deepcopy(found[i]) for i in sorted(found, reverse=True)]

    def page(self, candidate_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        start = _start(cursor, ("candidate_id", "sk"))
        if start and start["candidate_id"] != candidate_id:
            raise ValidationError.field("cursor", "belongs to another candidate's timeline")
        entries = [e for e in self.all(candidate_id) if start is None or e["id"] < start["sk"]]
        page = entries[:limit]
        more = len(entries) > limit  # like the emulator: no cursor when the page ends the timeline
        return page, _cursor(candidate_id=candidate_id, sk=page[-1]["id"]) if more else None

    def delete_all(self, candidate_id: str) -> int:
        return len(self.entries.pop(candidate_id, {}))


class InMemorySends:
    """chalicelib.services.ports.SendStore."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.lock = threading.Lock()

    def claim(self, key: str, *, kind: str, candidate_id: str, subject: str | None = None) -> bool:
        with self.lock:
            if key in self.items:
                return False
            self.items[key] = _set({"pk": key, "kind": kind, "candidate_id": candidate_id, "status": SendStatus.CLAIMED,
                                    "created_at": iso(), "subject": subject})
        return True

    def _update(self, key: str, **values) -> None:
        with self.lock:  # an update without a condition writes the item if it is not there (as DynamoDB's)
            self.items.setdefault(key, {"pk": key}).update(values)

    def mark_sent(self, key: str, message_id: str) -> None:
        self._update(key, status=SendStatus.SENT, message_id=message_id, sent_at=iso())

    def mark_failed(self, key: str, error: str) -> None:
        self._update(key, status=SendStatus.FAILED, error=error[:500])

    def release(self, key: str) -> bool:
        with self.lock:
            if (self.items.get(key) or {}).get("status") != SendStatus.CLAIMED:
                return False
            del self.items[key]
            return True

    def for_candidate(self, candidate_id: str) -> list[dict]:
        mine = [copy.deepcopy(i) for i in reversed(self.items.values()) if i.get("candidate_id") == candidate_id]
        return sorted(mine, key=lambda i: i.get("created_at") or "", reverse=True)

    def delete_for_candidate(self, candidate_id: str) -> int:
        with self.lock:
            keys = [k for k, i in self.items.items() if i.get("candidate_id") == candidate_id]
            for key in keys:
                del self.items[key]
        return len(keys)


POOL_FIELDS = ("id", "name", "kind", "description", "rules", "status", "size", "generation", "builtin",
               "created_at", "updated_at", "rebuilt_at")


class InMemoryPools:
    """chalicelib.services.ports.PoolStore."""

    def __init__(self):
        self.pools: dict[str, dict] = {}
        self.lock = threading.Lock()

    def create(self, pool: dict) -> None:
        with self.lock:
            if pool["id"] in self.pools:
                raise Conflict(f"pool {pool['id']} exists")
            self.pools[pool["id"]] = {"size": 0, "generation": 1,
                                      **_set({k: v for k, v in pool.items() if k in POOL_FIELDS})}

    def get(self, pool_id: str) -> dict | None:
        pool = self.pools.get(pool_id)
        return None if pool is None else _pool_read(pool)

    def all(self) -> list[dict]:
        return sorted((_pool_read(p) for p in self.pools.values()), key=lambda p: p["created_at"])

    def _existing(self, pool_id: str) -> dict:
        if pool_id not in self.pools:
            raise NotFound(f"no pool {pool_id}")
        return self.pools[pool_id]

    def update(self, pool_id: str, **values) -> None:
        with self.lock:
            _assign(self._existing(pool_id), values)

    def start_rebuild(self, pool_id: str, now: str, **values) -> int:
        with self.lock:
            pool = self._existing(pool_id)
            _assign(pool, {**values, "status": PoolStatus.REBUILDING, "updated_at": now})
            pool["generation"] += 1
            return pool["generation"]

    def finish_rebuild(self, pool_id: str, generation: int, now: str) -> bool:
        with self.lock:
            pool = self.pools.get(pool_id)
            if pool is None or pool["generation"] != generation:
                return False
            pool.update(status=PoolStatus.READY, rebuilt_at=now)
            return True

    def mark_error(self, pool_id: str) -> None:
        if pool_id in self.pools:
            self.pools[pool_id]["status"] = PoolStatus.ERROR

    def add_sizes(self, deltas: dict[str, int]) -> None:
        with self.lock:
            for pool_id, delta in deltas.items():
                if delta and pool_id in self.pools:
                    self.pools[pool_id]["size"] += delta

    def delete(self, pool_id: str) -> None:
        self.pools.pop(pool_id, None)


class InMemoryMemberships:
    """chalicelib.services.ports.MembershipStore."""

    def __init__(self):
        self.items: dict[tuple[str, str], dict] = {}  # (pool id, candidate id) -> member
        self.lock = threading.Lock()

    def _members(self, pool_id: str) -> list[dict]:
        return [copy.deepcopy(self.items[k]) for k in sorted(self.items) if k[0] == pool_id]

    def current(self, candidate_id: str) -> dict[str, str]:
        return {p: m["joined_at"] for (p, c), m in sorted(self.items.items()) if c == candidate_id}

    def existing(self, pool_id: str, candidate_ids: list[str]) -> dict[str, str]:
        return {c: self.items[(pool_id, c)]["joined_at"] for c in dict.fromkeys(candidate_ids)
                if (pool_id, c) in self.items}

    def join(self, entries: list[tuple[str, dict, str]]) -> Counter:
        joined: Counter = Counter()
        with self.lock:
            for pool_id, person, joined_at in entries:
                if (pool_id, person["id"]) not in self.items:
                    self.items[(pool_id, person["id"])] = _member(pool_id, person, joined_at)
                    joined[pool_id] += 1
        return joined

    def leave(self, pairs: list[tuple[str, str]]) -> Counter:
        left: Counter = Counter()
        with self.lock:
            for pool_id, candidate_id in pairs:
                if self.items.pop((pool_id, candidate_id), None) is not None:
                    left[pool_id] += 1
        return left

    def refresh(self, entries: list[tuple[str, dict, str]]) -> None:
        with self.lock:
            for pool_id, person, joined_at in entries:
                self.items[(pool_id, person["id"])] = _member(pool_id, person, joined_at)

    def page(self, pool_id: str, *, limit: int, cursor: str | None, search=None) -> tuple[list[dict], str | None]:
        start = _start(cursor, ("pool_id", "candidate_id"))
        if start and start["pool_id"] != pool_id:
            raise ValidationError.field("cursor", "belongs to another pool")
        members = [m for m in self._members(pool_id)
                   if (start is None or m["candidate_id"] > start["candidate_id"]) and _matches(m, search)]
        page = members[:limit]
        more = len(members) > limit
        return page, _cursor(pool_id=pool_id, candidate_id=page[-1]["candidate_id"]) if more else None

    def ids_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[str], str | None]:
        start = _start(cursor, ("pool_id", "candidate_id"))
        ids = [m["candidate_id"] for m in self._members(pool_id)
               if start is None or m["candidate_id"] > start["candidate_id"]]
        more = len(ids) > limit
        return ids[:limit], _cursor(pool_id=pool_id, candidate_id=ids[limit - 1]) if more else None

    def dates_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        from chalicelib.store.pools import MEMBER_DATES

        page, next_cursor = self.page(pool_id, limit=limit, cursor=cursor)
        return [{name: member.get(name) for name in MEMBER_DATES} for member in page], next_cursor

    def joined_since(self, pool_id: str, since: str, *, limit: int,
                     cursor: str | None) -> tuple[list[str], str | None]:
        start = _start(cursor, ("pool_id", "candidate_id", "joined_at"))
        after = (start["joined_at"], start["candidate_id"]) if start else None
        order = sorted((m["joined_at"], m["candidate_id"]) for m in self._members(pool_id) if m["joined_at"] >= since)
        found = [key for key in order if after is None or key > after]
        page = found[:limit]
        more = len(found) > limit
        next_cursor = _cursor(pool_id=pool_id, candidate_id=page[-1][1], joined_at=page[-1][0]) if more else None
        return [candidate_id for _, candidate_id in page], next_cursor

    def iterate(self, pool_id: str):
        return iter(self._members(pool_id))

    def delete_some(self, pool_id: str, count: int = 500) -> int:
        with self.lock:
            keys = [k for k in sorted(self.items) if k[0] == pool_id][:count]
            for key in keys:
                del self.items[key]
        return len(keys)


def _set(values: dict) -> dict:
    """The fields that are set, copied (DynamoDB keeps no attribute for None)."""
    return {k: copy.deepcopy(v) for k, v in values.items() if v is not None}


def _assign(item: dict, values: dict) -> None:
    for name, value in values.items():
        if value is None:
            item.pop(name, None)
        else:
            item[name] = copy.deepcopy(value)


def _pool_read(pool: dict) -> dict:
    """As read back from the table: rules through JSON (stored as text), always present."""
    rules = pool.get("rules")
    return {**copy.deepcopy(pool), "rules": None if rules is None else json.loads(json.dumps(rules))}


def _member(pool_id: str, person: dict, joined_at: str) -> dict:
    return _set({**{name: person.get(name) for name in SNAPSHOT_FIELDS}, "pool_id": pool_id,
                 "candidate_id": person["id"], "joined_at": joined_at})


def _cursor(**key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def _start(cursor: str | None, names: tuple[str, ...]) -> dict | None:
    """The key a fake's cursor stands for; anything else is the caller's error, as the store names it."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, dict) or set(key) != set(names) or not all(isinstance(v, str) for v in key.values()):
        raise ValidationError.field("cursor", "not a cursor this list gave out")
    return key


class NoPools:
    """Membership upkeep for services under test that do not look at pools: records what it was given."""

    def __init__(self):
        self.changes: list = []

    def apply(self, changes) -> dict:
        self.changes += changes
        return {"joined": 0, "left": 0, "refreshed": 0}

    def pools_of(self, candidate_id: str) -> dict[str, str]:
        return {}
