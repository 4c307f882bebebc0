"""The audit log: append-only (nothing here updates or deletes an entry), read newest first."""
from __future__ import annotations

from typing import Any

from ..domain.clock import new_id
from .candidates import decode_cursor, encode_cursor
from .models import AuditModel

LOG = "audit"
FIELDS = ("at", "actor_id", "actor_email", "via", "action", "target", "ip", "outcome")


def _as_dict(item: AuditModel) -> dict:
    return {"id": item.sk, **{name: getattr(item, name) for name in FIELDS}}


class AuditRepository:
    def append(self, entry: dict) -> str:
        sk = f"{entry['at']}#{new_id('aud')}"
        item = AuditModel(LOG, sk)
        for name in FIELDS:
            setattr(item, name, entry.get(name))
        item.save(condition=AuditModel.sk.does_not_exist())
        return sk

    def page(self, *, actor: str | None, target: str | None, action: str | None, since: str | None,
             until: str | None, limit: int, cursor: str | None) -> tuple[list[dict], str | None]:
        """Newest first. One query: by actor or by target (their indexes) or the whole log, within the period;
        the other filters are applied by DynamoDB to what that query reads."""
        low, high = since or "0", (until or "9") + "~"  # "~" sorts after "#<ulid>": `until` is inclusive
        range_condition = AuditModel.sk.between(low, high)
        filters = []
        if actor and target:
            filters.append(AuditModel.target == target)
        if action:
            filters.append(AuditModel.action == action)
        condition = None
        for part in filters:
            condition = part if condition is None else condition & part
        source: Any
        names: tuple[str, ...]
        if actor:
            source, key, names = AuditModel.by_actor, actor, ("actor_id", "sk", "log")
        elif target:
            source, key, names = AuditModel.by_target, target, ("target", "sk", "log")
        else:
            source, key, names = AuditModel, LOG, ("log", "sk")
        query = source.query(key, range_condition, filter_condition=condition, scan_index_forward=False,
                             limit=limit, last_evaluated_key=decode_cursor(cursor, names))
        items = [_as_dict(item) for item in query]
        return items, encode_cursor(query.last_evaluated_key)

    def replace_target(self, target: str, replacement: str) -> int:
        """Erasure only (services/audit.py `forget`): the target of an erased person's entries is replaced."""
        changed = 0
        for item in AuditModel.by_target.query(target):
            AuditModel(LOG, item.sk).update(actions=[AuditModel.target.set(replacement)])
            changed += 1
        return changed
