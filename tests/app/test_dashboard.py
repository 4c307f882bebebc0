"""The workspace's assets (its stylesheets and the vendored htmx): served from the app itself, nothing from another
host, and nothing else under /dashboard/assets."""
import json
import re
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "workspace" / "assets"
TEMPLATES = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "templates" / "workspace"
TYPES = {".js": "application/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


def served_assets():
    return sorted(p.name for p in ASSETS.iterdir() if p.is_file() and p.suffix in TYPES)


def header(response, name):
    return {k.lower(): v for k, v in response.headers.items()}.get(name.lower(), "")


def test_the_pages_reference_only_served_assets(client):
    referenced = set()
    for template in TEMPLATES.rglob("*.html"):
        referenced |= set(re.findall(r'/dashboard/assets/([\w.-]+)', template.read_text(encoding="utf-8")))
    assert {"workspace.css", "htmx.min.js"} <= referenced and referenced <= set(served_assets())


def test_the_workspace_sends_a_visitor_to_sign_in(client):
    assert client.http.get("/goals").status_code == 401
    assert client.http.get("/dashboard").headers["Location"] == "/dashboard/sign-in"
    assert client.http.get("/dashboard/sign-in").status_code == 200
    assert client.http.get("/dashboard/classic").status_code in (403, 404)  # the first dashboard is gone


@pytest.mark.parametrize("name", served_assets())
def test_each_asset_is_served_with_its_type(client, name):
    response = client.http.get(f"/dashboard/assets/{name}")
    assert response.status_code == 200, name
    assert header(response, "content-type").startswith(TYPES[Path(name).suffix]), header(response, "content-type")
    assert response.body.decode("utf-8") == (ASSETS / name).read_text(encoding="utf-8")


def test_the_expected_assets_exist():
    assert {"htmx.min.js", "workspace.css"} <= set(served_assets())


@pytest.mark.parametrize("name", [n for n in served_assets() if n != "htmx.min.js"])
def test_no_asset_loads_anything_from_another_host(name):
    text = (ASSETS / name).read_text(encoding="utf-8")
    found = re.findall(r"(?:https?:)?//[\w.-]+\.[a-z]{2,}[^\s\"')]*", text)
    assert "http://" not in text and "https://" not in text, found
    assert not [url for url in found if url.startswith("//")], found  # protocol-relative URLs neither
    assert "@import" not in text


@pytest.mark.parametrize("name", ["nope.js", "app.py", "index.html", "htmx.min.js.map", "WORKSPACE.CSS", "workspace",
                                  "VENDORED.json", "htmx.LICENSE.txt"])
def test_an_unknown_asset_is_404(client, name):
    response = client.http.get(f"/dashboard/assets/{name}")
    assert response.status_code == 404, (name, response.status_code)
    assert json.loads(response.body)["error"]["code"] == "not_found"  # the contract's body, for every name
    assert b"Chalice(" not in response.body and b"import " not in response.body  # never a file's content


@pytest.mark.parametrize("path", [
    "/dashboard/assets/..%2Fapp.py",
    "/dashboard/assets/..%2F..%2F..%2Fapp.py",
    "/dashboard/assets/..%2Fpages.py",
    "/dashboard/assets/..%2Fworkspace.py",
    "/dashboard/assets/%2e%2e%2fapp.py",
    "/dashboard/assets/..%5Capp.py",
    "/dashboard/assets/%2Fetc%2Fpasswd",
    "/dashboard/assets/.",
    "/dashboard/assets/..",
])
def test_path_tricks_are_404(client, path):
    response = client.http.get(path)
    assert response.status_code == 404, (path, response.status_code, response.body[:200])
    assert b"import" not in response.body  # no source code came back


@pytest.mark.parametrize("name", ["../app.py", "../../../app.py", "../pages.py", "..\\app.py", "/etc/passwd",
                                  "../../routes/dashboard.py", ".", "..", "", "sub/app.js",
                                  "../templates/workspace/base.html"])
def test_decoded_path_tricks_are_404_too(aws, name):
    """API Gateway hands the handler the decoded path parameter (`..%2Fapp.py` arrives as `../app.py`);
    Chalice's test client does not decode it, so the handler is also called with decoded names."""
    from chalicelib.api import workspace as dashboard

    response = dashboard.asset(name)
    assert response.status_code == 404, name
