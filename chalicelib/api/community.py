"""A permission request's links (public): "Join the talent community" and "Object" (services/permission.py).

GET shows a page with one button and changes nothing (mail scanners fetch every link); the button posts back to
the same link, and that post is the person's answer. A post from another site is refused.
"""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..domain.errors import Forbidden
from ..domain.permission import JOIN, OBJECT, TokenError
from ..http import ALL_TYPES, error_response, html_response
from ..settings import get_settings
from . import blueprint

routes, api = blueprint(__name__)
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, private", "Pragma": "no-cache",
            "X-Robots-Tag": "noindex"}


@routes.route("/community/join/{token}", methods=["GET"])
@api.public
def join_page(token):
    return _page(JOIN, token, lambda service: service.look(JOIN, token))


@routes.route("/community/join/{token}", methods=["POST"], content_types=ALL_TYPES)
@api.public
def join(token):
    request = routes.current_request
    identity = (request.context or {}).get("identity") or {}
    return _answer(JOIN, token, lambda service: service.join(token, ip=identity.get("sourceIp"),
                                                              user_agent=request.headers.get("user-agent")))


@routes.route("/community/object/{token}", methods=["GET"])
@api.public
def object_page(token):
    return _page(OBJECT, token, lambda service: service.look(OBJECT, token))


@routes.route("/community/object/{token}", methods=["POST"], content_types=ALL_TYPES)
@api.public
def object_(token):
    return _answer(OBJECT, token, lambda service: service.object(token))


def _answer(action: str, token: str, answer) -> Response:
    if _from_elsewhere(routes.current_request):
        return error_response(Forbidden("this form can only be sent from its own page; open the link in the email "
                                        "again"), NO_STORE)
    return _page(action, token, answer)


def _from_elsewhere(request) -> bool:
    """The browser says the form was posted from another site (our page posts same-origin)."""
    headers = request.headers or {}
    return (headers.get("sec-fetch-site") or "").lower() in ("cross-site", "same-site")


def _page(action: str, token: str, answer) -> Response:
    from ..web.pages import render

    settings = get_settings()
    try:
        shown = answer(wiring.permission())
    except TokenError as exc:
        from ..web.pages import page

        if exc.reason == "expired":  # ours, but too old to answer now
            return html_response(page("This link has expired", "This invitation is too old to accept now. If you "
                                      "would still like to join, reply to the email it came in and we will send "
                                      "you a new one."), 400, NO_STORE)
        return html_response(page("Link not valid", "This link is not one we sent."), 404, NO_STORE)
    url = f"{settings.public_url}/community/{action}/{token}"
    return html_response(render("community.html", action=action, action_url=url, state=shown.state,
                                company=shown.company, first_name=shown.first_name), 200, NO_STORE)
