"""What the services need from the outside world to deliver a message, and how it says no.

Services depend on these, never on chalicelib.aws: the adapters there (aws/mailer.py: SES,
aws/sms.py: SNS) implement them, turn their service's errors into `Refused`, and are handed in by
chalicelib/wiring.py. Retrying throttling is the adapters' client's job (botocore's retry policy,
chalicelib/aws/clients.py); a `Refused` is what outlasted it.
"""
from __future__ import annotations

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

    def delete(self, key: str) -> None: ...

    def with_prefix(self, prefix: str) -> list[dict]: ...


class CandidateStore(Protocol):
    """People, one per normalized address (chalicelib/store/candidates.py; a fake in tests/fakes.py).
    Writes are optimistic: `save` raises VersionConflict when the person changed since read, and
    `create` raises EmailTaken when the address belongs to someone (both in domain/errors.py)."""

    def get(self, candidate_id: str) -> dict | None: ...

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
