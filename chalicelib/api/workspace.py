"""The recruiter workspace (/dashboard): its frame, sign-in and sign-out, the overview, and its assets.

Each area of the workspace has its pages in its own blueprint (ws_*.py beside this one); the pages are
server-rendered (chalicelib/web/workspace.py). Sign-in sets the session cookie the gate reads
(chalicelib/api/__init__.py): the Cognito token, or an API key typed instead.
"""
from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from chalice import Response

from .. import wiring
from ..http import ALL_TYPES, client_ip, form_text, json_response, read_form_or_json, secured
from . import blueprint, current_principal

routes, api = blueprint(__name__)
WEB = Path(__file__).resolve().parent.parent / "web"
ASSET_FOLDERS = (WEB / "workspace" / "assets",)
TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}
FORM_LIMIT = 16 * 1024


@routes.route("/dashboard", methods=["GET"])
@api.page
def overview():
    """The overview: the period's hiring figures, the goals with their progress, the charts (every figure of the
    first dashboard's overview), all from GET /analytics/overview and GET /goals' service."""
    from ..domain.errors import ValidationError
    from ..web import overview_view as view
    from ..web.workspace import page

    service = wiring.analytics()
    typed, errors = _overview_period(routes.current_request.query_params or {})
    try:
        data = service.overview(*_overview_bounds(typed, errors))
    except ValidationError as error:  # a period the service refuses (a start after today...): said at the form
        errors = {name: PERIOD_WORDS.get(problem, problem)
                  for name, problem in (error.fields or {"from": error.message}).items()}
        data = service.overview(None, None)
    chosen = {name: typed.get(name) or data[name][:10] for name in ("from", "to")}
    return page("overview.html", current_principal(), section="overview", title="Overview",
                status=400 if errors else 200, overview=data, view=view, stats=view.stats(data),
                charts=view.charts(data), costs=view.cost_rows(data), goals=[_goal(g) for g in service.goals()],
                chosen=chosen, errors=errors)


OVERVIEW_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PERIOD_WORDS = {"must be before to": "on or before the end date (today when none is chosen)"}


def _overview_period(params) -> tuple[dict[str, str], dict[str, str]]:
    """The period picker's dates as typed (YYYY-MM-DD, each once; empty: the default), and their problems."""
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in ("from", "to"):
        values = _all(params, name)
        typed[name] = values[-1] if values else ""
        if len(values) > 1:
            errors[name] = "one date only"
        elif typed[name] and not _is_day(typed[name]):
            errors[name] = "a date such as 2026-03-31"
    if not errors and typed["from"] and typed["to"] and typed["from"] > typed["to"]:
        errors["from"] = "on or before the end date"
    return typed, errors


def _overview_bounds(typed: dict[str, str], errors: dict) -> tuple[str | None, str | None]:
    """The service's period: the first day's start to the last day's end; after a mistake, the default period."""
    if errors:
        return None, None
    start, end = typed["from"], typed["to"]
    return (start + "T00:00:00Z" if start else None), (end + "T23:59:59.999Z" if end else None)


def _all(params, name: str) -> list[str]:
    """Every value a query parameter was given (a repeated one is a mistake the page names)."""
    if name not in params:
        return []
    return list(params.getlist(name)) if hasattr(params, "getlist") else [params[name]]


def _is_day(text: str) -> bool:
    from datetime import date

    if not OVERVIEW_DAY.fullmatch(text):
        return False
    try:
        return 1900 <= date.fromisoformat(text).year <= 2200
    except ValueError:
        return False


def _goal(goal: dict) -> dict:
    """A goal with its figures in words, as the goals page says them (api/ws_goals.py)."""
    from .ws_goals import METRIC_LABELS, STATUS_WORDS, figure

    progress = goal["progress"]
    currency = goal.get("currency")
    return {**goal, "label": METRIC_LABELS.get(goal["metric"], goal["metric"]),
            "status_text": STATUS_WORDS.get(progress["status"], progress["status"]),
            "target_text": figure(goal["metric"], goal["target"], currency),
            "value_text": figure(goal["metric"], progress["value"], currency),
            "percent": round(progress["progress"] * 100), "elapsed_percent": round(progress["elapsed"] * 100),
            "lower_is_better": goal.get("direction") == "down"}


# ---------------------------------------------------------------- signing in and out

@routes.route("/dashboard/sign-in", methods=["GET"])
@api.public
def sign_in_page():
    from ..web.workspace import page, safe_next

    target = (routes.current_request.query_params or {}).get("next")
    return page("sign_in.html", None, section="", title="Sign in", next=target if safe_next(target) else "",
                email="", message=None, challenge=False)


@routes.route("/dashboard/sign-in", methods=["POST"], content_types=ALL_TYPES)
@api.public
def sign_in():
    from ..domain.errors import CrmError
    from ..web.workspace import page, safe_next

    request = routes.current_request
    text = partial(form_text, read_form_or_json(request, FORM_LIMIT), strict=False)  # sign-in answers with its page
    target = text("next") if safe_next(text("next")) else "/dashboard"
    key = text("api_key").strip()
    email = text("email").strip()
    if key:
        return _with_key(key, target, email)
    try:
        answer = wiring.auth().sign_in({"email": email, "password": text("password")}, client_ip(request))
    except CrmError as error:
        message = "Wrong email or password." if error.status == 401 else _problem(error)
        return page("sign_in.html", None, section="", title="Sign in", next=target, email=email, message=message,
                    challenge=False, status=error.status)
    return _signed_in(answer, email, target)


@routes.route("/dashboard/new-password", methods=["POST"], content_types=ALL_TYPES)
@api.public
def new_password():
    from ..domain.errors import CrmError
    from ..web.workspace import page, safe_next

    request = routes.current_request
    text = partial(form_text, read_form_or_json(request, FORM_LIMIT), strict=False)  # sign-in answers with its page
    target = text("next") if safe_next(text("next")) else "/dashboard"
    email, session = text("email"), text("session")
    try:
        answer = wiring.auth().new_password({"email": email, "session": session,
                                             "new_password": text("new_password")}, client_ip(request))
    except CrmError as error:
        if error.status == 401:  # the challenge's session lasts minutes: start again
            return page("sign_in.html", None, section="", title="Sign in", next=target, email=email,
                        message="That took too long: sign in again with your temporary password.",
                        challenge=False, status=401)
        return page("sign_in.html", None, section="", title="Sign in", next=target, email=email, session=session,
                    message=_problem(error), challenge=True, status=error.status)
    return _signed_in(answer, email, target)


@routes.route("/dashboard/sign-out", methods=["POST"], content_types=ALL_TYPES)
@api.page
def sign_out():
    from ..web.workspace import redirect, session_cookie

    wiring.auth().sign_out(current_principal())
    return redirect("/dashboard/sign-in", headers={"Set-Cookie": session_cookie("", 0, _secure())})


def _signed_in(answer: dict, email: str, target: str) -> Response:
    from ..web.workspace import page, redirect, session_cookie

    if answer.get("challenge"):
        return page("sign_in.html", None, section="", title="Choose your password", next=target, email=email,
                    session=answer["session"], message=None, challenge=True)
    cookie = session_cookie(answer["token"], int(answer["expires_in"]), _secure())
    return redirect(target, headers={"Set-Cookie": cookie})


def _with_key(key: str, target: str, email: str) -> Response:
    from ..domain.errors import Unauthorized
    from ..web.workspace import page, redirect, session_cookie

    try:
        wiring.auth().authenticate(key if key.startswith("crm_") else "")
    except Unauthorized:
        return page("sign_in.html", None, section="", title="Sign in", next=target, email=email,
                    message="That API key was not accepted.", challenge=False, api_key_open=True, status=401)
    return redirect(target, headers={"Set-Cookie": session_cookie(key, 12 * 3600, _secure())})


def _problem(error) -> str:
    fields = getattr(error, "fields", None) or {}
    return "; ".join(f"{name}: {text}" for name, text in fields.items()) or error.message


def _secure() -> bool:
    return wiring.get_settings().public_url.startswith("https://")


# ---------------------------------------------------------------- assets

@routes.route("/dashboard/assets/{name}", methods=["GET"])
@api.public
def dashboard_asset(name):
    return asset(name)


def asset(name: str) -> Response:
    """A file of the asset folders by its bare name; anything else (paths, dot files, pages) is 404.
    Called with the decoded name too: API Gateway decodes path parameters (`..%2Fapp.py` is `../app.py`)."""
    for folder in ASSET_FOLDERS:
        path = (folder / name).resolve()
        if ("/" in name or "\\" in name or name.startswith(".") or path.parent != folder or path.name == "index.html"
                or path.suffix not in TYPES or not path.is_file()):
            continue
        return secured(Response(body=path.read_text(encoding="utf-8"), status_code=200,
                                headers={"Content-Type": TYPES[path.suffix], "Cache-Control": "public, max-age=300"}))
    return json_response({"error": {"code": "not_found", "message": f"no asset {name}"}}, 404)
