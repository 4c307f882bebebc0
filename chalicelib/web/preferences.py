"""The preference page behind every email's unsubscribe link, and what an old link still offers."""
from __future__ import annotations

import html

from ..domain.templates import CATEGORIES
from .pages import _STYLE

LABELS = {
    "company_news": "Company news", "industry_insights": "Industry insights",
    "career_advice": "Career advice", "job_alert": "Job alerts", "event_invite": "Event invitations",
}
_PAGE_STYLE = (
    ".c{display:block;margin:10px 0}.saved{background:#e3f9e5;padding:8px 12px;border-radius:4px}"
    "fieldset{border:0;padding:0}"
    "button{margin:16px 12px 0 0;padding:10px 18px;border-radius:4px;border:1px solid #1d4ed8;font-size:1rem;cursor:pointer}"
    ".primary{background:#1d4ed8;color:#fff}.secondary{background:#fff;color:#1d4ed8}"
    "button:focus,input:focus{outline:3px solid #2563eb;outline-offset:1px}"
)


def _document(company: str, body: str) -> str:
    e = html.escape
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        f"<title>Email preferences — {e(company)}</title><style>{_STYLE}{_PAGE_STYLE}</style></head><body><main>"
        f"<h1>Email preferences</h1>{body}</main></body></html>"
    )


def _form(action_url: str, form_token: str, inner: str) -> str:
    """The form posts back to the link; `form_token` (signed for this link) shows it came from this page."""
    e = html.escape
    return (f"<form method=\"post\" action=\"{e(action_url)}\">"
            f"<input type=\"hidden\" name=\"form_token\" value=\"{e(form_token)}\">{inner}</form>")


def _notice(saved: str | None) -> str:
    return f'<p class="saved" role="status">{html.escape(saved)}</p>' if saved else ""


def preference_page(action_url: str, candidate: dict, company: str, saved: str | None = None, *,
                    form_token: str = "") -> str:
    e = html.escape
    preferences = candidate.get("preferences") or {}
    off = set(preferences.get("unsubscribed_categories") or [])
    everything_off = preferences.get("unsubscribed_all") or candidate.get("status") == "unsubscribed"
    boxes = "".join(
        f'<label class="c"><input type="checkbox" name="categories" value="{c}"'
        f'{"" if everything_off or c in off else " checked"}> {e(LABELS[c])}</label>'
        for c in CATEGORIES)
    state = ("You are unsubscribed from all our emails." if everything_off
             else "Choose what you would like to hear about.")
    return _document(company, f"{_notice(saved)}<p>{e(state)}</p>" + _form(
        action_url, form_token,
        f"<fieldset><legend>Emails from {e(company)}</legend>{boxes}</fieldset>"
        "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"save\">Save my choices</button>"
        "<button class=\"secondary\" type=\"submit\" name=\"action\" value=\"unsubscribe_all\">"
        "Unsubscribe from everything</button>"))


def unsubscribe_only_page(action_url: str, company: str, form_token: str, saved: str | None = None) -> str:
    """An old link (past the days for choosing categories): it still unsubscribes from everything."""
    if saved:
        return _document(company, _notice(saved))
    return _document(company, _notice(saved) + (
        "<p>This link has expired for changing your choices. A newer email from us has a link that "
        "does that.</p><p>You can still unsubscribe from all our emails here.</p>") + _form(
        action_url, form_token,
        "<button class=\"primary\" type=\"submit\" name=\"action\" value=\"unsubscribe_all\">"
        "Unsubscribe from everything</button>"))
