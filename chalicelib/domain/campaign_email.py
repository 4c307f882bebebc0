"""A campaign email as sent: rendered, links tracked, open pixel, one-click unsubscribe headers; Reply-To on the
reply domain and our Message-ID, both carrying the send's reply token (domain/replies.py)."""
from __future__ import annotations

import random
from dataclasses import dataclass

from .messages import build_mime
from .replies import make_reply_token, reply_address, reply_message_id
from .templates import render
from .tracking import Token, TokenMaker, add_pixel, make_token, rewrite_links


@dataclass(frozen=True)
class Sender:
    public_url: str
    secret: str
    from_email: str
    company: dict  # name, careers_url, address
    from_name: str | None = None  # the From header's name (a recruiter's "Ada Lovelace at Acme"); None: the company's


@dataclass
class BuiltEmail:
    subject: str
    raw: bytes
    text: str
    links: list[str]
    message_id: str | None = None  # our Message-ID header (SES sends under its own: both are kept)


def unsubscribe_url(sender: Sender, campaign_id: str, step: int, candidate_id: str) -> str:
    return f"{sender.public_url}/u/{make_token(sender.secret, Token('u', campaign_id, step, candidate_id))}"


def build_campaign_email(sender: Sender, template: dict, *, candidate: dict, job: dict | None,
                         campaign_id: str, step: int, track: bool = True, reply_domain: str = "") -> BuiltEmail:
    """`reply_domain`: replies go to `reply+<token>@reply_domain` (none given: to From, as for a test send)."""
    tokens = TokenMaker(sender.secret, campaign_id, step, candidate["id"])
    unsubscribe = f"{sender.public_url}/u/{tokens.make('u')}"
    rendered = render(template, candidate=candidate, job=job, company=sender.company,
                      unsubscribe_url=unsubscribe, preferences_url=unsubscribe)
    html, text, links = rendered.html, rendered.text, []
    if track:
        def click(index: int) -> str:
            return f"{sender.public_url}/t/c/{tokens.make('c', index)}"

        tracked = rewrite_links(html, text, click_url=click, skip=(f"{sender.public_url}/u/",))
        pixel = tokens.make("o")
        html, text, links = add_pixel(tracked.html, f"{sender.public_url}/t/o/{pixel}"), tracked.text, tracked.links
    headers = {"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    reply_token = make_reply_token(sender.secret, campaign_id, step, candidate["id"])
    if reply_domain:
        headers["Reply-To"] = f"<{reply_address(reply_token, reply_domain)}>"
    raw = build_mime(
        from_email=sender.from_email, from_name=sender.from_name or sender.company.get("name"), to=candidate["email"],
        subject=rendered.subject, text=text, html_body=html, headers=headers,
    )
    message_id = reply_message_id(reply_token, sender.from_email.rpartition("@")[2], f"{random.getrandbits(40):x}")
    return BuiltEmail(subject=rendered.subject, raw=_with_message_id(raw, message_id), text=text, links=links,
                      message_id=message_id)


def _with_message_id(raw: bytes, message_id: str) -> bytes:
    """build_mime's head with our Message-ID in place of the random one it writes (its line, between CRLFs)."""
    head_end = raw.find(b"\r\n\r\n")
    start = raw.find(b"\r\nMessage-ID: ", 0, head_end) + 2
    if start < 2:  # no such line: nothing to replace
        return raw
    end = raw.find(b"\r\n", start)
    return raw[:start] + f"Message-ID: {message_id}".encode("ascii") + raw[end:]
