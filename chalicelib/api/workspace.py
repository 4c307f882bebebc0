"""The recruiter workspace: the dashboard page and its assets, shipped with the app (no CDN)."""
from __future__ import annotations

from pathlib import Path

from chalice import Response

from ..http import html_response, json_response, secured
from . import blueprint

routes, api = blueprint(__name__)
ASSETS = Path(__file__).resolve().parent.parent / "web" / "dashboard"
TYPES = {".js": "application/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".svg": "image/svg+xml", ".html": "text/html; charset=utf-8"}


@routes.route("/dashboard", methods=["GET"])
@api.public
def dashboard():
    # index.html has no inline script or style: the page CSP (http.secured) needs no exception for it
    return html_response((ASSETS / "index.html").read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})


@routes.route("/dashboard/assets/{name}", methods=["GET"])
@api.public
def dashboard_asset(name):
    return asset(name)


def asset(name: str) -> Response:
    """A file of the dashboard folder by its bare name; anything else (paths, dot files, the page) is 404.
    Called with the decoded name too: API Gateway decodes path parameters (`..%2Fapp.py` is `../app.py`)."""
    path = (ASSETS / name).resolve()
    if ("/" in name or "\\" in name or name.startswith(".") or path.parent != ASSETS or path.name == "index.html"
            or path.suffix not in TYPES or not path.is_file()):
        return json_response({"error": {"code": "not_found", "message": f"no asset {name}"}}, 404)
    return secured(Response(body=path.read_text(encoding="utf-8"), status_code=200,
                            headers={"Content-Type": TYPES[path.suffix], "Cache-Control": "public, max-age=300"}))
