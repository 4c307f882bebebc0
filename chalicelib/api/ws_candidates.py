"""Candidates in the workspace: browse everyone with filters (skill, role, tag, pool, status, stage, country, city,
remote, engagement, last contact, a piece of a name or address), sorted and paged; people picked from the list are
added to a static pool. A person's profile is ws_profile.py's (each listed email links to it).

Pages are server-rendered (chalicelib/web/workspace.py) and pass the gate like every recruiter route (`api.page`).
The list is a GET form (its URL can be shared; Enter applies it) read by the same CandidateService.browse that
answers GET /candidates; "Add to pool" posts to the pool service's add_members (POST /pools/{id}/members), then
comes back to the same list with what it did.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from chalice import Response

from .. import wiring
from ..domain.errors import Conflict, NotFound, ValidationError
from ..http import ALL_TYPES, page_params, read_form_or_json
from . import blueprint, current_principal
from .candidates import browse_query

routes, api = blueprint(__name__)
LIST_PATH = "/dashboard/candidates"
PAGE_SIZE = 50
MAX_PAGE = 200
FORM_LIMIT = 64 * 1024  # 500 ticked people's ids and the list's own address
LIST_PARAMS = ("q", "skill", "role", "tag", "pool", "status", "stage", "country", "city", "remote", "engagement",
               "last_contact", "sort", "limit", "cursor", "before")
# The columns a list sorts by: (sort key, label, the direction a first click asks for)
SORTABLE = {"name": ("Name", False), "engagement": ("Engagement", True), "last_contact": ("Last contact", True),
            "added": ("Added", True)}
ENGAGEMENT_CHOICES = (("", "Any"), ("1", "At least 1"), ("5", "At least 5"), ("10", "At least 10"),
                      ("25", "At least 25"))
CONTACT_CHOICES = (("", "Any time"), ("7d", "In the last 7 days"), ("30d", "In the last 30 days"),
                   ("90d", "In the last 90 days"), ("over_30d", "Not in the last 30 days"),
                   ("over_90d", "Not in the last 90 days"), ("over_180d", "Not in the last 180 days"),
                   ("never", "Never"))
REMOTE_CHOICES = (("", "Any"), ("yes", "Yes"), ("no", "No"))
SORT_CHOICES = (("-added", "Newest first"), ("added", "Oldest first"), ("name", "Name, A to Z"),
                ("-name", "Name, Z to A"), ("-engagement", "Most engaged first"), ("engagement", "Least engaged first"),
                ("-last_contact", "Contacted most recently"), ("last_contact", "Contacted longest ago"))


@routes.route(LIST_PATH, methods=["GET"])
@api.page
def candidates_list():
    request = routes.current_request
    params = request.query_params or {}
    return _list(browse_query(request), _paging(request), result=_result(params),
                 erased=params.get("notice") == "erased")


@routes.route(LIST_PATH + "/add-to-pool", methods=["POST"], content_types=ALL_TYPES)
@api.page
def candidates_add_to_pool():
    """The people ticked on a list, added to the static pool chosen; back to the same list, saying what happened
    (or the list again, status 400 or 409, with the problem next to the control)."""
    form = read_form_or_json(routes.current_request, FORM_LIMIT)
    back = _back(form.get("back"))
    query = {k: v for k, v in back.items() if k in LIST_PARAMS[:-3]}
    paging = (_limit(back.get("limit")), back.get("cursor") or None, back.get("before") or None)
    picked = form.get("candidate_ids") or []
    picked = [picked] if isinstance(picked, str) else picked
    pool_id = form.get("pool_id")
    errors = {}
    if not isinstance(pool_id, str) or not pool_id:
        errors["pool_id"] = "choose a static pool"
    if not picked:
        errors["candidate_ids"] = "tick at least one person"
    if errors:
        return _list(query, paging, errors=errors, status=400, picked=picked)
    try:
        done = wiring.pools().add_members(pool_id, {"candidate_ids": picked})
    except ValidationError as error:
        fields = error.fields or {}
        errors = {"candidate_ids": fields.get("candidate_ids") or error.message} if "candidate_ids" in fields \
            or not fields else {"pool_id": next(iter(fields.values()))}
        return _list(query, paging, errors=errors, status=400, picked=picked)
    except Conflict as error:  # a rule-based pool: its rules say who is in it
        return _list(query, paging, errors={"pool_id": error.message}, status=409, picked=picked)
    outcome = {"added": done["added"], "already": done["already_members"], "missing": len(done["not_found"]),
               "to": pool_id}
    from ..web.workspace import redirect

    return redirect(LIST_PATH + "?" + urlencode({**_kept(back), **outcome}))


# ---------------------------------------------------------------- the page

def _list(query: dict, paging: tuple[int, str | None, str | None], *, result: dict | None = None,
          errors: dict | None = None, status: int = 200, picked: list | None = None,
          erased: bool = False) -> Response:
    from ..domain.search import BrowsePage, Sort
    from ..web.workspace import page

    limit, cursor, before = paging
    if query.get("pool") and (query.get("sort") or "").lstrip("-") not in ("", "added"):
        query = {k: v for k, v in query.items() if k != "sort"}  # a pool lists by when people were added, only
    problems = dict(errors or {})
    found = BrowsePage([])
    try:
        if cursor and before:
            raise ValidationError.field("cursor", "give cursor or before, not both")
        found = wiring.candidates().browse({"sort": "-added", **query}, limit=limit, cursor=cursor, before=before)
    except ValidationError as error:
        problems.update(error.fields or {"query": error.message})
        status = 400
    pools = _pools()
    sort = found.sort if found.items or not problems else Sort()
    listed = {**query, **({"limit": str(limit)} if limit != PAGE_SIZE else {})}  # what every link keeps
    values = {name: query.get(name, "") for name in LIST_PARAMS[:-4]}
    return page("candidates/list.html", current_principal(), section="candidates", title="Candidates",
                status=status, erased=erased, people=[_row(person) for person in found.items], found=found, values=values,
                errors=problems, pools=pools, static_pools=[p for p in pools if p.get("kind") == "static"],
                pool_names={p["id"]: p["name"] for p in pools}, columns=_headers(listed, sort),
                first_href=_href(listed) if (cursor or before) else None,
                next_href=_href(listed, cursor=found.next_cursor) if found.next_cursor else None,
                previous_href=_href(listed, before=found.previous_cursor) if found.previous_cursor else None,
                back=urlencode({**listed, **({"cursor": cursor} if cursor else {}), **({"before": before} if before else {})}),
                result=result, picked=set(picked or ()), filtered=any(values.get(n) for n in values if n != "sort"),
                statuses=_statuses(), stages=_stages(), engagement_choices=ENGAGEMENT_CHOICES,
                contact_choices=CONTACT_CHOICES, remote_choices=REMOTE_CHOICES, sort_choices=SORT_CHOICES,
                limit=limit, page_size=PAGE_SIZE)


def _paging(request) -> tuple[int, str | None, str | None]:
    limit, cursor = page_params(request, PAGE_SIZE, MAX_PAGE)
    before = (request.query_params or {}).get("before") or None
    return limit, cursor, before


def _limit(raw: object) -> int:
    try:
        limit = int(str(raw)) if raw else PAGE_SIZE
    except ValueError:
        return PAGE_SIZE
    return limit if 1 <= limit <= MAX_PAGE else PAGE_SIZE


def _day(value: object) -> str:
    """5 Jan 2026 (UTC), as the profile shows dates."""
    from ..domain.clock import parse_iso

    try:
        moment = parse_iso(value)
    except (ValueError, TypeError):
        return ""
    return f"{moment.day} {moment:%b %Y}"


def _row(person: dict) -> dict:
    name = " ".join(str(person[k]) for k in ("first_name", "last_name") if person.get(k))
    place = ", ".join(str(person[k]) for k in ("city", "country") if person.get(k))
    score = person.get("engagement_score")
    return {"id": person["id"], "name": name, "email": person.get("email") or "", "place": place,
            "skills": ", ".join((person.get("skills") or [])[:5]) + ("…" if len(person.get("skills") or []) > 5 else ""),
            "status": person.get("status") or "", "stage": person.get("stage") or "",
            "engagement": f"{float(score):.1f}" if isinstance(score, (int, float)) and score else "0",
            "contacted": _day(person.get("last_contacted_at")) or "never", "added": _day(person.get("created_at"))}


def _headers(query: dict, sort) -> list[dict]:
    """The sortable columns: each a link to the same list in its order (again: the other way round)."""
    within_pool = bool(query.get("pool"))
    headers = []
    for key, (label, descending_first) in SORTABLE.items():
        current = sort.key == key
        descending = not sort.descending if current else descending_first
        headers.append({"key": key, "label": label, "current": current,
                        "aria_sort": ("descending" if sort.descending else "ascending") if current else None,
                        "href": None if within_pool and key != "added"
                        else _href(query, sort=("-" if descending else "") + key)})
    return headers


def _href(query: dict, **extra: str | None) -> str:
    values = {**{k: v for k, v in query.items() if v}, **{k: v for k, v in extra.items() if v}}
    return LIST_PATH + ("?" + urlencode(values) if values else "")


def _back(raw: object) -> dict[str, str]:
    """The list a form came from (its query string), its known parameters only, one value each."""
    if not isinstance(raw, str) or len(raw) > 4000:
        return {}
    try:
        pairs = parse_qsl(raw, keep_blank_values=False, strict_parsing=False, max_num_fields=len(LIST_PARAMS) * 2)
    except ValueError:
        return {}
    return {name: value for name, value in pairs if name in LIST_PARAMS and len(value) <= 2000}


def _kept(back: dict[str, str]) -> dict[str, str]:
    """What of the list a redirect keeps: its filters, order and page."""
    return {name: value for name, value in back.items() if name in LIST_PARAMS}


def _result(params) -> dict | None:
    """What "Add to pool" did, from the redirect's parameters (shown, never acted on)."""
    try:
        counts = {name: int(params.get(name) or "") for name in ("added", "already", "missing")}
    except ValueError:
        return None
    if min(counts.values()) < 0:
        return None
    return {**counts, "to": params.get("to") or ""}


def _pools() -> list[dict]:
    try:
        pools, _ = wiring.pools().list(500, None)
    except NotFound:
        return []
    return pools


def _statuses() -> list[tuple[str, str]]:
    from ..domain.vocabulary import CandidateStatus

    return [(s.value, s.value.replace("_", " ").capitalize()) for s in CandidateStatus]


def _stages() -> list[tuple[str, str]]:
    from ..domain.vocabulary import Stage

    return [(s.value, s.value.capitalize()) for s in Stage]
