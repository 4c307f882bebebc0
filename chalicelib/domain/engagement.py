"""Engagement: human or machine activity, and a score that fades with time.

Machine activity (docs/api.md, analytics):
- an open through Apple Mail Privacy Protection (its proxy fetches every image at delivery: the
  user agent is exactly "Mozilla/5.0", or the address is in Apple's 17.0.0.0/8), or through a
  known prefetching proxy or scanner, or within 2 seconds of sending, is a machine open;
- a click by a known security scanner or tool user agent, a HEAD request, or a click within 10
  seconds of sending (people do not read that fast; scanners click every link on delivery) is a
  machine click.
Gmail's image proxy fetches when the person opens the email, so it counts as human.

Score: each event adds a weight (open 1, click 3, touchpoint 2, reply 6, application 10, hire 10) and
the score halves every 30 days: score(t) = score(t0) x 0.5^((t - t0) / 30 days) + weight. A person's reply
(never an automatic one) counts above a click: the most honest signal an email gets.
"""
from __future__ import annotations

import ipaddress
import re
from datetime import datetime

from .clock import parse_iso

WEIGHTS = {"open": 1.0, "click": 3.0, "touchpoint": 2.0, "reply": 6.0, "application": 10.0, "hire": 10.0}
HALF_LIFE_DAYS = 30.0
_APPLE = ipaddress.ip_network("17.0.0.0/8")
_MACHINE_OPEN_AGENTS = re.compile(r"yahoomailproxy|outlook-ios-linkpreview|bot\b|crawler|spider|preview|"
                                  r"barracuda|mimecast|proofpoint|symantec|forcepoint|trendmicro", re.I)
_MACHINE_CLICK_AGENTS = re.compile(r"barracuda|mimecast|proofpoint|symantec|forcepoint|trendmicro|sophos|"
                                   r"microsoft office|safelinks|bot\b|crawler|spider|scanner|python-requests|"
                                   r"curl/|wget/|go-http-client|headlesschrome|phantomjs|java/|okhttp", re.I)


def _seconds_since(sent_at: str | None, now: datetime) -> float | None:
    if not sent_at:
        return None
    try:
        return (now - parse_iso(sent_at)).total_seconds()
    except ValueError:
        return None


def _apple(ip: str | None) -> bool:
    try:
        return ipaddress.ip_address(ip or "") in _APPLE
    except ValueError:
        return False


def machine_open(user_agent: str | None, ip: str | None, sent_at: str | None, now: datetime) -> bool:
    agent = (user_agent or "").strip()
    if agent == "Mozilla/5.0" or _apple(ip) or _MACHINE_OPEN_AGENTS.search(agent):
        return True
    elapsed = _seconds_since(sent_at, now)
    return elapsed is not None and elapsed < 2


def machine_click(user_agent: str | None, method: str, sent_at: str | None, now: datetime) -> bool:
    if method.upper() == "HEAD" or not user_agent or _MACHINE_CLICK_AGENTS.search(user_agent):
        return True
    elapsed = _seconds_since(sent_at, now)
    return elapsed is not None and elapsed < 10


def decayed(score: float | None, since: str | None, now: datetime) -> float:
    if not score or not since:
        return 0.0
    try:
        days = max(0.0, (now - parse_iso(since)).total_seconds() / 86400)
    except ValueError:
        return 0.0
    return score * 0.5 ** (days / HALF_LIFE_DAYS)


def add_event(score: float | None, since: str | None, kind: str, now: datetime) -> float:
    return round(decayed(score, since, now) + WEIGHTS[kind], 2)
