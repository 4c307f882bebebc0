"""Compact signed tokens for the links in campaign emails, and rewriting the links.

A token carries ids only, never a URL: kind, campaign, step, candidate (ULIDs as 16 bytes each) and,
for clicks, the link's index in that send; then 12 bytes of HMAC-SHA256 with CRM_SECRET. About 64
characters. The click target is looked up from what was sent, so a forged token cannot redirect.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from functools import lru_cache
from html import unescape

from ulid import ULID

KINDS = {"o": 1, "c": 2, "u": 3}  # open pixel, click, unsubscribe / preferences
_NAMES = {v: k for k, v in KINDS.items()}
_SIG = 12
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")


class BadToken(Exception):
    pass


@dataclass(frozen=True)
class Token:
    kind: str
    campaign_id: str
    step: int
    candidate_id: str
    link: int = 0

    @property
    def send_key(self) -> str:
        return send_key(self.campaign_id, self.step, self.candidate_id)


def send_key(campaign_id: str, step: int, candidate_id: str) -> str:
    """The at-most-once claim of one email: one campaign step to one person."""
    return f"{campaign_id}#{step}#{candidate_id}"


@lru_cache(maxsize=1024)  # a send run repeats its campaign's id in every token
def _id_bytes(prefixed: str) -> bytes:
    prefix, _, value = prefixed.partition("_")
    return ULID.from_str(value.upper()).bytes


def _id_text(prefix: str, raw: bytes) -> str:
    return f"{prefix}_{str(ULID.from_bytes(raw)).lower()}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_token(secret: str, token: Token) -> str:
    return TokenMaker(secret, token.campaign_id, token.step, token.candidate_id).make(token.kind, token.link)


class TokenMaker:
    """Tokens for one email: the ids are parsed and the key prepared once, not once per link."""

    def __init__(self, secret: str, campaign_id: str, step: int, candidate_id: str):
        self._ids = (_id_bytes(campaign_id), step, _id_bytes(candidate_id))
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def make(self, kind: str, link: int = 0) -> str:
        campaign, step, candidate = self._ids
        body = struct.pack(">B16sB16sH", KINDS[kind], campaign, step, candidate, link)
        mac = self._mac.copy()
        mac.update(body)
        return _b64(body + mac.digest()[:_SIG])


def read_token(secret: str, text: str) -> Token:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise BadToken("not base64") from None
    if len(raw) != 36 + _SIG:
        raise BadToken("wrong length")
    body, signature = raw[:36], raw[36:]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:_SIG]
    if not hmac.compare_digest(signature, expected):
        raise BadToken("bad signature")
    kind, campaign, step, candidate, link = struct.unpack(">B16sB16sH", body)
    if kind not in _NAMES:
        raise BadToken("unknown kind")
    return Token(_NAMES[kind], _id_text("camp", campaign), step, _id_text("cand", candidate), link)


@dataclass
class Tracked:
    html: str
    text: str
    links: list[str]  # index -> original URL, stored with the send


def rewrite_links(html: str, text: str, *, click_url, skip: tuple[str, ...] = ()) -> Tracked:
    """Every http(s) link in both parts goes through /t/c/{token}; the same URL keeps one index.

    `skip`: our own unsubscribe and preference links stay direct (a click on them is not interest).
    """
    links: list[str] = []
    rewritten: dict[str, str] = {}  # original URL -> its tracked URL (a link in both parts: one token)

    def tracked(url: str) -> str:
        original = unescape(url) if "&" in url else url
        if original.startswith(skip):
            return url
        if original not in rewritten:
            rewritten[original] = click_url(len(links))
            links.append(original)
        return rewritten[original]

    html = _HREF.sub(lambda m: f"{m.group(1)}{m.group(2)}{tracked(m.group(3))}{m.group(2)}", html)
    text = _TEXT_URL.sub(lambda m: tracked(m.group(0)), text)
    return Tracked(html=html, text=text, links=links)


def add_pixel(html: str, pixel_url: str) -> str:
    tag = f'<img src="{pixel_url}" width="1" height="1" alt="" style="display:block;border:0">'
    at = html.lower().rfind("</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag
