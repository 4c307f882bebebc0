"""The person's own page behind every email's unsubscribe link (/u/{token}), and what an old link still offers.

Rendered from chalicelib/web/templates/ (preferences.html, erase_*.html; see pages.render: autoescaped).
The page shows what we hold (the fields, where they came from, consents, how many emails) and the choices
(pause, topics, how often, channels, unsubscribe, delete me), each a plain HTML form that posts back to the link.
"""
from __future__ import annotations

from ..domain.permission import source_words
from ..domain.preferences import MONTHLY_CHOICES, PAUSES
from ..domain.templates import CATEGORIES
from ..domain.vocabulary import CandidateStatus, Channel
from ..services.timeline_view import day
from .pages import render

LABELS = {
    "company_news": "Company news", "industry_insights": "Industry insights",
    "career_advice": "Career advice", "job_alert": "Job alerts", "event_invite": "Event invitations",
}
FIELDS = (("Name", ("first_name", "last_name")), ("Email", ("email",)), ("Phone", ("phone",)), ("City", ("city",)),
          ("Country", ("country",)), ("Time zone", ("timezone",)), ("Skills", ("skills",)), ("Roles", ("roles",)),
          ("Seniority", ("seniority",)), ("LinkedIn", ("linkedin_url",)), ("Portfolio", ("portfolio_url",)),
          ("Open to remote work", ("remote_ok",)))
# What a notice code in the address (?done=...) says after a change (post/redirect/get)
NOTICES = {
    "saved": "Your choices are saved.",
    "unsubscribed": "You are unsubscribed from all our emails.",
    "frequency": "Saved: we will keep to how often you chose.",
    "channels": "Saved: we will only use the ways you chose.",
    "pause": "Paused. We will not contact you until the date below.",
    "resume": "Welcome back: your pause is over.",
    "erase_sent": "We sent you an email. Open the link in it to confirm deleting your data.",
}


def _value(candidate: dict, names: tuple[str, ...]) -> str:
    parts = []
    for name in names:
        value = candidate.get(name)
        if isinstance(value, bool):
            parts.append("Yes" if value else "No")
        elif isinstance(value, list):
            parts.append(", ".join(str(v) for v in value))
        elif value not in (None, ""):
            parts.append(str(value))
    return " ".join(p for p in parts if p)


def held_fields(candidate: dict) -> list[tuple[str, str]]:
    """(label, value) of each profile field we hold for them (empty ones left out)."""
    return [(label, text) for label, names in FIELDS if (text := _value(candidate, names))]


def consent_lines(candidate: dict, consents: list[dict]) -> list[str]:
    """Their consents and opt-outs with dates, in words."""
    lines = []
    consent = candidate.get("consent") or {}
    if consent.get("marketing"):
        confirmed = f", confirmed on {day(consent['confirmed_at'])}" if consent.get("confirmed_at") else ""
        lines.append(f"You agreed to our emails on {day(consent.get('given_at')) or 'a date we did not record'}"
                     f"{confirmed}.")
    for record in consents:
        data = record.get("data") or {}
        if record.get("id") == consent.get("record_id"):
            continue  # the consent above
        state = "confirmed" if data.get("confirmed_at") else "not confirmed"
        lines.append(f"Sign-up on {day(record.get('at'))} ({state}).")
    if candidate.get("sms_consent") is True:
        lines.append("You agreed to text messages.")
    stopped = (candidate.get("preferences") or {}).get("sms_opt_out") or {}
    if stopped.get("at"):
        lines.append(f"You turned text messages off on {day(stopped['at'])}.")
    updated = (candidate.get("preferences") or {}).get("updated_at")
    if candidate.get("status") == CandidateStatus.UNSUBSCRIBED:
        lines.append(f"You unsubscribed from all our emails{' on ' + day(updated) if updated else ''}.")
    if not lines:
        lines.append("We have no consent from you on record: we do not send you marketing emails.")
    return lines


def preference_page(action_url: str, candidate: dict, company: str, saved: str | None = None, *,
                    form_token: str = "", held: dict | None = None, error: str | None = None) -> str:
    """The whole page. `held`: what services/preferences.py `held()` gives (None: nothing counted)."""
    held = held or {}
    preferences = candidate.get("preferences") or {}
    off = set(preferences.get("unsubscribed_categories") or [])
    unsubscribed = candidate.get("status") == CandidateStatus.UNSUBSCRIBED
    everything_off = bool(preferences.get("unsubscribed_all") or unsubscribed)
    choices = [(category, LABELS[category], not everything_off and category not in off) for category in CATEGORIES]
    channels_off = held.get("channels_off") or set()
    cap = held.get("monthly_cap")
    return render(
        "preferences.html", action_url=action_url, company=company, saved=saved, error=error, form_token=form_token,
        choices=choices, everything_off=everything_off, first_name=candidate.get("first_name") or "",
        fields=held_fields(candidate), source=source_words(candidate.get("source")),
        consents=consent_lines(candidate, held.get("consents") or []),
        emails_last_year=held.get("emails_last_year", 0), texts_last_year=held.get("texts_last_year", 0),
        emails_this_month=held.get("emails_this_month", 0),
        paused_until=day(held.get("paused_until")) if held.get("paused_until") else "",
        pauses=list(PAUSES.items()),
        monthly=[("none" if n is None else str(n), "No limit" if n is None else f"At most {n} a month", n == cap)
                 for n in MONTHLY_CHOICES],
        email_on=Channel.EMAIL not in channels_off, sms_on=Channel.SMS not in channels_off,
        phone=candidate.get("phone") or "", sms_possible=bool(held.get("sms_possible")),
        email_channel=Channel.EMAIL, sms_channel=Channel.SMS)


def unsubscribe_only_page(action_url: str, company: str, form_token: str, saved: str | None = None) -> str:
    """An old link (past the days for choosing categories): it still unsubscribes from everything."""
    return render("preferences.html", action_url=action_url, company=company, saved=saved, form_token=form_token,
                  choices=None, everything_off=True, error=None)


def erase_request_page(action_url: str, back_url: str, company: str, email: str, form_token: str,
                       error: str | None = None) -> str:
    """"Delete me", step one: what will happen, and the button that emails the confirmation link."""
    return render("erase_request.html", action_url=action_url, back_url=back_url, company=company, email=email,
                  form_token=form_token, error=error)


def erase_confirm_page(action_url: str, company: str, form_token: str) -> str:
    """"Delete me", step two (the emailed link): only a button; a link preview's GET erases nothing."""
    return render("erase_confirm.html", action_url=action_url, company=company, form_token=form_token)
