"""Sign-ups: the careers page, its form (HTML or JSON, CORS), and the double opt-in confirmation link."""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..domain.errors import CrmError
from ..http import ALL_TYPES, error_response, html_response, json_response, read_form_or_json
from ..settings import get_settings
from . import blueprint

routes, api = blueprint(__name__)
ACCEPTED = {"status": "pending_confirmation"}
CHECK_INBOX = "We sent you an email. Click the link in it to confirm, and you are in."


@routes.route("/careers", methods=["GET"])
@api.public
def careers():
    from ..web.pages import careers_page

    settings = get_settings()
    return html_response(careers_page(settings.public_url, settings.company_name, settings.consent_version))


@routes.route("/careers/thanks", methods=["GET"])
@api.public
def careers_thanks():
    from ..web.pages import page

    return html_response(page("Check your inbox", CHECK_INBOX))


@routes.route("/signups", methods=["POST"], content_types=ALL_TYPES)
@api.public
def signup():
    from ..domain.signups import MAX_BODY_BYTES, parse_signup
    from ..services.signups import ClientInfo
    from ..web.pages import page

    request, settings = routes.current_request, get_settings()
    cors = _cors(request, settings)
    try:
        data = read_form_or_json(request, MAX_BODY_BYTES)
        signup = parse_signup(data, settings.allowed_origins)
        identity = (request.context or {}).get("identity") or {}
        wiring.signups().submit(signup, ClientInfo(
            ip=identity.get("sourceIp") or "unknown",
            user_agent=request.headers.get("user-agent"),
            referer=request.headers.get("referer"),
        ))
    except CrmError as error:
        if _wants_html(request):  # a person at a plain HTML form: a page they can read, same status
            problems = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
            response = error_response(error, cors)
            response.body = page("Please check the form", f"{problems}. Go back, correct it and send it again.")
            response.headers["Content-Type"] = "text/html; charset=utf-8"
            return response
        return error_response(error, cors)
    if signup.redirect_to:
        return Response(body="", status_code=303, headers={"Location": signup.redirect_to, **cors})
    if _wants_html(request):  # a plain HTML form without redirect_to: a page, not JSON
        return html_response(page("Check your inbox", CHECK_INBOX), 202, cors)
    return json_response(ACCEPTED, 202, cors)


@routes.route("/signups", methods=["OPTIONS"], content_types=ALL_TYPES)
@api.public
def signup_preflight():
    from ..domain.signups import allowed_origin

    origin = routes.current_request.headers.get("origin")
    if not origin or not allowed_origin(origin, get_settings().allowed_origins):
        return json_response({"error": {"code": "origin_not_allowed",
                                        "message": "this origin may not post sign-ups",
                                        "fields": {"origin": "not in CRM_ALLOWED_ORIGINS"}}}, 403,
                             {"Vary": "Origin"})
    return Response(body="", status_code=204, headers={
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type, Accept",
        "Access-Control-Max-Age": "600",
        "Vary": "Origin",
    })


@routes.route("/signups/confirm", methods=["GET"])
@api.public
def signup_confirm():
    from ..domain.tokens import TokenError
    from ..web.pages import page

    token = (routes.current_request.query_params or {}).get("token")
    if not token:
        return html_response(page("Link incomplete", "This confirmation link is missing its token. "
                                  "Please use the full link from the email."), 400)
    try:
        wiring.signups().confirm(token)
    except TokenError as error:
        if error.reason == "expired":
            return html_response(page("Link expired", "This confirmation link has expired. Please sign "
                                      "up again and we will send you a new one."), 400)
        return html_response(page("Link not valid", "This confirmation link is not valid. Please use "
                                  "the full link from the email, or sign up again."), 400)
    return html_response(page("You're in", f"Thanks for confirming. {get_settings().company_name} will keep "
                              "you posted. Every email has a link to change what you get or to "
                              "unsubscribe."))


def _cors(request, settings) -> dict:
    from ..domain.signups import allowed_origin

    origin = request.headers.get("origin")
    if origin and allowed_origin(origin, settings.allowed_origins):
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    return {"Vary": "Origin"}


def _wants_html(request) -> bool:
    accept = (request.headers.get("accept") or "").lower()
    return "text/html" in accept and "application/json" not in accept
