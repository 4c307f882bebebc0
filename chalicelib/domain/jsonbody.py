"""The one strict reader for JSON from outside: request bodies, webhooks, SNS envelopes and SES messages.

Python's json module accepts what later breaks us: nesting deep enough for a RecursionError, NaN and
Infinity, integers of thousands of digits, floats beyond DynamoDB's range (1e-130..1e125, 38 digits),
lone surrogates ("\\ud800", a str that cannot be encoded) and objects with any number of keys of any
length. Each is refused here with a 400 `invalid_json`, so callers see only data they can store and log.
"""
from __future__ import annotations

import json
import math
import re

from .errors import ValidationError
from .text import has_surrogate

MAX_DEPTH = 32
MAX_INT = 10**15  # beyond any count, amount or timestamp we keep; well inside DynamoDB's 38 digits
MAX_FLOAT = 1e15
MIN_FLOAT = 1e-15  # smaller non-zero magnitudes are noise, and far below 1e-130 would underflow DynamoDB
MAX_NUMBER_CHARS = 40
MAX_KEYS = 1000  # per object
MAX_KEY_CHARS = 200

# A JSON string (escapes included) or a bracket: strings are skipped so brackets inside them don't count.
_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)
# Otherwise only an escape can produce a surrogate: no such escape, no walk.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


class _Refused(ValueError):
    """A value the strict reader refuses; its message is the field problem."""


def loads(raw: bytes | str, *, field: str = "body") -> object:
    """Parse JSON strictly. Raises ValidationError (code `invalid_json`, fields {field: problem})."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw
        if not isinstance(text, str):
            raise _Refused("must be JSON text")
        if has_surrogate(text):  # only a str handed in can hold one raw; bytes were decoded strictly
            raise _Refused("holds a lone UTF-16 surrogate")
        _check_depth(text)
        value = json.loads(text, parse_constant=_constant, parse_int=_int, parse_float=_float,
                           object_pairs_hook=_object)
        if _SURROGATE_ESCAPE.search(text):
            _check_strings(value)
        return value
    except UnicodeDecodeError:
        problem = "not UTF-8"
    except _Refused as exc:
        problem = str(exc)
    except (ValueError, RecursionError) as exc:  # RecursionError cannot happen after _check_depth; belt and braces
        problem = f"invalid JSON ({str(exc)[:120]})"
    raise ValidationError(f"{field} is not valid JSON: {problem}", {field: problem}, code="invalid_json")


def check(value: object, *, field: str = "body") -> object:
    """The same rules for a value parsed elsewhere (depth, numbers, keys, strings); returns it unchanged."""
    try:
        _check_value(value)
    except _Refused as exc:
        raise ValidationError(f"{field} is not valid JSON: {exc}", {field: str(exc)}, code="invalid_json") from None
    return value


def _check_value(value: object) -> None:
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)) and depth > MAX_DEPTH:
            raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            if not all(isinstance(key, str) for key in item):
                raise _Refused("object keys must be text")
            _object(list(item.items()))
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if has_surrogate(item):
                raise _Refused("a string holds a lone UTF-16 surrogate")
        elif isinstance(item, float):
            _bounded_float(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            _bounded_int(item)
        elif item is not None and not isinstance(item, bool):
            raise _Refused(f"{type(item).__name__} is not a JSON value")


def _check_depth(text: str) -> None:
    depth = 0
    for match in _TOKENS.finditer(text):
        bracket = match.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise _Refused(f"nested deeper than {MAX_DEPTH} levels")
        elif bracket in ("]", "}"):
            depth -= 1


def _constant(name: str):
    raise _Refused(f"{name} is not a JSON number")


def _int(text: str) -> int:
    _check_length(text)
    return _bounded_int(int(text))


def _float(text: str) -> float:
    _check_length(text)
    return _bounded_float(float(text))


def _bounded_int(value: int) -> int:
    if abs(value) > MAX_INT:
        raise _Refused(f"whole numbers must be between -{MAX_INT:.0e} and {MAX_INT:.0e}")
    return value


def _bounded_float(value: float) -> float:
    if not math.isfinite(value) or abs(value) > MAX_FLOAT or (value and abs(value) < MIN_FLOAT):
        raise _Refused(f"numbers must be finite, at most {MAX_FLOAT:.0e} and at least {MIN_FLOAT:.0e} in size (or 0)")
    return value


def _check_length(text: str) -> None:
    if len(text) > MAX_NUMBER_CHARS:  # before int(): thousands of digits cost quadratic time
        raise _Refused(f"a number has more than {MAX_NUMBER_CHARS} characters")


def _object(pairs: list[tuple[str, object]]) -> dict:
    if len(pairs) > MAX_KEYS:
        raise _Refused(f"an object has more than {MAX_KEYS} keys")
    for key, _ in pairs:
        if len(key) > MAX_KEY_CHARS:
            raise _Refused(f"an object key is longer than {MAX_KEY_CHARS} characters")
        if has_surrogate(key):
            raise _Refused("an object key holds a lone UTF-16 surrogate")
    return dict(pairs)


def _check_strings(value: object) -> None:
    """Iteratively (the depth is bounded, but a stack costs nothing): no string holds a lone surrogate."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                raise _Refused("a string holds a lone UTF-16 surrogate")
        elif isinstance(item, dict):
            pending.extend(item.values())  # keys were checked in _object
        elif isinstance(item, list):
            pending.extend(item)
