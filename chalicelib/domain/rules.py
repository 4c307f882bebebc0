"""The pool rule language: validate once, compile to plain closures, evaluate fast.

    {"all": [...]} | {"any": [...]} | {"not": {...}} | {"field": F, "op": OP, "value": V}

A missing value never matches eq, in, contains_*, gte, lte, older_than or newer_than; it matches
neq and `exists: false`. Text compares case-insensitively; skills go through the alias table.

Every value is bounded when the rule is parsed (text lengths, list sizes, numbers, times, durations),
and a compiled predicate never raises, whatever shape a person's values have (a value of the wrong type
is treated like a missing one): one pool's rules must never break the write of a person.
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Callable, NoReturn

from .clock import iso, parse_iso, utcnow
from .durations import parse_duration
from .errors import ValidationError
from .skills import normalize_skill, normalize_tag

FIELD_TYPES = {
    "skills": "list", "roles": "list", "tags": "list",
    "city": "text", "country": "text", "seniority": "text", "source": "text", "status": "text",
    "stage": "text", "furthest_stage": "text", "first_name": "text", "last_name": "text",
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
MAX_VALUES = 500  # entries of one list value
MAX_TEXT = 200  # characters of one text value
MAX_NUMBER = 1e9  # engagement scores are in the tens or hundreds
MIN_YEAR, MAX_YEAR = 1900, 2200  # times people and recruiters can mean (as clock.parse_iso)

Predicate = Callable[[dict], bool]
NOT_A_RULE = "must be an object: all, any, not, or a condition with field, op and value"


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


def _fail(path: str, problem: str) -> NoReturn:
    raise ValidationError(f"{path}: {problem}", {path: problem}, code="invalid_rules")


def _shown(value: object) -> str:
    """What the caller sent, short enough to quote back in an error."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _normalizer(field: str):
    if field == "skills":
        return normalize_skill
    if field == "country":
        return lambda v: v.strip().upper()
    return normalize_tag


def parse_rules(rules: object, path: str = "rules") -> Rule:
    if not isinstance(rules, dict):
        _fail(path, NOT_A_RULE)
    counter = [0]
    time_based = [False]
    build = _node(rules, path, 0, counter, time_based)
    return Rule(rules, build, time_based[0])


def _node(node, path, depth, counter, time_based):
    if depth > MAX_DEPTH:
        _fail(path, f"nested more than {MAX_DEPTH} levels")
    if not isinstance(node, dict):
        _fail(path, NOT_A_RULE)
    keys = set(node)
    if keys in ({"all"}, {"any"}):
        kind = "all" if "all" in node else "any"
        children = node[kind]
        if not isinstance(children, list) or not children:
            _fail(f"{path}.{kind}", "must be a non-empty list")
        if len(children) > MAX_CONDITIONS:
            _fail(f"{path}.{kind}", f"at most {MAX_CONDITIONS} entries")
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
    _fail(path, f"unknown keys {_keys(keys)}; use all, any, not or field/op/value")


def _keys(keys) -> str:
    names = sorted(map(str, keys))
    return ", ".join(_shown(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _all(predicates):
    return lambda c: all(p(c) for p in predicates)


def _any(predicates):
    return lambda c: any(p(c) for p in predicates)


def _not(predicate):
    return lambda c: not predicate(c)


def _condition(node: dict, path: str, time_based: list) -> Callable[[datetime], Predicate]:
    extra = set(node) - {"field", "op", "value"}
    if extra:
        _fail(path, f"unknown keys {_keys(extra)}")
    field, op = node.get("field"), node.get("op")
    if not isinstance(field, str) or field not in FIELD_TYPES:
        _fail(f"{path}.field", f"unknown field {_shown(field)}; fields: " + ", ".join(sorted(FIELD_TYPES)))
    kind = FIELD_TYPES[field]
    if not isinstance(op, str) or op not in OPS[kind]:
        _fail(f"{path}.op", f"{_shown(op)} is not valid for {kind} field {field}; use one of " + ", ".join(OPS[kind]))
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
        wanted = frozenset(_strings(value, where, field))
        return lambda now: _contains(field, wanted, op == "contains_any")

    if kind == "text":
        norm = _normalizer(field)
        if op == "in":
            options = frozenset(_strings(value, where, field))
            return lambda now: (lambda c: _text(c.get(field), norm) in options)
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT:
            _fail(where, f"{op} takes one text value of at most {MAX_TEXT} characters")
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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or abs(value) > MAX_NUMBER:
            _fail(where, f"{op} takes a number between -{MAX_NUMBER:,.0f} and {MAX_NUMBER:,.0f}")
        return lambda now: _compare(field, op, value)

    # time
    if op in ("older_than", "newer_than"):
        try:
            duration = parse_duration(value)
        except ValueError as exc:
            _fail(where, str(exc))
        time_based[0] = True
        if op == "older_than":
            return lambda now: _before(field, _cutoff(duration, now))
        return lambda now: _after(field, _cutoff(duration, now))
    moment = _moment(value)
    if moment is None:
        _fail(where, f"{op} takes an ISO 8601 time between the years {MIN_YEAR} and {MAX_YEAR}, "
                     "such as 2026-01-31T00:00:00Z")
    if op == "gte":
        return lambda now: _after(field, moment)
    return lambda now: _at_most(field, moment)


def _moment(value: object) -> str | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = parse_iso(value)
    except (ValueError, OverflowError):
        return None
    return iso(moment) if MIN_YEAR <= moment.year <= MAX_YEAR else None


def _cutoff(duration, now: datetime) -> str:
    """now minus the duration: ValueError (a bad pool, contained by the caller) if it leaves the calendar."""
    return iso(duration.before(now))


# Predicates: stored people are validated, but a value of an unexpected type (an old item, a hand edit)
# must read as "does not match", never raise (a try costs nothing when nothing is raised).

def _contains(field: str, wanted: frozenset, any_of: bool) -> Predicate:
    def contains(c):
        try:
            return not wanted.isdisjoint(c.get(field) or ()) if any_of else wanted.issubset(c.get(field) or ())
        except TypeError:  # not a list, or a list of unhashable things
            return False
    return contains


def _compare(field: str, op: str, value) -> Predicate:
    if op == "eq":
        return lambda c: c.get(field) == value  # a missing value (None) is never equal
    if op == "neq":
        return lambda c: c.get(field) != value
    gte = op == "gte"

    def compare(c):
        have = c.get(field)
        try:
            return have is not None and (have >= value if gte else have <= value)
        except TypeError:  # not a number
            return False
    return compare


def _before(field: str, cutoff: str) -> Predicate:
    def before(c):
        have = c.get(field)
        return isinstance(have, str) and bool(have) and have < cutoff
    return before


def _after(field: str, cutoff: str) -> Predicate:
    def after(c):
        have = c.get(field)
        return isinstance(have, str) and bool(have) and have >= cutoff
    return after


def _at_most(field: str, moment: str) -> Predicate:
    def at_most(c):
        have = c.get(field)
        return isinstance(have, str) and bool(have) and have <= moment
    return at_most


def _text(value, norm):
    return norm(value) if isinstance(value, str) and value else None


def _strings(value: object, where: str, field: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
        _fail(where, "takes a non-empty list of text values")
    if len(value) > MAX_VALUES:
        _fail(where, f"at most {MAX_VALUES} values")
    if any(len(v) > MAX_TEXT for v in value):
        _fail(where, f"each value is at most {MAX_TEXT} characters")
    norm = _normalizer(field)
    return [norm(v) for v in value]


# ---------------------------------------------------------------- rules in words

# What recruiters call each field (the workspace's rule builder and a pool's page use the same words).
FIELD_LABELS = {
    "skills": "Skills", "roles": "Roles", "tags": "Tags", "city": "City", "country": "Country",
    "seniority": "Seniority", "source": "Source", "status": "Status", "stage": "Stage",
    "furthest_stage": "Furthest stage reached",
    "first_name": "First name", "last_name": "Last name", "remote_ok": "Remote", "sms_consent": "SMS consent",
    "engagement_score": "Engagement score", "last_contacted_at": "Last contacted", "last_engaged_at": "Last engaged",
    "created_at": "Added", "updated_at": "Profile updated", "confirmed_at": "Subscription confirmed",
}
_DURATION_WORDS = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
                             re.ASCII)
_UNITS = ("year", "month", "week", "day", "hour", "minute", "second")
_UNREADABLE = "(rules that cannot be read)"
_MIDNIGHT = re.compile(r"T00:00(?::00(?:\.0+)?)?Z$")


def describe(rules: object) -> str:
    """A rule tree in words: "skills include python AND (city is Berlin OR remote is yes)". Never raises:
    rules stored before a bound existed (or written around the API) read as far as they can."""
    return _words(rules, 0, top=True)


def duration_words(text: object) -> str:
    """P90D as "90 days", P1Y6M as "1 year 6 months"; anything else as it is."""
    match = _DURATION_WORDS.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        return str(text)
    return " ".join(f"{int(n)} {unit}{'' if int(n) == 1 else 's'}" for n, unit in zip(match.groups(), _UNITS) if n)


def _words(node: object, depth: int, top: bool = False) -> str:
    if depth > MAX_DEPTH or not isinstance(node, dict):
        return _UNREADABLE
    keys = set(node)
    if keys in ({"all"}, {"any"}):
        kind = "all" if "all" in node else "any"
        children = node[kind]
        if not isinstance(children, list) or not children:
            return _UNREADABLE
        parts = [_words(child, depth + 1) for child in children[:MAX_CONDITIONS]]
        text = (" AND " if kind == "all" else " OR ").join(parts)
        return text if top or len(parts) == 1 else f"({text})"
    if keys == {"not"}:
        inner = _words(node["not"], depth + 1)
        return "NOT " + (inner if inner.startswith("(") or " " not in inner else f"({inner})")
    return _condition_words(node)


def _condition_words(node: dict) -> str:
    field, op, value = node.get("field"), node.get("op"), node.get("value")
    if not isinstance(field, str) or field not in FIELD_TYPES or not isinstance(op, str):
        return _UNREADABLE
    name = FIELD_LABELS[field].lower()
    kind = FIELD_TYPES[field]
    if op == "exists":
        return f"{name} is {'not ' if value is False else ''}set"
    if kind == "list" and op in ("contains_any", "contains_all"):
        values = _listed(value)
        several = isinstance(value, list) and len(value) > 1
        return f"{name} include {('any of ' if op == 'contains_any' else 'all of ') if several else ''}{values}"
    if op in ("older_than", "newer_than"):
        span = duration_words(value)
        return f"{name} more than {span} ago" if op == "older_than" else f"{name} within the last {span}"
    phrases = {"eq": "is", "neq": "is not", "in": "is one of",
               "gte": "on or after" if kind == "time" else "is at least",
               "lte": "on or before" if kind == "time" else "is at most"}
    if op not in phrases:
        return _UNREADABLE
    if kind == "time" and isinstance(value, str):
        value = _MIDNIGHT.sub("", value)  # a day, as the builder asks for one
    return f"{name} {phrases[op]} {_listed(value)}"


def _listed(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_listed(v) for v in value[:MAX_VALUES])
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)[:MAX_TEXT]
