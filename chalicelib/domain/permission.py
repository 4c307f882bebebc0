"""Writing to people who never gave marketing consent (issue 18): what a permission request and a one-to-one
email must tell them, and the signed links that let them join or object.

GDPR art. 14: a person whose data was not collected from them is told who holds it, where it came from, what is
held, why (legitimate interest: to offer them roles), and how to object or have it erased. The notice is built
here from the person's own record and added to every permission request and every first outreach email by the
email builder (campaign_email.py), whatever the template or the recruiter wrote.

Pure: no AWS. The tokens are signed with CRM_SECRET (domain/tokens.py) for the purpose "permission", so a click
or unsubscribe token can never stand in for one.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape

from . import clock
from .clock import parse_iso
from .tokens import TokenError, TokenSigner

JOIN, OBJECT = "join", "object"
ACTIONS = (JOIN, OBJECT)
# a person's `source` -> the group analytics count it in, and where the data came from, in words
SOURCES: dict[str, tuple[str, str]] = {
    "csv_import": ("import", "a spreadsheet of contacts our recruiting team imported"),
    "import": ("import", "a spreadsheet of contacts our recruiting team imported"),
    "ats": ("ats", "our applicant tracking system, from a past application of yours"),
    "sourced": ("sourced", "a recruiter of ours, who found your public professional profile"),
    "careers_page": ("careers_page", "the form on our careers page"),
    "referral": ("referral", "a referral by someone who knows you"),
    "event": ("event", "an event you attended"),
}
OTHER = ("other", "our recruiting team's own records")
# what a record may hold, in words (only what is there is named)
HELD = (("first_name", "name"), ("email", "email address"), ("phone", "phone number"), ("city", "location"),
        ("skills", "skills"), ("roles", "roles"), ("seniority", "seniority"), ("linkedin_url", "LinkedIn profile"),
        ("portfolio_url", "portfolio"), ("stage", "application history"))


def source_group(source: str | None) -> str:
    """The group a person's source is counted in (import, ats, sourced, careers_page, ..., other)."""
    return SOURCES.get((source or "").lower(), OTHER)[0]


def source_words(source: str | None) -> str:
    return SOURCES.get((source or "").lower(), OTHER)[1]


def held_words(candidate: dict) -> str:
    """What the record holds, in words: "your name, email address and skills"."""
    names = list(dict.fromkeys(words for field, words in HELD if candidate.get(field) not in (None, "", [])))
    if not names:
        names = ["email address"]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"your {listed}"


# ---------------------------------------------------------------- what the person's record keeps
# Kept in the record's existing maps (the candidates table's attributes are declared: store/models.py): a request
# in `consent` (requested_at, request_campaign_id), an objection in `preferences` (objected_at). Read only here.

def objected(person: dict | None) -> bool:
    """The person objected to being contacted (for good)."""
    return bool(((person or {}).get("preferences") or {}).get("objected_at"))


def with_objection(person: dict, at: str) -> dict:
    preferences = dict(person.get("preferences") or {}, unsubscribed_all=True, objected_at=at, updated_at=at,
                       source="objection")
    consent = dict(person.get("consent") or {}, marketing=False, withdrawn_at=at)
    return dict(person, preferences=preferences, consent=consent, updated_at=at)


def last_request(person: dict) -> tuple[str | None, str | None]:
    """(when, which campaign) the person was last sent a permission request."""
    consent = person.get("consent") or {}
    return consent.get("requested_at"), consent.get("request_campaign_id")


def with_request(person: dict, at: str, campaign_id: str) -> dict:
    return dict(person, consent=dict(person.get("consent") or {}, requested_at=at, request_campaign_id=campaign_id))


class PermissionLinks:
    """The join and object links of one email: signed (person, campaign, action)."""

    def __init__(self, secret: str, public_url: str):
        self.signer = TokenSigner(secret, "permission")
        self.public_url = public_url

    def url(self, action: str, campaign_id: str, candidate_id: str) -> str:
        # its issue time on the app's clock (POST /dev/clock moves it): a join link expires (`check_age`)
        payload = {"a": action, "k": campaign_id, "c": candidate_id, "t": clock.iso()}
        token = self.signer.sign(payload)
        return f"{self.public_url}/community/{action}/{token}"

    def read(self, action: str, token: str) -> tuple[str, str]:
        """(campaign id, candidate id) of a token made for `action`; TokenError when it is not one."""
        payload = self.signer.verify(token)
        campaign_id, candidate_id = payload.get("k"), payload.get("c")
        if payload.get("a") != action or not isinstance(campaign_id, str) or not isinstance(candidate_id, str):
            raise TokenError("invalid")
        return campaign_id, candidate_id

    def check_age(self, token: str, months: int, now: datetime) -> None:
        """TokenError("expired") for a link older than `months` calendar months. Its issue time is the one it
        carries (the app's clock); a link made before it carried one has the signature's (real) time."""
        from .campaigns import months_before  # lazily: domain/campaigns.py imports this module

        oldest = months_before(now, months)
        issued = self.signer.verify(token).get("t")
        if not isinstance(issued, str):
            self.signer.verify(token, max_age_seconds=int((now - oldest).total_seconds()))
            return
        try:
            expired = parse_iso(issued) < oldest
        except ValueError:
            raise TokenError("invalid") from None
        if expired:
            raise TokenError("expired")


@dataclass(frozen=True)
class Notice:
    html: str
    text: str


def data_notice(candidate: dict, company: str, *, object_url: str, join_url: str | None = None) -> Notice:
    """The data-source notice (GDPR art. 14) with its links: the join button for a permission request (join_url),
    and always the objection link (the opt-out). Plain markup: it reads as part of a personal email."""
    source = source_words(candidate.get("source"))
    held = held_words(candidate)
    why = (f"{company} holds {held}, which came from {source}. We keep it to tell you about roles that may suit "
           "you (our legitimate interest in recruiting), and for no other purpose.")
    rights = ("If you would rather we did not contact you, object and we will never write to you again. You can "
              "also ask us to erase your data or send you a copy of it: reply to this email.")
    text = f"\n\n--\nWhy you are getting this email\n{why}\n{rights}\nObject: {object_url}\n"
    button = ""
    if join_url is not None:
        text = f"\n\nJoin the talent community: {join_url}\n" + text
        button = (f'<p><a href="{escape(join_url)}" style="display:inline-block;padding:10px 18px;'
                  'background:#1f5fbf;color:#ffffff;border-radius:4px;text-decoration:none">'
                  'Join the talent community</a></p>')
    html = (f'{button}<div style="margin-top:24px;padding-top:12px;border-top:1px solid #e4e7eb;font-size:13px;'
            f'color:#3e4c59"><p><strong>Why you are getting this email</strong><br>{escape(why)}</p>'
            f'<p>{escape(rights)}<br><a href="{escape(object_url)}">Object: do not contact me again</a></p></div>')
    return Notice(html=html, text=text)


def text_to_html(text: str) -> str:
    """A personal email's HTML part: its text, escaped, in paragraphs; no styling, no images."""
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    body = "".join(f"<p>{'<br>'.join(str(escape(line)) for line in p.splitlines())}</p>" for p in paragraphs)
    return f"<!DOCTYPE html><html><body>{body}</body></html>"


__all__ = ["ACTIONS", "JOIN", "OBJECT", "Notice", "PermissionLinks", "TokenError", "data_notice", "held_words",
           "last_request", "objected", "source_group", "source_words", "text_to_html", "with_objection",
           "with_request"]
