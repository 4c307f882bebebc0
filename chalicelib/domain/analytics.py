"""The figures recruiters read: rates, funnels, time series, medians, goal progress. Pure."""
from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, ConfigDict, Field, model_validator

from .bodies import CHOICE, Body, described, parse_as
from .body_fields import moment
from .clock import MAX_YEAR, MIN_YEAR, iso, parse_iso
from .currencies import DEFAULT_CURRENCY, currency_code
from .errors import ValidationError
from .text import unsafe_reason
from .vocabulary import GoalMetric, GoalStatus

SERIES_DAYS = 7
DEFAULT_PERIOD = timedelta(days=90)
MAX_AMOUNT = 1e12
# metric: (direction, cumulative, what it is)
GOAL_METRICS: dict[GoalMetric, tuple[str, bool, str]] = {
    GoalMetric.POOL_HIRE_SHARE: ("up", False, "share of hires who were in a talent pool (0 to 1)"),
    GoalMetric.HIRES_FROM_POOLS: ("up", True, "hires who were in a talent pool"),
    GoalMetric.TIME_TO_FILL_DAYS: ("down", False, "median days from job opened to filled"),
    GoalMetric.OFFER_ACCEPTANCE_RATE: ("up", False, "accepted offers / decided offers (0 to 1)"),
    GoalMetric.COST_PER_HIRE: ("down", False, "costs entered / hires, all sources"),
    GoalMetric.CAMPAIGN_APPLICATIONS: ("up", True, "applications credited to campaigns"),
}
MONEY_METRICS = (GoalMetric.COST_PER_HIRE,)  # goals whose target and value are amounts of money
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


def counters(metric: str, step: int, variant: int | None = None, amount: int = 1) -> dict[str, int]:
    """What one campaign event adds to the campaign's counters: in all, for its step, for its subject variant."""
    names = [metric, f"{metric}_s{step}"] + ([f"{metric}_s{step}_v{variant}"] if variant is not None else [])
    return dict.fromkeys(names, amount)


def funnel(totals: Counter, suffix: str = "") -> dict:
    """Counts and rates from a campaign's counters (suffix `_s0` for one step)."""
    def get(name: str) -> int:
        return int(totals.get(name + suffix, 0))

    counts = {
        "sent": get("sent"), "delivered": get("delivered"), "bounced": get("bounced"),
        "complained": get("complained"), "opened": get("opens_unique"), "clicked": get("clicks_unique"),
        # people's replies, once per email (never automatic ones: auto_replied)
        "replied": get("replied"), "auto_replied": get("auto_replied"),
        "unsubscribed": get("unsubscribed"), "applied": get("applied"), "hired": get("hired"),
        "skipped": get("skipped"), "deferred": get("deferred"),  # deferred: each time a person waited for a step
        "opens": get("opens"), "clicks": get("clicks"),
    }
    reached = counts["delivered"] or counts["sent"]  # before SES reports deliveries, sent stands in
    return {
        **counts,
        "machine": {"opens": get("opens_machine"), "clicks": get("clicks_machine")},
        "after_open_only": {"applied": get("applied_after_open"), "hired": get("hired_after_open")},
        "rates": {
            "open": ratio(counts["opened"], reached), "click": ratio(counts["clicked"], reached),
            "reply": ratio(counts["replied"], reached),
            "click_to_open": ratio(counts["clicked"], counts["opened"]),
            "bounce": ratio(counts["bounced"], counts["sent"]),
            "unsubscribe": ratio(counts["unsubscribed"], reached),
            "application": ratio(counts["applied"], reached),
        },
    }


def with_answers(figures: dict, totals: Counter, suffix: str = "") -> dict:
    """A permission request's funnel with its answers (services/permission.py): `joined` the talent community,
    `objected`, and `rates.join` (of the people it reached)."""
    joined, objected = int(totals.get("joined" + suffix, 0)), int(totals.get("objected" + suffix, 0))
    reached = figures["delivered"] or figures["sent"]
    return {**figures, "joined": joined, "objected": objected,
            "rates": {**figures["rates"], "join": ratio(joined, reached), "objection": ratio(objected, reached)}}


def by_source(totals: Counter) -> dict[str, dict]:
    """A permission request's sends and answers per group of the people's source (import, ats, sourced, ...:
    domain/permission.py source_group), with each group's join rate."""
    groups = sorted({name.rpartition("_src_")[2] for name in totals if "_src_" in name})
    figures = {}
    for group in groups:
        sent, joined, objected = (int(totals.get(f"{metric}_src_{group}", 0)) for metric in ("sent", "joined",
                                                                                             "objected"))
        figures[group] = {"sent": sent, "joined": joined, "objected": objected,
                          "rates": {"join": ratio(joined, sent), "objection": ratio(objected, sent)}}
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
        return {"value": None, "progress": 0.0, "status": GoalStatus.NO_DATA, "elapsed": round(elapsed, 4)}
    if lower_is_better:
        met = value <= target
        progress = 1.0 if met else round(target / value, 4) if value else 1.0
    else:
        met = value >= target
        progress = round(min(1.0, value / target), 4) if target else 1.0
    cumulative = goal.get("cumulative", False)
    on_track = met or (cumulative and progress >= elapsed)
    status = GoalStatus.ACHIEVED if met and elapsed >= 1.0 else GoalStatus.ON_TRACK if on_track else GoalStatus.BEHIND
    return {"value": value, "progress": progress, "status": status, "elapsed": round(elapsed, 4)}


# ---------------------------------------------------------------- goals and costs as recruiters send them

PERIOD_PROBLEM = f"an ISO 8601 date or time in the years {MIN_YEAR} to {MAX_YEAR}"
AMOUNT_PROBLEM = f"a number from 0 to {MAX_AMOUNT:.0e}"
NAME_PROBLEM = "one line of text, at most 200 characters"
GOAL_PERIOD_PROBLEM = "{from?, to}: the goal's deadline (and start, default today)"


def period(start: object, end: object, now: datetime) -> tuple[str, str]:
    """[from, to] as ISO times (default: the last 90 days), each within the years parse_iso accepts."""
    problems = {}
    bounds = []
    for name, value, default in (("from", start, now - DEFAULT_PERIOD), ("to", end, now)):
        try:
            bounds.append(iso(default) if value in (None, "") else iso(parse_iso(value)))
        except ValueError:
            problems[name] = PERIOD_PROBLEM
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


def _one_line(limit: int, *, empty: tuple = ()) -> Any:
    """One line of text, stripped; None and the `empty` values read as not given."""
    def read(value: Any) -> str | None:
        if value is None or value in empty:
            return None
        line = _line(value, limit)
        if line is None:
            raise described()
        return line
    return BeforeValidator(read)


def _number(value: Any) -> Any:
    """A JSON number, kept as it came (an int stays an int): not true/false, not text."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise described()
    return value


def _currency(value: Any) -> str:
    """An ISO 4217 code, in any case ("eur" is EUR); a code ISO 4217 does not list is refused."""
    code = currency_code(value)
    if code is None:
        raise described()
    return code


Currency = Annotated[str, BeforeValidator(_currency)]
CURRENCY_FIELD_PROBLEM = "a three-letter ISO 4217 code such as EUR"
# 0 to 1e12 (and no NaN or infinity, which the JSON reader refuses already)
Amount = Annotated[int | float, BeforeValidator(_number), Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False)]
# From/to have keys that are not names ("from"): their validators say the problem (no description to look up).
Moment = Annotated[str | None, BeforeValidator(moment(PERIOD_PROBLEM))]


class CostBody(Body):
    """A cost entry: source, amount, currency (default DEFAULT_CURRENCY), period (default the last 90 days)."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (CONTRACT: additionalProperties)
    source: Annotated[str, _one_line(100)] = Field(
        description="required: where the hires come from (e.g. careers_page, agency, job_board)")
    amount: Amount = Field(description=AMOUNT_PROBLEM)
    # only absent means the default: [] or "" is a wrong value
    currency: Currency = Field(DEFAULT_CURRENCY, description=CURRENCY_FIELD_PROBLEM)
    start: Moment = Field(None, alias="from")
    end: Moment = Field(None, alias="to")


def validate_cost(body: object, now: datetime) -> dict:
    """A cost entry: source, amount (0..1e12), currency (ISO 4217, default DEFAULT_CURRENCY), period."""
    cost = parse_as(CostBody, body, "invalid cost")
    try:
        start, end = period(cost.start, cost.end, now)
    except ValidationError as exc:  # from after to
        raise ValidationError("invalid cost: " + ", ".join(sorted(exc.fields)), exc.fields) from None
    return {"source": cost.source.lower().replace(" ", "_"), "amount": float(cost.amount),
            "currency": cost.currency, "from": start, "to": end}


class GoalPeriod(Body):
    model_config = ConfigDict(extra="ignore")
    start: Moment = Field(None, alias="from")
    end: Moment = Field(alias="to")

    @model_validator(mode="before")
    @classmethod
    def _has_deadline(cls, value: Any) -> Any:
        if isinstance(value, dict) and not value.get("to"):
            raise ValueError(GOAL_PERIOD_PROBLEM)
        return value


class GoalFilters(Body):
    model_config = ConfigDict(extra="ignore")
    department: Annotated[str | None, _one_line(200, empty=("",))] = Field(
        None, description="an object; its department one line of text")


class GoalBody(Body):
    """A goal: metric, target (0..1e12), period {from?, to}, filters {department?}, name?, currency?."""
    model_config = ConfigDict(extra="ignore")  # other fields were always ignored (CONTRACT: additionalProperties)
    metric: Annotated[GoalMetric, CHOICE] = Field(description="one of " + ", ".join(GoalMetric))
    target: Amount = Field(description=AMOUNT_PROBLEM)
    period: GoalPeriod = Field(description=GOAL_PERIOD_PROBLEM)
    filters: GoalFilters | None = Field(None, description="an object; its department one line of text")
    name: Annotated[str | None, _one_line(200)] = Field(None, description=NAME_PROBLEM)
    # money metrics only (cost_per_hire): the target's currency, and the only costs its value counts
    currency: Currency | None = Field(None, description=CURRENCY_FIELD_PROBLEM)


def validate_goal(body: object, now: datetime) -> dict:
    """A goal: metric (one of GOAL_METRICS), target (0..1e12), period {from?, to}, filters {department?}, name?."""
    goal = parse_as(GoalBody, body, "invalid goal")
    # an absent start is today; a null or empty one the default period's (90 days ago), as always
    given = goal.period.start if "start" in goal.period.model_fields_set else iso(now)
    try:
        start, end = period(given, goal.period.end, now)
    except ValidationError as exc:  # from after to
        fields = {f"period.{k}": v for k, v in exc.fields.items()}
        raise ValidationError("invalid goal: " + ", ".join(sorted(fields)), fields) from None
    department = goal.filters.department if goal.filters else None
    money = {"currency": goal.currency or DEFAULT_CURRENCY} if goal.metric in MONEY_METRICS else {}
    return {"name": goal.name or goal.metric.value, "metric": goal.metric, "target": goal.target,
            "period": {"from": start, "to": end}, "filters": {"department": department} if department else {},
            **money}


def goal_currency(goal: dict) -> str | None:
    """A money goal's currency (goals set before goals had one are in the default); None for other metrics."""
    return (goal.get("currency") or DEFAULT_CURRENCY) if goal.get("metric") in MONEY_METRICS else None


def cost_currency(cost: dict) -> str:
    return cost.get("currency") or DEFAULT_CURRENCY


def in_currency(costs: list[dict], currency: str) -> list[dict]:
    """The costs entered in `currency` (costs are never converted: a rate is not ours to pick)."""
    return [cost for cost in costs if cost_currency(cost) == currency]


def reporting_currency(costs: list[dict]) -> str:
    """The currency figures over many costs are reported in: the one most of them were entered in; the default
    one on a tie or when there is no cost, so that an amount is never shown without a currency."""
    counts = Counter(cost_currency(cost) for cost in costs)
    most = max(counts.values(), default=0)
    tied = sorted(code for code, count in counts.items() if count == most)
    return DEFAULT_CURRENCY if not tied or DEFAULT_CURRENCY in tied else tied[0]
