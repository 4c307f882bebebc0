"""GET /dev/outbox: every email the emulated SES accepted, newest first, as sent (raw MIME).

Asks the emulator (AWS_ENDPOINT_URL: its /_local/outbox.json) in the local stack and the benchmarks;
in the tests, where moto runs inside this process (no endpoint), reads its memory.
"""
from __future__ import annotations

import html
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


def outbox_html() -> str:
    e = html.escape
    rows = "".join(
        f"<article><h2>{e(item['subject'])}</h2><p><b>To:</b> {e(', '.join(item['to']))} · "
        f"<b>SES id:</b> <code>{e(item['message_id'])}</code></p>"
        f"<details><summary>Raw MIME</summary><pre>{e(item['raw'])}</pre></details>{_links(item['raw'])}</article>"
        for item in outbox()
    ) or "<p>No email sent yet.</p>"
    return ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Local outbox</title>"
            "<style>body{font-family:system-ui,Arial,sans-serif;max-width:900px;margin:24px auto;padding:0 16px}"
            "article{border:1px solid #cbd2d9;border-radius:6px;padding:12px 16px;margin:12px 0}"
            "pre{white-space:pre-wrap;font-size:12px;background:#f5f7fa;padding:8px}</style></head><body>"
            f"<h1>Local outbox</h1><p>Newest first. JSON: <a href=\"/dev/outbox.json\">/dev/outbox.json</a></p>{rows}"
            "</body></html>")


def _links(raw: str) -> str:
    """The links of the text part, clickable: handy for following a confirm link by hand."""
    import re

    parsed = message_from_string(raw, policy=policy.default)
    part = parsed.get_body(preferencelist=("plain",))
    text = part.get_content() if part else ""
    links = dict.fromkeys(re.findall(r"https?://\S+", text))
    return "".join(f"<p><a href=\"{html.escape(link)}\">{html.escape(link)}</a></p>" for link in links)
