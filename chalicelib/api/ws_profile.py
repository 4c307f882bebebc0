"""A person's profile in the workspace: see and edit it, tags, touchpoints, static pools, the timeline in words,
export, erasure with a confirmation.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
They call the services the JSON API calls. Every read of the whole profile (the edit form too) is
GET /dashboard/candidates/{candidate_id}, which the audit log records; a form that fails shows only itself again.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from chalice import Response

from .. import wiring
from ..domain.errors import Conflict, Forbidden, ValidationError
from ..http import ALL_TYPES, json_response, page_params, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 32 * 1024  # the edit form with every field full, or a touchpoint's 2000 characters, fit well within
TIMELINE_PAGE = 50
SAVED = {"profile": "Profile saved.", "tags": "Tags saved.", "touchpoint": "Touchpoint saved.",
         "pool_added": "Added to the pool.", "pool_removed": "Removed from the pool.",
         "written": "Your email is on its way: it goes out within a minute."}
# why a one-to-one email was not sent (services/outreach.py skip reasons), in words
NOT_WRITTEN = {
    "unsubscribed": "they unsubscribed: they get no email from us",
    "objected": "they objected to being contacted: they are never written to again",
    "bounced": "their address bounced", "complained": "they marked an email of ours as spam",
    "not_subscribed": "their sign-up is waiting for its confirmation",
    "in_outreach": "they are in another one-to-one sequence that has not finished",
    "recently_contacted": "they were contacted in the last 7 days (an email, a call, a LinkedIn message or a meeting)",
    "daily_cap": "you reached your daily number of one-to-one emails: try again tomorrow",
    "not_found": "they are no longer in the CRM",
    "paused_by_person": "they paused emails from us on their own page",
    "channel_opt_out": "they turned emails off on their own page",
}
WRITE_FIELDS = {"steps[0].subject": "subject", "steps[0].body": "message", "reason": "reason"}
STALE = "Someone changed this profile after you opened the form. Check the values below and save again."


def _path(candidate_id: str, suffix: str = "") -> str:
    return f"/dashboard/candidates/{quote(candidate_id, safe='')}{suffix}"


def _show(name: str, candidate: dict, *, title: str, status: int = 200, **values: Any) -> Response:
    from ..web.profile_view import present
    from ..web.workspace import page

    return page(f"profile/{name}", current_principal(), section="candidates", title=title, status=status,
                person=present(candidate), **values)


# ---------------------------------------------------------------- reading

@routes.route("/dashboard/candidates/{candidate_id}", methods=["GET"])
@api.page
def profile(candidate_id):
    from ..domain.accounts import may
    from ..web.profile_view import form_values

    request = routes.current_request
    params = request.query_params or {}
    candidate = wiring.candidates().get(candidate_id)
    writer = may(current_principal().role, "POST", "/candidates")
    if params.get("edit") and writer:
        return _edit_form(candidate, form_values(candidate), {})
    limit, cursor = page_params(request, TIMELINE_PAGE, 200)
    return _profile(candidate, limit=limit, cursor=cursor, saved=SAVED.get(params.get("saved") or ""),
                    adding=params.get("add") == "touchpoint" and writer)


def _profile(candidate: dict, *, limit: int, cursor: str | None, saved: str | None, adding: bool) -> Response:
    from ..services.timeline_view import day, when
    from ..web.profile_view import CHANNELS, display_name, timeline_entry

    entries, next_cursor = wiring.candidates().timeline_page(candidate["id"], limit, cursor)
    # the names its entries mention: batched reads of the campaigns, the ATS's job ids and the jobs
    names = wiring.timeline_view().names(entries)
    timeline = [timeline_entry(entry, names) for entry in entries]
    member_of, static_pools = wiring.pools().of_person(candidate["id"])
    return _show("profile.html", candidate, title=display_name(candidate), timeline=timeline, when=when, day=day,
                 next_cursor=next_cursor, older=bool(cursor), saved=saved, adding=adding, channels=CHANNELS,
                 touchpoint={"channel": "", "summary": "", "at": ""}, problems={}, member_of=member_of,
                 static_pools=static_pools, path=_path(candidate["id"]))


@routes.route("/dashboard/candidates/{candidate_id}/export", methods=["GET"])
@api.page
def export(candidate_id):
    import re

    data = wiring.privacy().export(candidate_id)
    name = re.sub(r"[^A-Za-z0-9_-]", "", candidate_id)[:100] or "candidate"
    return json_response(data, headers={"Content-Disposition": f'attachment; filename="{name}.json"',
                                        "Cache-Control": "no-store"})


# ---------------------------------------------------------------- changing

def _form() -> dict:
    return read_form_or_json(routes.current_request, FORM_LIMIT)


def _saved(candidate_id: str, what: str, anchor: str = "") -> Response:
    from ..web.workspace import redirect

    return redirect(_path(candidate_id, f"?saved={what}{anchor}"))


def _edit_form(candidate: dict, values: dict, problems: dict, *, status: int = 200,
               message: str | None = None) -> Response:
    from ..web.profile_view import EDIT_FIELDS, display_name, status_field

    from ..web.zones import time_zones

    return _show("edit.html", candidate, title=f"Edit {display_name(candidate)}", status=status, values=values,
                 problems=problems, message=message, fields=EDIT_FIELDS, status_field=status_field(candidate.get("status")),
                 zones=time_zones(), path=_path(candidate["id"]))


@routes.route("/dashboard/candidates/{candidate_id}/edit", methods=["POST"], content_types=ALL_TYPES)
@api.page
def edit(candidate_id):
    from ..web.profile_view import patch_body, typed_values

    form = _form()
    service = wiring.candidates()
    current = service.get(candidate_id)
    typed, version = typed_values(form), str(current.get("version") or "")
    values = dict(typed, version=version)  # saving the form again is against what is stored now
    if typed["version"] != version:
        # changed since the form was shown: saving it would undo that change unseen
        return _edit_form(current, values, {}, status=409, message=STALE)
    try:
        service.patch(candidate_id, patch_body(form))
    except (ValidationError, Conflict) as error:
        fields = error.fields or {}
        unshown = not fields or set(fields) - set(values)  # a problem no field of the form can show
        return _edit_form(current, values, fields, status=error.status, message=error.message if unshown else None)
    return _saved(candidate_id, "profile")


@routes.route("/dashboard/candidates/{candidate_id}/tags", methods=["POST"], content_types=ALL_TYPES)
@api.page
def tags(candidate_id):
    from ..web.profile_view import display_name, tag_change

    form = _form()
    service = wiring.candidates()
    current = service.get(candidate_id)
    change = tag_change(form)
    try:
        if change is None:
            raise ValidationError.field("tags", "type one or more tags, separated by commas")
        service.edit_tags(candidate_id, add=change[0], remove=change[1])
    except ValidationError as error:
        typed = form.get("add") if isinstance(form.get("add"), str) else ""
        return _show("tags.html", current, title=f"Tags of {display_name(current)}", status=400, typed=typed,
                     problem=error.fields.get("tags") or error.message, path=_path(candidate_id))
    return _saved(candidate_id, "tags", "#tags")


@routes.route("/dashboard/candidates/{candidate_id}/touchpoints", methods=["POST"], content_types=ALL_TYPES)
@api.page
def touchpoint(candidate_id):
    from ..web.profile_view import CHANNELS, display_name, touchpoint_body, typed_touchpoint

    form = _form()
    service = wiring.candidates()
    try:
        service.add_touchpoint(candidate_id, touchpoint_body(form))
    except ValidationError as error:
        current = service.get(candidate_id)  # an unknown person is a 404, whatever the form said
        return _show("touchpoint.html", current, title=f"Add touchpoint for {display_name(current)}", status=400,
                     channels=CHANNELS, touchpoint=typed_touchpoint(form), problems=_in_words(error.fields),
                     message=None if error.fields else error.message, path=_path(candidate_id))
    return _saved(candidate_id, "touchpoint", "#timeline")


def _in_words(problems: dict) -> dict:
    """The service names channels as the API spells them; the form offers their labels."""
    from ..web.profile_view import CHANNELS

    if "channel" not in problems:
        return problems
    return dict(problems, channel="choose one of " + ", ".join(label for _, label in CHANNELS))


@routes.route("/dashboard/candidates/{candidate_id}/pools", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pools(candidate_id):
    form = _form()
    wiring.candidates().get(candidate_id)
    pool_id, action = form.get("pool"), form.get("action")
    if not isinstance(pool_id, str) or not pool_id or action not in ("add", "remove"):
        raise ValidationError("choose a pool, then add or remove", {"pool": "choose a pool", "action": "add or remove"})
    if action == "add":
        wiring.pools().add_members(pool_id, {"candidate_ids": [candidate_id]})
    else:
        wiring.pools().remove_member(pool_id, candidate_id)
    return _saved(candidate_id, "pool_added" if action == "add" else "pool_removed", "#pools")


# ---------------------------------------------------------------- writing to the person

def _writer_form(candidate: dict, values: dict, problems: dict, *, status: int = 200,
                 message: str | None = None) -> Response:
    from ..web.profile_view import display_name

    principal = current_principal()
    return _show("write.html", candidate, title=f"Write to {display_name(candidate)}", status=status,
                 values=values, problems=problems, message=message, path=_path(candidate["id"]),
                 sender=f"{principal.name} <{principal.email}>" if principal.name else principal.email)


@routes.route("/dashboard/candidates/{candidate_id}/write", methods=["GET"])
@api.page
def write_page(candidate_id):
    _writer_only()
    candidate = wiring.candidates().get(candidate_id)
    return _writer_form(candidate, {"subject": "", "message": "", "reason": ""}, {})


@routes.route("/dashboard/candidates/{candidate_id}/write", methods=["POST"], content_types=ALL_TYPES)
@api.page
def write(candidate_id):
    """A one-to-one email, as POST /outreach with this person, from the signed-in member."""
    form = _form()
    candidate = wiring.candidates().get(candidate_id)
    values = {name: form.get(name) if isinstance(form.get(name), str) else "" for name in ("subject", "message", "reason")}
    body = {"candidate_ids": [candidate_id], "reason": form.get("reason"),
            "steps": [{"subject": form.get("subject"), "body": form.get("message")}]}
    try:
        made = wiring.outreach().create(body, current_principal().user_id)
    except ValidationError as error:
        fields = {WRITE_FIELDS[k]: v for k, v in (error.fields or {}).items() if k in WRITE_FIELDS}
        unshown = not fields or set(error.fields or {}) - set(WRITE_FIELDS)
        return _writer_form(candidate, values, fields, status=400, message=error.message if unshown else None)
    except Conflict as error:
        return _writer_form(candidate, values, {}, status=409, message="Not sent: " + error.message)
    if made["skipped"]:
        reason = made["skipped"][0]["reason"]
        return _writer_form(candidate, values, {}, status=409,
                            message="Not sent: " + NOT_WRITTEN.get(reason, reason.replace("_", " ")) + ".")
    return _saved(candidate_id, "written", "#timeline")


# ---------------------------------------------------------------- erasing

def _writer_only() -> None:
    from ..domain.accounts import may

    role = current_principal().role
    if not may(role, "POST", "/dashboard/candidates/{candidate_id}/erase"):
        raise Forbidden(f"a {role} may not erase people")


@routes.route("/dashboard/candidates/{candidate_id}/erase", methods=["GET"])
@api.page
def erase_page(candidate_id):
    from ..web.profile_view import display_name

    _writer_only()
    candidate = wiring.candidates().get(candidate_id)
    counts = wiring.privacy().erasure_preview(candidate_id)
    return _show("erase.html", candidate, title=f"Erase {display_name(candidate)}", counts=counts,
                 path=_path(candidate_id))


@routes.route("/dashboard/candidates/{candidate_id}/erase", methods=["POST"], content_types=ALL_TYPES)
@api.page
def erase(candidate_id):
    from ..web.workspace import redirect

    if _form().get("confirm") != "erase":  # only the confirmation page's button sends it
        raise ValidationError("confirm the erasure on its page", {"confirm": "must be erase"})
    wiring.privacy().erase(candidate_id)
    return redirect("/dashboard/candidates?notice=erased")
