"""The rule builder's form and the rules in words (domain/rule_form.py, domain/rules.py describe): every tree the
builder shows reads back as the same rules, values typed as recruiters say them, and words for any stored rules."""
import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pools import BUILTIN_POOLS
from chalicelib.domain.rule_form import BLANK, from_rules, new_builder, read_builder, to_rules
from chalicelib.domain.rules import describe, duration_words, parse_rules

GUIDE = {"all": [
    {"field": "skills", "op": "contains_any", "value": ["python", "go"]},
    {"any": [{"field": "city", "op": "eq", "value": "London"}, {"field": "remote_ok", "op": "eq", "value": True}]},
    {"not": {"any": [{"field": "stage", "op": "in", "value": ["hired", "rejected"]}]}},
    {"field": "last_contacted_at", "op": "older_than", "value": "P90D"},
    {"field": "engagement_score", "op": "gte", "value": 10},
    {"field": "created_at", "op": "lte", "value": "2026-01-31T00:00:00Z"},
    {"field": "tags", "op": "exists", "value": False},
]}


def form_of(tree) -> dict:
    """The fields a page of this tree posts back (as the template names them)."""
    fields = {}

    def walk(node):
        if hasattr(node, "children"):
            fields[f"{node.path}.op"] = node.match
            for child in node.children:
                walk(child)
        else:
            fields.update({f"{node.path}.field": node.field, f"{node.path}.op": node.op})
            if node.needs_value:
                fields[f"{node.path}.value"] = node.value
    walk(tree)
    return fields


@pytest.mark.parametrize("rules", [GUIDE, *(pool["rules"] for pool in BUILTIN_POOLS.values())])
def test_rules_shown_in_the_builder_read_back_the_same(rules):
    tree = from_rules(rules)
    again, problems = to_rules(read_builder(form_of(tree)))
    assert problems == {}
    shown, _ = to_rules(tree)
    assert again == shown
    parse_rules(again)
    if "all" in rules or "any" in rules:
        assert again == rules


def test_a_not_reads_as_a_none_group_and_a_bare_condition_as_a_group():
    tree = from_rules({"not": {"field": "city", "op": "eq", "value": "Paris"}})
    assert tree.match == "none" and tree.children[0].value == "Paris"
    assert to_rules(tree)[0] == {"not": {"any": [{"field": "city", "op": "eq", "value": "Paris"}]}}
    assert to_rules(from_rules({"field": "remote_ok", "op": "eq", "value": False}))[0] == {
        "all": [{"field": "remote_ok", "op": "eq", "value": False}]}
    assert to_rules(from_rules(None))[1] == {"g0.c0.value": BLANK}  # a new builder: one empty row


@pytest.mark.parametrize("typed, stored", [("90 days", "P90D"), ("6 months", "P6M"), ("1 year and 6 months", "P1Y6M"),
                                           ("2w", "P2W"), ("12", "P12D"), ("p3d", "P3D"), ("36 hours", "PT36H")])
def test_lengths_of_time_as_recruiters_type_them(typed, stored):
    form = {"g0.c0.field": "created_at", "g0.c0.op": "older_than", "g0.c0.value": typed}
    assert to_rules(read_builder(form))[0] == {"all": [{"field": "created_at", "op": "older_than", "value": stored}]}


@pytest.mark.parametrize("field, op, typed, problem", [
    ("created_at", "older_than", "soon", "a length of time such as 90 days"),
    ("created_at", "gte", "yesterday", "a day such as 2026-01-31"),
    ("created_at", "gte", "2026-02-31", "ISO 8601 time"),
    ("engagement_score", "gte", "ten", "a number such as 10"),
    ("remote_ok", "eq", "maybe", "yes or no"),
    ("city", "eq", "x" * 201, "at most 200 characters"),
    ("skills", "contains_any", ", ,", "non-empty list"),
    ("created_at", "older_than", "P200Y", "longer than 100 years"),
])
def test_a_value_that_does_not_fit_is_named_at_its_row(field, op, typed, problem):
    rules, problems = to_rules(read_builder({"g0.c0.field": field, "g0.c0.op": op, "g0.c0.value": typed}))
    assert rules is None and problem in problems["g0.c0.value"]


def test_actions_add_and_remove_rows_and_rows_are_renumbered():
    form = {"g0.op": "any", "g0.c3.field": "city", "g0.c3.op": "eq", "g0.c3.value": "a",
            "g0.g7.op": "all", "g0.g7.c2.field": "city", "g0.g7.c2.op": "eq", "g0.g7.c2.value": "b"}
    tree = read_builder(form, "add:g0.g7")
    assert [c.path for c in tree.children] == ["g0.c0", "g0.g1"]
    assert [c.path for c in tree.children[1].children] == ["g0.g1.c0", "g0.g1.c1"] and tree.children[1].children[1].focus
    assert [c.path for c in read_builder(form, "remove:g0.c3").children] == ["g0.g0"]
    nested = read_builder({}, "group:g0")
    assert nested.children[0].match == "any" and nested.children[0].children
    for bad in ("remove:g0", "add:g0.c3", "explode:g0", "add:g0.g9", "remove:" + "g0" * 3):
        with pytest.raises(ValidationError):
            read_builder(form, bad)


def test_a_field_of_another_type_takes_its_first_operator_and_a_new_value():
    tree = read_builder({"g0.c0.field": "remote_ok", "g0.c0.op": "contains_any", "g0.c0.value": "python"})
    assert (tree.children[0].op, tree.children[0].value) == ("eq", "yes")
    assert new_builder().children[0].field == "skills"


def test_forms_no_page_sends_are_refused():
    with pytest.raises(ValidationError):
        read_builder({"g0.c0.field": ["skills", "city"]})
    with pytest.raises(ValidationError):
        read_builder({"g0" + ".g1" * 4 + ".c0.field": "skills"})
    with pytest.raises(ValidationError):
        read_builder({"g0.c0.g1.op": "all"})
    assert read_builder({"unrelated": "x", "g0.c0.field.value": "y"}).children == []


def test_rules_in_words():
    assert describe({"all": [{"field": "skills", "op": "contains_any", "value": ["python"]},
                             {"any": [{"field": "city", "op": "eq", "value": "Berlin"},
                                      {"field": "remote_ok", "op": "eq", "value": True}]}]}) == \
        "skills include python AND (city is Berlin OR remote is yes)"
    assert describe(GUIDE) == (
        "skills include any of python, go AND (city is London OR remote is yes) AND NOT (stage is one of hired, "
        "rejected) AND last contacted more than 90 days ago AND engagement score is at least 10 AND added on or "
        "before 2026-01-31 AND tags is not set")
    assert describe(BUILTIN_POOLS["stale_profiles"]["rules"]) == "profile updated more than 12 months ago"
    for broken in (None, {}, {"all": []}, {"field": "nope", "op": "eq"}, {"x": 1}, {"all": [{"not": 5}]}):
        assert "(rules that cannot be read)" in describe(broken)
    deep: dict = {"field": "city", "op": "eq", "value": "x"}
    for _ in range(50):
        deep = {"not": deep}
    assert "cannot be read" in describe(deep)
    assert duration_words("P1Y2M") == "1 year 2 months" and duration_words("soon") == "soon"
