"""The audit log: who did what to which record, when, from where. Append-only: nothing here changes or
deletes an entry, and no route does.

Entries hold ids, never a candidate's personal data (bodies are not kept). A GDPR erasure is the one change
the log takes: the erased person's id becomes a keyed pseudonym in every entry (`forget`), and the erasure's
own entry is written with it, so the entries stay (who did what, when) and nothing leads back to the person.
"""
from __future__ import annotations

import hashlib
import hmac

from ..domain.accounts import Principal
from ..domain.clock import iso, parse_iso
from ..domain.errors import ValidationError
from ..domain.text import unsafe_reason
from ..domain.vocabulary import AuditOutcome

ANONYMOUS = "anonymous"  # a refused sign-in for an address that has no account (the address is not kept)
FILTERS = ("actor", "target", "action", "from", "to")


class AuditService:
    def __init__(self, repo, secret: str) -> None:
        self.repo = repo
        self._secret = secret.encode()

    def pseudonym(self, target: str) -> str:
        return "erased:" + hmac.new(self._secret, target.encode(), hashlib.sha256).hexdigest()[:24]

    def forget(self, target: str) -> int:
        """The erased person's id out of every entry (the entries stay); returns how many entries changed."""
        return self.repo.replace_target(target, self.pseudonym(target))

    def record(self, actor: Principal | None, *, action: str, target: str | None, ip: str | None,
               outcome: AuditOutcome = AuditOutcome.OK) -> None:
        self.repo.append({
            "at": iso(), "actor_id": actor.user_id if actor else ANONYMOUS,
            "actor_email": actor.email if actor else None, "via": actor.via if actor else None,
            "action": action[:200], "target": target[:512] if target else None,
            "ip": ip[:64] if ip else None, "outcome": outcome,
        })

    def page(self, params: dict, *, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        unknown = sorted(set(params) - set(FILTERS) - {"limit", "cursor"})
        if unknown:
            raise ValidationError(f"unknown filter {unknown[0]}", {name: "unknown filter" for name in unknown})
        for name in ("actor", "target", "action"):
            value = params.get(name)
            if value is not None and (not value or len(value) > 512 or unsafe_reason(value)):
                raise ValidationError.field(name, "one line of text, at most 512 characters")
        since = _time(params, "from")
        until = _time(params, "to")
        if since and until and since > until:
            raise ValidationError.field("from", "after `to`")
        items, next_cursor = self.repo.page(actor=params.get("actor"), target=params.get("target"),
                                            action=params.get("action"), since=since, until=until,
                                            limit=limit, cursor=cursor)
        return [_view(item) for item in items], next_cursor


def _time(params: dict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return iso(parse_iso(value))
    except ValueError:
        raise ValidationError.field(name, "an ISO 8601 time, e.g. 2026-11-28T09:00:00Z") from None


def _view(entry: dict) -> dict:
    return {"at": entry["at"], "actor": {"id": entry["actor_id"], "email": entry["actor_email"]},
            "via": entry["via"], "action": entry["action"], "target": entry["target"], "ip": entry["ip"],
            "outcome": entry["outcome"]}
