"""Pools in the workspace: the rule builder with a live count and sample, static pools, a pool's page.

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
The builder is a plain form whose field names say where each row sits (domain/rule_form.py); htmx posts it to
/dashboard/pools/builder on every change, which draws the builder and the live count again. The pages call the
same PoolService the JSON API calls (its `preview` is POST /pools/preview).
"""
from __future__ import annotations

from chalice import Response

from .. import wiring
from ..domain.errors import CrmError, ValidationError
from ..domain.rule_form import (
    BLANK,
    FIELDS,
    MATCHES,
    ROOT,
    Condition,
    Group,
    from_rules,
    new_builder,
    read_builder,
    to_rules,
)
from ..domain.pools import validate_pool
from ..domain.rules import describe
from ..domain.vocabulary import PoolStatus
from ..http import ALL_TYPES, form_text, read_form_or_json
from . import blueprint, current_principal

routes, api = blueprint(__name__)
FIGURES_SECONDS = 0.25  # a figures request's share of counting a big pool's members (it polls for the rest)
FORM_LIMIT = 64 * 1024  # a builder of 30 conditions is a few KB
POOLS_PAGE = 50
MEMBERS_PAGE = 25
KINDS = {"dynamic": "Rule-based", "static": "Static"}
STAND_IN = {"field": "skills", "op": "exists"}  # rules that parse: the other fields' checks run with them


# ---------------------------------------------------------------- the list

@routes.route("/dashboard/pools", methods=["GET"])
@api.page
def pool_list():
    from ..web.workspace import page

    cursor = _query("cursor")
    pools, next_cursor = wiring.pools().list(POOLS_PAGE, cursor)
    return page("pools/list.html", current_principal(), section="pools", title="Pools", pools=pools,
                next_cursor=next_cursor, paged=bool(cursor), kinds=KINDS)


# ---------------------------------------------------------------- a new pool

@routes.route("/dashboard/pools/new", methods=["GET"])
@api.page
def pool_new():
    return _form_page(new=True, values={"name": "", "description": "", "kind": "dynamic"}, tree=new_builder())


@routes.route("/dashboard/pools/new", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pool_create():
    from ..web.workspace import redirect

    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    values = {"name": form_text(form, "name"), "description": form_text(form, "description"),
              "kind": form_text(form, "kind") or "dynamic"}
    action = form_text(form, "action")
    tree = read_builder(form, None if action == "save" else action)
    if action != "save":  # a builder button without htmx: the same page, changed
        return _form_page(new=True, values=values, tree=tree)
    body: dict = {"name": values["name"], "kind": values["kind"], "description": values["description"]}
    problems: dict[str, str] = {}
    if values["kind"] == "dynamic":
        body["rules"], problems = to_rules(tree)
    try:
        if problems:
            _refuse_with_the_other_problems(body)
        pool = wiring.pools().create(body)
    except ValidationError as error:
        return _form_page(new=True, values=values, tree=tree, error=error, rule_problems=problems, status=400)
    return redirect(f"/dashboard/pools/{pool['id']}")


# ---------------------------------------------------------------- the builder, drawn again (htmx)

@routes.route("/dashboard/pools/builder", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pool_builder():
    """The rules area (builder and live count) for the form as it is now; `action` adds or removes a row."""
    from ..web.workspace import fragment

    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    tree = read_builder(form, form_text(form, "action"))
    return fragment("pools/_rules.html", **_rules_values(tree))


# ---------------------------------------------------------------- a pool's page

@routes.route("/dashboard/pools/{pool_id}", methods=["GET"])
@api.page
def pool_page(pool_id):
    from ..web.workspace import page

    service = wiring.pools()
    pool = service.get(pool_id)
    cursor = _query("cursor")
    members, next_cursor = service.members(pool_id, MEMBERS_PAGE, cursor)
    return page("pools/pool.html", current_principal(), section="pools", title=pool["name"], pool=pool,
                words=describe(pool["rules"]) if pool["kind"] == "dynamic" else None, members=members,
                next_cursor=next_cursor, paged=bool(cursor), kinds=KINDS, rebuilding=_rebuilding(pool))


@routes.route("/dashboard/pools/{pool_id}/status", methods=["GET"])
@api.page
def pool_status(pool_id):
    """Polled while a pool is rebuilding: its status and size; once done, the page loads again (HX-Refresh)."""
    from ..web.workspace import fragment

    pool = wiring.pools().get(pool_id)
    done = not _rebuilding(pool)
    return fragment("pools/_status.html", pool=pool, rebuilding=not done, kinds=KINDS, headers={"HX-Refresh": "true"} if done else None)


@routes.route("/dashboard/pools/{pool_id}/figures", methods=["GET"])
@api.page
def pool_figures(pool_id):
    """The pool's analytics (GET /analytics/pools/{id}), loaded after the page: they read every member, a bounded
    piece per request (services/pool_figures.py); the fragment polls itself until the count is complete."""
    from ..web.workspace import fragment

    return fragment("pools/_figures.html", data=wiring.analytics().pool(pool_id, FIGURES_SECONDS),
                    chart=_history_chart)


# ---------------------------------------------------------------- editing

@routes.route("/dashboard/pools/{pool_id}/edit", methods=["GET"])
@api.page
def pool_edit(pool_id):
    pool = wiring.pools().get(pool_id)
    values = {"name": pool["name"], "description": pool.get("description") or "", "kind": pool["kind"]}
    return _form_page(new=False, values=values, tree=from_rules(pool.get("rules")), pool=pool)


@routes.route("/dashboard/pools/{pool_id}/edit", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pool_save(pool_id):
    from ..web.workspace import redirect

    service = wiring.pools()
    pool = service.get(pool_id)
    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    values = {"name": form_text(form, "name"), "description": form_text(form, "description"), "kind": pool["kind"]}
    action = form_text(form, "action")
    tree = read_builder(form, None if action == "save" else action)
    if action != "save":
        return _form_page(new=False, values=values, tree=tree, pool=pool)
    body: dict = {"name": values["name"], "description": values["description"]}
    problems: dict[str, str] = {}
    if pool["kind"] == "dynamic":
        rules, problems = to_rules(tree)
        if rules is not None and rules != to_rules(from_rules(pool.get("rules")))[0]:
            body["rules"] = rules  # only a change of rules rebuilds the pool
    try:
        if problems:
            _refuse_with_the_other_problems(body, pool["kind"])
        service.patch(pool_id, body)
    except ValidationError as error:
        return _form_page(new=False, values=values, tree=tree, pool=pool, error=error, rule_problems=problems,
                          status=400)
    return redirect(f"/dashboard/pools/{pool_id}")


# ---------------------------------------------------------------- members and deletion

@routes.route("/dashboard/pools/{pool_id}/members/{candidate_id}/remove", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pool_remove_member(pool_id, candidate_id):
    from ..web.workspace import redirect

    wiring.pools().remove_member(pool_id, candidate_id)
    return redirect(f"/dashboard/pools/{pool_id}")


@routes.route("/dashboard/pools/{pool_id}/delete", methods=["GET"])
@api.page
def pool_delete_page(pool_id):
    from ..web.workspace import page

    pool = wiring.pools().get(pool_id)
    return page("pools/delete.html", current_principal(), section="pools", title=f"Delete {pool['name']}?", pool=pool)


@routes.route("/dashboard/pools/{pool_id}/delete", methods=["POST"], content_types=ALL_TYPES)
@api.page
def pool_delete(pool_id):
    from ..web.workspace import redirect

    wiring.pools().delete(pool_id)
    return redirect("/dashboard/pools")


# ---------------------------------------------------------------- helpers

def _form_page(*, new: bool, values: dict, tree: Group, pool: dict | None = None, error: CrmError | None = None,
               rule_problems: dict | None = None, status: int = 200) -> Response:
    from ..web.workspace import page

    fields = dict(getattr(error, "fields", None) or {})
    rules_problem = next((text for name, text in fields.items() if name.startswith("rules")), None)
    title = "New pool" if new else f"Edit {pool['name'] if pool else 'pool'}"
    dynamic = values["kind"] == "dynamic"
    return page("pools/form.html", current_principal(), section="pools", title=title, new=new, values=values,
                pool=pool, error=error, field_problems=fields, kinds=KINDS, dynamic=dynamic, status=status,
                action="/dashboard/pools/new" if new else f"/dashboard/pools/{pool['id'] if pool else ''}/edit",
                **_rules_values(tree, rule_problems, None if rule_problems else rules_problem, preview=dynamic))


def _rules_values(tree: Group, problems: dict | None = None, general: str | None = None,
                  preview: bool = True) -> dict:
    """What _rules.html draws: the tree, the problems to show beside fields, and the live count."""
    rules, found = to_rules(tree)
    shown = problems if problems is not None else found
    result = None
    if rules is not None and preview:
        try:
            result = wiring.pools().preview({"rules": rules})
        except ValidationError as error:
            general = error.message
    return {"tree": tree, "problems": {k: v for k, v in shown.items() if v != BLANK or problems is not None},
            "count_problems": found, "preview": result, "general": general or found.get(ROOT),
            "fields": FIELDS, "matches": MATCHES, "number": _number, "hint": _hint, "place": _place}


def _number(path: str) -> str:
    """A row's number as the page shows it: g0.c1 is 2, g0.g1.c0 is 2.1."""
    return ".".join(str(int(part[1:]) + 1) for part in path.split(".")[1:])


def _place(name: str) -> str:
    """Where a problem is, in words: "Condition 2.1", "Group 3", "The rules"."""
    path = name.rsplit(".", 1)[0] if name.endswith((".field", ".op", ".value")) else name
    if path == ROOT:
        return "The rules"
    return ("Group " if path.rpartition(".")[2].startswith("g") else "Condition ") + _number(path)


def _hint(row: Condition) -> str:
    if row.kind == "bool":
        return ""
    if row.kind == "list" or row.op == "in":
        return "Separate several with commas."
    if row.kind == "number":
        return "A number."
    if row.op in ("older_than", "newer_than"):
        return "A length of time: 90 days, 6 months, 1 year."
    if row.kind == "time":
        return "A day."
    return "Upper or lower case: either."


def _refuse_with_the_other_problems(body: dict, existing_kind: str | None = None) -> None:
    """Rules the builder could not read: the pool is not saved, and the name's or description's problems are
    told with them (the domain's own checks, with stand-in rules)."""
    fields = {"rules": "see the conditions marked"}
    try:
        validate_pool({**body, "rules": STAND_IN} if existing_kind is None else
                      {k: v for k, v in body.items() if k != "rules"}, existing_kind=existing_kind)
    except ValidationError as error:
        fields = {**error.fields, **fields}
    raise ValidationError("invalid pool: " + ", ".join(sorted(fields)), fields)


def _rebuilding(pool: dict) -> bool:
    return pool.get("status") == PoolStatus.REBUILDING


def _history_chart(history: list[dict]) -> dict:
    """The size history as an SVG polyline (drawn by the template): points in a 600 x 160 box."""
    width, height, pad = 600, 160, 8
    sizes = [int(point.get("size") or 0) for point in history]
    top = max(sizes, default=0) or 1
    step = (width - 2 * pad) / max(len(sizes) - 1, 1)
    points = " ".join(f"{pad + i * step:.1f},{height - pad - (size / top) * (height - 2 * pad):.1f}"
                      for i, size in enumerate(sizes))
    return {"width": width, "height": height, "points": points, "top": top}


def _query(name: str) -> str | None:
    params = routes.current_request.query_params
    return (params.get(name) or None) if params else None

