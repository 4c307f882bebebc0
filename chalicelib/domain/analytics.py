"""The figures recruiters read: rates, funnels, time series, medians, goal progress. Pure."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta

from .clock import MAX_YEAR, MIN_YEAR, iso, parse_iso
from .errors import ValidationError
from .text import unsafe_reason

SERIES_DAYS = 7
DEFAULT_PERIOD = timedelta(days=90)
MAX_AMOUNT = 1e12
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

    counts = {
        "sent": get("sent"), "delivered": get("delivered"), "bounced": get("bounced"),
        "complained": get("complained"), "opened": get("opens_unique"), "clicked": get("clicks_unique"),
        "unsubscribed": get("unsubscribed"), "applied": get("applied"), "hired": get("hired"),
        "skipped": get("skipped"),
        "opens": get("opens"), "clicks": get("clicks"),
    }
    reached = counts["delivered"] or counts["sent"]  # before SES reports deliveries, sent stands in
    return {
        **counts,
        "machine": {"opens": get("opens_machine"), "clicks": get("clicks_machine")},
        "after_open_only": {"applied": get("applied_after_open"), "hired": get("hired_after_open")},
        "rates": {
            "open": ratio(counts["opened"], reached), "click": ratio(counts["clicked"], reached),
            "click_to_open": ratio(counts["clicked"], counts["opened"]),
            "bounce": ratio(counts["bounced"], counts["sent"]),
            "unsubscribe": ratio(counts["unsubscribed"], reached),
            "application": ratio(counts["applied"], reached),
        },
    }


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


# ---------------------------------------------------------------- goals and costs as recruiters send them

def period(start: object, end: object, now: datetime) -> tuple[str, str]:
    """[from, to] as ISO times (default: the last 90 days), each within the years parse_iso accepts."""
    problems = {}
    bounds = []
    for name, value, default in (("from", start, now - DEFAULT_PERIOD), ("to", end, now)):
        try:
            bounds.append(iso(default) if value in (None, "") else iso(parse_iso(value)))
        except ValueError:
            problems[name] = f"an ISO 8601 date or time in the years {MIN_YEAR} to {MAX_YEAR}"
    if problems:
        raise ValidationError("from and to must be ISO 8601 dates", problems)
    if bounds[0] > bounds[1]:
        raise ValidationError.field("from", "must be before to")
    return bounds[0], bounds[1]


def _line(value: object, limit: int = 200) -> str | None:
    """One line of text, or None if it is not one."""
    if not isinstance(value, str) or not value.strip() or len(value) > limit or unsafe_reason(value, single_line=True):
        return None
    return value.strip()


def _amount(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_AMOUNT:
        return None
    return float(value)


def validate_cost(body: object, now: datetime) -> dict:
    """A cost entry: source, amount (0..1e12), currency (3 letters, default USD), period."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    problems = {}
    source = _line(body.get("source"), 100)
    if source is None:
        problems["source"] = "required: where the hires come from (e.g. careers_page, agency, job_board)"
    else:
        source = source.lower().replace(" ", "_")
    amount = _amount(body.get("amount"))
    if amount is None:
        problems["amount"] = f"a number from 0 to {MAX_AMOUNT:.0e}"
    currency = body.get("currency", "USD")  # only absent means the default: [] or "" is a wrong value
    if not isinstance(currency, str) or not (len(currency) == 3 and currency.isascii() and currency.isalpha()):
        problems["currency"] = "a three-letter ISO 4217 code such as EUR"
    start = end = None
    try:
        start, end = period(body.get("from"), body.get("to"), now)
    except ValidationError as exc:
        problems.update(exc.fields)
    if problems:
        raise ValidationError("invalid cost: " + ", ".join(sorted(problems)), problems)
    return {"source": source, "amount": amount, "currency": currency.upper(),
            "from": start, "to": end}


def validate_goal(body: object, metrics: dict, now: datetime) -> dict:
    """A goal: metric (one of `metrics`), target (0..1e12), period {from?, to}, filters {department?}, name?."""
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object")
    problems = {}
    metric = body.get("metric")
    if not isinstance(metric, str) or metric not in metrics:
        problems["metric"] = "one of " + ", ".join(metrics)
    target = body.get("target")
    if _amount(target) is None:
        problems["target"] = f"a number from 0 to {MAX_AMOUNT:.0e}"
    goal_period = body.get("period")
    start = end = None
    if not isinstance(goal_period, dict) or not goal_period.get("to"):
        problems["period"] = "{from?, to}: the goal's deadline (and start, default today)"
    else:
        try:
            start, end = period(goal_period.get("from", iso(now)), goal_period["to"], now)
        except ValidationError as exc:
            problems.update({f"period.{k}": v for k, v in exc.fields.items()})
    filters = body.get("filters") or {}
    department = filters.get("department") if isinstance(filters, dict) else None
    if not isinstance(filters, dict) or (department not in (None, "") and _line(department) is None):
        problems["filters"] = "an object; its department one line of text"
    name = body.get("name")
    if name is not None and _line(name) is None:
        problems["name"] = "one line of text, at most 200 characters"
    if problems:
        raise ValidationError("invalid goal: " + ", ".join(sorted(problems)), problems)
    return {"name": _line(name) or metric, "metric": metric, "target": target, "period": {"from": start, "to": end},
            "filters": {"department": department.strip()} if department else {}}
