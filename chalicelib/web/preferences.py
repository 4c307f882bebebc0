"""The preference page behind every email's unsubscribe link."""
from __future__ import annotations

import html

from ..domain.templates import CATEGORIES
from .pages import _STYLE

LABELS = {
    "company_news": "Company news", "industry_insights": "Industry insights",
    "career_advice": "Career advice", "job_alert": "Job alerts", "event_invite": "Event invitations",
}


def preference_page(action_url: str, candidate: dict, company: str, saved: str | None = None) -> str:
    e = html.escape
    preferences = candidate.get("preferences") or {}
    off = set(preferences.get("unsubscribed_categories") or [])
    everything_off = preferences.get("unsubscribed_all") or candidate.get("status") == "unsubscribed"
    boxes = "".join(
        f'<label class="c"><input type="checkbox" name="categories" value="{c}"'
        f'{"" if everything_off or c in off else " checked"}> {e(LABELS[c])}</label>'
        for c in CATEGORIES)
    notice = f'<p class="saved" role="status">{e(saved)}</p>' if saved else ""
    state = ("You are unsubscribed from all our emails." if everything_off
             else "Choose what you would like to hear about.")
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        f"<title>Email preferences — {e(company)}</title><style>{_STYLE}"
        ".c{display:block;margin:10px 0}.saved{background:#e3f9e5;padding:8px 12px;border-radius:4px}"
        "button{margin:16px 12px 0 0;padding:10px 18px;border-radius:4px;border:1px solid #1d4ed8;font-size:1rem;cursor:pointer}"
        ".primary{background:#1d4ed8;color:#fff}.secondary{background:#fff;color:#1d4ed8}"
        "button:focus,input:focus{outline:3px solid #2563eb;outline-offset:1px}</style></head><body><main>"
        f"<h1>Email preferences</h1>{notice}<p>{e(state)}</p>"
        f"<form method=\"post\" action=\"{e(action_url)}\"><fieldset style=\"border:0;padding:0\">"
        f"<legend>Emails from {e(company)}</legend>{boxes}</fieldset>"
        "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"save\">Save my choices</button>"
        "<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"unsubscribe_all\">Unsubscribe from everything</button>"
        "</form></main></body></html>"
    )
