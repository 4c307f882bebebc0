"""The recruiter workspace's pages: server-rendered Jinja2 templates (chalicelib/web/templates/workspace/),
enhanced by htmx (vendored in chalicelib/web/workspace/assets/) where a page updates in place.

Every page extends `workspace/base.html` (navigation, who is signed in, sign-out) and is rendered by `page()`;
a fragment an htmx request asks for is rendered by `fragment()`. Values are escaped by Jinja2's autoescape.
Why this approach: docs/architecture.md, "The workspace: server-rendered pages and htmx".
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

from chalice import Response

from ..domain.accounts import Principal, may
from ..domain.errors import CrmError
from ..domain.vocabulary import Role
from ..http import html_response
from .pages import render

SIGN_IN = "/dashboard/sign-in"
# The navigation: (label, path, section). The labels are the contract's accessible names.
NAVIGATION = (("Overview", "/dashboard", "overview"), ("Candidates", "/dashboard/candidates", "candidates"),
              ("Pools", "/dashboard/pools", "pools"), ("Templates", "/dashboard/templates", "templates"),
              ("Campaigns", "/dashboard/campaigns", "campaigns"), ("Calendar", "/dashboard/calendar", "calendar"),
              ("Jobs", "/dashboard/jobs", "jobs"), ("Goals", "/dashboard/goals", "goals"),
              ("Deliverability", "/dashboard/deliverability", "deliverability"),
              ("Retention", "/dashboard/retention", "retention"))
ADMIN_NAVIGATION = (("Team", "/dashboard/team", "team"), ("Settings", "/dashboard/settings", "settings"))


def navigation(principal: Principal | None, section: str) -> list[dict]:
    entries = list(NAVIGATION) + (list(ADMIN_NAVIGATION) if principal and principal.role is Role.ADMIN else [])
    return [{"label": label, "href": href, "current": key == section} for label, href, key in entries]


def page(name: str, principal: Principal | None, *, section: str, title: str, status: int = 200,
         headers: dict | None = None, **values: object) -> Response:
    """A whole page: `workspace/<name>` inside the frame."""
    from ..settings import get_settings

    settings = get_settings()
    body = render(f"workspace/{name}", principal=principal, section=section, title=title,
                  nav=navigation(principal, section), is_local=settings.is_local, company=settings.company_name,
                  can_write=bool(principal and may(principal.role, "POST", "/candidates")),
                  **values)
    return html_response(body, status, {"Cache-Control": "no-store", **(headers or {})})


def fragment(name: str, status: int = 200, headers: dict | None = None, **values: object) -> Response:
    """Part of a page, for htmx to swap in (no frame)."""
    return html_response(render(f"workspace/{name}", **values), status, {"Cache-Control": "no-store",
                                                                         **(headers or {})})


def redirect(location: str, headers: dict | None = None, htmx: bool = False) -> Response:
    """303 to `location`; for an htmx request, HX-Redirect (htmx follows a 303 inside the swap otherwise)."""
    if htmx:
        return Response(body="", status_code=204, headers={"HX-Redirect": location, **(headers or {})})
    return Response(body="", status_code=303, headers={"Location": location, **(headers or {})})


def is_htmx(request) -> bool:
    return (request.headers.get("hx-request") or "").lower() == "true"


def sign_in_redirect(request) -> Response:
    """To the sign-in page, coming back here after (only to a workspace path: never an open redirect)."""
    path = "/dashboard"
    if request.method in ("GET", "HEAD"):
        params = request.query_params or {}
        path = actual_path(request) + ("?" + urlencode(dict(params)) if params else "")
    target = SIGN_IN + ("?next=" + quote(path, safe="") if safe_next(path) and path != "/dashboard" else "")
    return redirect(target, htmx=is_htmx(request))


def actual_path(request) -> str:
    """The path asked for: Chalice's `request.path` is the route's template (/dashboard/candidates/{candidate_id})."""
    path = request.path
    for name, value in (request.uri_params or {}).items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    return path


def safe_next(path: object) -> bool:
    """A path inside the workspace, nothing else (no scheme, no //host, no backslash, one line)."""
    return (isinstance(path, str) and path.startswith("/dashboard") and "//" not in path and "\\" not in path
            and len(path) <= 500 and path.isprintable())


def error_page(error: CrmError, principal: Principal | None) -> Response:
    titles = {403: "Not allowed", 404: "Not found", 409: "Cannot do that now"}
    return page("error.html", principal, section="", title=titles.get(error.status, "Something is wrong"),
                status=error.status, error=error)


def session_cookie(value: str, max_age: int, secure: bool) -> str:
    """The session cookie: HttpOnly (no script reads it), SameSite=Strict (no other site sends it)."""
    flags = "; Secure" if secure else ""
    return f"crm_session={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{flags}"
