"""GET /dev/outbox: every email the emulated SES accepted, newest first, as sent (raw MIME); and each one read as
its recipient would (chalicelib/api/local_only.py renders the pages).

Asks the emulator (AWS_ENDPOINT_URL: its /_local/outbox.json) in the local stack and the benchmarks;
in the tests, where moto runs inside this process (no endpoint), reads its memory.
"""
from __future__ import annotations

import re
from email import message_from_string, policy

from chalicelib.settings import get_settings


def sent_messages(region: str) -> list[dict]:
    """What moto's SES accepted in this process, oldest first: id, destinations, raw_data (None for a
    simple SendEmail), subject, body. The emulator answers /_local/outbox.json with it."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    found = []
    for message in list(ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages):
        to = getattr(message, "destinations", None)
        if isinstance(to, dict):  # a simple SendEmail keeps SES's Destination shape
            to = to.get("ToAddresses", [])
        found.append({"id": message.id, "destinations": list(to or []), "raw_data": getattr(message, "raw_data", None),
                      "subject": getattr(message, "subject", None), "body": getattr(message, "body", None)})
    return found


def _messages() -> list[dict]:
    """The emulator's (AWS_ENDPOINT_URL) in the local stack and benchmarks; this process's in the tests."""
    import os

    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        import json
        import urllib.request

        with urllib.request.urlopen(f"{endpoint.rstrip('/')}/_local/outbox.json", timeout=30) as response:
            return json.loads(response.read())["items"]
    return sent_messages(get_settings().region)


def outbox() -> list[dict]:
    items = []
    for message in reversed(_messages()):
        raw = message["raw_data"]
        if raw is None:  # a non-raw SendEmail (we never send those, but show them all the same)
            raw = f"Subject: {message['subject']}\r\n\r\n{message['body']}"
        parsed = message_from_string(raw, policy=policy.default)
        items.append({"message_id": message["id"], "to": list(dict.fromkeys(message["destinations"])) or [parsed.get("To", "")],
                      "subject": str(parsed.get("Subject", "")), "raw": raw})
    return items


def outbox_list() -> list[dict]:
    """The outbox page's rows, newest first: id, to, subject, when it was sent (its Date header, UTC), and the
    text part's links (to follow a confirm link by hand)."""
    rows = []
    for item in outbox():
        parsed = message_from_string(item["raw"], policy=policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        links = [value for kind, value in linked(text.get_content() if text is not None else "") if kind == "link"]
        rows.append({"message_id": item["message_id"], "to": item["to"], "subject": item["subject"],
                     "when": _when(parsed), "links": list(dict.fromkeys(links))})
    return rows


def email_view(message_id: str) -> dict | None:
    """One email as its reader gets it: the headers that matter, the HTML part, the text part (its links apart),
    and the raw MIME; None if the outbox holds no email with that id."""
    item = next((item for item in outbox() if item["message_id"] == message_id), None)
    if item is None:
        return None
    parsed = message_from_string(item["raw"], policy=policy.default)
    html_part, text_part = (parsed.get_body(preferencelist=(kind,)) for kind in ("html", "plain"))
    text = text_part.get_content() if text_part is not None else ""
    return {
        "message_id": message_id, "subject": item["subject"], "to": item["to"], "when": _when(parsed),
        "headers": [(name, str(parsed[name])) for name in HEADERS if parsed[name] is not None],
        "html": html_part.get_content() if html_part is not None else None,
        "text": text, "text_segments": linked(text), "raw": item["raw"],
    }


# What a reader (and a mail client's unsubscribe button) goes by; the rest is in the raw message.
HEADERS = ("From", "To", "Reply-To", "Subject", "Date", "List-Unsubscribe", "List-Unsubscribe-Post")
_LINK = re.compile(r"https?://[^\s<>\"']+")
_PIXEL = re.compile(r"<img\b[^>]*\bsrc=\"[^\"]*/t/o/[^\"]*\"[^>]*>", re.I)


def as_shown(html: str) -> str:
    """The HTML part for the outbox's sandboxed frame: its links open in a new tab (a click there is a click,
    tracked, as the candidate's would be); its open pixel left out, so reading the outbox records no open."""
    return '<base target="_blank">' + _PIXEL.sub("", html)


def linked(text: str) -> list[tuple[str, str]]:
    """The text split into ("text", ...) and ("link", url) pieces: links clickable, the rest as written."""
    pieces: list[tuple[str, str]] = []
    at = 0
    for found in _LINK.finditer(text):
        url = found.group(0).rstrip(".,;)")
        if found.start() > at:
            pieces.append(("text", text[at:found.start()]))
        pieces.append(("link", url))
        at = found.start() + len(url)
    if at < len(text):
        pieces.append(("text", text[at:]))
    return pieces


def _when(parsed) -> str | None:
    """The Date header as ISO 8601 UTC; None when it is missing or unreadable."""
    from datetime import timezone
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(str(parsed.get("Date", "")))
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
