"""Recruiter API keys: only their SHA-256 hashes are stored."""
from __future__ import annotations

import hashlib
import secrets
import time

from ..domain.clock import iso, new_id

PREFIX = "apikey#"
CACHE_SECONDS = 30  # a revoked key stops working within this long on a warm Lambda


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyService:
    def __init__(self, keys):
        self.keys = keys
        self._cache: dict[str, float] = {}

    def create(self, name: str, key: str | None = None) -> dict:
        key = key or "crm_" + secrets.token_urlsafe(32)
        key_id = new_id("key")
        self.keys.put(PREFIX + key_hash(key), ref=key_id, created_at=iso(),
                      data={"name": name, "hint": key[-4:]})
        return {"id": key_id, "name": name, "key": key}

    def ensure(self, key: str, name: str) -> None:
        """Registers a key we were given (the local stack's CRM_API_KEY) unless it exists."""
        if self.keys.get(PREFIX + key_hash(key)) is None:
            self.create(name, key)

    def list(self) -> list[dict]:
        return sorted(
            ({"id": item["ref"], "name": item["data"].get("name"), "hint": "…" + item["data"].get("hint", ""),
              "created_at": item["created_at"]} for item in self.keys.with_prefix(PREFIX)),
            key=lambda k: k["created_at"] or "",
        )

    def revoke(self, key_id: str) -> bool:
        for item in self.keys.with_prefix(PREFIX):
            if item["ref"] == key_id:
                self.keys.delete(item["pk"])
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
        if self.keys.get(PREFIX + digest) is None:
            return False
        self._cache[digest] = now + CACHE_SECONDS
        return True
