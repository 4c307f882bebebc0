"""Small HTML pages the public sees: the example careers page and the confirm / thanks pages."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

_STYLE = ("body{font-family:system-ui,-apple-system,'Segoe UI',Arial,sans-serif;margin:0;background:#f5f7fa;"
          "color:#1f2933}main{max-width:560px;margin:48px auto;background:#fff;padding:28px;border-radius:8px;"
          "box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{font-size:1.5rem}a{color:#1d4ed8}")


def page(title: str, message: str) -> str:
    e = html.escape
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
            f"<title>{e(title)}</title>"
            f"<style>{_STYLE}</style></head><body><main><h1>{e(title)}</h1><p>{e(message)}</p></main></body></html>")


@lru_cache(maxsize=4)
def careers_page(public_url: str, company: str, consent_version: str) -> str:
    text = (Path(__file__).parent / "careers.html").read_text(encoding="utf-8")
    return (text.replace("__PUBLIC_URL__", html.escape(public_url))
            .replace("__COMPANY__", html.escape(company))
            .replace("__CONSENT_VERSION__", html.escape(consent_version)))
