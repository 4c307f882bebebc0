"""Goals and costs in the workspace: set them on a form, see the progress.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
They call the analytics service the JSON API calls (api/analytics.py: POST|GET /goals, POST|GET /costs, the
overview's cost per hire); a form's text becomes the JSON body those routes take, nothing more.
"""
from __future__ import annotations

import math
import re

from .. import wiring
from ..http import ALL_TYPES, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 16 * 1024
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# How a recruiter reads each metric (domain/analytics.py GOAL_METRICS says what each measures)
METRIC_LABELS = {
    "hires_from_pools": "Hires from talent pools",
    "pool_hire_share": "Share of hires from talent pools",
    "time_to_fill_days": "Median days to fill a job",
    "offer_acceptance_rate": "Offer acceptance rate",
    "cost_per_hire": "Cost per hire",
    "campaign_applications": "Applications from campaigns",
}
SHARES = ("pool_hire_share", "offer_acceptance_rate")  # 0 to 1, shown as percentages
STATUS_WORDS = {"achieved": "Achieved", "on_track": "On track", "behind": "Behind", "no_data": "No data yet"}
# Where a problem the service names shows on the form: its key in the body, the form field's name
GOAL_PLACES = {"period.to": "to", "period.from": "from", "period": "to", "filters.department": "department",
               "filters": "department"}
COST_PLACES = {"body": "source"}


@routes.route("/dashboard/goals", methods=["GET"])
@api.page
def goals_page():
    from ..web.workspace import page

    params = routes.current_request.query_params or {}
    start, end = params.get("from"), params.get("to")
    service = wiring.analytics()
    # the dates of the period form, or what a link carried; a wrong one is the service's 400 (a page)
    summary = service.cost_summary(start + "T00:00:00Z" if start and DATE.fullmatch(start) else start,
                                   end + "T23:59:59Z" if end and DATE.fullmatch(end) else end)
    return page("goals/list.html", current_principal(), section="goals", title="Goals and costs",
                goals=[_shown(goal) for goal in service.goals()], costs=summary, money=_money(),
                status_words=STATUS_WORDS)


@routes.route("/dashboard/goals/new", methods=["GET"])
@api.page
def goal_new():
    return _goal_form({}, {})


@routes.route("/dashboard/goals", methods=["POST"], content_types=ALL_TYPES)
@api.page
def goal_create():
    return _saved(lambda form: wiring.analytics().add_goal(goal_body(form)), _goal_form, GOAL_PLACES,
                  "/dashboard/goals")


@routes.route("/dashboard/goals/costs/new", methods=["GET"])
@api.page
def cost_new():
    return _cost_form({}, {})


@routes.route("/dashboard/goals/costs", methods=["POST"], content_types=ALL_TYPES)
@api.page
def cost_create():
    return _saved(lambda form: wiring.analytics().add_cost(cost_body(form)), _cost_form, COST_PLACES,
                  "/dashboard/goals#costs")


def _saved(save, form_page, places: dict[str, str], done: str):
    """Saves what the form says and goes to `done`; a problem shows the form again, each beside its field."""
    from ..domain.errors import ValidationError
    from ..web.workspace import redirect

    form = {}  # (read below: a form that cannot be read shows empty)
    try:
        form = read_form_or_json(routes.current_request, FORM_LIMIT)
        save(form)
    except ValidationError as error:
        return form_page(form, _placed(error, places), status=400)
    return redirect(done)


# ---------------------------------------------------------------- forms to bodies

def goal_body(form: dict) -> dict:
    """POST /goals's body from the goal form: the target as a number, the period's dates as the start of the
    first day and the end of the last, empty optional fields left out."""
    body: dict = {"metric": form.get("metric"), "target": _number(form.get("target")),
                  "period": _period(form, required_end=True)}
    for name in ("name", "currency"):
        if form.get(name) not in (None, ""):
            body[name] = form[name]
    if form.get("department") not in (None, ""):
        body["filters"] = {"department": form["department"]}
    return body


def cost_body(form: dict) -> dict:
    """POST /costs's body from the cost form (empty dates: the default period, the last 90 days)."""
    body = {"source": form.get("source"), "amount": _number(form.get("amount")), **_period(form)}
    if form.get("currency") not in (None, ""):
        body["currency"] = form["currency"]
    return body


def _period(form: dict, required_end: bool = False) -> dict:
    period = {}
    for name, time in (("from", "T00:00:00Z"), ("to", "T23:59:59Z")):
        value = form.get(name)
        if value in (None, "") and not (name == "to" and required_end):
            continue
        period[name] = value + time if isinstance(value, str) and DATE.fullmatch(value) else value
    return period


def _number(value: object) -> object:
    """A number typed into a form as a number; anything else as it came, for the service to say what is wrong."""
    if not isinstance(value, str):
        return value
    try:
        number = float(value.strip())
    except ValueError:
        return value
    if not math.isfinite(number):
        return value
    return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number


# A problem the service words for the JSON body ({from?, to}), as the form's field says it
FORM_WORDS = {"period": "required: the goal's deadline"}


def _placed(error, places: dict[str, str]) -> dict[str, str]:
    """The service's problems keyed by the form's field names."""
    fields = error.fields or {"body": error.message}
    return {places.get(name, name): FORM_WORDS.get(name, problem) if name in places else problem
            for name, problem in fields.items()}


def _goal_form(values: dict, errors: dict, status: int = 200):
    from ..domain.analytics import GOAL_METRICS

    metrics = [(metric.value, METRIC_LABELS.get(metric.value, metric.value), what)
               for metric, (_, _, what) in GOAL_METRICS.items()]
    return _form_page("goals/goal_form.html", "New goal", values, errors, status, metrics=metrics,
                      fields=("name", "metric", "target", "currency", "from", "to", "department"))


def _cost_form(values: dict, errors: dict, status: int = 200):
    return _form_page("goals/cost_form.html", "Add a cost", values, errors, status,
                      fields=("source", "amount", "currency", "from", "to"))


def _form_page(template: str, title: str, values: dict, errors: dict, status: int, **extra):
    """A goals-area form: what was typed, the problems, the currencies to pick from (`fields`: those with a place
    on the form; the others are listed above it)."""
    from ..domain.currencies import CURRENCIES, DEFAULT_CURRENCY
    from ..web.workspace import page

    return page(template, current_principal(), section="goals", title=title, status=status, values=values,
                errors=errors, currencies=sorted(CURRENCIES), default_currency=DEFAULT_CURRENCY, **extra)


# ---------------------------------------------------------------- figures as people read them

def _money():
    from ..domain.currencies import format_money

    return format_money


def figure(metric: str, value: float | None, currency: str | None = None) -> str:
    """A goal's target or value in its metric's unit: 30%, 21.5 days, 4,000.00 USD, 12."""
    from ..domain.currencies import format_money

    if value is None:
        return "n/a"
    if metric in SHARES:
        return f"{value * 100:.1f}%"
    if metric == "time_to_fill_days":
        return f"{value:g} days"
    if metric == "cost_per_hire":
        return format_money(value, currency)
    return f"{value:,g}"


def _shown(goal: dict) -> dict:
    """A goal with its figures in words for the list."""
    progress = goal["progress"]
    currency = goal.get("currency")
    return {**goal, "label": METRIC_LABELS.get(goal["metric"], goal["metric"]),
            "target_text": figure(goal["metric"], goal["target"], currency),
            "value_text": figure(goal["metric"], progress["value"], currency),
            "percent": round(progress["progress"] * 100), "elapsed_percent": round(progress["elapsed"] * 100),
            "lower_is_better": goal.get("direction") == "down"}
