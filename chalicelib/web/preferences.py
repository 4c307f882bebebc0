"""The preference page behind every email's unsubscribe link, and what an old link still offers.

Rendered from chalicelib/web/templates/preferences.html (see pages.render: autoescaped).
"""
from __future__ import annotations

from ..domain.templates import CATEGORIES
from ..domain.vocabulary import CandidateStatus
from .pages import render

LABELS = {
    "company_news": "Company news", "industry_insights": "Industry insights",
    "career_advice": "Career advice", "job_alert": "Job alerts", "event_invite": "Event invitations",
}


def preference_page(action_url: str, candidate: dict, company: str, saved: str | None = None, *,
                    form_token: str = "") -> str:
    preferences = candidate.get("preferences") or {}
    off = set(preferences.get("unsubscribed_categories") or [])
    unsubscribed = candidate.get("status") == CandidateStatus.UNSUBSCRIBED
    everything_off = bool(preferences.get("unsubscribed_all") or unsubscribed)
    choices = [(category, LABELS[category], not everything_off and category not in off) for category in CATEGORIES]
    return render("preferences.html", action_url=action_url, company=company, saved=saved, form_token=form_token,
                  choices=choices, everything_off=everything_off)


def unsubscribe_only_page(action_url: str, company: str, form_token: str, saved: str | None = None) -> str:
    """An old link (past the days for choosing categories): it still unsubscribes from everything."""
    return render("preferences.html", action_url=action_url, company=company, saved=saved, form_token=form_token,
                  choices=None, everything_off=True)
