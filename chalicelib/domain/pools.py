"""Talent pools: what a pool body may say, what a membership carries, and how membership changes."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, ConfigDict, Field, PlainValidator, StringConstraints, ValidationInfo
from pydantic import field_validator

from .bodies import ABSENT, Body, described, parse_as
from .body_fields import nested, refused
from .errors import ValidationError
from .rules import Rule, parse_rules
from .text import unsafe_reason
from .vocabulary import PoolStatus

Kind = Literal["static", "dynamic"]
KINDS: tuple[str, ...] = get_args(Kind)
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


def _name(text: str) -> str:
    """One line: a pool's name is shown in lists, menus and the CSV export."""
    if problem := unsafe_reason(text, single_line=True):
        raise ValueError(problem)
    name = " ".join(text.split())
    if not name or len(text.strip()) > 100:
        raise described()
    return name


def _description(text: str) -> str | None:
    """Line breaks kept; other control characters and lone surrogates refused."""
    if problem := unsafe_reason(text):
        raise ValueError(problem)
    return text or None


def _pool_rules(rules: object, kind: object) -> Rule | None:
    """A dynamic pool's rules, parsed (each bad part named by its path); a static pool has none."""
    if kind == "static" and rules is not None:
        raise ValueError("a static pool has members, not rules")
    if kind != "dynamic":  # no kind, or a bad one (reported on its own): nothing to hold the rules to
        return None
    if rules is None:
        raise ValueError("a dynamic pool needs rules")
    try:
        return parse_rules(rules)
    except ValidationError as exc:
        raise nested(exc, "rules") from None


Name = Annotated[str, AfterValidator(_name)]
Description = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_description)]
KIND_FIXED = "cannot change; make a new pool"
RULES = "the pool's rules (docs/api.md, pools); a dynamic pool needs them, a static one has none"


class NewPool(Body):
    model_config = ConfigDict(arbitrary_types_allowed=True)  # rules are parsed into a Rule
    name: Name = Field(description="required text of at most 100 characters")
    kind: Kind = Field(description="must be static or dynamic")  # before rules: they are held to it
    description: Description | None = Field(None, description="text of at most 1000 characters")
    rules: Rule | None = Field(None, validate_default=True, description=RULES)

    @field_validator("rules", mode="plain")
    @classmethod
    def _rules(cls, value: object, info: ValidationInfo) -> Rule | None:
        return _pool_rules(value, info.data.get("kind"))


class PoolPatch(Body):
    """A PATCH: the fields sent (model_fields_set); the kind is the pool's for good."""
    model_config = ConfigDict(arbitrary_types_allowed=True)
    name: Name = Field(ABSENT, description="required text of at most 100 characters")
    kind: Annotated[None, refused(KIND_FIXED)] = Field(None, description=KIND_FIXED)
    description: Description | None = Field(None, description="text of at most 1000 characters")
    rules: Rule | None = Field(None, description=RULES)

    @field_validator("rules", mode="plain")
    @classmethod
    def _rules(cls, value: object, info: ValidationInfo) -> Rule | None:
        return _pool_rules(value, (info.context or {}).get("existing_kind"))


MAX_MEMBERS_PER_REQUEST = 500


def _candidate_ids(ids: object) -> list[str]:
    """Checked as a whole: one problem for the list, not one per item of hundreds. An id becomes a key, so
    it is bounded (DynamoDB refuses a key over 1 KiB: a 500, not the caller's 400); unknown ones are reported."""
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and 0 < len(i) <= 100 for i in ids):
        raise described()
    if len(ids) > MAX_MEMBERS_PER_REQUEST:
        raise ValueError(f"at most {MAX_MEMBERS_PER_REQUEST} per request")
    return ids


class NewMembers(Body):
    """POST /pools/{id}/members (a static pool)."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (openapi: additionalProperties)
    candidate_ids: Annotated[list[str], PlainValidator(_candidate_ids)] = Field(
        description="a non-empty list of candidate ids")


def member_ids(body: object) -> list[str]:
    return parse_as(NewMembers, body, "invalid members").candidate_ids


class RulesPreview(Body):
    """POST /pools/preview: who some rules would hold, before a pool is made or changed."""
    model_config = ConfigDict(arbitrary_types_allowed=True)
    rules: Rule = Field(description="the pool's rules (docs/api.md, pools)")

    @field_validator("rules", mode="plain")
    @classmethod
    def _rules(cls, value: object) -> Rule:
        return _pool_rules(value, "dynamic")  # type: ignore[return-value]  # dynamic: never None


def preview_rules(body: object) -> Rule:
    return parse_as(RulesPreview, body, "invalid rules").rules


def sample_view(person: dict) -> dict:
    """A person matched by a preview, listed as pool members are (without joined_at)."""
    return {"id": person["id"], **snapshot(person)}


def validate_pool(body: object, *, existing_kind: str | None = None) -> PoolInput:
    """A new pool (existing_kind None) or a PATCH of one. Collects every problem before raising."""
    given: NewPool | PoolPatch
    if existing_kind is None:
        given = parse_as(NewPool, body, "invalid pool")
    else:
        given = parse_as(PoolPatch, body, "invalid pool", existing_kind=existing_kind)
    return PoolInput(name=given.name, kind=given.kind or existing_kind, description=given.description,
                     rules=given.rules.source if given.rules else None, rule=given.rules,
                     present=set(given.model_fields_set))


def pool_problem(pool: dict) -> str | None:
    """Why a stored dynamic pool cannot be kept current (rules saved before a bound existed, or
    written around the API), or None. Shown to recruiters as the pool's `error`."""
    if pool.get("kind") != "dynamic":
        return None
    if pool.get("rules") is None:
        return "a dynamic pool needs rules; set them with PATCH"
    try:
        parse_rules(pool["rules"]).bind()
    except ValidationError as exc:
        return f"its rules are no longer valid ({exc.message}); change them with PATCH"
    except Exception as exc:  # noqa: BLE001 - any failure is reported, never raised
        return f"its rules cannot be evaluated ({type(exc).__name__}: {str(exc)[:200]}); change them with PATCH"
    return None


def pool_view(pool: dict) -> dict:
    """A pool as the API shows it: `status` "error" and an `error` saying why when its rules cannot be
    evaluated (membership upkeep skips such a pool and marks it)."""
    problem = pool_problem(pool)
    if problem is None and pool.get("status") == PoolStatus.ERROR:
        problem = "membership upkeep failed for this pool (see the logs); the daily refresh rebuilds it"
    return dict(pool, status=PoolStatus.ERROR if problem else pool.get("status"), error=problem)


@dataclass
class MembershipChange:
    """What one person's change does to pool memberships."""

    candidate_id: str
    join: list[str] = field(default_factory=list)  # pool ids
    leave: list[str] = field(default_factory=list)
    refresh: dict[str, str] = field(default_factory=dict)  # pool id -> joined_at, copy to rewrite
    broken: list[str] = field(default_factory=list)  # pools whose rules raised for this person: left alone


def plan_change(before: dict | None, after: dict | None, current: dict[str, str],
                dynamic: dict[str, "Rule"], now_predicates: dict | None = None) -> MembershipChange:
    """Membership writes for one person.

    current: the pools the person is in now (pool id -> joined_at); dynamic: the dynamic pools'
    rules by pool id. Static memberships are only refreshed (or dropped when the person is erased).
    A pool whose rules raise for this person is neither joined nor left (it is listed in `broken`
    for the caller to report), so it never stops the person's other pools.
    """
    person = after or before
    if person is None:  # callers skip such pairs: no person, no change
        raise ValueError("a change needs the person before or after it")
    change = MembershipChange(person["id"])
    predicates = now_predicates if now_predicates is not None else {
        pool_id: rule.bind() for pool_id, rule in dynamic.items()}
    if after is None:
        # `current` comes from an index that may lag a moment: the pools the person matched are
        # left too (a leave of a pool one is not in writes nothing), so no copy outlives an erasure;
        # so are pools that could not tell.
        matched = _matching(predicates, person, change.broken)  # as it was before
        change.leave = sorted(set(current) | matched | set(change.broken))
        return change
    wanted = _matching(predicates, after, change.broken)
    change.join = sorted(wanted - set(current))
    change.leave = sorted(p for p in current if p in predicates and p not in wanted and p not in change.broken)
    if before is None or snapshot(before) != snapshot(after):
        change.refresh = {p: joined for p, joined in current.items() if p not in change.leave}
    return change


def _matching(predicates: dict, person: dict, broken: list) -> set:
    wanted = set()
    for pool_id, matches in predicates.items():
        try:
            if matches(person):
                wanted.add(pool_id)
        except Exception:  # noqa: BLE001 - one pool's rules never break a person's write
            broken.append(pool_id)
    return wanted
