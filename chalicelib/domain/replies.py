"""Replies to campaign emails: the reply token, SES's receiving notification, the reply read and classified, its
new text, and the copy forwarded to the sender's mailbox. Pure: the stdlib `email` package (policy=default) and
mail-parser-reply for the quoted history; no AWS.

The token ties a reply to one send (campaign, step, person): the ULIDs as 32 bytes, the step as one, then 4 bytes
of HMAC-SHA256 with CRM_SECRET, written as 58 base36 characters. It is the local part's tail of the Reply-To
address (`reply+<token>@CRM_REPLY_DOMAIN`: 64 characters, RFC 5321's limit) and case-insensitive, since mail
systems may lower-case local parts. Our Message-ID carries it too (`<token.nonce@our domain>`), so a reply's
In-Reply-To or References leads back to the send without an index. 32 bits of MAC suffice here: a forger needs
about two billion emails to our reply domain for one hit, and each miss is logged.

Everything read from an email is bounded and never raises: hostile mail (huge, broken MIME, bad charsets, deep
nesting, CR/LF in headers) reads as a mail with less in it, never as an error.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import formatdate, getaddresses, make_msgid
from html import unescape

from ulid import ULID

from .text import one_line
from .tracking import id_bytes, send_key

# ---------------------------------------------------------------- the reply token

TOKEN_CHARS = 58  # 36**58 > 2**296: campaign (128 bits), person (128), step (8), MAC (32)
LOCAL_PREFIX = "reply+"
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_MAC_BYTES = 4
_BODY_BYTES = 33
_TOKEN = re.compile(r"[0-9a-z]{%d}" % TOKEN_CHARS)
_ADDRESS_TOKEN = re.compile(r"reply\+([0-9a-z]{%d})@([a-z0-9.-]{1,253})" % TOKEN_CHARS, re.IGNORECASE)


class BadReplyToken(Exception):
    pass


@dataclass(frozen=True)
class ReplyToken:
    campaign_id: str
    step: int
    candidate_id: str

    @property
    def send_key(self) -> str:
        return send_key(self.campaign_id, self.step, self.candidate_id)


def _mac(secret: str, body: bytes) -> bytes:
    return hmac.new(secret.encode(), b"reply-to\x00" + body, hashlib.sha256).digest()[:_MAC_BYTES]


def make_reply_token(secret: str, campaign_id: str, step: int, candidate_id: str) -> str:
    body = id_bytes(campaign_id) + id_bytes(candidate_id) + bytes([step])
    number = int.from_bytes(body + _mac(secret, body), "big")
    digits = []
    for _ in range(TOKEN_CHARS):
        number, digit = divmod(number, 36)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def read_reply_token(secret: str, text: str) -> ReplyToken:
    """The send a token names, or BadReplyToken (any case: local parts may have been lower- or upper-cased)."""
    text = text.lower() if isinstance(text, str) else ""
    if not _TOKEN.fullmatch(text):
        raise BadReplyToken("not a reply token")
    number = int(text, 36)
    if number >> ((_BODY_BYTES + _MAC_BYTES) * 8):
        raise BadReplyToken("out of range")  # one text per token
    raw = number.to_bytes(_BODY_BYTES + _MAC_BYTES, "big")
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise BadReplyToken("bad signature")
    campaign, candidate = (f"{prefix}_{str(ULID.from_bytes(part)).lower()}"
                           for prefix, part in (("camp", body[:16]), ("cand", body[16:32])))
    return ReplyToken(campaign, body[32], candidate)


def reply_address(token: str, domain: str) -> str:
    return f"{LOCAL_PREFIX}{token}@{domain}"


def reply_message_id(token: str, domain: str, nonce: str) -> str:
    """Our Message-ID for a send: the token (a reply's In-Reply-To leads back to it) and a nonce (test sends of
    the same campaign step are distinct emails)."""
    return f"<{token}.{nonce}@{domain}>"


def tokens_in(addresses: list[str], domain: str) -> list[str]:
    """The reply tokens of the addresses at our reply domain, in order, each once."""
    found = []
    for address in addresses:
        for match in _ADDRESS_TOKEN.finditer(address or ""):
            if match.group(2).lower().rstrip(".") == domain:
                found.append(match.group(1).lower())
    return list(dict.fromkeys(found))


def token_of_message_id(message_id: str) -> str | None:
    """The token in one of our Message-IDs (without its brackets), else None."""
    local = message_id.partition("@")[0]
    head = local.partition(".")[0].lower()
    return head if _TOKEN.fullmatch(head) else None


def ses_message_id(message_id: str) -> str | None:
    """SES replaces the Message-ID of what it sends with `<its message id>@<region>.amazonses.com`: a reply's
    In-Reply-To then names the id SES gave us (the sends' `by_message` index)."""
    local, _, domain = message_id.rpartition("@")
    return local if local and (domain.lower() == "amazonses.com" or domain.lower().endswith(".amazonses.com")) else None


# ---------------------------------------------------------------- SES's receiving notification

MAX_CONTENT_CHARS = 600_000  # SES puts emails of up to 150 KB in an SNS notification (base64: 200 KB)
MAX_RECIPIENTS = 50


@dataclass(frozen=True)
class Received:
    """A `notificationType: Received` notification of an SNS action, as far as it could be read."""
    ses_message_id: str | None
    recipients: tuple[str, ...]  # receipt.recipients (the envelope's, at our domain) and mail.destination
    raw: bytes | None  # the email, from `content` (UTF8 or BASE64); None when absent or unreadable
    refused: str | None  # "spam" or "virus": SES's verdict FAILED
    at: str | None


def _section(parent: object, name: str) -> dict:
    value = parent.get(name) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _text(parent: dict, name: str, limit: int = 1000) -> str | None:
    value = parent.get(name)
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _texts(parent: dict, name: str) -> list[str]:
    value = parent.get(name)
    return [v for v in value[:MAX_RECIPIENTS] if isinstance(v, str) and len(v) <= 1000] if isinstance(value, list) else []


def read_received(message: dict) -> Received | None:
    """The receiving notification, or None when the message is not one (SES's setup notification, an event)."""
    if message.get("notificationType") != "Received":
        return None
    receipt, mail = _section(message, "receipt"), _section(message, "mail")
    refused = next((kind for kind in ("spam", "virus")
                    if (_text(_section(receipt, f"{kind}Verdict"), "status") or "").upper() == "FAILED"), None)
    encoding = (_text(_section(receipt, "action"), "encoding") or "UTF8").upper().replace("-", "")
    return Received(ses_message_id=_text(mail, "messageId", 300),
                    recipients=tuple(dict.fromkeys(_texts(receipt, "recipients") + _texts(mail, "destination"))),
                    raw=_content(message.get("content"), encoding), refused=refused,
                    at=_text(receipt, "timestamp", 40) or _text(mail, "timestamp", 40))


def _content(content: object, encoding: str) -> bytes | None:
    if not isinstance(content, str) or not content or len(content) > MAX_CONTENT_CHARS:
        return None
    if encoding == "BASE64":
        try:
            return base64.b64decode(content)
        except (binascii.Error, ValueError):
            return None
    return content.encode("utf-8", "replace")  # UTF8 (the default); a lone surrogate becomes "?"


# ---------------------------------------------------------------- the email

MAX_MAIL_BYTES = 1_000_000
MAX_HEADER_CHARS = 2000
MAX_PARTS = 100
MAX_DEPTH = 10
MAX_BODY_BYTES = 256_000
MAX_REFERENCES = 12
_MESSAGE_ID = re.compile(r"<([^<>\s]{1,250}@[^<>\s]{1,250})>")
_AUTOMATIC_PRECEDENCE = ("auto_reply", "bulk", "junk")
_REPORT_SENDERS = ("mailer-daemon", "postmaster")
# Out-of-office subjects in the languages our candidates write in (Outlook's "Automatic reply:" first).
_OUT_OF_OFFICE = re.compile(
    r"out of (?:the )?office|\booo\b|automatic reply|auto[- ]?reply|autoresponse|away from (?:the |my )?office|"
    r"on (?:vacation|holiday|leave)|abwesenheit|automatische antwort|nicht im b(?:ü|ue)ro|"
    r"r(?:é|e)ponse automatique|absente? du bureau|message d'absence|respuesta autom(?:á|a)tica|"
    r"fuera de la oficina|risposta automatica|fuori ufficio|automatisch antwoord|afwezig|niet aanwezig|"
    r"resposta autom(?:á|a)tica|fora do escrit(?:ó|o)rio|autosvar|automatiskt svar|automatisk svar|fr(?:å|a)nvaro|"
    r"poza biurem|automatyczna odpowied|nieobecno|automatick(?:á|a) odpov(?:ě|e)(?:ď|d)|"
    r"автоответ|автоматический ответ|отсутств|自動応答|自動返信|不在通知|自动回复|自動回覆|자동 응답|부재중",
    re.IGNORECASE)


@dataclass(frozen=True)
class Mail:
    """An inbound email as far as it matters here."""
    from_address: str | None = None  # lower-cased
    from_name: str | None = None
    subject: str = ""
    addressed_to: tuple[str, ...] = ()  # To, Cc, Delivered-To, X-Original-To as written
    references: tuple[str, ...] = ()  # message ids: In-Reply-To's, then References' newest first
    automatic: str | None = None  # why it is an automatic reply (out of office, auto-responder)
    report: str | None = None  # why it is a delivery report (a bounce) rather than a reply
    forwarded_by_us: bool = False  # our own forward of a reply: never a reply again
    body: str = field(default="", repr=False)  # the text as written (quoted history included)


def read_mail(raw: bytes) -> Mail:
    """The email read with the stdlib parser; whatever is unreadable reads as absent. Never raises."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw[:MAX_MAIL_BYTES])
    except Exception:  # RecursionError on absurd nesting, or a parser defect: nothing usable
        return Mail()
    headers = _Headers(message)
    sender = _first_address(headers.first("from"))
    subject = headers.first("subject")
    addressed = [v for name in ("to", "cc", "delivered-to", "x-original-to") for v in headers.all(name)]
    return Mail(
        from_address=sender[1], from_name=sender[0], subject=subject, addressed_to=tuple(addressed),
        references=_references(headers), automatic=_automatic(headers, subject),
        report=_report(message, sender[1]), forwarded_by_us=bool(headers.all("x-crm-forwarded")),
        body=_body(message))


class _Headers:
    """A message's headers by name, each decoded as the policy reads it, or as written when it cannot."""

    def __init__(self, message: Message):
        self._values: dict[str, list[str]] = {}
        try:
            items = message.raw_items()
        except Exception:
            return
        for name, value in items:
            values = self._values.setdefault(str(name).lower(), [])
            if len(values) < 20:
                values.append(_decoded_header(message, name, value))

    def all(self, name: str) -> list[str]:
        return self._values.get(name, [])

    def first(self, name: str) -> str:
        values = self.all(name)
        return values[0] if values else ""


def _decoded_header(message: Message, name: str, value: object) -> str:
    """At most MAX_HEADER_CHARS of it, unfolded; CR, LF, controls and lone surrogates gone."""
    written = str(value)[:MAX_HEADER_CHARS]  # cut before parsing: the policy's parser is slow on huge values
    try:
        text = str(message.policy.header_fetch_parse(name, written))
    except Exception:  # a header the policy's parser chokes on
        text = written
    return one_line(text)


def _first_address(value: str) -> tuple[str | None, str | None]:
    try:
        pairs = getaddresses([value])
    except Exception:
        return None, None
    for name, address in pairs:
        if "@" in address:
            return (name or None), address.lower()
    return None, None


def _references(headers: _Headers) -> tuple[str, ...]:
    found = _MESSAGE_ID.findall(headers.first("in-reply-to"))
    found += reversed(_MESSAGE_ID.findall(" ".join(headers.all("references")))[-MAX_REFERENCES:])
    return tuple(list(dict.fromkeys(found))[:MAX_REFERENCES])


def _automatic(headers: _Headers, subject: str) -> str | None:
    submitted = headers.first("auto-submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"Auto-Submitted: {submitted[:40]}"
    for name in ("x-autoreply", "x-autorespond"):
        if headers.all(name):
            return name.title()
    precedence = headers.first("precedence").strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    if _OUT_OF_OFFICE.search(subject):
        return "out-of-office subject"
    return None


def _report(message: Message, sender: str | None) -> str | None:
    try:
        content_type = message.get_content_type()
    except Exception:
        content_type = ""
    if content_type == "multipart/report":
        return "multipart/report"
    local = (sender or "").partition("@")[0]
    return f"from {local}" if local in _REPORT_SENDERS else None


def _parts(message: Message):
    """The leaf parts, breadth first (a message's own text before what is nested deeper), bounded; attached
    messages (message/*) are not entered."""
    queue, seen = [(message, 0)], 0
    while queue and seen < MAX_PARTS:
        part, depth = queue.pop(0)
        seen += 1
        try:
            if part.get_content_maintype() == "message":
                continue
            children = part.get_payload() if part.is_multipart() else None
        except Exception:
            continue
        if children is None:
            yield part
        elif depth < MAX_DEPTH and isinstance(children, list):
            queue += [(child, depth + 1) for child in children if isinstance(child, Message)]


def _body(message: Message) -> str:
    """The first text/plain part that is not an attachment, else the first text/html one as text."""
    html = None
    for part in _parts(message):
        try:
            if part.get_content_disposition() == "attachment":
                continue
            kind = part.get_content_type()
        except Exception:
            continue
        if kind == "text/plain":
            return _part_text(part)
        if kind == "text/html" and html is None:
            html = part
    return html_text(_part_text(html)) if html is not None else ""


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset() or "utf-8"
    except Exception:
        return ""
    if not isinstance(payload, bytes):
        return ""
    payload = payload[:MAX_BODY_BYTES]
    try:
        text = payload.decode(charset, "replace")
    except Exception:  # an unknown charset, or a codec that is no text encoding (base64, rot13...)
        text = payload.decode("utf-8", "replace")
    return _clean(text)


_UNWANTED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u2028\u2029]")  # utf-7 can make surrogates


def _clean(text: str) -> str:
    return _UNWANTED.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


# A tag, read possessively (linear on "<aaaa..." without its ">"); its name, and whether it closes.
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*+)?[^<>]*+>")
_HIDDEN_TAGS = ("style", "script", "head", "title")
_BREAK_TAGS = ("br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote")
_QUOTE_MARKERS = re.compile(r"gmail_quote|yahoo_quoted|divRplyFwdMsg|appendonsend|moz-cite-prefix|OLK_SRC_BODY",
                            re.IGNORECASE)


def html_text(html: str) -> str:
    """An HTML reply's own words: tags dropped, lines kept, everything from the quoted history on left out."""
    out, at, hidden = [], 0, False
    for tag in _TAG.finditer(html):
        if not hidden:
            out.append(html[at:tag.start()])
        at = tag.end()
        name, closing = (tag.group(2) or "").lower(), bool(tag.group(1))
        if name in _HIDDEN_TAGS:
            hidden = not closing
        elif not closing and (name == "blockquote" or _QUOTE_MARKERS.search(tag.group(0))):
            return _clean(unescape("".join(out)))
        elif name in _BREAK_TAGS:
            out.append("\n")
    if not hidden:
        out.append(html[at:])
    return _clean(unescape("".join(out)))


# ---------------------------------------------------------------- the reply's own words

PARSE_CHARS = 3000  # what the quote parser reads: its regular expressions grow faster than the text
MAX_REPLY_CHARS = 3000
LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "cs"]
_BLANK_RUNS = re.compile(r"\n[ \t]*+(?:\n[ \t]*+)+")
_SPACE_RUNS = re.compile(r"[ \t\xa0]{2,}")
# "On <date>, <name> wrote:" and its kin, on one line or two (Gmail wraps a long one).
_WROTE_START = re.compile(r"[ >]*(?:on|am|le|el|il|op|em|den|dne|w dniu)\b", re.IGNORECASE)
_WROTE_END = re.compile(r"(?:wrote|schrieb|a (?:é|e)crit|escribi(?:ó|o)|ha scritto|schreef|escreveu|skrev|napsal|"
                        r"napisa(?:ł|l))\s*:?\s*$", re.IGNORECASE)


def reply_text(body: str) -> str:
    """What the person wrote this time: the quoted history (an "On ... wrote:" header and what follows, lines
    starting with ">", Outlook's original-message block) left out; blank runs collapsed; at most
    MAX_REPLY_CHARS."""
    text = _SPACE_RUNS.sub(" ", _BLANK_RUNS.sub("\n\n", _clean(body)))[:PARSE_CHARS]
    try:
        from mailparser_reply import EmailReplyParser

        latest = EmailReplyParser(languages=list(LANGUAGES)).parse_reply(text)
    except Exception:  # whatever the library trips on, our own cut below still applies
        latest = None
    lines = _before_wrote((text if latest is None else latest).split("\n"))
    kept = [line.rstrip() for line in lines if not line.lstrip().startswith(">")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()[:MAX_REPLY_CHARS]


def _before_wrote(lines: list[str]) -> list[str]:
    """The lines before the first "On ... wrote:" header (the library misses some, e.g. Gmail's Spanish)."""
    for at, line in enumerate(lines):
        if len(line) <= 400 and _WROTE_START.match(line):
            for end in (at, at + 1):
                if end < len(lines) and _WROTE_END.search(lines[end][-60:]):
                    return lines[:at]
    return lines


# ---------------------------------------------------------------- the copy for the sender's mailbox


def forward_email(*, original: bytes, mail: Mail, text: str, context: str, from_email: str, from_name: str,
                  to: str, reply_to: str, name: str = "") -> bytes:
    """A new email to the sender's mailbox: From our address, Reply-To the person (answering it goes to them),
    the reply's words quoted and the email as received attached (reply.eml). It carries Auto-Submitted (no
    auto-responder answers it) and X-CRM-Forwarded (should it ever reach our reply domain, it is not a reply
    again), and a Message-ID of its own that names no send. `name`: who wrote, when their email does not say."""
    message = EmailMessage(policy=policy.SMTP)
    sender = one_line(mail.from_name or name) or reply_to
    message["From"] = _address_header(f"{sender} via {from_name}"[:150], from_email)
    message["To"] = to
    message["Reply-To"] = reply_to
    message["Subject"] = (one_line(mail.subject) or f"Reply from {sender}")[:200]
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("fwd", domain=from_email.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    message["X-CRM-Forwarded"] = "reply"
    lines = [f"{sender} <{reply_to}> replied to {context}:", "", text or "(no text: see the attached email)", "",
             "--", f"Answer this email to write to {sender} directly. The email as received is attached."]
    message.set_content("\n".join(lines), cte="quoted-printable")
    message.add_attachment(original, maintype="application", subtype="octet-stream", filename="reply.eml")
    return message.as_bytes()


def _address_header(name: str, address: str) -> str:
    from email.headerregistry import Address

    try:
        return str(Address(display_name=one_line(name), addr_spec=address))
    except Exception:  # a name the header registry refuses: the address alone
        return address
