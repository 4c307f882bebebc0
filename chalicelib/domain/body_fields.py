"""What the people-side body models share: the project's own checks as pydantic validators.

The project has one check for each kind of value (candidates._text, emails.normalize_email, clock.parse_iso,
rules.parse_rules, ...), each raising the project's ValidationError with the problem a caller reads. These
helpers let a body model call them instead of saying the same rule twice, keeping their problem texts.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from pydantic import BaseModel, PlainValidator, ValidationInfo
from pydantic import ValidationError as ModelError
from pydantic_core import InitErrorDetails, PydanticCustomError

from .bodies import as_validation_error
from .errors import ValidationError

T = TypeVar("T")
Model = TypeVar("Model", bound=BaseModel)
Check = Callable[[Any, str], T]
# The default of a field a PATCH may leave out when null is not a value it takes: defaults are not
# validated, so a sent null is still refused; model_fields_set tells which fields were sent.
ABSENT: Any = None


def reading(check: Check[T]) -> Callable[[Any, ValidationInfo], T]:
    """`check(value, field)` as a validator: its ValidationError becomes the field's problem text."""
    def read(value: Any, info: ValidationInfo) -> T:
        try:
            return check(value, info.field_name or "")
        except ValidationError as exc:
            raise ValueError(next(iter(exc.fields.values()), exc.message)) from None
    return read


def checked(check: Check[Any]) -> PlainValidator:
    """A field read by one of the project's checks alone (it says which types it takes)."""
    return PlainValidator(reading(check))


def refused(problem: str) -> PlainValidator:
    """A field a body may not name (a PATCH of what is fixed for good): sent, with any value, it reads `problem`."""
    def refuse(value: Any) -> None:
        raise ValueError(problem)
    return PlainValidator(refuse)


def described() -> PydanticCustomError:
    """Raised by a validator when the field's own description already says what is wrong."""
    return PydanticCustomError("described", "does not fit the field's description")


def nested(exc: ValidationError, under: str = "") -> ModelError:
    """The problems of a ValidationError raised by a check of a whole structure (parse_rules), each at the
    dotted place it names; raised in a validator of the field `under`, whose place pydantic adds."""
    def place(where: str) -> tuple[str, ...]:
        rest = where[len(under):].lstrip(".") if under and where.startswith(under) else where
        return (rest,) if rest else ()

    return ModelError.from_exception_data(under or "body", [
        InitErrorDetails(type=PydanticCustomError("value_error", "{error}", {"error": problem}),
                         loc=place(where), input=None)
        for where, problem in (exc.fields or {under or "body": exc.message}).items()])


def parse_in(model: type[Model], body: object, message: str, **context: object) -> Model:
    """bodies.parse_body with a validation context (what a check needs besides the body: the person's stored
    country, the allowed origins), answered as these routes always were: "<message>: <bad fields>"."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    try:
        return model.model_validate(body, context=context)
    except ModelError as error:
        fields = as_validation_error(model, error).fields
    raise ValidationError(f"{message}: " + ", ".join(sorted(fields)), fields)
