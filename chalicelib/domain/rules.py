"""The pool rule language: validate once, compile to plain closures, evaluate fast.

    {"all": [...]} | {"any": [...]} | {"not": {...}} | {"field": F, "op": OP, "value": V}

A missing value never matches eq, in, contains_*, gte, lte, older_than or newer_than; it matches
neq and `exists: false`. Text compares case-insensitively; skills go through the alias table.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from .clock import iso, parse_iso, utcnow
from .durations import parse_duration
from .errors import ValidationError
from .skills import normalize_skill, normalize_tag

FIELD_TYPES = {
    "skills": "list", "roles": "list", "tags": "list",
    "city": "text", "country": "text", "seniority": "text", "source": "text", "status": "text",
    "stage": "text", "first_name": "text", "last_name": "text",
    "remote_ok": "bool", "sms_consent": "bool",
    "engagement_score": "number",
    "last_contacted_at": "time", "last_engaged_at": "time", "created_at": "time", "updated_at": "time",
    "confirmed_at": "time",
}
OPS = {
    "list": ("contains_any", "contains_all", "exists"),
    "text": ("eq", "neq", "in", "exists"),
    "bool": ("eq", "neq", "exists"),
    "number": ("eq", "neq", "gte", "lte", "exists"),
    "time": ("older_than", "newer_than", "gte", "lte", "exists"),
}
MAX_DEPTH = 10
MAX_CONDITIONS = 100

Predicate = Callable[[dict], bool]


class Rule:
    """A validated rule. `bind(now)` gives the predicate for one moment (durations resolved once)."""

    def __init__(self, source: dict, build: Callable[[datetime], Predicate], time_based: bool):
        self.source = source
        self._build = build
        self.time_based = time_based  # depends on time passing: refreshed by the daily job

    def bind(self, now: datetime | None = None) -> Predicate:
        return self._build(now or utcnow())

    def matches(self, candidate: dict, now: datetime | None = None) -> bool:
        return self.bind(now)(candidate)


def _fail(path: str, problem: str):
    raise ValidationError(f"{path}: {problem}", {path: problem}, code="invalid_rules")


def _normalizer(field: str):
    if field == "skills":
        return normalize_skill
    if field == "country":
        return lambda v: v.strip().upper()
    return normalize_tag


def parse_rules(rules: object, path: str = "rules") -> Rule:
    counter = [0]
    time_based = [False]
    build = _node(rules, path, 0, counter, time_based)
    return Rule(rules, build, time_based[0])


def _node(node, path, depth, counter, time_based):
    if depth > MAX_DEPTH:
        _fail(path, f"nested more than {MAX_DEPTH} levels")
    if not isinstance(node, dict):
        _fail(path, "must be an object: all, any, not, or a condition with field, op and value")
    keys = set(node)
    if keys in ({"all"}, {"any"}):
        kind = "all" if "all" in node else "any"
        children = node[kind]
        if not isinstance(children, list) or not children:
            _fail(f"{path}.{kind}", "must be a non-empty list")
        builds = [_node(c, f"{path}.{kind}[{i}]", depth + 1, counter, time_based) for i, c in enumerate(children)]
        if kind == "all":
            return lambda now: _all([b(now) for b in builds])
        return lambda now: _any([b(now) for b in builds])
    if keys == {"not"}:
        inner = _node(node["not"], f"{path}.not", depth + 1, counter, time_based)
        return lambda now: _not(inner(now))
    if "field" in keys or "op" in keys:
        counter[0] += 1
        if counter[0] > MAX_CONDITIONS:
            _fail(path, f"more than {MAX_CONDITIONS} conditions")
        return _condition(node, path, time_based)
    _fail(path, "unknown keys " + ", ".join(sorted(map(str, keys))) + "; use all, any, not or field/op/value")


def _all(predicates):
    return lambda c: all(p(c) for p in predicates)


def _any(predicates):
    return lambda c: any(p(c) for p in predicates)


def _not(predicate):
    return lambda c: not predicate(c)


def _condition(node: dict, path: str, time_based: list) -> Callable[[datetime], Predicate]:
    extra = set(node) - {"field", "op", "value"}
    if extra:
        _fail(path, "unknown keys " + ", ".join(sorted(extra)))
    field, op = node.get("field"), node.get("op")
    if field not in FIELD_TYPES:
        _fail(f"{path}.field", f"unknown field {field!r}; fields: " + ", ".join(sorted(FIELD_TYPES)))
    kind = FIELD_TYPES[field]
    if op not in OPS[kind]:
        _fail(f"{path}.op", f"{op!r} is not valid for {kind} field {field}; use one of " + ", ".join(OPS[kind]))
    value = node.get("value")
    where = f"{path}.value"

    if op == "exists":
        if value is None:
            value = True
        if not isinstance(value, bool):
            _fail(where, "exists takes true or false (or nothing)")
        want = value
        present = (lambda v: bool(v)) if kind == "list" else (lambda v: v is not None and v != "")
        return lambda now: (lambda c: present(c.get(field)) is want)

    if kind == "list":
        wanted = _strings(value, where, field)
        wanted_set = frozenset(wanted)
        if op == "contains_any":
            return lambda now: (lambda c: not wanted_set.isdisjoint(c.get(field) or ()))
        return lambda now: (lambda c: wanted_set.issubset(c.get(field) or ()))

    if kind == "text":
        norm = _normalizer(field)
        if op == "in":
            options = frozenset(_strings(value, where, field))
            return lambda now: (lambda c: _text(c.get(field), norm) in options)
        if not isinstance(value, str) or not value.strip():
            _fail(where, f"{op} takes one text value")
        target = norm(value)
        if op == "eq":
            return lambda now: (lambda c: _text(c.get(field), norm) == target)
        return lambda now: (lambda c: _text(c.get(field), norm) != target)

    if kind == "bool":
        if not isinstance(value, bool):
            _fail(where, f"{op} takes true or false")
        if op == "eq":
            return lambda now: (lambda c: c.get(field) is value)
        return lambda now: (lambda c: c.get(field) is not value)

    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            _fail(where, f"{op} takes a number")
        compare = {"eq": lambda v: v == value, "neq": lambda v: v != value,
                   "gte": lambda v: v >= value, "lte": lambda v: v <= value}[op]
        if op == "neq":
            return lambda now: (lambda c: c.get(field) is None or compare(c.get(field)))
        return lambda now: (lambda c: c.get(field) is not None and compare(c.get(field)))

    # time
    if op in ("older_than", "newer_than"):
        try:
            duration = parse_duration(value)
        except ValueError as exc:
            _fail(where, str(exc))
        time_based[0] = True
        if op == "older_than":
            return lambda now: _before(field, iso(duration.before(now)))
        return lambda now: _after(field, iso(duration.before(now)))
    try:
        moment = iso(parse_iso(value)) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        _fail(where, f"{op} takes an ISO 8601 time such as 2026-01-31T00:00:00Z")
    if op == "gte":
        return lambda now: (lambda c: (c.get(field) or "") >= moment)
    return lambda now: (lambda c: bool(c.get(field)) and c.get(field) <= moment)


def _before(field: str, cutoff: str) -> Predicate:
    return lambda c: bool(c.get(field)) and c.get(field) < cutoff


def _after(field: str, cutoff: str) -> Predicate:
    return lambda c: bool(c.get(field)) and c.get(field) >= cutoff


def _text(value, norm):
    return norm(value) if isinstance(value, str) and value else None


def _strings(value: object, where: str, field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(where, "takes a non-empty list of text values")
    if len(value) > 500:
        _fail(where, "at most 500 values")
    norm = _normalizer(field)
    return [norm(v) for v in value]
