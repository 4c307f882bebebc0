"""Tracking: the open pixel, the click redirect, the person's own page (/u/{token}) and one-click unsubscribe."""
from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

from chalice import Response

from .. import wiring
from ..domain.errors import NotFound, ValidationError
from ..domain.templates import CATEGORIES
from ..http import ALL_TYPES, error_response, form_text, html_response, json_response, raw_body, read_form_or_json
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
        return error_response(NotFound("this link is not one we sent"))
    return Response(body="", status_code=302, headers={"Location": target, **NO_STORE})


@routes.route("/u/{token}", methods=["GET"])
@api.public
def preferences_page(token):
    """The person's own page: what we hold, and their choices (an old link: unsubscribe only)."""
    from ..web.preferences import NOTICES

    service = wiring.tracking()
    link = service.person(token)
    if link is None:
        return _not_valid()
    if not link.can_unsubscribe:
        return _expired()
    done = (routes.current_request.query_params or {}).get("done")
    return _page(token, link, NOTICES.get(done or ""), 200)


@routes.route("/u/{token}", methods=["POST"], content_types=ALL_TYPES)
@api.public
def preferences_save(token):
    """RFC 8058 one-click (body `List-Unsubscribe=One-Click`) or one of the page's forms (`action`).

    One-click comes from mail providers' servers (no Origin, no form token) and is taken as it is:
    it can only unsubscribe. The forms can also opt back in, so they must come from our own page: a
    browser's post from another site is refused (403), and the page's signed form token must be in it.
    A change answers 303 to the page with a notice (post/redirect/get); a bad value, the page again (400).
    """
    from ..web.preferences import unsubscribe_only_page

    request, settings, service = routes.current_request, get_settings(), wiring.tracking()
    body = raw_body(request, 16 * 1024).decode("utf-8", "replace")
    if parse_qs(body, keep_blank_values=True).get("List-Unsubscribe") == ["One-Click"]:
        return _one_click(service, service.person(token))
    link = _form_link(request, token)
    if isinstance(link, Response):
        return link
    try:
        form = read_form_or_json(request, 16 * 1024)
        action = form_text(form, "action") or "save"
        categories = _texts(form, "categories")
    except ValidationError as error:
        return _page(token, link, None, 400, error=_problem(error))
    if action not in ACTIONS:
        return _page(token, link, None, 400, error="That is not a choice this page offers.")
    everything = action == "unsubscribe_all" or (action == "save" and not categories)
    if not link.can_choose and not everything:
        return html_response(unsubscribe_only_page(_url(token), settings.company_name, service.form_token(link)), 400,
                             NO_STORE)
    if action in ("save", "unsubscribe_all"):
        if any(c not in CATEGORIES for c in categories):
            return _page(token, link, None, 400, error="That is not a topic this page offers.")
        service.set_preferences(link.token, categories=categories, everything=everything, source="preference_page")
        if not link.can_choose:
            return html_response(unsubscribe_only_page(_url(token), settings.company_name, "",
                                                       "You are unsubscribed from all our emails."), 200, NO_STORE)
        return _see(token, "unsubscribed" if everything else "saved")
    try:
        done = _choose(link, action, form)
    except ValidationError as error:
        return _page(token, link, None, 400, error=_problem(error))
    return _see(token, done)


@routes.route("/u/{token}/export", methods=["GET"])
@api.public
def preferences_export(token):
    """Everything we hold about the person (the same export as GET /candidates/{id}/export), as a download."""
    link = wiring.tracking().person(token)
    if link is None:
        return _not_valid()
    if not link.can_choose:
        return _expired_for_choices()
    data = wiring.preferences().export(link.token.candidate_id)
    return json_response(data, 200, {"Content-Disposition": 'attachment; filename="my-data.json"', **NO_STORE})


@routes.route("/u/{token}/delete", methods=["GET", "POST"], content_types=ALL_TYPES)
@api.public
def preferences_delete(token):
    """"Delete me": GET asks for confirmation; POST emails the confirmation link (at most once an hour)."""
    from ..domain.errors import RateLimited
    from ..web.preferences import erase_request_page

    request, settings, service = routes.current_request, get_settings(), wiring.tracking()
    link = service.person(token) if request.method == "GET" else _form_link(request, token)
    if isinstance(link, Response):
        return link
    if link is None:
        return _not_valid()
    if not link.can_choose:
        return _expired_for_choices()

    def page(status: int, error: str | None = None) -> Response:
        return html_response(erase_request_page(f"{_url(token)}/delete", _url(token), settings.company_name,
                                                link.candidate["email"], service.form_token(link), error),
                             status, NO_STORE)

    if request.method == "GET":
        return page(200)
    try:
        wiring.preferences().request_erasure(link.candidate, lambda code: f"{_url(token)}/erase/{code}")
    except RateLimited as error:
        return page(429, error.message)
    except ValidationError as error:
        return page(400, _problem(error))
    return _see(token, "erase_sent")


@routes.route("/u/{token}/erase/{code}", methods=["GET", "POST"], content_types=ALL_TYPES)
@api.public
def preferences_erase(token, code):
    """The emailed link. GET: a button only (a link preview's GET erases nothing); POST: erased, then GET: goodbye."""
    from ..web.pages import page
    from ..web.preferences import erase_confirm_page

    request, settings, service = routes.current_request, get_settings(), wiring.tracking()
    unchecked = service.token(token, "u")
    if unchecked is None or not wiring.preferences().erase_code_valid(unchecked.candidate_id, code):
        return html_response(page("Link not valid", "This link is not valid or has expired (it works for a day). "
                                  "Ask for a new one from the link in any of our emails."), 404, NO_STORE)
    link = service.person(token)
    if link is None:  # erased (this link's POST, or before): the goodbye page
        return html_response(page("Your data is deleted", f"Goodbye. {settings.company_name} no longer holds "
                                  "your details, and you will get no more emails from us."), 200, NO_STORE)
    if request.method == "GET":
        return html_response(erase_confirm_page(f"{_url(token)}/erase/{code}", settings.company_name,
                                                service.form_token(link)), 200, NO_STORE)
    checked = _form_link(request, token)
    if isinstance(checked, Response):
        return checked
    wiring.preferences().erase(link.token.candidate_id)
    return Response(body="", status_code=303, headers={"Location": f"{_url(token)}/erase/{code}", **NO_STORE})


ACTIONS = ("save", "unsubscribe_all", "frequency", "channels", "pause", "resume")


def _choose(link, action: str, form: dict) -> str:
    """One of the page's other choices; the notice code to show."""
    preferences, candidate_id = wiring.preferences(), link.token.candidate_id
    if action == "frequency":
        preferences.set_frequency(candidate_id, form_text(form, "max_per_month"))
    elif action == "channels":
        preferences.set_channels(candidate_id, _texts(form, "channels"))
    elif action == "pause":
        preferences.pause(candidate_id, form_text(form, "pause"))
    else:
        preferences.resume(candidate_id)
    return action


def _form_link(request, token):
    """The link a page's form posts for, or the answer refusing it: another site's post (403), a link that is not
    ours (404), a form not from our page (403)."""
    if _cross_site(request, get_settings()):
        return _forbidden("this form can only be sent from its own page; open the link in the email again")
    service = wiring.tracking()
    link = service.person(token)
    if link is None:
        return _not_valid()
    if not link.can_unsubscribe:
        return _expired()
    form = read_form_or_json(request, 16 * 1024)  # a body no page sends: 400 (or 413, 415), the contract's error
    text = form.get("form_token")
    if not isinstance(text, str) or not service.form_token_valid(link, text):
        return _forbidden("this form is not one we gave out; open the link in the email again")
    return link


def _texts(form: dict, name: str) -> list[str]:
    """A field that may repeat (checkboxes): its values, each text. ValidationError for anything else."""
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    if len(values) > 20 or not all(isinstance(v, str) and len(v) <= 100 for v in values):
        raise ValidationError.field(name, "the page's choices")
    return values


def _problem(error: ValidationError) -> str:
    fields = getattr(error, "fields", None) or {}
    return "That did not work: " + ("; ".join(f"{v}" for v in fields.values()) or error.message) + "."


def _url(token: str) -> str:
    return f"{get_settings().public_url}/u/{token}"


def _see(token: str, done: str) -> Response:
    return Response(body="", status_code=303, headers={"Location": f"{_url(token)}?done={done}", **NO_STORE})


def _page(token: str, link, notice: str | None, status: int, error: str | None = None) -> Response:
    from ..web.preferences import preference_page, unsubscribe_only_page

    settings, service = get_settings(), wiring.tracking()
    if not link.can_choose:
        return html_response(unsubscribe_only_page(_url(token), settings.company_name,
                                                   service.form_token(link), notice), status, NO_STORE)
    held = wiring.preferences().held(link.candidate)
    return html_response(preference_page(_url(token), link.candidate, settings.company_name, notice,
                                         form_token=service.form_token(link), held=held, error=error),
                         status, NO_STORE)


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


def _expired_for_choices() -> Response:
    from ..web.pages import page

    return html_response(page("Link expired", "This link is too old for that. A newer email from us has a link "
                              "that works; this one still unsubscribes you from everything."), 400, NO_STORE)
