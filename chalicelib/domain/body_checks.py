"""What the campaign-side body models share (campaigns, templates, jobs, goals, costs, test sends, previews).

The project's own checks (clock.is_id, clock.parse_iso, the profile's text rules, ...) as pydantic validators,
so a model says each rule once and keeps its problem text; and these routes' answer as it always was:
"invalid campaign: audience.pools, name" with every field that does not fit (domain.bodies: how one is read).
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from pydantic import BaseModel, Strict, ValidatorFunctionWrapHandler
from pydantic import ValidationError as ModelError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .bodies import parse_body
from .clock import is_id, iso, parse_iso
from .errors import ValidationError

Model = TypeVar("Model", bound=BaseModel)

# An enum field takes its member's text ("email" for Channel.EMAIL): in strict mode it would want the member.
LAX = Strict(False)


def parse(model: type[Model], body: object, what: str) -> Model:
    """parse_body, answered as before: "invalid <what>: <the fields that do not fit>"."""
    try:
        return parse_body(model, body)
    except ValidationError as exc:
        if not exc.fields:  # not an object at all
            raise
        raise ValidationError(f"invalid {what}: " + ", ".join(sorted(exc.fields)), exc.fields) from None


def described() -> PydanticCustomError:
    """Raised by a validator when the field's description already says what is wrong."""
    return PydanticCustomError("described", "does not fit the field's description")


def problem_of(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A check that raises the project's ValidationError (a field's problem) as a validator's ValueError."""
    def run(value: Any) -> Any:
        try:
            return check(value)
        except ValidationError as exc:
            raise ValueError(next(iter(exc.fields.values()), exc.message)) from None
    return run


def ids_of(prefix: str, *, required: bool = False) -> Callable[[Any], list[str]]:
    """A list of `prefix` ids, each once in its order (a non-empty one if `required`), checked as a whole:
    one problem for the list, not one per item of a list of thousands."""
    def ids(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(is_id(v, prefix) for v in value) or (required and not value):
            raise described()
        return list(dict.fromkeys(value))
    return ids


def moment(problem: str) -> Callable[[Any], str | None]:
    """An ISO 8601 time within clock.parse_iso's years, normalized; "" and null are "not given"."""
    def read(value: Any) -> str | None:
        if value in (None, ""):
            return None
        try:
            return iso(parse_iso(value))
        except ValueError:
            raise ValueError(problem) from None  # (a field of another name than its key has no description)
    return read


def with_problems(value: Any, handler: ValidatorFunctionWrapHandler, problems: dict[tuple[str | int, ...], str]) -> Any:
    """For a wrap validator: the field read by `handler`, refused with `problems` (place inside the field:
    text) told together with whatever else is wrong in it: a rule across items does not hide their own problems."""
    errors: list[InitErrorDetails] = []
    try:
        result = handler(value)
    except ModelError as error:
        errors = [InitErrorDetails(type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")), loc=e["loc"],
                                   input=e.get("input")) for e in error.errors()]  # each as it was told
    errors += [InitErrorDetails(type=PydanticCustomError("value_error", "{error}", {"error": text}), loc=loc,
                                input=None) for loc, text in problems.items()]
    if errors:
        raise ModelError.from_exception_data("body", errors)
    return result
