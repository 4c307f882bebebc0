"""Transactional emails we write ourselves (double opt-in) and the MIME they are sent as."""
from __future__ import annotations

import html
from email.utils import formataddr, formatdate, make_msgid


def confirmation_email(*, confirm_url: str, company: str, valid_days: int) -> tuple[str, str, str]:
    """(subject, text, html) of the double opt-in email.

    Nothing the sign-up typed goes in (no name): anyone can type someone else's address into the
    careers form, and a "name" such as "Click http://evil.example" would reach that inbox under our
    name. Only our own words, the company's name and the signed link.
    """
    greeting = "Hi,"
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


def _header(value: str, used: int = 0) -> str:
    """A header value as written: printable ASCII folded at spaces (lines of at most 78 characters
    where the words allow, never over 998: RFC 5322); anything else (other characters, a word too
    long for one line, text that would read as an encoded word) as RFC 2047 encoded words (base64,
    at most 45 bytes each, never splitting a character), one per line. `used`: characters before
    the value on its first line (the header's name)."""
    if value.isascii() and value.isprintable() and "=?" not in value:
        if used + len(value) <= 78:
            return value
        words = value.split(" ")
        if max(map(len, words)) + max(used, 1) <= 998:
            return _fold(words, used)
    import base64

    data = value.encode("utf-8")
    encoded: list[bytes] = []
    most = min(45, max(6, (78 - used - 12) // 4 * 3))  # the first word shares its line with the name
    while data:
        end = min(most, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # not inside a character
            end -= 1
        encoded.append(data[:end])
        data, most = data[end:], 45
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word).decode()}?=" for word in encoded)


def _fold(words: list[str], used: int) -> str:
    """The words joined by their spaces, a space turned into a line break (CRLF + that space, which
    unfolding gives back) before a word that would pass 78 characters; never a line of spaces only."""
    out, length, has_text = [words[0]], used + len(words[0]), bool(words[0])
    for word in words[1:]:
        if word and has_text and length + 1 + len(word) > 78:
            out.append("\r\n " + word)
            length = 1 + len(word)
        else:
            out.append(" " + word)
            length += 1 + len(word)
        has_text = has_text or bool(word)
    return "".join(out)


def _address(name: str | None, address: str) -> str:
    if not name:
        return address
    if name.isascii():
        return formataddr((name, address))
    return f"{_header(name)} <{address}>"


def _qp(text: str) -> bytes:
    import binascii

    return binascii.b2a_qp(text.replace("\r\n", "\n").encode("utf-8")).replace(b"\n", b"\r\n")


def _base64(text: str) -> bytes:
    """Lines of 76 characters, CRLF (RFC 2045)."""
    import binascii

    encoded = binascii.b2a_base64(text.encode("utf-8"), newline=False)
    return b"\r\n".join(encoded[i:i + 76] for i in range(0, len(encoded), 76))


def build_mime(*, from_email: str, from_name: str | None, to: str, subject: str, text: str,
               html_body: str, headers: dict[str, str] | None = None) -> bytes:
    """multipart/alternative with a text and an HTML part, UTF-8, CRLF: the text quoted-printable (it
    stays readable), the HTML base64 (half the CPU of quoted-printable for markup).

    Written out directly rather than through email.message: that parses every header again and
    cost most of a campaign email's CPU. Only the subject and names are folded (_header):
    List-Unsubscribe stays a plain <URL> as RFC 8058 wants it. The boundary starts "=_", which
    neither encoding can produce, so it needs no cryptographic randomness (os.urandom was a tenth
    of the CPU of an email).
    """
    import random

    boundary = f"=_crm_{random.getrandbits(96):024x}"
    lines = [
        f"From: {_address(from_name, from_email)}",
        f"To: {to}",
        f"Subject: {_header(subject, len('Subject: '))}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {make_msgid(domain=from_email.rpartition('@')[2] or None)}",
        "MIME-Version: 1.0",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    part = f"--{boundary}\r\nContent-Type: text/%s; charset=\"utf-8\"\r\nContent-Transfer-Encoding: %s\r\n\r\n"
    return b"".join([
        head,
        (part % ("plain", "quoted-printable")).encode(), _qp(text), b"\r\n",
        (part % ("html", "base64")).encode(), _base64(html_body), b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ])
