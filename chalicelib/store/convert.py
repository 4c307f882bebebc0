"""Plain dicts in, plain dicts out: the rest of the code never sees a PynamoDB model."""
from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from pynamodb.models import Model

M = TypeVar("M", bound=Model)


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def storable(value):
    """`value` with the vocabulary's members (StrEnum: str subclasses) as plain text. A raw MapAttribute
    serializes its values by their exact type and refuses a subclass of str; the text stored is the same."""
    if type(value) is str:
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, dict):
        return {k: storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def to_dict(item: Model) -> dict:
    return _plain(item.to_simple_dict())


def from_dict(model: type[M], data: dict) -> M:
    # Attributes set directly: from_simple_dict would first turn every value into an AttributeValue
    # and back (40% slower; it shows on a 10,000-row import).
    known = model.get_attributes()
    return model(**{k: storable(v) for k, v in data.items() if k in known and v is not None})
