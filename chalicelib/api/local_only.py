"""Local-only routes (/dev): app.py registers this blueprint only when CRM_STAGE is exactly `local`.

They drive the local tooling (crmlocal/, beside chalicelib): it is imported inside the functions, so a
deployed package, which holds app.py and chalicelib/ only, imports this module without it.
"""
from __future__ import annotations

import sys

from ..http import ALL_TYPES, json_response
from . import blueprint

routes, api = blueprint(__name__)


@routes.route("/dev/tick", methods=["POST"], content_types=ALL_TYPES)
@api.public
def dev_tick():
    from crmlocal.runtime import tick

    # the module that declares the event handlers; Chalice's handler strings call it `app` too
    return json_response(tick(sys.modules["app"]))


@routes.route("/dev/outbox.json", methods=["GET"])
@api.public
def dev_outbox_json():
    from crmlocal.outbox import outbox

    return json_response({"items": outbox()})


@routes.route("/dev/outbox", methods=["GET"])
@api.public
def dev_outbox():
    """The outbox's emails (subject, to, when, the text part's links), or with ?id= one email as it is read."""
    from crmlocal.outbox import outbox_list

    from ..web.workspace import page

    message_id = (routes.current_request.query_params or {}).get("id")
    if message_id is not None:
        return _email_page(message_id)
    return page("outbox/list.html", None, section="outbox", title="Local outbox", emails=outbox_list())


# The page of one email shows its HTML part in a sandboxed srcdoc frame, which runs under this page's policy:
# the email's own inline styles must apply (the candidate's mail client applies them) and its remote images
# load. Scripts stay forbidden (and the frame's sandbox has no allow-scripts). Local only, never deployed.
EMAIL_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
                  "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _email_page(message_id: str):
    from crmlocal.outbox import as_shown, email_view

    from ..web.workspace import page

    email = email_view(message_id)
    if email is None:
        return page("outbox/missing.html", None, section="outbox", title="No such email", status=404,
                    message_id=message_id)
    return page("outbox/email.html", None, section="outbox", title=email["subject"] or "(no subject)", email=email,
                frame=as_shown(email["html"]) if email["html"] is not None else None,
                headers={"Content-Security-Policy": EMAIL_PAGE_CSP})
