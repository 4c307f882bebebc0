"""In-memory stand-ins for the store's repositories, held to the same contract as the DynamoDB ones
(tests/contract/), so services can be tested without AWS. Behaviour, not speed: every read copies."""
from __future__ import annotations

import copy
import threading
from datetime import datetime, timezone

from chalicelib.domain.errors import EmailTaken, VersionConflict


class InMemoryKeys:
    """chalicelib.services.ports.KeyStore."""

    def __init__(self):
        self.items: dict[str, dict] = {}
        self.lock = threading.Lock()

    def _live(self, key: str) -> dict | None:
        item = self.items.get(key)
        if item and item.get("expires_at") and item["expires_at"] < datetime.now(timezone.utc):
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
                     if p.get("status") == "pending" and (p.get("updated_at") or "") < cutoff])


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
    def __init__(self):
        self.entries: dict[str, list[dict]] = {}

    def add(self, candidate_id: str, kind: str, data: dict, at: str | None = None) -> dict:
        from chalicelib.domain.clock import iso, new_id

        entry = {"id": new_id("evt"), "candidate_id": candidate_id, "kind": kind, "data": copy.deepcopy(data),
                 "at": at or iso()}
        self.entries.setdefault(candidate_id, []).append(entry)
        return entry

    def add_many(self, entries) -> None:
        for candidate_id, kind, data, at in entries:
            self.add(candidate_id, kind, data, at)

    def all(self, candidate_id: str) -> list[dict]:
        newest_first = list(reversed(self.entries.get(candidate_id, [])))  # ties (one millisecond): later first
        return sorted(newest_first, key=lambda e: e["at"], reverse=True)

    def delete_all(self, candidate_id: str) -> int:
        return len(self.entries.pop(candidate_id, []))


class NoPools:
    """Membership upkeep for services under test that do not look at pools: records what it was given."""

    def __init__(self):
        self.changes: list = []

    def apply(self, changes) -> dict:
        self.changes += changes
        return {"joined": 0, "left": 0, "refreshed": 0}
