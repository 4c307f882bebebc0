"""The workspace's vendored front-end files are exactly what their pin says (crmlocal/vendor.py fetches them)."""
import hashlib
import json
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "workspace" / "assets"


def test_every_vendored_file_matches_its_pin():
    pins = json.loads((ASSETS / "VENDORED.json").read_text())
    assert pins, "nothing pinned"
    for name, pin in pins.items():
        assert hashlib.sha256((ASSETS / name).read_bytes()).hexdigest() == pin["sha256"], name
        assert pin["version"] and pin["npm_integrity"].startswith("sha512-")


def test_pages_load_no_script_from_elsewhere():
    templates = Path(__file__).resolve().parents[2] / "chalicelib" / "web" / "templates" / "workspace"
    for page in templates.rglob("*.html"):
        text = page.read_text()
        assert "<script src=\"http" not in text and "//cdn" not in text and "unpkg" not in text, page
