"""Local-only routes (/dev): app.py registers this blueprint only when CRM_STAGE is exactly `local`.

They drive the local tooling (crmlocal/, beside chalicelib): it is imported inside the functions, so a
deployed package, which holds app.py and chalicelib/ only, imports this module without it.
"""
from __future__ import annotations

import sys
from urllib.parse import urlencode

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

    params = routes.current_request.query_params or {}
    message_id = params.get("id")
    if message_id is not None:
        return _email_page(message_id, REPLY_OUTCOMES.get(params.get("replied") or ""))
    return page("outbox/list.html", None, section="outbox", title="Local outbox", emails=outbox_list())


# What the webhook made of a reply sent from an email's page, in words (the page after the form says it).
REPLY_OUTCOMES = {
    "replied": "Reply received: it is on the person's timeline, counted in the campaign's analytics, the person left "
               "the sequences that stop on a reply, and it was forwarded to the sender's mailbox (see the outbox).",
    "auto_replied": "Automatic reply received: it is on the person's timeline as an out-of-office; their sequences "
                    "go on.",
    "duplicate": "That reply had been received already: nothing changed.",
    "unknown": "The reply matched no email we sent (the person may have been erased since): ignored.",
}


@routes.route("/dev/outbox", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
@api.public
def dev_outbox_reply():
    """"Reply as the candidate" on an email's page: the candidate's reply goes through POST /webhooks/ses's own
    path (a signed SNS delivery of an SES receiving notification); then the email's page again, saying what
    became of it."""
    from crmlocal.replies import CannotReply, reply_from_outbox

    from ..domain.errors import Forbidden, ValidationError
    from ..http import form_text, read_form_or_json, same_origin
    from ..settings import get_settings
    from ..web.workspace import redirect

    request = routes.current_request
    if not same_origin(request, get_settings().public_url):
        raise Forbidden("a reply must come from the outbox's own page", code="cross_site")
    form = read_form_or_json(request, 64 * 1024)
    message_id, text = form_text(form, "id").strip(), form_text(form, "reply").strip()
    if not message_id:
        raise ValidationError.field("id", "required: the outbox email replied to")
    if not text:
        return _email_page(message_id, None, reply_problem="Write the reply first.")
    try:
        outcome = reply_from_outbox(message_id, text, out_of_office=form_text(form, "out_of_office") == "on")
    except CannotReply as refused:
        return _email_page(message_id, None, reply_problem=str(refused))
    return redirect(f"/dev/outbox?{urlencode({'id': message_id, 'replied': outcome})}")


# The page of one email shows its HTML part in a sandboxed srcdoc frame, which runs under this page's policy:
# the email's own inline styles must apply (the candidate's mail client applies them) and its remote images
# load. Scripts stay forbidden (and the frame's sandbox has no allow-scripts); forms post to this page only (the
# frame's sandbox has no allow-forms either). Local only, never deployed.
EMAIL_PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; "
                  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _email_page(message_id: str, reply_outcome: str | None, reply_problem: str | None = None):
    from crmlocal.outbox import as_shown, email_view

    from ..web.workspace import page

    email = email_view(message_id)
    if email is None:
        return page("outbox/missing.html", None, section="outbox", title="No such email", status=404,
                    message_id=message_id)
    return page("outbox/email.html", None, section="outbox", title=email["subject"] or "(no subject)", email=email,
                frame=as_shown(email["html"]) if email["html"] is not None else None,
                can_reply=any(name == "Reply-To" for name, _ in email["headers"]), reply_outcome=reply_outcome,
                reply_problem=reply_problem, status=400 if reply_problem else 200,
                headers={"Content-Security-Policy": EMAIL_PAGE_CSP})


# POST /dev/clock's operations (CONTRACT: local-only routes). "now" is the contract's word for "set"; both work.
CLOCK_OPERATIONS = ("set", "now", "advance", "reset")


@routes.route("/dev/clock", methods=["GET"])
@api.public
def dev_clock_get():
    from ..domain.clock import iso

    return json_response({"now": iso()})


@routes.route("/dev/clock", methods=["POST"])
@api.public
def dev_clock_set():
    """Moves the app's clock (domain/clock.py) for the whole local stack: {"set"|"now": ISO time}, {"advance": ISO
    duration} or {"reset": true}; answers {"now"}."""
    from ..domain import clock
    from ..domain.durations import parse_duration
    from ..domain.errors import ValidationError
    from ..http import read_json

    body = read_json(routes.current_request, 4 * 1024)
    if not isinstance(body, dict):
        raise ValidationError("body must be a JSON object", {"body": "must be an object"})
    given = [name for name in CLOCK_OPERATIONS if name in body]
    unknown = sorted(set(body) - set(CLOCK_OPERATIONS))
    if unknown or len(given) != 1:
        raise ValidationError("give exactly one of set, advance or reset",
                              {name: "unknown field" for name in unknown[:10]} or {"body": "one of set, advance, reset"})
    name, value = given[0], body[given[0]]
    try:
        if name == "reset":
            if value is not True:
                raise ValueError("must be true")
            return json_response({"now": clock.iso(clock.reset())})
        moment = parse_duration(value).after(clock.utcnow()) if name == "advance" else clock.parse_iso(value)
        if not clock.MIN_YEAR <= moment.year <= clock.MAX_YEAR:  # what every date the app reads must stay within
            raise ValueError(f"the clock must stay between the years {clock.MIN_YEAR} and {clock.MAX_YEAR}")
    except ValueError as problem:
        raise ValidationError.field(name, str(problem)) from None
    return json_response({"now": clock.iso(clock.set_now(moment))})
