"""What the services need from the outside world to deliver a message, and how it says no.

Services depend on these, never on chalicelib.aws: the adapters there (aws/mailer.py: SES,
aws/sms.py: SNS) implement them, turn their service's errors into `Refused`, and are handed in by
chalicelib/wiring.py. Retrying throttling is the adapters' client's job (botocore's retry policy,
chalicelib/aws/clients.py); a `Refused` is what outlasted it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Protocol


class Refused(Exception):
    """The channel did not take the message. `retryable`: throttling or an outage, so the same
    message may go through later; otherwise a refusal for good (a bad address, a rejected message)."""

    def __init__(self, code: str, message: str, retryable: bool):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.retryable = retryable


class Mailer(Protocol):
    def send_raw(self, *, from_email: str, to: str, raw: bytes, tags: dict[str, str] | None = None) -> str:
        """Sends one raw MIME email; returns the provider's message id or raises Refused."""

    def sendable(self, address: str) -> bool:
        """Whether the provider sends From this address (its identity or its domain's is verified)."""


class SmsGateway(Protocol):
    def send(self, phone_e164: str, text: str, *, sender_id: str | None = None) -> str:
        """Sends one text message; returns the provider's message id or raises Refused."""


class KeyStore(Protocol):
    """Small keyed items: counters with a window, replay guards, API key hashes, tombstones
    (chalicelib/store/keys.py; tests/fakes.py keeps one in memory, held to the same contract)."""

    def hit(self, key: str, limit: int, expires_at, amount: int = 1) -> bool:
        """Counts `amount` if fewer than `limit` were counted in this key's window; False when full."""

    def put(self, key: str, *, ref: str | None = None, data: dict | None = None, created_at: str | None = None,
            expires_at=None) -> None: ...

    def put_new(self, key: str, *, ref: str | None = None, data: dict | None = None, created_at: str | None = None,
                expires_at=None) -> bool:
        """Writes the key unless it exists (a replay guard): True if this call wrote it."""

    def get(self, key: str) -> dict | None:
        """{pk, ref, count, data, created_at}, or None (also once expired)."""

    def existing(self, keys: list[str]) -> set[str]: ...

    def refs(self, keys: list[str]) -> dict[str, str]:
        """key -> ref of those keys that exist (not expired) and hold a ref; read in batches."""

    def delete(self, key: str) -> None: ...

    def with_prefix(self, prefix: str) -> list[dict]: ...


class CandidateStore(Protocol):
    """People, one per normalized address (chalicelib/store/candidates.py; a fake in tests/fakes.py).
    Writes are optimistic: `save` raises VersionConflict when the person changed since read, and
    `create` raises EmailTaken when the address belongs to someone (both in domain/errors.py)."""

    def get(self, candidate_id: str) -> dict | None: ...

    def approximate_count(self) -> int:
        """About how many people there are (DynamoDB's item count, updated every few hours): for estimates."""

    def batch_get(self, candidate_ids) -> dict[str, dict]: ...

    def id_for_email(self, email: str) -> str | None: ...

    def ids_for_emails(self, emails) -> dict[str, str]: ...

    def create(self, candidate: dict) -> None: ...

    def create_many(self, candidates: list[dict]) -> list[dict]:
        """Creates people; returns those whose address was taken meanwhile."""

    def save(self, candidate: dict) -> dict:
        """Writes a changed person (version + 1) unless it changed since read."""

    def update(self, candidate_id: str, change, attempts: int = 5) -> tuple[dict, dict] | None:
        """(before, after) of change(current), retried on conflicts; None if no such person."""

    def save_many(self, candidates: list[dict]) -> list[dict]: ...

    def delete(self, candidate: dict) -> None: ...

    def scan(self, *, limit: int, cursor: str | None, search=None) -> tuple[list[dict], str | None]: ...

    def iterate(self, condition=None): ...

    def pending_since_before(self, cutoff: str): ...


class TimelineStore(Protocol):
    """A person's history, newest first (chalicelib/store/timeline.py; a fake in tests/fakes.py).
    An entry is {id, kind, at, data}; its id ("<at>#<ulid>") orders it, ties by creation."""

    def add(self, candidate_id: str, kind: str, data: dict, at: str | None = None) -> dict:
        """Records an entry (at: now unless given); returns it."""

    def add_many(self, entries: list[tuple[str, str, dict, str]]) -> None:
        """(candidate_id, kind, data, at) each."""

    def get(self, candidate_id: str, entry_id: str) -> dict | None: ...

    def update_data(self, candidate_id: str, entry_id: str, data: dict) -> None:
        """Replaces the entry's data."""

    def page(self, candidate_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Up to `limit` entries, newest first, and the cursor of the next page (None: no more).
        A cursor of another person's timeline, or none this gave out: ValidationError on "cursor"."""

    def all(self, candidate_id: str) -> list[dict]: ...

    def delete_all(self, candidate_id: str) -> int:
        """Erases the person's history; returns how many entries there were."""


class SendStore(Protocol):
    """One-off emails (confirmations) claimed at most once, and a person's sends (privacy, ATS)
    (SendRepository in chalicelib/store/sends.py; a fake in tests/fakes.py). A send is a dict
    {pk, kind, candidate_id, status, created_at, ...}, its unset fields absent."""

    def claim(self, key: str, *, kind: str, candidate_id: str, subject: str | None = None) -> bool:
        """True if this call took the claim (status "claimed"); False if the key was claimed before."""

    def mark_sent(self, key: str, message_id: str) -> None: ...

    def mark_failed(self, key: str, error: str) -> None:
        """Status "failed", the error kept (its first 500 characters)."""

    def release(self, key: str) -> bool:
        """Deletes a claim still "claimed" (SES surely did not take the email), so that it can be claimed
        again: True. False, and the send left as it is, if it is not "claimed" any more (or not there)."""

    def for_candidate(self, candidate_id: str) -> list[dict]:
        """The person's sends, newest first."""

    def delete_for_candidate(self, candidate_id: str) -> int: ...


class PoolStore(Protocol):
    """Pools (PoolRepository in chalicelib/store/pools.py; a fake in tests/fakes.py). A pool is a dict
    {id, name, kind, rules, status, size, generation, created_at, updated_at, ...}: unset fields
    absent except rules (None); rules as written (JSON). Writes to a pool that is not there raise NotFound
    (domain/errors.py), except mark_error and add_sizes, which skip it; create raises Conflict if the id exists."""

    def create(self, pool: dict) -> None: ...

    def get(self, pool_id: str) -> dict | None: ...

    def all(self) -> list[dict]:
        """Every pool, oldest first."""

    def update(self, pool_id: str, **values) -> None:
        """Sets the values (None: removes the field)."""

    def start_rebuild(self, pool_id: str, now: str, **values) -> int:
        """Generation + 1, status "rebuilding", updated_at now, the values set; returns the generation."""

    def finish_rebuild(self, pool_id: str, generation: int, now: str) -> bool:
        """Status "ready" if the pool is still at `generation`; False if not (or gone)."""

    def mark_error(self, pool_id: str) -> None: ...

    def add_sizes(self, deltas: dict[str, int]) -> None:
        """Adds each delta to its pool's size."""

    def delete(self, pool_id: str) -> None: ...


class MembershipStore(Protocol):
    """Who is in which pool, each member carrying a copy of the person's SNAPSHOT_FIELDS
    (chalicelib/domain/pools.py) (MembershipRepository in chalicelib/store/pools.py; a fake in
    tests/fakes.py). A member is {pool_id, candidate_id, joined_at, <snapshot fields set>}.
    Joins and leaves count only real changes, so that pool sizes stay right whoever raced whom."""

    def current(self, candidate_id: str) -> dict[str, str]:
        """The pools the person is in: pool id -> joined_at."""

    def existing(self, pool_id: str, candidate_ids: list[str]) -> dict[str, str]:
        """Those of the ids that are members: candidate id -> joined_at."""

    def join(self, entries: list[tuple[str, dict, str]]) -> Counter:
        """(pool id, person, joined_at): adds those not members yet; returns joins per pool."""

    def leave(self, pairs: list[tuple[str, str]]) -> Counter:
        """(pool id, candidate id): removes those still members; returns leaves per pool."""

    def refresh(self, entries: list[tuple[str, dict, str]]) -> None:
        """(pool id, person, joined_at): rewrites the copies members carry."""

    def page(self, pool_id: str, *, limit: int, cursor: str | None, search=None) -> tuple[list[dict], str | None]:
        """Up to `limit` members by candidate id (those `search`, a PeopleSearch, matches), and the next
        page's cursor (None: no more). A cursor of another pool, or none this gave out: ValidationError."""

    def ids_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[str], str | None]: ...

    def dates_page(self, pool_id: str, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Members' last_engaged_at, last_contacted_at and updated_at only (None where unset), a page at a time."""

    def joined_since(self, pool_id: str, since: str, *, limit: int,
                     cursor: str | None) -> tuple[list[str], str | None]:
        """Candidate ids that joined at or after `since`, a page at a time."""

    def iterate(self, pool_id: str) -> Iterator[dict]: ...

    def delete_some(self, pool_id: str, count: int = 500) -> int:
        """Removes up to `count` members; returns how many."""
