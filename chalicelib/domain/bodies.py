"""Request bodies as declared models (pydantic v2), answered in the contract's error body when they do not fit.

A body model says each field's type, bounds and meaning once. Its field's `description` is the problem a
caller reads when the value does not fit (`{"fields": {"name": "<description>"}}`), unless a validator of
the field raised a more precise `ValueError`; an unknown field reads "unknown field", a missing one the
description. Models are strict (no "1" for 1, no 1 for true) and refuse unknown fields, as the hand-written
validators they replace did.

Strictness has one exception: an enum field takes its values' text, as JSON spells them. Declare it
`Annotated[Role, CHOICE]` (a strict model takes only enum members from Python data).
"""
from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Strict
from pydantic import ValidationError as ModelError

from .errors import ValidationError

Model = TypeVar("Model", bound=BaseModel)
CHOICE = Strict(False)  # an enum field: "viewer" reads as Role.VIEWER (and 1, true, null are still refused)


class Body(BaseModel):
    """Base of every request body."""
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, hide_input_in_errors=True)


def parse_body(model: type[Model], body: object) -> Model:
    """`body` (already read by domain.jsonbody) as `model`, or ValidationError naming every field that does not fit."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    try:
        return model.model_validate(body)
    except ModelError as error:
        raise as_validation_error(model, error) from None


def as_validation_error(model: type[BaseModel], error: ModelError) -> ValidationError:
    fields: dict[str, str] = {}
    for problem in error.errors(include_url=False, include_input=False):
        where = dotted(problem["loc"])
        fields.setdefault(where or "body", _message(model, problem))
    first = next(iter(fields.items()))
    return ValidationError(f"{first[0]}: {first[1]}", fields)


def dotted(loc: tuple[Any, ...]) -> str:
    """('steps', 0, 'delay') -> 'steps[0].delay', the form the contract's `fields` use."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in ("function-after", "function-before", "function-plain", "function-wrap"):
            out += ("." if out else "") + str(part)
    return out


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
    for part in loc:
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
