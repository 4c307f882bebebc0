"""Recruiter API keys: only their SHA-256 hashes are stored.

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
        self._cache: dict[str, float] = {}

    def create(self, name: str, key: str | None = None) -> dict:
        key = key or new_key()
        key_id = new_id("key")
        self.keys.put(PREFIX + key_hash(key), ref=key_id, created_at=iso(),
                      data={"name": name, "hint": key[-4:]})
        return {"id": key_id, "name": name, "key": key}

    def ensure(self, key: str, name: str) -> bool:
        """Registers a key we were given (the local stack's start-up key) unless it exists.

        False if that key was revoked: it stays revoked (the caller needs another key)."""
        digest = PREFIX + key_hash(key)
        if self.keys.put_new(digest, ref=new_id("key"), created_at=iso(), data={"name": name, "hint": key[-4:]}):
            return True
        item = self.keys.get(digest)
        return item is not None and not _revoked(item)

    def list(self) -> list[dict]:
        return sorted(
            ({"id": item["ref"], "name": item["data"].get("name"), "hint": "…" + item["data"].get("hint", ""),
              "created_at": item["created_at"]} for item in self.keys.with_prefix(PREFIX) if not _revoked(item)),
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

    def verify(self, key: str | None) -> bool:
        if not key or len(key) > 200:
            return False
        digest = key_hash(key)
        now = time.monotonic()
        if self._cache.get(digest, 0) > now:
            return True
        item = self.keys.get(PREFIX + digest)
        if item is None or _revoked(item):
            return False
        self._cache[digest] = now + CACHE_SECONDS
        return True
