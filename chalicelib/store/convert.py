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


def to_dict(item: Model) -> dict:
    return _plain(item.to_simple_dict())


def from_dict(model: type[M], data: dict) -> M:
    known = model.get_attributes()
    item = model()
    item.from_simple_dict({k: v for k, v in data.items() if k in known and v is not None})
    return item
