"""A campaign email as sent: rendered, links tracked, open pixel, one-click unsubscribe headers; Reply-To on the
reply domain and our Message-ID, both carrying the send's reply token (domain/replies.py).

By the campaign's kind (domain/campaigns.py kind_of):
- campaign: the template as written, with the talent community's footer when it has no unsubscribe link;
- permission_request: the template's content, then the data-source notice (domain/permission.py), the "Join the
  talent community" button and the objection link, whatever the template says (never the "you joined" footer);
- outreach: a recruiter's personal email: the step's text first, an HTML part that is only that text in paragraphs
  (no newsletter chrome), no open pixel and no rewritten links (a one-to-one email is answered, not measured: a
  pixel in it would be surveillance of a person who never subscribed, and it reads as bulk mail to filters); the
  first email carries the notice and the objection link.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from .messages import build_mime
from .permission import JOIN, OBJECT, PermissionLinks, data_notice, text_to_html
from .replies import make_reply_token, reply_address, reply_message_id
from .templates import _with_footer, render
from .vocabulary import CampaignKind
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
                         campaign_id: str, step: int, track: bool = True, reply_domain: str = "",
                         kind: str | None = None) -> BuiltEmail:
    """`reply_domain`: replies go to `reply+<token>@reply_domain` (none given: to From, as for a test send).
    `kind`: the campaign's (None: a marketing campaign)."""
    tokens = TokenMaker(sender.secret, campaign_id, step, candidate["id"])
    unsubscribe = f"{sender.public_url}/u/{tokens.make('u')}"
    rendered = render(template, candidate=candidate, job=job, company=sender.company,
                      unsubscribe_url=unsubscribe, preferences_url=unsubscribe)
    html, text, links = rendered.html, rendered.text, []
    kind = CampaignKind(kind or CampaignKind.CAMPAIGN)
    if kind != CampaignKind.CAMPAIGN:
        html, text = _without_consent(sender, kind, rendered, candidate, campaign_id, step, unsubscribe)
        track = track and kind == CampaignKind.PERMISSION_REQUEST
    if track:
        def click(index: int) -> str:
            return f"{sender.public_url}/t/c/{tokens.make('c', index)}"

        tracked = rewrite_links(html, text, click_url=click,
                                skip=(f"{sender.public_url}/u/", f"{sender.public_url}/community/"))
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


def _without_consent(sender: Sender, kind: CampaignKind, rendered, candidate: dict, campaign_id: str, step: int,
                     unsubscribe: str) -> tuple[str, str]:
    """(html, text) of a permission request or an outreach email: the notice and its links added (an outreach's
    first email only), the marketing footer left out (these people never joined anything)."""
    html, text = with_footer_removed(rendered, sender.company, unsubscribe)
    if kind == CampaignKind.OUTREACH:
        html = text_to_html(text)
        if step > 0:
            return html, text
    links = PermissionLinks(sender.secret, sender.public_url)
    join = links.url(JOIN, campaign_id, candidate["id"]) if kind == CampaignKind.PERMISSION_REQUEST else None
    notice = data_notice(candidate, sender.company.get("name") or "We", join_url=join,
                         object_url=links.url(OBJECT, campaign_id, candidate["id"]))
    at = html.lower().rfind("</body>")
    html = html[:at] + notice.html + html[at:] if at >= 0 else html + notice.html
    return html, text.rstrip() + notice.text


TEXT_FOOTER = "\n\n--\nYou get this because you joined the"  # domain/templates.py render's text footer


def with_footer_removed(rendered, company: dict, unsubscribe: str) -> tuple[str, str]:
    """(html, text) as rendered, without the talent community's footer that render() adds to a template with no
    unsubscribe link of its own ("you joined the talent community" is untrue of people who never did)."""
    footer = _with_footer("", company, unsubscribe, unsubscribe)
    html = rendered.html.replace(footer, "", 1)
    text = rendered.text
    at = text.rfind(TEXT_FOOTER)
    if at >= 0 and text.rstrip().endswith(f"Unsubscribe: {unsubscribe}"):
        text = text[:at] + "\n"
    return html, text


def _with_message_id(raw: bytes, message_id: str) -> bytes:
    """build_mime's head with our Message-ID in place of the random one it writes (its line, between CRLFs)."""
    head_end = raw.find(b"\r\n\r\n")
    start = raw.find(b"\r\nMessage-ID: ", 0, head_end) + 2
    if start < 2:  # no such line: nothing to replace
        return raw
    end = raw.find(b"\r\n", start)
    return raw[:start] + f"Message-ID: {message_id}".encode("ascii") + raw[end:]
