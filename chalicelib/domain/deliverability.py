"""The deliverability autopilot's rules: whose mailbox an address is at, rates over rolling windows, when to pause.

Counting: hourly buckets of sends, permanent bounces and complaints per mailbox provider (services/deliverability.py
keeps them). Rates are over sends, as SES measures its own bounce and complaint rates (a delivery-based rate would
leave the bounced messages out of the denominator and read higher than the figure SES reviews). Transient bounces
are not counted: SES does not count them either, and the address may still receive mail.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .vocabulary import DeliverabilityState, MailboxProvider, MailStream, PausedReason

# SES reviews an account at 5% bounces or 0.1% complaints; all marketing pauses at half of each.
SES_REVIEW_BOUNCE = 0.05
SES_REVIEW_COMPLAINT = 0.001
ACCOUNT_BOUNCE = SES_REVIEW_BOUNCE / 2
ACCOUNT_COMPLAINT = SES_REVIEW_COMPLAINT / 2
WINDOWS = {"24h": 24, "7d": 7 * 24}  # the rolling windows, in hours
PAUSE_WINDOW = "7d"  # the window the pauses read: long enough to hold a campaign's whole sending
METRICS = ("sent", "bounced", "complained")

_GMAIL = frozenset({"gmail.com", "googlemail.com"})
_YAHOO_EXACT = frozenset({"aol.com", "ymail.com", "rocketmail.com", "aim.com", "yahoomail.com", "verizon.net",
                          "love.com", "games.com", "wow.com", "aol.co.uk", "aol.de", "aol.fr"})
_YAHOO_BRANDS = ("yahoo", "ymail", "rocketmail", "aol")
_OUTLOOK_BRANDS = ("outlook", "hotmail", "live", "msn", "windowslive", "passport")


def _labels(address: str) -> list[str]:
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    try:  # an IDN domain as typed: compared as punycode, as normalize_email stores it
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        pass
    return [label for label in domain.split(".") if label]


def provider_of(address: str) -> MailboxProvider:
    """The mailbox provider of an address, by its domain: gmail.com/googlemail.com; Yahoo's and AOL's brands in any
    country (yahoo.co.uk, aol.com, ymail.com...); Outlook.com's (outlook.*, hotmail.*, live.*, msn.com); else other.
    A brand counts only as the domain's first label (mail.yahoo.com's subdomains of a company do not exist)."""
    labels = _labels(address)
    if len(labels) < 2:
        return MailboxProvider.OTHER
    domain, brand = ".".join(labels), labels[0]
    if domain in _GMAIL:
        return MailboxProvider.GMAIL
    if domain in _YAHOO_EXACT or brand in _YAHOO_BRANDS:
        return MailboxProvider.YAHOO
    if brand in _OUTLOOK_BRANDS:
        return MailboxProvider.OUTLOOK
    return MailboxProvider.OTHER


def stream_of(campaign: dict) -> MailStream:
    """The configuration set a campaign's emails use, by its kind: one-to-one outreach apart, the rest marketing."""
    return MailStream.OUTREACH if campaign.get("kind") == "outreach" else MailStream.MARKETING


def is_marketing(campaign: dict) -> bool:
    """Whether the account-wide pause holds this campaign (one-to-one outreach is not bulk marketing)."""
    return stream_of(campaign) == MailStream.MARKETING


def counter_name(metric: str, provider: MailboxProvider) -> str:
    return f"{metric}_{provider}"


def day_key(moment: datetime) -> str:
    return moment.strftime("%Y%m%d")


def days_back(now: datetime, hours: int) -> list[datetime]:
    """The days (as datetimes at the same hour) whose buckets a window of `hours` ending now touches."""
    return [now - timedelta(days=d) for d in range(hours // 24 + 1)]


def bucket_start(day: str, hour: int) -> datetime:
    return datetime.strptime(f"{day}{hour:02d}", "%Y%m%d%H").replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Figures:
    """Sends, bounces and complaints of one window: in all and per provider."""
    total: Counter
    providers: dict[MailboxProvider, Counter]

    @staticmethod
    def of(buckets: list[Counter]) -> "Figures":
        providers: dict[MailboxProvider, Counter] = {p: Counter() for p in MailboxProvider}
        for bucket in buckets:
            for p in MailboxProvider:
                for metric in METRICS:
                    providers[p][metric] += bucket.get(counter_name(metric, p), 0)
        total: Counter = Counter()
        for counts in providers.values():
            total.update(counts)
        return Figures(total, providers)


def rate(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def rates(counts: Counter) -> dict:
    """CONTRACT: `{"sent", "bounce", "complaint"}` (sends, then rates over sends), with the counts beside."""
    sent = counts.get("sent", 0)
    return {"sent": sent, "bounce": rate(counts.get("bounced", 0), sent),
            "complaint": rate(counts.get("complained", 0), sent),
            "bounced": counts.get("bounced", 0), "complained": counts.get("complained", 0)}


def breach(counts: Counter, bounce: float, complaint: float, min_sends: int) -> PausedReason | None:
    """Which level `counts` reach, once there are `min_sends` sends: the bounce rate first (it is the one SES
    suspends on sooner), else the complaint rate; None below both or below the minimum."""
    sent = counts.get("sent", 0)
    if sent < min_sends or sent <= 0:
        return None
    if counts.get("bounced", 0) / sent >= bounce:
        return PausedReason.BOUNCE_RATE
    if counts.get("complained", 0) / sent >= complaint:
        return PausedReason.COMPLAINT_RATE
    return None


def state(account_paused: bool, counts: Counter, min_sends: int) -> DeliverabilityState:
    """paused while the account pause holds; warning above half of the account's pause levels (once there are
    enough sends to mean something); else ok."""
    if account_paused:
        return DeliverabilityState.PAUSED
    if breach(counts, ACCOUNT_BOUNCE / 2, ACCOUNT_COMPLAINT / 2, min_sends) is not None:
        return DeliverabilityState.WARNING
    return DeliverabilityState.OK


def why(reason: str | None, detail: dict | None) -> str:
    """A person's reading of why a campaign is paused: "Paused automatically: bounce rate 6.1% after 230 sends"."""
    detail = detail or {}
    sent = detail.get("sent")
    if reason == PausedReason.BOUNCE_RATE and sent:
        return f"Paused automatically: bounce rate {percent(detail.get('bounce', 0))} after {sent} sends"
    if reason == PausedReason.COMPLAINT_RATE and sent:
        return f"Paused automatically: complaint rate {percent(detail.get('complaint', 0))} after {sent} sends"
    if reason == PausedReason.ACCOUNT:
        return "Paused automatically: all marketing sending is paused for the account's bounce or complaint rate"
    if reason == PausedReason.MANUAL:
        return "Paused by a person"
    return ""


def percent(value: float) -> str:
    """6.1%, 0.12%: a rate as people read it (two significant figures below 1%)."""
    shown = value * 100
    return f"{shown:.1f}%" if shown >= 1 or shown == 0 else f"{shown:.2g}%"
