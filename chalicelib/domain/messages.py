"""Transactional emails we write ourselves (double opt-in) and the MIME they are sent as."""
from __future__ import annotations

import html
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid


def confirmation_email(*, first_name: str | None, confirm_url: str, company: str,
                       valid_days: int) -> tuple[str, str, str]:
    """(subject, text, html) of the double opt-in email."""
    greeting = f"Hi {first_name}," if first_name else "Hi,"
    subject = f"Please confirm you want to hear from {company}"
    text = (
        f"{greeting}\n\n"
        f"Thanks for joining the {company} talent community. Please confirm your email address so we "
        f"can keep you posted about roles and news that match your interests:\n\n{confirm_url}\n\n"
        f"The link works for {valid_days} days. If you did not sign up, ignore this email and we will "
        f"not contact you.\n"
    )
    e = html.escape
    body = (
        "<!doctype html><html><body style=\"font-family:Arial,sans-serif;color:#1f2933;line-height:1.5\">"
        f"<p>{e(greeting)}</p>"
        f"<p>Thanks for joining the {e(company)} talent community. Please confirm your email address so "
        "we can keep you posted about roles and news that match your interests.</p>"
        f"<p><a href=\"{e(confirm_url)}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;"
        "color:#ffffff;text-decoration:none;border-radius:4px\">Confirm my email</a></p>"
        f"<p style=\"font-size:13px;color:#52606d\">Or paste this link into your browser: {e(confirm_url)}<br>"
        f"The link works for {valid_days} days. If you did not sign up, ignore this email and we will "
        "not contact you.</p></body></html>"
    )
    return subject, text, body


_POLICY = policy.SMTP.clone(max_line_length=998)


def build_mime(*, from_email: str, from_name: str | None, to: str, subject: str, text: str,
               html_body: str, headers: dict[str, str] | None = None) -> bytes:
    """multipart/alternative with a text and an HTML part, UTF-8, as SES sends it."""
    # Headers are never folded into encoded words: List-Unsubscribe must stay a plain <URL>.
    message = EmailMessage(policy=_POLICY)
    message["From"] = formataddr((from_name, from_email)) if from_name else from_email
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=from_email.rpartition("@")[2] or None)
    message["MIME-Version"] = "1.0"
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html_body, subtype="html", charset="utf-8")
    return message.as_bytes()
