"""Compact signed tokens for the links in campaign emails, and rewriting the links.

A token carries ids only, never a URL: kind, campaign, step, candidate (ULIDs as 16 bytes each),
for clicks the link's index in that send, and the UTC day it was made (so an unsubscribe link can
age: services/tracking.py); then 12 bytes of HMAC-SHA256 with CRM_SECRET. 67 characters. Tokens
made before the day was added (64 characters) still read, with no day. The click target is looked
up from what was sent, so a forged token cannot redirect.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from html import unescape

from ulid import ULID

from . import clock

KINDS = {"o": 1, "c": 2, "u": 3}  # open pixel, click, unsubscribe / preferences
_NAMES = {v: k for k, v in KINDS.items()}
_SIG = 12
_BODY = struct.Struct(">B16sB16sHH")  # kind, campaign, step, candidate, link, day made
_OLD_BODY = struct.Struct(">B16sB16sH")  # before tokens carried the day they were made
_EPOCH = date(1970, 1, 1)
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)
_TEXT_URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
_ULID_TEXT = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")  # Crockford base 32; a first digit over 7 overflows
_AS_BASE32 = str.maketrans("0123456789ABCDEFGHJKMNPQRSTVWXYZ", "0123456789abcdefghijklmnopqrstuv")


class BadToken(Exception):
    pass


@dataclass(frozen=True)
class Token:
    kind: str
    campaign_id: str
    step: int
    candidate_id: str
    link: int = 0
    issued: int | None = None  # UTC day made (days since 1970-01-01); None: made before tokens carried it

    @property
    def send_key(self) -> str:
        return send_key(self.campaign_id, self.step, self.candidate_id)

    def age_days(self, today: int | None = None) -> int:
        """Whole days since the token was made; a token without its day counts from its campaign's
        creation (a campaign exists before any of its emails, so that is never younger)."""
        issued = self.issued if self.issued is not None else day_number(ULID.from_str(
            self.campaign_id.partition("_")[2].upper()).datetime)
        return max(0, (day_number() if today is None else today) - issued)


def day_number(moment: datetime | None = None) -> int:
    """The UTC day of `moment` (default now) as days since 1970-01-01."""
    return ((moment or clock.utcnow()).date() - _EPOCH).days


def send_key(campaign_id: str, step: int, candidate_id: str) -> str:
    """The at-most-once claim of one email: one campaign step to one person."""
    return f"{campaign_id}#{step}#{candidate_id}"


@lru_cache(maxsize=1024)  # a send run repeats its campaign's id in every token
def id_bytes(prefixed: str) -> bytes:
    prefix, _, value = prefixed.partition("_")
    value = value.upper()
    if _ULID_TEXT.fullmatch(value):  # decoded as one base-32 number: ULID.from_str took ~8 µs per person
        return int(value.translate(_AS_BASE32), 32).to_bytes(16, "big")
    return ULID.from_str(value).bytes  # anything else is refused as ULID refuses it


def _id_text(prefix: str, raw: bytes) -> str:
    return f"{prefix}_{str(ULID.from_bytes(raw)).lower()}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_token(secret: str, token: Token) -> str:
    maker = TokenMaker(secret, token.campaign_id, token.step, token.candidate_id, issued=token.issued)
    return maker.make(token.kind, token.link)


class TokenMaker:
    """Tokens for one email: the ids are parsed and the key prepared once, not once per link.
    `issued`: the UTC day the tokens carry (default today)."""

    def __init__(self, secret: str, campaign_id: str, step: int, candidate_id: str, issued: int | None = None):
        self._ids = (id_bytes(campaign_id), step, id_bytes(candidate_id))
        self._issued = day_number() if issued is None else issued
        self._mac = hmac.new(secret.encode(), digestmod=hashlib.sha256)

    def make(self, kind: str, link: int = 0) -> str:
        campaign, step, candidate = self._ids
        body = _BODY.pack(KINDS[kind], campaign, step, candidate, link, self._issued)
        mac = self._mac.copy()
        mac.update(body)
        return _b64(body + mac.digest()[:_SIG])


def read_token(secret: str, text: str) -> Token:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise BadToken("not base64") from None
    if len(raw) - _SIG not in (_BODY.size, _OLD_BODY.size):
        raise BadToken("wrong length")
    if _b64(raw) != text:  # one text per token: the unused low bits of the last character are not free
        raise BadToken("not canonical base64")
    body, signature = raw[:-_SIG], raw[-_SIG:]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()[:_SIG]
    if not hmac.compare_digest(signature, expected):
        raise BadToken("bad signature")
    if len(body) == _BODY.size:
        kind, campaign, step, candidate, link, issued = _BODY.unpack(body)
    else:
        (kind, campaign, step, candidate, link), issued = _OLD_BODY.unpack(body), None
    if kind not in _NAMES:
        raise BadToken("unknown kind")
    return Token(_NAMES[kind], _id_text("camp", campaign), step, _id_text("cand", candidate), link, issued)


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
        original = _unescaped(url) if "&" in url else url
        if original.startswith(skip):
            return url
        if original not in rewritten:
            rewritten[original] = click_url(len(links))
            links.append(original)
        return rewritten[original]

    return Tracked(html=_replaced(_HREF, 3, html, tracked), text=_replaced(_TEXT_URL, 0, text, tracked), links=links)


@lru_cache(maxsize=1024)  # a campaign's emails carry the same links: each unescaped once
def _unescaped(url: str) -> str:
    return unescape(url)


def _replaced(pattern: re.Pattern, group: int, source: str, replace) -> str:
    """`source` with the URL (`group`) of each match of `pattern` replaced: the pieces are joined once, where
    re.sub with a callback built a string per match (the same text either way)."""
    pieces: list[str] = []
    at = 0
    for match in pattern.finditer(source):
        start, end = match.span(group)
        pieces += (source[at:start], replace(source[start:end]))
        at = end
    if not pieces:
        return source
    pieces.append(source[at:])
    return "".join(pieces)


def add_pixel(html: str, pixel_url: str) -> str:
    tag = f'<img src="{pixel_url}" width="1" height="1" alt="" style="display:block;border:0">'
    at = html.lower().rfind("</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag
