"""The figures recruiters read: rates, funnels, time series, medians, goal progress. Pure."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta

from .clock import iso, parse_iso

SERIES_DAYS = 7
FUNNEL = ("sent", "delivered", "bounced", "complained", "opened", "clicked", "unsubscribed", "applied", "hired")


def hour_key(at: str) -> str:
    return "h" + at[:13].replace("-", "").replace("T", "")  # h2026112518


def within_series(sent_at: str | None, at: str) -> bool:
    if not sent_at:
        return True
    try:
        return parse_iso(at) - parse_iso(sent_at) < timedelta(days=SERIES_DAYS)
    except ValueError:
        return False


def ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def funnel(totals: Counter, suffix: str = "") -> dict:
    """Counts and rates from a campaign's counters (suffix `_s0` for one step)."""
    def get(name: str) -> int:
        return int(totals.get(name + suffix, 0))

    figures = {
        "sent": get("sent"), "delivered": get("delivered"), "bounced": get("bounced"),
        "complained": get("complained"), "opened": get("opens_unique"), "clicked": get("clicks_unique"),
        "unsubscribed": get("unsubscribed"), "applied": get("applied"), "hired": get("hired"),
        "skipped": get("skipped"),
        "opens": get("opens"), "clicks": get("clicks"),
        "machine": {"opens": get("opens_machine"), "clicks": get("clicks_machine")},
        "after_open_only": {"applied": get("applied_after_open"), "hired": get("hired_after_open")},
    }
    reached = figures["delivered"] or figures["sent"]  # before SES reports deliveries, sent stands in
    figures["rates"] = {
        "open": ratio(figures["opened"], reached), "click": ratio(figures["clicked"], reached),
        "click_to_open": ratio(figures["clicked"], figures["opened"]),
        "bounce": ratio(figures["bounced"], figures["sent"]),
        "unsubscribe": ratio(figures["unsubscribed"], reached),
        "application": ratio(figures["applied"], reached),
    }
    return figures


def hourly_series(totals: Counter, started_at: str | None) -> list[dict]:
    """sends, opens and clicks per hour for the first 7 days (hours with nothing are zeros)."""
    if not started_at:
        return []
    start = parse_iso(started_at).replace(minute=0, second=0, microsecond=0)
    series = []
    for hour in range(SERIES_DAYS * 24):
        moment = start + timedelta(hours=hour)
        key = hour_key(iso(moment))
        series.append({"hour": iso(moment), "sent": int(totals.get(f"sent_{key}", 0)),
                       "opens": int(totals.get(f"opens_{key}", 0)), "clicks": int(totals.get(f"clicks_{key}", 0))})
    last = max((i for i, point in enumerate(series) if point["sent"] or point["opens"] or point["clicks"]), default=-1)
    return series[:last + 1]


def median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def goal_progress(goal: dict, value: float | None, now: datetime) -> dict:
    """How far a goal is, and whether it is on track: a target to reach (at least) or to stay under."""
    start, end = parse_iso(goal["period"]["from"]), parse_iso(goal["period"]["to"])
    elapsed = min(1.0, max(0.0, (now - start).total_seconds() / max(1.0, (end - start).total_seconds())))
    target, lower_is_better = goal["target"], goal.get("direction") == "down"
    if value is None:
        return {"value": None, "progress": 0.0, "status": "no_data", "elapsed": round(elapsed, 4)}
    if lower_is_better:
        met = value <= target
        progress = 1.0 if met else round(target / value, 4) if value else 1.0
    else:
        met = value >= target
        progress = round(min(1.0, value / target), 4) if target else 1.0
    cumulative = goal.get("cumulative", False)
    on_track = met or (cumulative and progress >= elapsed)
    status = "achieved" if met and elapsed >= 1.0 else "on_track" if on_track else "behind"
    return {"value": value, "progress": progress, "status": status, "elapsed": round(elapsed, 4)}
