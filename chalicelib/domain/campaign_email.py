"""A campaign email as sent: rendered, links tracked, open pixel, one-click unsubscribe headers."""
from __future__ import annotations

from dataclasses import dataclass

from .messages import build_mime
from .templates import render
from .tracking import Token, TokenMaker, add_pixel, make_token, rewrite_links


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
    raw = build_mime(
        from_email=sender.from_email, from_name=sender.company.get("name"), to=candidate["email"],
        subject=rendered.subject, text=text, html_body=html,
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    return BuiltEmail(subject=rendered.subject, raw=raw, text=text, links=links)
