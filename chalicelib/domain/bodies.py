"""Request bodies as declared models (pydantic v2), answered in the contract's error body when they do not fit.

A body model says each field's type, bounds and meaning once. Its field's `description` is the problem a
caller reads when the value does not fit (`{"fields": {"name": "<description>"}}`), unless a validator of
the field raised a more precise `ValueError`; an unknown field reads "unknown field", a missing one the
description. Models are strict (no "1" for 1, no 1 for true) and refuse unknown fields, as the hand-written
validators they replace did.

Strictness has one exception: an enum field takes its values' text, as JSON spells them. Declare it
`Annotated[Role, CHOICE]` (a strict model takes only enum members from Python data).

Validators that build fields from the project's own checks are in body_fields.py.
"""
from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

from pydantic import BaseModel, ConfigDict, Strict
from pydantic import ValidationError as ModelError
from pydantic_core import PydanticCustomError

from .errors import ValidationError

Model = TypeVar("Model", bound=BaseModel)
T = TypeVar("T")
CHOICE = Strict(False)  # an enum field: "viewer" reads as Role.VIEWER (and 1, true, null are still refused)
# The default of a field a PATCH may leave out when null is not a value it takes: defaults are not
# validated, so a sent null is still refused; model_fields_set tells which fields were sent.
ABSENT: Any = None
# The name pydantic gives a member of a union in an error's place ("str", "int", "constrained-str",
# "list[str]", "function-after[_name(), str]"): not a place the caller wrote. A field's name has no "-" or "[".
_UNION_TAG = re.compile(r"^(?:str|int|float|bool|bytes|none|.*[-\[].*)$")


class Body(BaseModel):
    """Base of every request body."""
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)


def parse_body(model: type[Model], body: object, *, context: dict[str, Any] | None = None) -> Model:
    """`body` (already read by domain.jsonbody) as `model`, or ValidationError naming every field that does not fit.

    `context`: what a field's check needs besides the body (the person's stored country, the allowed origins),
    read by validators from `info.context`."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    try:
        return model.model_validate(body, context=context)
    except ModelError as error:
        raise as_validation_error(model, error) from None


def parse_as(model: type[Model], body: object, message: str, **context: Any) -> Model:
    """parse_body, answered as the routes that read `model` always were: "<message>: <the fields that do not
    fit>" (message "invalid campaign": "invalid campaign: audience.pools, name"); `context` as parse_body's."""
    try:
        return parse_body(model, body, context=context)
    except ValidationError as exc:
        if not exc.fields:  # not an object at all
            raise
        raise ValidationError(f"{message}: " + ", ".join(sorted(exc.fields)), exc.fields) from None


def described() -> PydanticCustomError:
    """Raised by a validator when the field's own description already says what is wrong."""
    return PydanticCustomError("described", "does not fit the field's description")


def problem_of(check: Callable[[Any], T]) -> Callable[[Any], T]:
    """A check that raises the project's ValidationError as a validator: its problem text becomes the field's."""
    def run(value: Any) -> T:
        try:
            return check(value)
        except ValidationError as exc:
            raise ValueError(next(iter(exc.fields.values()), exc.message)) from None
    return run


def as_validation_error(model: type[BaseModel], error: ModelError) -> ValidationError:
    fields: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_input=False):
        loc = problem["loc"]
        # an unknown field's place ends with the key the caller sent, whatever it looks like
        where = _joined([*_places(loc[:-1]), loc[-1]]) if problem["type"] == "extra_forbidden" else dotted(loc)
        fields.setdefault(where or "body", _message(model, problem))
    first = next(iter(fields.items()))
    return ValidationError(f"{first[0]}: {first[1]}", fields)


def dotted(loc: tuple[Any, ...]) -> str:
    """('steps', 0, 'delay') -> 'steps[0].delay', the form the contract's `fields` use; the names pydantic gives
    the members of a union are left out (('data', 'job_id', 'str') -> 'data.job_id')."""
    return _joined(_places(loc))


def _joined(places: list[Any]) -> str:
    out = ""
    for part in places:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


def _places(loc: tuple[Any, ...]) -> list[Any]:
    return [part for part in loc if isinstance(part, int) or not _UNION_TAG.match(str(part))]


def _message(model: type[BaseModel], problem: Any) -> str:
    kind = problem["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":  # raised by the field's own validator: already says what is wrong
        return str(problem["ctx"].get("error", problem["msg"])) if problem.get("ctx") else problem["msg"]
    return _description(model, problem["loc"]) or problem["msg"]


def _description(model: type[BaseModel], loc: tuple[Any, ...]) -> str | None:
    """The description of the field at `loc`, following nested models and lists of them."""
    current: Any = model
    description = None
    for part in _places(loc):
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            break
        info = fields[part]
        description = info.description
        current = _inner_model(info.annotation)
    return description


def _inner_model(annotation: Any) -> Any:
    """The model inside `X`, `list[X]`, `X | None`: where a nested location continues."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
