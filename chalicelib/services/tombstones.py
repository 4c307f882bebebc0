"""Erasure tombstones: the one check every path that creates a person makes.

An erasure keeps only a keyed hash of the address. The API, imports and the ATS never re-create an
erased person (409 `erased`, a row error, an ignored event). The person may sign up again
themself through the careers form: that starts a new, pending profile, and their confirmation
removes the tombstone (docs/api.md, the extensions).
"""
from __future__ import annotations

from ..domain.emails import erased_key
from ..domain.errors import Conflict


class Tombstones:
    def __init__(self, settings, keys):
        self.secret = settings.secret
        self.keys = keys

    def key(self, email: str) -> str:
        return erased_key(email, self.secret)

    def erased(self, email: str) -> bool:
        return self.keys.get(self.key(email)) is not None

    def erased_among(self, emails: list[str]) -> set[str]:
        """The addresses of `emails` that were erased (one batch read)."""
        keys = {self.key(e): e for e in emails}
        return {keys[k] for k in self.keys.existing(list(keys))} if keys else set()

    def refuse_erased(self, email: str, field: str = "email") -> None:
        """For every path but the person's own sign-up: Conflict if the address was erased."""
        if self.erased(email):
            raise Conflict("this person asked to be erased; only they can sign up again",
                           {field: "erased at the person's request"}, code="erased")

    def record(self, email: str, at: str) -> None:
        self.keys.put(self.key(email), created_at=at[:10])

    def lift(self, email: str) -> None:
        """The person confirmed a new sign-up: they are a contact again."""
        self.keys.delete(self.key(email))
