"""Tracking: the open pixel, the click redirect, the preference page and one-click unsubscribe."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from chalice import Response

from .. import wiring
from ..http import ALL_TYPES, error_response, html_response, json_response, raw_body
from ..settings import get_settings
from . import blueprint

routes, api = blueprint(__name__)
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache"}
# Past UNSUBSCRIBE_DAYS (services/tracking.py): any email we send later carries a fresh link.
EXPIRED = "This link has expired. The unsubscribe link in any recent email from us works at once."


@routes.route("/t/o/{token}", methods=["GET"])
@api.public
def track_open(token):
    """Always the pixel, whatever happens behind it."""
    agent, ip = _client(routes.current_request)
    try:
        wiring.tracking().open(token, user_agent=agent, ip=ip)
    except Exception:  # never fail the person's mail client
        from ..observability import logger

        logger().exception("open not recorded")
    return Response(body=PIXEL, status_code=200, headers={"Content-Type": "image/gif", **NO_STORE})


@routes.route("/t/c/{token}", methods=["GET", "HEAD"])
@api.public
def track_click(token):
    request = routes.current_request
    agent, ip = _client(request)
    target = wiring.tracking().click(token, user_agent=agent, ip=ip, method=request.method)
    if target is None:
        return json_response({"error": {"code": "not_found", "message": "this link is not one we sent"}}, 404)
    return Response(body="", status_code=302, headers={"Location": target, **NO_STORE})


@routes.route("/u/{token}", methods=["GET"])
@api.public
def preferences_page(token):
    from ..web.preferences import preference_page, unsubscribe_only_page

    settings, service = get_settings(), wiring.tracking()
    link = service.person(token)
    if link is None:
        return _not_valid()
    if not link.can_unsubscribe:
        return _expired()
    url = f"{settings.public_url}/u/{token}"
    if not link.can_choose:
        return html_response(unsubscribe_only_page(url, settings.company_name, service.form_token(link)),
                             200, NO_STORE)
    return html_response(preference_page(url, link.candidate, settings.company_name,
                                         form_token=service.form_token(link)), 200, NO_STORE)


@routes.route("/u/{token}", methods=["POST"], content_types=ALL_TYPES)
@api.public
def preferences_save(token):
    """RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or the preference page's form.

    One-click comes from mail providers' servers (no Origin, no form token) and is taken as it is:
    it can only unsubscribe. The form can also opt back in, so it must come from our own page: a
    browser's post from another site is refused (403), and the page's signed form token must be in it.
    """
    from ..web.preferences import preference_page, unsubscribe_only_page

    request, settings, service = routes.current_request, get_settings(), wiring.tracking()
    body = raw_body(request, 16 * 1024).decode("utf-8", "replace")
    fields = parse_qs(body, keep_blank_values=True)
    link = service.person(token)
    if fields.get("List-Unsubscribe") == ["One-Click"]:
        return _one_click(service, link)
    if _cross_site(request, settings):
        return _forbidden("this form can only be sent from its own page; open the link in the email again")
    if link is None:
        return _not_valid()
    if not service.form_token_valid(link, (fields.get("form_token") or [""])[-1]):
        return _forbidden("this form is not one we gave out; open the link in the email again")
    categories = fields.get("categories", [])
    everything = fields.get("action", ["save"])[-1] == "unsubscribe_all" or not categories
    url = f"{settings.public_url}/u/{token}"
    if not link.can_unsubscribe:
        return _expired()
    if not link.can_choose and not everything:
        return html_response(unsubscribe_only_page(url, settings.company_name, service.form_token(link)), 400,
                             NO_STORE)
    updated = service.set_preferences(link.token, categories=categories, everything=everything,
                                      source="preference_page")
    saved = "You are unsubscribed from all our emails." if everything else "Your choices are saved."
    if not link.can_choose:
        return html_response(unsubscribe_only_page(url, settings.company_name, "", saved), 200, NO_STORE)
    return html_response(preference_page(url, updated, settings.company_name, saved,
                                         form_token=service.form_token(link)), 200, NO_STORE)


def _client(request) -> tuple[str | None, str | None]:
    identity = (request.context or {}).get("identity") or {}
    return request.headers.get("user-agent"), identity.get("sourceIp")


def _one_click(service, link) -> Response:
    if link is not None and not link.can_unsubscribe:
        return Response(body=EXPIRED, status_code=400, headers={"Content-Type": "text/plain", **NO_STORE})
    if link is not None:
        service.unsubscribe_all(link.token, source="one_click")
    return Response(body="Unsubscribed.", status_code=200, headers={"Content-Type": "text/plain", **NO_STORE})


def _cross_site(request, settings) -> bool:
    """What the browser says about where the form was posted from. Origin is "null" from our own page
    (it sends no Referer), so that and no Origin at all leave it to the form token."""
    headers = request.headers or {}
    if (headers.get("sec-fetch-site") or "").lower() in ("cross-site", "same-site"):
        return True
    origin = (headers.get("origin") or "").strip().rstrip("/").lower()
    if origin in ("", "null"):
        return False
    public = urlsplit(settings.public_url)
    host = (headers.get("host") or "").lower()
    ours = {f"{public.scheme}://{public.netloc}".lower()} | ({f"http://{host}", f"https://{host}"} if host else set())
    return origin not in ours


def _forbidden(message: str) -> Response:
    from ..domain.errors import Forbidden

    return error_response(Forbidden(message), NO_STORE)


def _not_valid() -> Response:
    from ..web.pages import page

    return html_response(page("Link not valid", "This link is not valid, or we no longer hold your "
                              "details. You will not get emails from us."), 404, NO_STORE)


def _expired() -> Response:
    from ..web.pages import page

    return html_response(page("Link expired", EXPIRED), 400, NO_STORE)
