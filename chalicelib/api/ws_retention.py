"""Retention in the workspace: the month's report (GET /retention's, from services/retention.py) and, on it, a
recruiter's keep with a reason (the service POST /candidates/{id}/retention calls), post/redirect/get."""
from __future__ import annotations

from urllib.parse import urlencode

from .. import wiring
from ..domain.accounts import may
from ..http import ALL_TYPES, form_text, read_form_or_json
from . import blueprint, current_principal
from ..http import one_param
from .retention import unknown_params

routes, api = blueprint(__name__)
KEEP_ROUTE = "/dashboard/retention/{candidate_id}"  # the person in the path: the audit log's target


def _report_page(month: str | None, *, status: int = 200, problem: dict | None = None):
    from ..web.workspace import page

    principal = current_principal()
    report = wiring.retention().report(month)
    return page("retention/page.html", principal, section="retention", title="Retention", status=status,
                report=report, can_keep=may(principal.role, "POST", KEEP_ROUTE), problem=problem or {})


@routes.route("/dashboard/retention", methods=["GET"])
@api.page
def retention_page():
    request = routes.current_request
    unknown_params(request, ("month",))
    return _report_page(one_param(request, "month"))


@routes.route(KEEP_ROUTE, methods=["POST"], content_types=ALL_TYPES)
@api.page
def retention_keep(candidate_id):
    """Keep (or stop keeping) one person; a problem with the reason shows the report again with it beside the
    person's field (400), nothing stored."""
    from ..domain.errors import ValidationError
    from ..web.workspace import is_htmx, redirect

    form = read_form_or_json(routes.current_request, 16 * 1024)
    choice = form_text(form, "keep")
    if choice not in ("", "true", "false"):
        raise ValidationError.field("keep", "true or false")
    keep = choice != "false"
    body = {"keep": keep, **({"reason": form_text(form, "reason")} if keep else {})}
    month = one_month(form_text(form, "month"))
    try:
        wiring.retention().keep(candidate_id, body, current_principal().email)
    except ValidationError as error:
        return _report_page(month, status=400, problem={"id": candidate_id, "fields": error.fields,
                                                        "reason": body.get("reason", "")})
    target = "/dashboard/retention" + (f"?{urlencode({'month': month})}" if month else "")
    return redirect(target, htmx=is_htmx(routes.current_request))


def one_month(text: str) -> str | None:
    """The report's month the form came from (checked like the query's), or None for this month."""
    from ..domain.clock import utcnow
    from ..domain.retention import parse_month

    if not text:
        return None
    parse_month(text, utcnow())
    return text
