"""A campaign email as sent: rendered, links tracked, open pixel, one-click unsubscribe headers."""
from __future__ import annotations

from dataclasses import dataclass

from .messages import build_mime
from .templates import render
from .tracking import Token, add_pixel, make_token, rewrite_links


@dataclass
class Sender:
    public_url: str
    secret: str
    from_email: str
    company: dict  # name, careers_url, address


@dataclass
class BuiltEmail:
    subject: str
    raw: bytes
    text: str
    links: list[str]


def unsubscribe_url(sender: Sender, campaign_id: str, step: int, candidate_id: str) -> str:
    return f"{sender.public_url}/u/{make_token(sender.secret, Token('u', campaign_id, step, candidate_id))}"


def build_campaign_email(sender: Sender, template: dict, *, candidate: dict, job: dict | None,
                         campaign_id: str, step: int, track: bool = True) -> BuiltEmail:
    unsubscribe = unsubscribe_url(sender, campaign_id, step, candidate["id"])
    rendered = render(template, candidate=candidate, job=job, company=sender.company,
                      unsubscribe_url=unsubscribe, preferences_url=unsubscribe)
    html, text, links = rendered.html, rendered.text, []
    if track:
        def click(index: int) -> str:
            token = make_token(sender.secret, Token("c", campaign_id, step, candidate["id"], index))
            return f"{sender.public_url}/t/c/{token}"

        tracked = rewrite_links(html, text, click_url=click, skip=(f"{sender.public_url}/u/",))
        pixel = make_token(sender.secret, Token("o", campaign_id, step, candidate["id"]))
        html, text, links = add_pixel(tracked.html, f"{sender.public_url}/t/o/{pixel}"), tracked.text, tracked.links
    raw = build_mime(
        from_email=sender.from_email, from_name=sender.company.get("name"), to=candidate["email"],
        subject=rendered.subject, text=text, html_body=html,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    return BuiltEmail(subject=rendered.subject, raw=raw, text=text, links=links)
