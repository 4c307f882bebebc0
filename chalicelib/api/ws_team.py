"""The team in the workspace (admins): members, invitations, roles, API keys, the audit log.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`);
everything under /dashboard/team is an admin's (domain/accounts.py ADMIN_ROUTES). They call the services the JSON
API calls (api/users.py: POST|GET|PATCH|DELETE /users, POST|GET|DELETE /apikeys, GET /audit); a form's fields
become the body those routes take, nothing more, and the services' refusals (user_exists, own_account,
last_admin) are said in words beside the form that met them.
"""
from __future__ import annotations

import json
import re

from .. import wiring
from ..http import ALL_TYPES, page_params, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FORM_LIMIT = 16 * 1024
AUDIT_PAGE = 50
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ROLES = (("admin", "Admin: everything, the team, keys and the audit log included"),
         ("recruiter", "Recruiter: all recruiting work, not the team"),
         ("viewer", "Viewer: reads only, no exports of personal data, no erasure"))
# What a redirect after a change says on the page it lands on (?done=...); any other value says nothing.
DONE = {"invited": "Invitation sent to {email}: it holds a temporary password, and {name} chooses their own "
        "at the first sign-in.", "role": "Role changed.", "disabled": "Member disabled: they can no longer "
        "sign in, and their API keys stop working.", "enabled": "Member enabled: they can sign in again.",
        "deleted": "Member deleted, with their sign-in and their API keys.", "revoked": "API key revoked."}
# The services' refusals as the admin reads them at the form
REFUSALS = {
    "own_account": "You cannot demote, disable or delete your own account: ask another admin to do it.",
    "last_admin": "This is the last active admin: make another member an admin first, so the team keeps one.",
    "user_exists": "already has an account",
}
# The audit filters: the page's field names, the service's (GET /audit's) names
AUDIT_FILTERS = {"member": "actor", "record": "target", "action": "action", "from": "from", "to": "to"}


# ---------------------------------------------------------------- members

@routes.route("/dashboard/team", methods=["GET"])
@api.page
def members_page():
    from ..web.workspace import page

    return page("team/members.html", current_principal(), section="team", title="Team",
                members=wiring.users().list(), done=_done(), keys=_keys_by_member())


@routes.route("/dashboard/team/invite", methods=["GET"])
@api.page
def invite_form():
    return _invite_form({}, {})


@routes.route("/dashboard/team/invite", methods=["POST"], content_types=ALL_TYPES)
@api.page
def invite():
    from ..domain.errors import Conflict, ValidationError
    from ..web.workspace import redirect

    form: dict = {}
    try:
        form = read_form_or_json(routes.current_request, FORM_LIMIT)
        member = wiring.users().create({name: form.get(name) for name in ("email", "name", "role")})
    except ValidationError as error:  # the form again, each problem beside its field
        return _invite_form(form, error.fields or {"body": error.message}, status=400)
    except Conflict as error:  # user_exists: that address has an account already
        return _invite_form(form, {"email": REFUSALS.get(error.code, error.message)}, status=error.status)
    answer = redirect(f"/dashboard/team/members/{member['id']}?done=invited")
    # the gate names a created record in the audit log by the answer's "id" (as POST /users's); a browser
    # never reads a 303's body
    answer.body = json.dumps({"id": member["id"]})
    return answer


@routes.route("/dashboard/team/members/{user_id}", methods=["GET"])
@api.page
def member_page(user_id):
    return _member_page(user_id)


@routes.route("/dashboard/team/members/{user_id}/role", methods=["POST"], content_types=ALL_TYPES)
@api.page
def change_role(user_id):
    from ..domain.errors import ValidationError

    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    try:
        if form.get("role") in (None, ""):  # no role is no change: say so rather than "Role changed"
            raise ValidationError.field("role", "choose a role")
        return _changed(user_id, {"role": form["role"]}, "role", "role")
    except ValidationError as error:
        return _member_page(user_id, problem=("role", error.fields.get("role") or error.message), status=400)


@routes.route("/dashboard/team/members/{user_id}/disable", methods=["POST"], content_types=ALL_TYPES)
@api.page
def disable(user_id):
    _no_fields()
    return _changed(user_id, {"disabled": True}, "access", "disabled")


@routes.route("/dashboard/team/members/{user_id}/enable", methods=["POST"], content_types=ALL_TYPES)
@api.page
def enable(user_id):
    _no_fields()
    return _changed(user_id, {"disabled": False}, "access", "enabled")


@routes.route("/dashboard/team/members/{user_id}/delete", methods=["GET"])
@api.page
def delete_confirmation(user_id):
    return _delete_page(user_id)


@routes.route("/dashboard/team/members/{user_id}/delete", methods=["POST"], content_types=ALL_TYPES)
@api.page
def delete(user_id):
    from ..domain.errors import Conflict
    from ..web.workspace import redirect

    _no_fields()
    try:
        wiring.users().delete(user_id, current_principal())
    except Conflict as error:  # own_account, last_admin: the confirmation again, saying why not
        return _delete_page(user_id, problem=REFUSALS.get(error.code, error.message), status=error.status)
    return redirect("/dashboard/team?done=deleted")


def _changed(user_id: str, body: dict, place: str, done: str):
    """PATCH /users/{id}'s change; a refusal (own_account, last_admin) is the member's page saying why."""
    from ..domain.errors import Conflict
    from ..web.workspace import redirect

    try:
        wiring.users().change(user_id, body, current_principal())
    except Conflict as error:
        return _member_page(user_id, problem=(place, REFUSALS.get(error.code, error.message)), status=error.status)
    return redirect(f"/dashboard/team/members/{user_id}?done={done}")


def _member_page(user_id: str, problem: tuple[str, str] | None = None, status: int = 200):
    from ..services.users import view
    from ..web.workspace import page

    member = view(wiring.users().get(user_id))
    return page("team/member.html", current_principal(), section="team", title=member["name"], status=status,
                member=member, roles=ROLES, problem=problem, done=_done(member),
                keys=_keys_by_member().get(user_id, []), myself=member["id"] == current_principal().user_id)


def _delete_page(user_id: str, problem: str | None = None, status: int = 200):
    from ..services.users import view
    from ..web.workspace import page

    member = view(wiring.users().get(user_id))
    return page("team/delete.html", current_principal(), section="team", title=f"Delete {member['name']}?",
                status=status, member=member, keys=_keys_by_member().get(user_id, []), problem=problem)


def _invite_form(values: dict, errors: dict, status: int = 200):
    from ..web.workspace import page

    return page("team/invite.html", current_principal(), section="team", title="Invite member", status=status,
                values=values, errors=errors, roles=ROLES, fields=("email", "name", "role"))


# ---------------------------------------------------------------- API keys

@routes.route("/dashboard/team/keys", methods=["GET"])
@api.page
def keys_page():
    from ..domain.errors import ValidationError

    members = wiring.users().list()
    chosen = _query("member") or ""
    if chosen and chosen not in {m["id"] for m in members}:
        raise ValidationError.field("member", "not a member of the team")
    return _keys_page(members, {"user_id": chosen}, {})


@routes.route("/dashboard/team/keys", methods=["POST"], content_types=ALL_TYPES)
@api.page
def key_create():
    from ..domain.errors import NotFound, ValidationError
    from ..web.workspace import page

    form: dict = {}
    members = wiring.users().list()
    try:
        form = read_form_or_json(routes.current_request, FORM_LIMIT)
        body = {"name": form.get("name"), **({"user_id": form["user_id"]} if form.get("user_id") else {})}
        made = wiring.users().create_key(body, current_principal())
    except ValidationError as error:
        return _keys_page(members, form, error.fields or {"body": error.message}, status=400)
    except NotFound:  # a member deleted meanwhile, or an id nobody has
        return _keys_page(members, form, {"user_id": "not a member of the team"}, status=400)
    owner = next((m for m in members if m["id"] == made["user_id"]), None)
    # The key is on this answer only (never in a URL, never stored): the page says to copy it now.
    return page("team/key_made.html", current_principal(), section="team", title="API key created", status=201,
                key=made, owner=owner)


@routes.route("/dashboard/team/keys/{key_id}/revoke", methods=["POST"], content_types=ALL_TYPES)
@api.page
def key_revoke(key_id):
    from ..domain.errors import NotFound
    from ..web.workspace import redirect

    _no_fields()
    if not wiring.api_keys().revoke(key_id):
        raise NotFound(f"no working API key {key_id}")
    return redirect("/dashboard/team/keys?done=revoked")


def _keys_page(members: list[dict], values: dict, errors: dict, status: int = 200):
    from ..web.workspace import page

    names = {m["id"]: m for m in members}
    keys = [{**key, "owner": names.get(key["user_id"])} for key in reversed(wiring.api_keys().list())]
    return page("team/keys.html", current_principal(), section="team", title="API keys", status=status, keys=keys,
                members=members, values=values, errors=errors, done=_done(),
                me=current_principal().user_id, fields=("name", "user_id"))


def _keys_by_member() -> dict[str, list[dict]]:
    owned: dict[str, list[dict]] = {}
    for key in wiring.api_keys().list():
        owned.setdefault(key["user_id"] or "", []).append(key)
    return owned


# ---------------------------------------------------------------- the audit log

@routes.route("/dashboard/team/audit", methods=["GET"])
@api.page
def audit_page():
    from ..domain.errors import ValidationError
    from ..web.workspace import page

    request = routes.current_request
    typed, errors = _audit_filters(request.query_params or {})
    entries: list[dict] = []
    next_cursor = None
    if not errors:
        limit, cursor = page_params(request, default=AUDIT_PAGE, maximum=AUDIT_PAGE)
        try:
            entries, next_cursor = wiring.audit().page(_audit_query(typed), limit=limit, cursor=cursor)
        except ValidationError as error:  # said beside the filter it is about
            places = {service: form for form, service in AUDIT_FILTERS.items()}
            errors = {places.get(name, name): _audit_words(name, problem) for name, problem in error.fields.items()}
    members = wiring.users().list()
    return page("team/audit.html", current_principal(), section="team", title="Audit log",
                status=400 if errors else 200, entries=entries, members=members, typed=typed, errors=errors,
                names={m["id"]: m["name"] for m in members}, older=_older(typed, next_cursor),
                paged=bool((request.query_params or {}).get("cursor")))


def _audit_filters(params) -> tuple[dict[str, str], dict[str, str]]:
    """The filters as typed (each once, one line: the gate checked that), and what is wrong with them."""
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in AUDIT_FILTERS:
        values = _all(params, name)
        typed[name] = (values[-1] if values else "").strip()
        if len(values) > 1:
            errors[name] = "one value only"
        elif name in ("from", "to") and typed[name] and not DAY.fullmatch(typed[name]):
            errors[name] = "a date such as 2026-03-31"
    if not errors and typed["from"] and typed["to"] and typed["from"] > typed["to"]:
        errors["from"] = "on or before the end date"
    return typed, errors


def _audit_query(typed: dict[str, str]) -> dict[str, str]:
    """GET /audit's query from the page's filters: the dates as the start of the first day and the end of the last."""
    query = {service: typed[form] for form, service in AUDIT_FILTERS.items() if typed[form]}
    if "from" in query:
        query["from"] += "T00:00:00Z"
    if "to" in query:
        query["to"] += "T23:59:59.999Z"
    return query


def _audit_words(name: str, problem: str) -> str:
    return "a date such as 2026-03-31" if name in ("from", "to") and "ISO 8601" in problem else problem


def _older(typed: dict[str, str], cursor: str | None) -> str | None:
    """The link to the next page of older entries, with the same filters."""
    from urllib.parse import urlencode

    if not cursor:
        return None
    return "/dashboard/team/audit?" + urlencode({**{k: v for k, v in typed.items() if v}, "cursor": cursor})


def _done(member: dict | None = None) -> str | None:
    """What the redirect after a change says (?done=...); a text about a member only on that member's page."""
    text = DONE.get(_query("done") or "")
    if text and "{" in text:
        return text.format(email=member["email"], name=member["name"]) if member else None
    return text


def _no_fields() -> None:
    """A button's form sends no fields: one that comes with any was not sent by our page, and changes nothing."""
    from ..domain.errors import ValidationError

    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    if form:
        raise ValidationError("this form takes no fields", {name: "unknown field" for name in list(form)[:10]})


def _query(name: str) -> str | None:
    params = routes.current_request.query_params
    value = params.get(name) if params else None
    return value if isinstance(value, str) else None


def _all(params, name: str) -> list[str]:
    """Every value a query parameter was given (a repeated one is a mistake the page names)."""
    if name not in params:
        return []
    return list(params.getlist(name)) if hasattr(params, "getlist") else [params[name]]
