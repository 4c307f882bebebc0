"""Deliverability in the workspace: the autopilot's state, its rates by window and mailbox provider, what it paused
and why, and for an admin the button that resumes the account's marketing sending.

The page reads the service GET /deliverability answers with (services/deliverability.py); the button posts to the
same resume the JSON route calls (api/deliverability.py `resume_sending`), then comes back here (post/redirect/get).
"""
from __future__ import annotations

from .. import wiring
from ..domain.deliverability import percent
from ..domain.vocabulary import Role
from ..http import ALL_TYPES
from . import blueprint, current_principal

routes, api = blueprint(__name__)
PROVIDERS = {"gmail": "Gmail", "yahoo": "Yahoo and AOL", "outlook": "Outlook.com and Hotmail", "other": "Other"}
STATES = {"ok": "OK", "warning": "Warning", "paused": "Paused"}
REASONS = {"bounce_rate": "Bounce rate", "complaint_rate": "Complaint rate", "account": "Account pause",
           "manual": "Paused by a person"}


@routes.route("/dashboard/deliverability", methods=["GET"])
@api.page
def deliverability_page():
    from ..web.workspace import page

    principal = current_principal()
    return page("deliverability/page.html", principal, section="deliverability", title="Deliverability",
                report=wiring.deliverability().report(), providers=PROVIDERS, states=STATES, reasons=REASONS,
                percent=percent, is_admin=principal.role is Role.ADMIN)


@routes.route("/dashboard/deliverability/resume", methods=["POST"], content_types=ALL_TYPES)
@api.page
def deliverability_resume():
    from ..web.workspace import is_htmx, redirect
    from .deliverability import resume_sending

    resume_sending()  # not paused (409) or not an admin (403): the error page says so
    return redirect("/dashboard/deliverability", htmx=is_htmx(routes.current_request))
