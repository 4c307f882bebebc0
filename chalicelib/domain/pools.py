"""Talent pools: what a pool body may say, what a membership carries, and how membership changes."""
from __future__ import annotations

from dataclasses import dataclass, field

from .errors import ValidationError
from .rules import Rule, parse_rules

KINDS = ("static", "dynamic")
# What a membership item copies from the person: enough to list, match and (later) send without
# reading the candidates table.
SNAPSHOT_FIELDS = (
    "email", "first_name", "last_name", "city", "country", "remote_ok", "skills", "roles", "tags",
    "seniority", "source", "status", "stage", "preferences", "engagement_score", "last_contacted_at",
    "last_engaged_at", "created_at", "updated_at",
)

# Views recruiters expect from the first day: ordinary dynamic pools, created on first run.
BUILTIN_POOLS = {
    "radio_silence": {
        "name": "Not contacted in 90 days",
        "description": "People we have known for 90 days or more and have not contacted for 90 days.",
        "rules": {"all": [
            {"field": "created_at", "op": "older_than", "value": "P90D"},
            {"any": [{"field": "last_contacted_at", "op": "older_than", "value": "P90D"},
                     {"field": "last_contacted_at", "op": "exists", "value": False}]},
        ]},
    },
    "stale_profiles": {
        "name": "Profile not updated in 12 months",
        "description": "Profiles nobody has updated for a year: worth a refresh before you rely on them.",
        "rules": {"field": "updated_at", "op": "older_than", "value": "P12M"},
    },
}


def snapshot(candidate: dict) -> dict:
    return {name: candidate.get(name) for name in SNAPSHOT_FIELDS}


def member_view(item: dict) -> dict:
    """A membership as the API shows a candidate (same field names as GET /candidates/{id})."""
    view = {"id": item["candidate_id"], **{name: item.get(name) for name in SNAPSHOT_FIELDS}}
    view["joined_at"] = item.get("joined_at")
    return view


@dataclass
class PoolInput:
    name: str | None = None
    kind: str | None = None
    description: str | None = None
    rules: dict | None = None
    rule: Rule | None = None
    present: set = field(default_factory=set)


def validate_pool(body: object, *, existing_kind: str | None = None) -> PoolInput:
    """A new pool (existing_kind None) or a PATCH of one. Collects every problem before raising."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    creating = existing_kind is None
    allowed = {"name", "kind", "description", "rules"} if creating else {"name", "description", "rules"}
    problems = {name: "unknown field" if name != "kind" else "cannot change; make a new pool"
                for name in sorted(set(body) - allowed)}
    result = PoolInput(present=set(body) & allowed)

    if creating or "name" in body:
        name = body.get("name")
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
            problems["name"] = "required text of at most 100 characters"
        else:
            result.name = " ".join(name.split())
    if "description" in body:
        description = body.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 1000):
            problems["description"] = "text of at most 1000 characters"
        result.description = description or None

    kind = body.get("kind") if creating else existing_kind
    if creating and kind not in KINDS:
        problems["kind"] = "must be static or dynamic"
    result.kind = kind
    if "rules" in body or (creating and kind == "dynamic"):
        rules = body.get("rules")
        if kind == "static" and rules is not None:
            problems["rules"] = "a static pool has members, not rules"
        elif kind == "dynamic":
            if rules is None:
                problems["rules"] = "a dynamic pool needs rules"
            else:
                try:
                    result.rule = parse_rules(rules)
                    result.rules = rules
                except ValidationError as exc:
                    problems.update(exc.fields)
    if problems:
        raise ValidationError("invalid pool: " + ", ".join(sorted(problems)), problems, code="validation_error")
    return result


@dataclass
class MembershipChange:
    """What one person's change does to pool memberships."""

    candidate_id: str
    join: list[str] = field(default_factory=list)  # pool ids
    leave: list[str] = field(default_factory=list)
    refresh: dict[str, str] = field(default_factory=dict)  # pool id -> joined_at, copy to rewrite


def plan_change(before: dict | None, after: dict | None, current: dict[str, str],
                dynamic: dict[str, "Rule"], now_predicates: dict | None = None) -> MembershipChange:
    """Membership writes for one person.

    current: the pools the person is in now (pool id -> joined_at); dynamic: the dynamic pools'
    rules by pool id. Static memberships are only refreshed (or dropped when the person is erased).
    """
    candidate_id = (after or before)["id"]
    change = MembershipChange(candidate_id)
    predicates = now_predicates or {pool_id: rule.bind() for pool_id, rule in dynamic.items()}
    if after is None:
        # `current` comes from an index that may lag a moment: the pools the person matched are
        # left too (a leave of a pool one is not in writes nothing), so no copy outlives an erasure.
        matched = {pool_id for pool_id, matches in predicates.items() if matches(before)}
        change.leave = sorted(set(current) | matched)
        return change
    wanted = {pool_id for pool_id, matches in predicates.items() if matches(after)}
    change.join = sorted(wanted - set(current))
    change.leave = sorted(p for p in current if p in predicates and p not in wanted)
    if before is None or snapshot(before) != snapshot(after):
        change.refresh = {p: joined for p, joined in current.items() if p not in change.leave}
    return change
