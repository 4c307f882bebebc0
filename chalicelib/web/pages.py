"""Small HTML pages the public sees: the example careers page and the confirm / thanks pages.

Rendered from chalicelib/web/templates/ by Jinja2 with autoescape on: every value is escaped by the template
engine, none by hand. Inline style blocks are fine (chalicelib/http.py allows them by their hash); no script.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined  # lazily: only requests for pages pay the import

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(name: str, **values: object) -> str:
    """The template `name` under chalicelib/web/templates/ with `values`, escaped."""
    return _environment().get_template(name).render(**values)


def page(title: str, message: str) -> str:
    return render("message.html", title=title, message=message)


@lru_cache(maxsize=4)
def careers_page(public_url: str, company: str, consent_version: str) -> str:
    return render("careers.html", public_url=public_url, company=company, consent_version=consent_version)
