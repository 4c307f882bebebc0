"""A person's own choices from their page (/u/{token}), and whether they keep a campaign's message from them.

Kept on the person in `preferences` (a map: store/models.py), beside the older unsubscribe choices:
- `unsubscribed_all`, `unsubscribed_categories`: topics (the template categories) they turned off;
- `max_per_month`: at most this many marketing emails in any 30 days (absent: no limit of their own);
- `channels_off`: channels they turned off ("email", "sms"); SMS off also clears `sms_consent`;
- `paused_until`: nothing at all until then (ISO time);
- `sms_opt_out`: when and how texts were stopped, and whether they had agreed to texts before (a START
  or the page turns texts back on only then: consent is never made up).

Pure: the services hand in the person, the campaign and the time.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from .clock import iso, parse_iso
from .durations import parse_duration
from .vocabulary import Channel, DecisionReason

# "a month" for a person's own cap: any 30 days (the person record keeps its marketing sends that long)
MONTH_WINDOW = timedelta(days=30)
MONTHLY_CHOICES: tuple[int | None, ...] = (None, 8, 4, 2, 1)
PAUSES = {"P3M": "3 months", "P6M": "6 months"}
CHANNELS = (Channel.EMAIL, Channel.SMS)


def preferences_of(person: dict) -> dict:
    return person.get("preferences") or {}


def paused_until(person: dict, now: datetime) -> str | None:
    """When their pause ends, if it has not yet."""
    until = preferences_of(person).get("paused_until")
    if not isinstance(until, str) or not until:
        return None
    try:
        return until if parse_iso(until) > now else None
    except ValueError:
        return None


def channels_off(person: dict) -> set[str]:
    off = {str(c) for c in preferences_of(person).get("channels_off") or [] if c in CHANNELS}
    if person.get("sms_consent") is not True:
        off.add(Channel.SMS)  # texts need their consent, whatever else they chose
    return off


def topic_off(person: dict, category: object) -> bool:
    preferences = preferences_of(person)
    return bool(preferences.get("unsubscribed_all")) or category in (preferences.get("unsubscribed_categories") or [])


def monthly_cap(person: dict) -> int | None:
    value = preferences_of(person).get("max_per_month")
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def emails_this_month(person: dict, now: datetime) -> list[str]:
    """Their marketing emails in the last 30 days, oldest first (the frequency cap's list: domain/campaigns.py)."""
    from .campaigns import recent  # lazily: campaigns.decide() calls blocks()

    return recent(person.get("marketing_sends"), now, MONTH_WINDOW)


def blocks(person: dict, campaign: dict, now: datetime) -> DecisionReason | None:
    """Why the person's own choices keep this campaign's message from them now, or None.

    In this order: a pause (everything), the channel, the topic, then their monthly cap (emails only; texts
    have the team's SMS cap)."""
    if paused_until(person, now):
        return DecisionReason.PAUSED_BY_PERSON
    channel = campaign.get("channel") or Channel.EMAIL
    if channel == Channel.EMAIL and Channel.EMAIL in channels_off(person):
        return DecisionReason.CHANNEL_OPT_OUT
    if channel == Channel.SMS and Channel.SMS in (preferences_of(person).get("channels_off") or []):
        return DecisionReason.CHANNEL_OPT_OUT  # no SMS consent at all stays decide()'s no_sms_consent
    if topic_off(person, campaign.get("category")):
        return DecisionReason.CATEGORY_OPT_OUT
    cap = monthly_cap(person)
    if channel == Channel.EMAIL and cap is not None and len(emails_this_month(person, now)) >= cap:
        return DecisionReason.MONTHLY_CAP
    return None


def blocked_until(person: dict, reason: DecisionReason, now: datetime) -> str | None:
    """When a block that lifts by itself lifts (a sequence may wait for it): the pause's end, or the moment
    the oldest email of the month leaves the 30 days. None for the others."""
    if reason == DecisionReason.PAUSED_BY_PERSON:
        return paused_until(person, now)
    cap = monthly_cap(person)
    if reason == DecisionReason.MONTHLY_CAP and cap is not None:
        sent = emails_this_month(person, now)
        if len(sent) >= cap:
            return iso(parse_iso(sent[len(sent) - cap]) + MONTH_WINDOW)
    return None


def pause_end(choice: str, now: datetime) -> str:
    """The end of a pause of `choice` (a key of PAUSES) from now. ValueError for any other choice."""
    if choice not in PAUSES:
        raise ValueError(f"one of {', '.join(PAUSES)}")
    return iso(parse_duration(choice).after(now))


def read_monthly(text: str) -> int | None:
    """A form's "at most N a month": "" or "none" is no limit. ValueError for anything not offered."""
    if text in ("", "none"):
        return None
    if text.isascii() and text.isdigit() and len(text) <= 2 and str(int(text)) == text and int(text) in MONTHLY_CHOICES:
        return int(text)
    raise ValueError("one of: no limit, " + ", ".join(str(n) for n in MONTHLY_CHOICES if n))
