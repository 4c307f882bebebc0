"""The email that confirms a person's own "delete me" (from their page, /u/{token}), and its link's code.

The code is signed for one person and dated on the app's clock (domain/clock.py, so the local clock moves it);
it works for ERASE_LINK_HOURS. Opening the link only shows a button: erasing takes the page's POST, so a mail
scanner or a link preview that fetches the link erases nothing.
"""
from __future__ import annotations

import html
from datetime import datetime, timedelta

from .clock import iso, parse_iso
from .tokens import TokenError, TokenSigner

ERASE_LINK_HOURS = 24
PURPOSE = "erase-myself"


def erase_code(secret: str, candidate_id: str, now: datetime) -> str:
    return TokenSigner(secret, PURPOSE).sign({"c": candidate_id, "t": iso(now)})


def erase_code_valid(secret: str, code: str, candidate_id: str, now: datetime) -> bool:
    """Signed by us, for this person, within ERASE_LINK_HOURS (and not dated in the future)."""
    try:
        payload = TokenSigner(secret, PURPOSE).verify(code)
    except TokenError:
        return False
    issued = payload.get("t")
    if payload.get("c") != candidate_id or not isinstance(issued, str):
        return False
    try:
        at = parse_iso(issued)
    except ValueError:
        return False
    return at - timedelta(minutes=5) <= now <= at + timedelta(hours=ERASE_LINK_HOURS)


def erasure_email(*, confirm_url: str, company: str) -> tuple[str, str, str]:
    """(subject, text, html). Only our words, the company's name and the signed link (like the sign-up email)."""
    subject = f"Confirm: delete your data at {company}"
    text = (
        "Hi,\n\n"
        f"You asked us to delete everything {company} holds about you. To confirm, open this link and press "
        f"the button on the page:\n\n{confirm_url}\n\n"
        f"The link works for {ERASE_LINK_HOURS} hours. If you did not ask for this, ignore this email: "
        "nothing is deleted.\n"
    )
    e = html.escape
    body = (
        "<!doctype html><html><body style=\"font-family:Arial,sans-serif;color:#1f2933;line-height:1.5\">"
        "<p>Hi,</p>"
        f"<p>You asked us to delete everything {e(company)} holds about you. To confirm, open this link and "
        "press the button on the page.</p>"
        f"<p><a href=\"{e(confirm_url)}\" style=\"display:inline-block;padding:10px 18px;background:#b91c1c;"
        "color:#ffffff;text-decoration:none;border-radius:4px\">Delete my data</a></p>"
        f"<p style=\"font-size:13px;color:#52606d\">Or paste this link into your browser: {e(confirm_url)}<br>"
        f"The link works for {ERASE_LINK_HOURS} hours. If you did not ask for this, ignore this email: nothing "
        "is deleted.</p></body></html>"
    )
    return subject, text, body
