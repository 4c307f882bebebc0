import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.pools import plan_change, validate_pool
from chalicelib.domain.rules import parse_rules

PYTHON = parse_rules({"field": "skills", "op": "contains_any", "value": ["python"]})
LONDON = parse_rules({"field": "city", "op": "eq", "value": "london"})
RULES = {"pool_py": PYTHON, "pool_ldn": LONDON}


def test_new_person_joins_matching_pools_only():
    plan = plan_change(None, {"id": "c1", "skills": ["python"], "city": "Paris"}, {}, RULES)
    assert (plan.join, plan.leave, plan.refresh) == (["pool_py"], [], {})


def test_change_writes_only_differences_and_refreshes_copies_when_copied_fields_change():
    before = {"id": "c1", "skills": ["python"], "city": "Paris", "first_name": "Ada"}
    after = dict(before, city="London")
    current = {"pool_py": "t1", "pool_static": "t0"}
    plan = plan_change(before, after, current, RULES)
    assert plan.join == ["pool_ldn"] and plan.leave == []
    assert plan.refresh == {"pool_py": "t1", "pool_static": "t0"}  # city is copied into members
    unchanged = plan_change(before, dict(before), current, RULES)
    assert (unchanged.join, unchanged.leave, unchanged.refresh) == ([], [], {})


def test_static_memberships_survive_rule_evaluation_and_erasure_leaves_everything():
    person = {"id": "c1", "skills": ["go"], "city": "Leeds"}
    plan = plan_change(person, dict(person, skills=["rust"]), {"pool_static": "t0", "pool_py": "t1"}, RULES)
    assert plan.leave == ["pool_py"]  # the static pool is not the rules' business
    erased = plan_change(dict(person, skills=["python"]), None, {"pool_static": "t0"}, RULES)
    assert erased.leave == ["pool_py", "pool_static"]  # also pools the index may not show yet


def test_pool_bodies():
    assert validate_pool({"name": " Future  leaders ", "kind": "static"}).name == "Future leaders"
    with pytest.raises(ValidationError) as caught:
        validate_pool({"name": "x", "kind": "dynamic", "rules": {"field": "skills", "op": "eq", "value": "x"}})
    assert "rules.op" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        validate_pool({"kind": "static", "colour": "red"}, existing_kind="static")
    assert set(caught.value.fields) == {"kind", "colour"}
