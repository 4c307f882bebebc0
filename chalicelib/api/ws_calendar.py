"""The content calendar in the workspace: a month of scheduled and sent campaigns, each pool's cadence, and
"Plan a campaign" on a day (a draft with that day's send time, finished in the campaign wizard).

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
They call the services the JSON API calls: the calendar service (GET /calendar) and the campaigns service's
draft start (the wizard's first page, POST /dashboard/campaigns/new) with a send time.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from .. import wiring
from ..http import ALL_TYPES, form_text, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 64 * 1024  # a name and up to a few hundred pool ids
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}", re.ASCII)
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]", re.ASCII)
DEFAULT_TIME = "09:00"
POOL_OPTIONS = 500
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STATUS_WORDS = {"draft": "Draft", "scheduled": "Scheduled", "sending": "Sending", "sent": "Sent", "paused": "Paused",
                "cancelled": "Cancelled"}


@routes.route("/dashboard/calendar", methods=["GET"])
@api.page
def calendar_page():
    from ..domain.calendar import month_end
    from ..domain import clock
    from ..web.workspace import page

    today = clock.utcnow().date()
    first = _month(_query("month"), today)
    last = month_end(first)
    data = wiring.calendar().calendar(first.isoformat(), last.isoformat())
    pool_names = {pool["id"]: pool["name"] for pool in data["pools"]}
    return page("calendar/month.html", current_principal(), section="calendar", title=f"Calendar: {first:%B %Y}",
                month=first, weeks=_weeks(first, data["days"]), days=data["days"], pools=data["pools"],
                pool_names=pool_names, today=today.isoformat(), weekdays=WEEKDAYS, status_words=STATUS_WORDS,
                previous=(first - timedelta(days=1)).strftime("%Y-%m"),
                following=(last + timedelta(days=1)).strftime("%Y-%m"),
                busy=sum(1 for day in data["days"] if day["campaigns"]))


@routes.route("/dashboard/calendar/plan", methods=["GET"])
@api.page
def plan_form():
    from ..domain import clock

    day = _query("day")
    if day is None or not DAY.fullmatch(day):
        day = (clock.utcnow().date() + timedelta(days=1)).isoformat()
    return _plan_page({"name": "", "pools": [], "day": day, "time": DEFAULT_TIME, "timezone": "UTC"}, {})


@routes.route("/dashboard/calendar/plan", methods=["POST"], content_types=ALL_TYPES)
@api.page
def plan_create():
    """The wizard's first page with a send time: a draft, then its steps (the campaign wizard)."""
    from ..domain.campaigns import send_time
    from ..domain import clock
    from ..domain.errors import ValidationError
    from ..web.workspace import redirect

    values = {"name": "", "pools": [], "day": "", "time": DEFAULT_TIME, "timezone": "UTC"}
    try:
        form = read_form_or_json(routes.current_request, FORM_LIMIT)
        values = {"name": form_text(form, "name"), "pools": _ids(form, "pools"), "day": form_text(form, "day"),
                  "time": form_text(form, "time") or DEFAULT_TIME, "timezone": form_text(form, "timezone") or "UTC"}
        problems = _when_problems(values)
        if problems:
            raise ValidationError("invalid plan: " + ", ".join(sorted(problems)), problems)
        at = send_time(f"{values['day']}T{values['time']}", values["timezone"], clock.utcnow())
        draft = wiring.campaigns().start({"name": values["name"], "audience": {"pools": values["pools"]},
                                          "send_at": at})
    except ValidationError as error:
        fields = dict(error.fields or {"name": error.message})
        if "audience.pools" in fields or "audience" in fields:
            fields["pools"] = fields.pop("audience.pools", None) or fields.pop("audience")
        if "send_at" in fields:
            fields["day"] = fields.pop("send_at")
        return _plan_page(values, fields, status=400)
    return redirect(f"/dashboard/campaigns/{draft['id']}/steps")


def _plan_page(values: dict, errors: dict, status: int = 200):
    from ..web.workspace import page
    from ..web.zones import time_zones

    pools, _ = wiring.pools().list(POOL_OPTIONS, None)
    return page("calendar/plan.html", current_principal(), section="calendar", title="Plan a campaign",
                status=status, values=values, errors=errors, pools=pools, zones=time_zones())


def _when_problems(values: dict) -> dict[str, str]:
    problems = {}
    if not DAY.fullmatch(values["day"]):
        problems["day"] = "a day, such as 2026-12-01"
    if not TIME.fullmatch(values["time"]):
        problems["time"] = "a time of day, such as 09:00"
    if not values["pools"]:
        problems["pools"] = "choose at least one pool"
    if not values["name"].strip():
        problems["name"] = "give the campaign a name"
    return problems


def _month(value: str | None, today: date) -> date:
    """The month asked for (YYYY-MM), else this month; a wrong one is a 400 page."""
    from ..domain.calendar import parse_day

    if value is None:
        return today.replace(day=1)
    if not MONTH.fullmatch(value):
        from ..domain.errors import ValidationError

        raise ValidationError.field("month", "a month as YYYY-MM, such as 2026-12")
    return parse_day(value + "-01", "month")


def _weeks(first: date, days: list[dict]) -> list[list[dict | None]]:
    """The month's days in weeks from Monday (None: a day of the month before or after)."""
    cells: list[dict | None] = [None] * first.weekday() + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[n:n + 7] for n in range(0, len(cells), 7)]


def _query(name: str) -> str | None:
    params = routes.current_request.query_params
    return (params.get(name) if params else None) or None


def _ids(form: dict, name: str) -> list[str]:
    """A group of checkboxes: none, one (text) or several (a list of text)."""
    value = form.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str) for item in items):
        from ..domain.errors import ValidationError

        raise ValidationError.field(name, "pool ids, as text")
    return list(dict.fromkeys(items))
