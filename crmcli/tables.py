"""Plain-text tables: aligned columns, numbers on the right, no external library."""
from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from typing import Any

MAX_CELL = 60


def cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value) or "-"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = " ".join(str(value).split())  # one line per row, whatever the data holds
    return text if width(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def when(value: str | None) -> str:
    """2026-11-25T18:39:12.123Z -> 2026-11-25 18:39 (UTC)"""
    return value[:16].replace("T", " ") if isinstance(value, str) and len(value) >= 16 else cell(value)


def width(text: str) -> int:
    """Columns on a terminal: East Asian wide characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _numeric(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
        isinstance(value, str) and value.endswith("%") and value[:-1].replace(".", "", 1).isdigit())


def render(headers: list[str], rows: Iterable[list[Any]], *, right: set[int] | None = None) -> str:
    """Columns padded to the widest cell; a column of numbers (or blanks) is right-aligned."""
    rows = [list(r) for r in rows]
    if right is None:
        right = {i for i in range(len(headers))
                 if any(_numeric(r[i]) for r in rows)
                 and all(_numeric(r[i]) or r[i] in (None, "", "-") for r in rows)}
    text = [[cell(v) for v in r] for r in rows]
    widths = [max([width(h)] + [width(r[i]) for r in text]) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = []
        for i, value in enumerate(cells):
            gap = " " * (widths[i] - width(value))
            padded.append(gap + value if i in right else value + gap)
        return "  ".join(padded).rstrip()

    return "\n".join([line(headers)] + [line(r) for r in text])


def key_values(pairs: Iterable[tuple[str, Any]]) -> str:
    """Two columns; when every value is a number, the numbers line up on the right."""
    pairs = [(k, v) for k, v in pairs]
    size = max((width(k) for k, _ in pairs), default=0)
    values = [cell(v) for _, v in pairs]
    if pairs and all(_numeric(v) for _, v in pairs):
        widest = max(width(v) for v in values)
        values = [" " * (widest - width(v)) + v for v in values]
    return "\n".join(f"{k}{' ' * (size - width(k))}  {v}".rstrip() for (k, _), v in zip(pairs, values, strict=True))


def flatten(data: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested objects as dotted keys; lists of objects are left to the caller."""
    pairs: list[tuple[str, Any]] = []
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            pairs += flatten(value, name + ".")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            continue
        else:
            pairs.append((name, value))
    return pairs
