"""The workspace's Settings page (admins): how this stage sends, and the deliverability doctor's checks.

The page shows the sending setup at once; the checks (SES v2 and DNS: seconds) load after it, by htmx, from
/dashboard/settings/checks, which the "Run checks" button asks again (without script it answers the whole page).
Both call the service GET /doctor calls (services/doctor.py); everything under /dashboard/settings is an admin's
(domain/accounts.py ADMIN_ROUTES).
"""
from __future__ import annotations

from .. import wiring
from . import blueprint, current_principal
from .retention import unknown_params

routes, api = blueprint(__name__)
# A check's state as the page says it (domain/doctor.py Status)
STATES = {"ok": "OK", "fix": "Fix", "warn": "Warning", "skipped": "Skipped"}
SOURCES = {"identity": "SES domain identity", "account": "SES account", "dns": "DNS"}


@routes.route("/dashboard/settings", methods=["GET"])
@api.page
def settings_page():
    unknown_params(routes.current_request, ())
    return _page(diagnosis=None)


@routes.route("/dashboard/settings/checks", methods=["GET"])
@api.page
def settings_checks():
    from ..web.workspace import fragment, is_htmx

    unknown_params(routes.current_request, ())
    diagnosis = wiring.doctor().diagnose()
    if is_htmx(routes.current_request):
        return fragment("settings/_checks.html", diagnosis=diagnosis, states=STATES, sources=SOURCES)
    return _page(diagnosis=diagnosis)


def _page(diagnosis):
    from ..web.workspace import page

    return page("settings/page.html", current_principal(), section="settings", title="Settings",
                setup=wiring.doctor().setup(), diagnosis=diagnosis, states=STATES, sources=SOURCES)
