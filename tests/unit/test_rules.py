"""The rule language: validation names the bad part; evaluation agrees with a plain reference."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain.clock import iso
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.rules import FIELD_TYPES, OPS, parse_rules

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("rules, path", [
    ({"field": "favourite_colour", "op": "eq", "value": "blue"}, "rules.field"),
    ({"all": [{"field": "skills", "op": "gte", "value": 3}]}, "rules.all[0].op"),
    ({"any": [{"field": "city", "op": "eq", "value": "x"}, {"field": "created_at", "op": "older_than", "value": "90 days"}]},
     "rules.any[1].value"),
    ({"not": {"field": "remote_ok", "op": "eq", "value": "yes"}}, "rules.not.value"),
    ({"all": []}, "rules.all"),
    ({"field": "skills", "op": "contains_any", "value": []}, "rules.value"),
    ({"every": []}, "rules"),
    ("skills=python", "rules"),
])
def test_invalid_rules_name_the_bad_part(rules, path):
    with pytest.raises(ValidationError) as caught:
        parse_rules(rules)
    assert path in caught.value.fields, caught.value.fields


def test_examples():
    senior_london_python = parse_rules({"all": [
        {"field": "skills", "op": "contains_any", "value": ["Python", "py"]},
        {"any": [{"field": "city", "op": "eq", "value": "london"}, {"field": "remote_ok", "op": "eq", "value": True}]},
        {"field": "seniority", "op": "in", "value": ["senior", "lead"]},
    ]})
    ada = {"skills": ["python"], "city": "London", "seniority": "senior"}
    assert senior_london_python.matches(ada, NOW)
    assert not senior_london_python.matches(dict(ada, city="Leeds"), NOW)
    assert senior_london_python.matches(dict(ada, city="Leeds", remote_ok=True), NOW)

    quiet = parse_rules({"field": "last_contacted_at", "op": "older_than", "value": "P90D"})
    assert quiet.time_based
    assert quiet.matches({"last_contacted_at": iso(NOW - timedelta(days=91))}, NOW)
    assert not quiet.matches({"last_contacted_at": iso(NOW - timedelta(days=89))}, NOW)
    assert not quiet.matches({}, NOW)  # missing values never match a comparison
    assert parse_rules({"field": "stage", "op": "neq", "value": "hired"}).matches({}, NOW)
    assert parse_rules({"field": "stage", "op": "exists", "value": False}).matches({}, NOW)


# ---------------------------------------------------------------- reference evaluator

SKILLS = ["python", "javascript", "aws", "go", "kubernetes"]
VALUES = {
    "list": st.lists(st.sampled_from(SKILLS), max_size=3, unique=True),
    "text": st.sampled_from(["london", "paris", "berlin"]),
    "bool": st.booleans(),
    "number": st.integers(0, 100),
    "time": st.integers(0, 400).map(lambda d: iso(NOW - timedelta(days=d))),
}
RULE_FIELDS = {"skills": "list", "tags": "list", "city": "text", "stage": "text", "remote_ok": "bool",
               "engagement_score": "number", "last_contacted_at": "time", "created_at": "time"}


def candidates():
    return st.fixed_dictionaries({}, optional={f: VALUES[t] for f, t in RULE_FIELDS.items()})


def conditions():
    def for_field(field):
        kind = RULE_FIELDS[field]
        ops = OPS[kind]
        def value_for(op):
            if op == "exists":
                return st.one_of(st.none(), st.booleans())
            if op in ("contains_any", "contains_all"):
                return st.lists(st.sampled_from(SKILLS), min_size=1, max_size=3)
            if op == "in":
                return st.lists(VALUES["text"], min_size=1, max_size=2)
            if op in ("older_than", "newer_than"):
                return st.integers(0, 400).map(lambda d: f"P{d}D")
            if kind == "time":
                return VALUES["time"]
            return VALUES[kind]
        return st.sampled_from(ops).flatmap(
            lambda op: value_for(op).map(lambda v: {"field": field, "op": op, **({} if v is None else {"value": v})}))
    return st.sampled_from(sorted(RULE_FIELDS)).flatmap(for_field)


rule_trees = st.recursive(
    conditions(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(children, min_size=1, max_size=3).map(lambda c: {"any": c}),
        children.map(lambda c: {"not": c}),
    ),
    max_leaves=8,
)


def reference(rule, person):
    """The rule language read literally, with no compilation or shortcuts."""
    if "all" in rule:
        return all(reference(r, person) for r in rule["all"])
    if "any" in rule:
        return any(reference(r, person) for r in rule["any"])
    if "not" in rule:
        return not reference(rule["not"], person)
    field, op, value = rule["field"], rule["op"], rule.get("value")
    have = person.get(field)
    kind = FIELD_TYPES[field]
    if op == "exists":
        present = bool(have) if kind == "list" else have is not None
        return present == (True if value is None else value)
    if op == "contains_any":
        return any(v in (have or []) for v in value)
    if op == "contains_all":
        return all(v in (have or []) for v in value)
    if op == "in":
        return have is not None and have.lower() in [v.lower() for v in value]
    if op == "eq":
        return have is not None and (have.lower() == value.lower() if kind == "text" else have == value)
    if op == "neq":
        return have is None or (have.lower() != value.lower() if kind == "text" else have != value)
    if have is None:
        return False
    if kind == "time":
        moment = datetime.fromisoformat(have.replace("Z", "+00:00"))
        if op in ("older_than", "newer_than"):
            cutoff = NOW - timedelta(days=int(value[1:-1]))
            return moment < cutoff if op == "older_than" else moment >= cutoff
        bound = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment >= bound if op == "gte" else moment <= bound
    return have >= value if op == "gte" else have <= value


@settings(max_examples=400, deadline=None)
@given(rule=rule_trees, people=st.lists(candidates(), min_size=1, max_size=5))
def test_compiled_rules_agree_with_the_reference(rule, people):
    predicate = parse_rules(rule).bind(NOW)
    for person in people:
        assert predicate(person) == reference(rule, person), (rule, person)


def test_a_step_delay_stored_before_durations_were_bounded_ends_the_sequence():
    from datetime import datetime, timezone

    from chalicelib.domain.campaigns import next_step_due

    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert next_step_due({"steps": [{"delay": "P0D"}, {"delay": "P3D"}]}, 0, start) == (1, "2026-01-04T00:00:00.000Z")
    for stored in ("P99999Y", "PT99999999999H"):
        assert next_step_due({"steps": [{"delay": "P0D"}, {"delay": stored}]}, 0, start) is None
