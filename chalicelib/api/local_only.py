"""Local-only routes (/dev): app.py registers this blueprint only when CRM_STAGE is exactly `local`.

They drive the local tooling (crmlocal/, beside chalicelib): it is imported inside the functions, so a
deployed package, which holds app.py and chalicelib/ only, imports this module without it.
"""
from __future__ import annotations

import sys

from ..http import ALL_TYPES, html_response, json_response
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
    from crmlocal.outbox import outbox_html

    return html_response(outbox_html())
