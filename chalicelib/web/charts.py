"""Charts drawn on the server as SVG, for pages that have no script (the workspace's CSP allows none of ours).

Why no charting library: the maintained ones (Chart.js, ECharts, Vega...) draw in the browser with script, and
the server-side ones (matplotlib, pygal) bring a large dependency for a few bars. These charts are horizontal bars
and a funnel, drawn with percentage widths and a fixed height: the bars stretch to their box while the text keeps
its size, so a chart reads the same on a phone (390 px) as on a desktop, with no script to measure the box.

Each chart is `role="img"` named by its `<title>` and described by its `<desc>` (every figure in words); the page
shows the same numbers in a table too. Values are escaped here (markupsafe), the markup returned is safe to place.
Colours are SVG presentation attributes, not inline styles: the CSP's style-src does not cover them.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# At least 3:1 against white (WCAG 1.4.11, graphical objects); text in them is never drawn on a bar.
TONES = {"blue": "#1d4ed8", "teal": "#0f766e", "amber": "#b45309", "purple": "#6d28d9", "rose": "#be123c",
         "slate": "#475569", "green": "#15803d"}
TRACK = "#e4e7eb"
INK = "#1f2933"
LINE = 20  # height of a line of text
BAR = 14  # height of a bar
GAP = 10  # space after a group


@dataclass(frozen=True)
class Bar:
    """One bar: `value` sets its length (against the chart's scale), `text` is what it reads as ("45.0%")."""
    name: str
    value: float | None
    text: str
    tone: str = "blue"


@dataclass(frozen=True)
class Group:
    """A labelled group of bars; a group of one bar reads "label ... text" on one line above its bar."""
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Step:
    """A funnel's step: its count, and its words ("Hires: 3 · 50.0% of offers accepted")."""
    label: str
    value: float
    text: str
    tone: str = "blue"


def bar_chart(chart_id: str, title: str, groups: list[Group], scale: float | None = None) -> Markup:
    """Horizontal bars in groups. `scale` fixes the full length (1 for rates); by default the largest value."""
    largest = max((bar.value or 0 for group in groups for bar in group.bars), default=0)
    full = scale or largest or 1
    parts: list[str] = []
    y = 0
    for group in groups:
        single = len(group.bars) == 1
        if not single:
            parts.append(_text(0, y + 15, group.label, weight="600"))
            y += LINE
        for bar in group.bars:
            parts.append(_text(0, y + 15, group.label if single else bar.name, weight="600" if single else None))
            parts.append(_text("100%", y + 15, bar.text, anchor="end", numeric=True))
            y += LINE
            parts.append(_bar(y, bar.value or 0, full, bar.tone, f"{group.label}, {bar.name}: {bar.text}"))
            y += BAR + 4
        y += GAP
    desc = "; ".join(f"{group.label}: " + ", ".join(
        bar.text if len(group.bars) == 1 else f"{bar.name} {bar.text}" for bar in group.bars) for group in groups)
    return _svg(chart_id, title, desc, max(y - GAP, LINE), parts)


def funnel_chart(chart_id: str, title: str, steps: list[Step]) -> Markup:
    """Centred bars narrowing from the first step, each with its words above it."""
    first = steps[0].value if steps else 0
    parts: list[str] = []
    y = 0
    for step in steps:
        parts.append(_text(0, y + 15, step.text, weight="600"))
        y += LINE + 2
        share = step.value / first if first else 0
        width = max(1.0 if step.value > 0 else 0.0, share * 100)
        parts.append(_rect("0", y, "100%", 22, TRACK, None))
        parts.append(_rect(f"{(100 - width) / 2:.2f}%", y, f"{width:.2f}%", 22, TONES.get(step.tone, TONES["blue"]),
                           f"{step.label}: {_count(step.value)}"))
        y += 22 + 8
    desc = ", ".join(f"{step.label} {_count(step.value)}" for step in steps)
    return _svg(chart_id, title, desc, max(y - 8, LINE), parts)


# ---------------------------------------------------------------- drawing

def _svg(chart_id: str, title: str, desc: str, height: int, parts: list[str]) -> Markup:
    ids = f"{chart_id}-title {chart_id}-desc"
    head = (f'<svg class="chart-drawing" id="{escape(chart_id)}" role="img" width="100%" height="{height}" '
            f'aria-labelledby="{escape(ids)}" focusable="false" font-size="13" fill="{INK}">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>')
    return Markup(head + "".join(parts) + "</svg>")


def _text(x: str | int, y: int, words: str, *, anchor: str | None = None, weight: str | None = None,
          numeric: bool = False) -> str:
    extra = (f' text-anchor="{anchor}"' if anchor else "") + (f' font-weight="{weight}"' if weight else "")
    extra += ' font-variant-numeric="tabular-nums"' if numeric else ""
    return f'<text x="{x}" y="{y}"{extra}>{escape(words)}</text>'


def _bar(y: int, value: float, full: float, tone: str, tip: str) -> str:
    share = min(1.0, max(0.0, value / full)) if full else 0.0
    width = max(0.5 if value > 0 else 0.0, share * 100)  # a value above nothing is never drawn as nothing
    return (_rect("0", y, "100%", BAR, TRACK, None)
            + _rect("0", y, f"{width:.2f}%", BAR, TONES.get(tone, TONES["blue"]), tip))


def _rect(x: str, y: int, width: str, height: int, fill: str, tip: str | None) -> str:
    inner = f"<title>{escape(tip)}</title>" if tip else ""
    return f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="3" fill="{fill}">{inner}</rect>'


def _count(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
