"""Consent over time (issue 16 item 4): the month's retention report, a person's retention and a recruiter's keep,
and the re-permission email's two links (public): "Keep me in the talent community" and "Remove me"."""
from __future__ import annotations

from .. import wiring
from ..http import ALL_TYPES, form_text, html_response, json_response, one_param, read_form_or_json, read_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
NO_STORE = {"Cache-Control": "no-store"}


def unknown_params(request, known: tuple[str, ...]) -> None:
    from ..domain.errors import ValidationError

    unknown = sorted(set(request.query_params or {}) - set(known))
    if unknown:
        raise ValidationError("unknown query parameters", {name[:100]: "unknown parameter" for name in unknown[:10]})


@routes.route("/retention", methods=["GET"])
@api.recruiter
def retention_report():
    request = routes.current_request
    unknown_params(request, ("month",))
    return json_response(wiring.retention().report(one_param(request, "month")))


@routes.route("/candidates/{candidate_id}/retention", methods=["GET"])
@api.recruiter
def candidate_retention(candidate_id):
    return json_response(wiring.retention().status(candidate_id))


@routes.route("/candidates/{candidate_id}/retention", methods=["POST"], content_types=ALL_TYPES)
@api.recruiter
def candidate_retention_keep(candidate_id):
    body = read_json(routes.current_request, 16 * 1024)
    return json_response(wiring.retention().keep(candidate_id, body, current_principal().email))


# ---------------------------------------------------------------- the email's links (public)

def _token_problem(error) -> object:
    from ..web.pages import page

    if error.reason == "expired":
        return html_response(page("Link expired", "This link has expired. If you want to stay in touch, sign up "
                                  "again on our careers page."), 400, NO_STORE)
    return html_response(page("Link not valid", "This link is not valid, or the profile it was for no longer "
                              "exists. Please use the full link from the email."), 400, NO_STORE)


def _link_token():
    """The token of an answer link (GET: its query) or of its page's form (POST), or an HTML 400 page."""
    from ..web.pages import page

    request = routes.current_request
    token = (one_param(request, "token") if request.method == "GET"
             else form_text(read_form_or_json(request, 16 * 1024), "token"))
    if not token:
        return None, html_response(page("Link incomplete", "This link is missing its token. Please use the full "
                                        "link from the email."), 400, NO_STORE)
    return token, None


def _confirm_page(token: str, answer: str) -> object:
    """Asks before acting: a link may be opened by a mail scanner, a button is pressed by a person."""
    from ..domain.tokens import TokenError
    from ..settings import get_settings
    from ..web.pages import render

    try:
        wiring.retention().check_link(token)
    except TokenError as error:
        return _token_problem(error)
    company = get_settings().company_name
    if answer == "keep":
        words = {"heading": "Stay in touch?", "button": "Keep me in the talent community", "danger": False,
                 "text": f"Press the button to stay in the {company} talent community and keep hearing about roles "
                         "that may suit you. Every email has a link to change what you get or to unsubscribe."}
    else:
        words = {"heading": "Remove me", "button": "Remove me", "danger": True,
                 "text": f"Press the button to leave the {company} talent community. We will delete everything we "
                         "hold about you and not contact you again."}
    return html_response(render("retention_confirm.html", token=token, action_url=f"/retention/{answer}", **words),
                         200, NO_STORE)


@routes.route("/retention/keep", methods=["GET"])
@api.public
def retention_keep_page():
    token, problem = _link_token()
    return problem or _confirm_page(token, "keep")


@routes.route("/retention/keep", methods=["POST"], content_types=ALL_TYPES)
@api.public
def retention_keep():
    from ..domain.tokens import TokenError
    from ..settings import get_settings
    from ..web.pages import page

    token, problem = _link_token()
    if problem:
        return problem
    try:
        renewed = wiring.retention().renew(token)
    except TokenError as error:
        return _token_problem(error)
    company = get_settings().company_name
    if not renewed:
        return html_response(page("Nothing to renew", f"You are not subscribed to {company} emails, so there is "
                                  "nothing to renew. To hear from us again, sign up on our careers page."),
                             200, NO_STORE)
    return html_response(page("You're staying", f"Thanks: you stay in the {company} talent community. Every email "
                              "has a link to change what you get or to unsubscribe."), 200, NO_STORE)


@routes.route("/retention/remove", methods=["GET"])
@api.public
def retention_remove_page():
    token, problem = _link_token()
    return problem or _confirm_page(token, "remove")


@routes.route("/retention/remove", methods=["POST"], content_types=ALL_TYPES)
@api.public
def retention_remove():
    from ..domain.tokens import TokenError
    from ..web.pages import page

    token, problem = _link_token()
    if problem:
        return problem
    try:
        wiring.retention().remove(token)
    except TokenError as error:
        return _token_problem(error)
    return html_response(page("You have been removed", "We deleted everything we held about you. We will not "
                              "contact you again."), 200, NO_STORE)
