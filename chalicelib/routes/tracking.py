"""HTTP side of tracking: the pixel, the click redirect, the preference page and one-click unsubscribe."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs

from chalice import Response

from .. import wiring
from ..http import html_response, json_response, raw_body
from ..web.pages import page
from ..web.preferences import preference_page

PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache"}


def _client(request) -> tuple[str | None, str | None]:
    identity = (request.context or {}).get("identity") or {}
    return request.headers.get("user-agent"), identity.get("sourceIp")


def pixel(request, token: str) -> Response:
    """Always the pixel, whatever happens behind it."""
    agent, ip = _client(request)
    try:
        wiring.tracking().open(token, user_agent=agent, ip=ip)
    except Exception:  # never fail the person's mail client
        from ..observability import logger

        logger().exception("open not recorded")
    finally:
        from ..observability import flush

        flush()
    return Response(body=PIXEL, status_code=200, headers={"Content-Type": "image/gif", **NO_STORE})


def redirect(request, token: str) -> Response:
    agent, ip = _client(request)
    target = wiring.tracking().click(token, user_agent=agent, ip=ip, method=request.method)
    if target is None:
        return json_response({"error": {"code": "not_found", "message": "this link is not one we sent"}}, 404)
    return Response(body="", status_code=302, headers={"Location": target, **NO_STORE})


def preferences(request, token: str, settings) -> Response:
    found = wiring.tracking().person(token)
    if found is None:
        return html_response(page("Link not valid", "This link is not valid, or we no longer hold your "
                                  "details. You will not get emails from us."), 404, NO_STORE)
    _, candidate = found
    return html_response(preference_page(f"{settings.public_url}/u/{token}", candidate, settings.company_name),
                         200, NO_STORE)


def save_preferences(request, token: str, settings) -> Response:
    """RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or the preference page's form."""
    service = wiring.tracking()
    found = service.person(token)
    body = raw_body(request, 16 * 1024).decode("utf-8", "replace")
    fields = parse_qs(body, keep_blank_values=True)
    if fields.get("List-Unsubscribe") == ["One-Click"]:
        if found is not None:
            service.unsubscribe_all(found[0], source="one_click")
        return Response(body="Unsubscribed.", status_code=200, headers={"Content-Type": "text/plain", **NO_STORE})
    if found is None:
        return html_response(page("Link not valid", "This link is not valid, or we no longer hold your "
                                  "details. You will not get emails from us."), 404, NO_STORE)
    token_data, _ = found
    everything = fields.get("action", ["save"])[-1] == "unsubscribe_all"
    categories = fields.get("categories", [])
    updated = service.set_preferences(token_data, categories=categories, everything=everything or not categories,
                                      source="preference_page")
    saved = "You are unsubscribed from all our emails." if everything or not categories else "Your choices are saved."
    return html_response(preference_page(f"{settings.public_url}/u/{token}", updated, settings.company_name, saved),
                         200, NO_STORE)
