"""API keys: only their SHA-256 hashes are stored. Each belongs to a team member (`user_id`) and acts
with that member's role (services/auth.py); a key made before keys had owners acts as the first admin.

A revoked key keeps its item, marked `revoked_at`: the local stack registers its start-up key
(CRM_API_KEY, or the one kept in CRM_DATA_DIR) at every start, and a deleted item would let that
bring a revoked key back to life.
"""
from __future__ import annotations

import hashlib
import secrets
import time

from ..domain.clock import iso, new_id

PREFIX = "apikey#"
CACHE_SECONDS = 30  # a revoked key stops working within this long on a warm Lambda


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return "crm_" + secrets.token_urlsafe(32)


def _revoked(item: dict) -> bool:
    return bool((item.get("data") or {}).get("revoked_at"))


class ApiKeyService:
    def __init__(self, keys) -> None:
        self.keys = keys
        self._cache: dict[str, tuple[float, dict]] = {}

    def create(self, name: str, key: str | None = None, user_id: str | None = None) -> dict:
        key = key or new_key()
        key_id = new_id("key")
        self.keys.put(PREFIX + key_hash(key), ref=key_id, created_at=iso(),
                      data={"name": name, "hint": key[-4:], "user_id": user_id})
        return {"id": key_id, "name": name, "key": key, "user_id": user_id}

    def ensure(self, key: str, name: str, user_id: str | None = None) -> bool:
        """Registers a key we were given (the local stack's start-up key) unless it exists; a key without an
        owner is given `user_id`.

        False if that key was revoked: it stays revoked (the caller needs another key)."""
        digest = PREFIX + key_hash(key)
        data = {"name": name, "hint": key[-4:], "user_id": user_id}
        if self.keys.put_new(digest, ref=new_id("key"), created_at=iso(), data=data):
            return True
        item = self.keys.get(digest)
        if item is None or _revoked(item):
            return False
        if user_id and not item["data"].get("user_id"):
            self.keys.put(digest, ref=item["ref"], created_at=item["created_at"],
                          data={**item["data"], "user_id": user_id})
            self._cache.clear()
        return True

    def list(self) -> list[dict]:
        return sorted(
            ({"id": item["ref"], "name": item["data"].get("name"), "hint": "…" + item["data"].get("hint", ""),
              "user_id": item["data"].get("user_id"), "created_at": item["created_at"]}
             for item in self.keys.with_prefix(PREFIX) if not _revoked(item)),
            key=lambda k: k["created_at"] or "",
        )

    def revoke(self, key_id: str) -> bool:
        for item in self.keys.with_prefix(PREFIX):
            if item["ref"] == key_id and not _revoked(item):
                self.keys.put(item["pk"], ref=item["ref"], created_at=item["created_at"],
                              data={**item["data"], "revoked_at": iso()})
                self._cache.clear()
                return True
        return False

    def revoke_owned_by(self, user_id: str) -> int:
        """Revokes every key of a member (their account was deleted)."""
        owned = [item["ref"] for item in self.keys.with_prefix(PREFIX)
                 if item["data"].get("user_id") == user_id and not _revoked(item)]
        return sum(self.revoke(key_id) for key_id in owned)

    def owner(self, key: str | None) -> dict | None:
        """{"id", "user_id"} of a working key (user_id None: made before keys had owners), else None."""
        if not key or len(key) > 200:
            return None
        digest = key_hash(key)
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        item = self.keys.get(PREFIX + digest)
        if item is None or _revoked(item):
            return None
        found = {"id": item["ref"], "user_id": item["data"].get("user_id")}
        self._cache[digest] = (now + CACHE_SECONDS, found)
        return found

    def verify(self, key: str | None) -> bool:
        return self.owner(key) is not None
