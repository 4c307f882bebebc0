"""What text from outside may hold: no lone surrogates anywhere, no control characters in a single line.

A lone surrogate ("\\ud800" in JSON) makes a str that cannot be encoded: DynamoDB, logging and email then
fail far from the input. Control characters in a single-line field end up in headers (CR/LF), CSV
cells, logs and terminals. Pure: used by the JSON reader, the form reader and the field validators.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

# C0 controls, DEL, C1 controls and the Unicode line/paragraph separators: none belongs in a name,
# a city or a URL. Tab, CR and LF are whitespace a single-line field collapses (see candidates._text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_LINE_BREAK = re.compile(r"[\t\n\r]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def one_line(text: str) -> str:
    """Controls, line breaks and lone surrogates made spaces, runs of whitespace one space: for text we
    keep rather than refuse (metadata a page sends, not what a person typed)."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def has_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def has_control(text: str, *, single_line: bool = False) -> bool:
    """Control characters other than tab/CR/LF; with single_line, those three too."""
    return _CONTROL.search(text) is not None or (single_line and _LINE_BREAK.search(text) is not None)


def unsafe_reason(text: str, *, single_line: bool = False) -> str | None:
    """Why `text` may not be kept, or None."""
    if has_surrogate(text):
        return "contains an invalid character (a lone UTF-16 surrogate)"
    if has_control(text, single_line=single_line):
        return "must not contain control characters" + (" or line breaks" if single_line else "")
    return None


# Characters RFC 3986 never allows in a URL, besides whitespace and controls: a URL holding one is
# either mistyped or meant to break out of an attribute, a header or a Markdown link.
_NOT_IN_URL = re.compile(r"[\s\"<>\\^`{|}]")


def is_web_url(text: object, max_chars: int = 2000, *, dotted_host: bool = True) -> bool:
    """An absolute http(s) URL with a host (dotted, unless told), no credentials, no whitespace or controls.

    Such a URL may go into a Location header, an email or an href: a CR/LF in it is how headers are forged.
    """
    if not isinstance(text, str) or len(text) > max_chars or _NOT_IN_URL.search(text) or unsafe_reason(text):
        return False
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is not a number in 0..65535 raises ValueError
    except ValueError:
        return False
    host = (parts.hostname or "").strip(".")
    return (parts.scheme.lower() in ("http", "https") and bool(host) and (not dotted_host or "." in host)
            and parts.username is None and parts.password is None)
