"""Fields of the body models made of the project's own checks, so that a model says each rule once.

The project has one check for each kind of value (candidates._text, emails.normalize_email, clock.parse_iso,
clock.is_id, rules.parse_rules, ...), each raising the project's ValidationError with the problem a caller
reads. These helpers let a body model call them, keeping their problem texts; how a body is read and
answered is domain.bodies (parse_body, parse_as, described, problem_of).
"""
from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

from pydantic import PlainValidator, ValidationInfo, ValidatorFunctionWrapHandler
from pydantic import ValidationError as ModelError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .bodies import described, problem_of
from .clock import is_id, iso, parse_iso
from .errors import ValidationError

T = TypeVar("T")
Check = Callable[[Any, str], T]
Place = tuple[str | int, ...]
_PLACE = re.compile(r"\[\d+\]|[^.\[\]]+")  # "all[0].value": "all", "[0]", "value"


def reading(check: Check[T]) -> Callable[[Any, ValidationInfo], T]:
    """`check(value, field)` as a validator: its ValidationError becomes the field's problem text."""
    def read(value: Any, info: ValidationInfo) -> T:
        return problem_of(lambda given: check(given, info.field_name or ""))(value)
    return read


def checked(check: Check[Any]) -> PlainValidator:
    """A field read by one of the project's checks alone (it says which types it takes)."""
    return PlainValidator(reading(check))


def refused(problem: str) -> PlainValidator:
    """A field a body may not name (a PATCH of what is fixed for good): sent, with any value, it reads `problem`."""
    def refuse(value: Any) -> None:
        raise ValueError(problem)
    return PlainValidator(refuse)


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


def nested(exc: ValidationError, under: str = "") -> ModelError:
    """The problems of a ValidationError raised by a check of a whole structure (parse_rules), each at the
    dotted place it names; raised in a validator of the field `under`, whose place pydantic adds."""
    def place(where: str) -> Place:
        rest = where[len(under):] if under and where.startswith(under) else where
        return tuple(int(part[1:-1]) if part.startswith("[") else part for part in _PLACE.findall(rest))

    problems = exc.fields or {under or "body": exc.message}
    return _refusal([_told(text, place(where)) for where, text in problems.items()])


def with_problems(value: Any, handler: ValidatorFunctionWrapHandler, problems: dict[Place, str]) -> Any:
    """For a wrap validator: the field read by `handler`, refused with `problems` (place inside the field:
    text) told together with whatever else is wrong in it: a rule across items does not hide their own problems."""
    errors: list[InitErrorDetails] = []
    try:
        result = handler(value)
    except ModelError as error:
        errors = [InitErrorDetails(type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")), loc=e["loc"],
                                   input=e.get("input")) for e in error.errors()]  # each as it was told
    errors += [_told(text, loc) for loc, text in problems.items()]
    if errors:
        raise _refusal(errors)
    return result


def _told(text: str, loc: Place) -> InitErrorDetails:
    """A problem whose text is read as it is (bodies: a value_error's)."""
    return InitErrorDetails(type=PydanticCustomError("value_error", "{error}", {"error": text}), loc=loc, input=None)


def _refusal(errors: list[InitErrorDetails]) -> ModelError:
    return ModelError.from_exception_data("body", errors)
