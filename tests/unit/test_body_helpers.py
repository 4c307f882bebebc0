"""The body helpers (issue #12, item 4): one way to read a body and answer it (domain/bodies.py), one way to build
each kind of field from the project's checks (domain/body_fields.py)."""
import ast
from pathlib import Path
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from chalicelib.domain.bodies import Body, dotted, parse_as, parse_body
from chalicelib.domain.body_fields import nested
from chalicelib.domain.errors import ValidationError

DOMAIN = Path(__file__).resolve().parents[2] / "chalicelib" / "domain"


class Reference(Body):
    job_id: str | int = Field(description="an id: text or a whole number")
    code: Annotated[str, AfterValidator(str.strip)] | int | None = Field(None, description="a code")


class Event(Body):
    data: Reference = Field(description="an object")


class Priced(Body):
    amount: int = Field(description="a whole number")

    @field_validator("amount")
    @classmethod
    def _within(cls, value: int, info: ValidationInfo) -> int:
        if value > (info.context or {}).get("limit", 10):
            raise ValueError("over the limit")
        return value


class Ruled(Body):
    rules: Any = Field(None, description="rules")

    @field_validator("rules", mode="plain")
    @classmethod
    def _rules(cls, value: Any) -> Any:
        raise nested(ValidationError("bad rules", {"rules.all[0].value": "not a duration", "rules": "too deep"}),
                     "rules")


def refused(model, body, **context) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        parse_body(model, body, context=context or None)
    return caught.value.fields


@pytest.mark.parametrize("loc, place", [
    (("steps", 0, "delay"), "steps[0].delay"),
    (("data", "job_id", "str"), "data.job_id"),
    (("data", "job_id", "int"), "data.job_id"),
    (("data", "code", "function-after[strip(), str]"), "data.code"),
    (("name", "constrained-str"), "name"),
    (("ids", "list[str]", 2), "ids[2]"),
    (("role", "str-enum[Role]"), "role"),
    ((), ""),
])
def test_a_place_is_dotted_without_pydantics_union_tags(loc, place):
    assert dotted(loc) == place


@pytest.mark.parametrize("value", [[1], {"a": 1}, 1.5, True])
def test_a_field_of_several_types_is_named_by_its_key(value):
    assert refused(Reference, {"job_id": value, "code": value}) == {
        "job_id": "an id: text or a whole number", "code": "a code"}
    assert refused(Event, {"data": {"job_id": value}}) == {"data.job_id": "an id: text or a whole number"}


@pytest.mark.parametrize("key", ["a-b", "list[str]", "x[0]", "str", "Email"])
def test_an_unknown_field_is_named_as_sent_whatever_it_looks_like(key):
    assert refused(Reference, {"job_id": 1, key: 1}) == {key: "unknown field"}
    assert refused(Event, {"data": {"job_id": 1, key: 1}}) == {f"data.{key}": "unknown field"}


def test_a_validator_reads_the_context_it_is_given():
    assert parse_body(Priced, {"amount": 50}, context={"limit": 100}).amount == 50
    assert refused(Priced, {"amount": 50}) == {"amount": "over the limit"}
    assert parse_as(Priced, {"amount": 50}, "invalid price", limit=100).amount == 50


def test_parse_as_names_every_field_that_does_not_fit_in_its_message():
    with pytest.raises(ValidationError) as caught:
        parse_as(Priced, {"amount": "5", "colour": "red"}, "invalid price")
    assert caught.value.message == "invalid price: amount, colour"
    assert caught.value.fields == {"amount": "a whole number", "colour": "unknown field"}
    with pytest.raises(ValidationError) as not_an_object:
        parse_as(Priced, [1], "invalid price")
    assert (not_an_object.value.message, not_an_object.value.fields) == ("body must be a JSON object", {})


def test_a_whole_structures_problems_are_told_at_their_places():
    assert refused(Ruled, {"rules": {"all": [{}]}}) == {"rules.all[0].value": "not a duration", "rules": "too deep"}


HELPERS = ("Body", "CHOICE", "ABSENT", "parse_body", "parse_as", "described", "problem_of", "as_validation_error",
           "dotted", "reading", "checked", "refused", "ids_of", "moment", "nested", "with_problems")


def _defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def test_each_body_helper_is_defined_once_in_the_domain():
    models = [p for p in sorted(DOMAIN.glob("*.py")) if "pydantic" in p.read_text(encoding="utf-8")]
    where = {name: [p.name for p in models if name in _defined(p)] for name in HELPERS}
    assert all(len(modules) == 1 for modules in where.values()), where
    assert not (DOMAIN / "body_checks.py").exists()
    lax = [p.name for p in DOMAIN.glob("*.py") if "Strict(False)" in p.read_text(encoding="utf-8")]
    assert lax == ["bodies.py"]  # enum fields say CHOICE
