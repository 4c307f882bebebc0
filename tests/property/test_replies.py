"""Property tests of what reads inbound email (domain/replies.py): for any raw email, however hostile (huge,
broken MIME, lone surrogates, missing headers, CR/LF in headers, nested multiparts, bad charsets and transfer
encodings), a Mail whose text is safe to store and put in headers, in bounded time; never an exception."""
import time

from hypothesis import given, settings, strategies as st
from ulid import ULID

from chalicelib.domain import replies
from chalicelib.domain.text import has_surrogate

EXAMPLES = settings(max_examples=200, deadline=None)
SECONDS = 3.0  # per email read, quote stripping included (the slowest measured: about 0.4 s)

any_char = st.characters(codec=None, blacklist_categories=())
any_text = st.text(any_char, max_size=60)
header_names = st.sampled_from(["From", "To", "Cc", "Subject", "In-Reply-To", "References", "Auto-Submitted",
                                "Precedence", "X-Autoreply", "Delivered-To", "X-Original-To", "Content-Type",
                                "Content-Transfer-Encoding", "Content-Disposition", "X-CRM-Forwarded", "Date"])
header_values = st.one_of(
    any_text,
    st.sampled_from(["=?bogus?q?x?=", "=?utf-8?b?!!!?=", "<<<>>>@@@", "multipart/mixed; boundary=", "text/plain; "
                     "charset=utf-7", "text/html; charset=rot13", "base64", "x-uuencode", "quoted-printable",
                     "\r\nBcc: x@evil.example", "a\rb\nc\x00d", "\"unterminated <a@b", "Ada <reply+"
                     + "0" * 58 + "@reply.example.com>", "auto-replied", "bulk"]),
    st.text(any_char, min_size=500, max_size=3000),
)
charsets = st.sampled_from(["utf-8", "iso-8859-1", "utf-7", "utf-16", "x-unknown", "base64", "rot13", "idna",
                            "unicode_escape", "punycode", "", "\u00e9", "utf-8\r\nX: y"])
encodings = st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "binary", "bogus"])


def to_bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes the (invalid) UTF-8 bytes of one


@st.composite
def leaf(draw) -> bytes:
    kind = draw(st.sampled_from(["text/plain", "text/html", "application/octet-stream", "message/rfc822", "text/x"]))
    head = (f"Content-Type: {kind}; charset=\"{draw(charsets)}\"\r\n"
            f"Content-Transfer-Encoding: {draw(encodings)}\r\n")
    if draw(st.booleans()):
        head += "Content-Disposition: attachment; filename=x\r\n"
    body = draw(st.binary(max_size=200)) if draw(st.booleans()) else to_bytes(draw(any_text))
    return to_bytes(head) + b"\r\n" + body


def multipart(children: list[bytes], boundary: str, closed: bool) -> bytes:
    parts = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
    return (f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\npreamble\r\n').encode() + parts + (
        b"--" + boundary.encode() + b"--\r\n" if closed else b"")


entities = st.recursive(leaf(), lambda inner: st.builds(
    multipart, st.lists(inner, max_size=3), st.sampled_from(["b", "b", "=_x", "", "b b"]), st.booleans()),
    max_leaves=8)


@st.composite
def raw_emails(draw) -> bytes:
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=8))
    head = b"".join(to_bytes(f"{name}: {value}") + draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
                    for name, value in headers)
    return head + draw(st.sampled_from([b"", b"\r\n", b"\n"])) + draw(entities)


def safe_line(text) -> bool:
    return text is None or (not has_surrogate(text) and not any(c in text for c in "\r\n\x00"))


def check(mail: replies.Mail) -> None:
    assert all(safe_line(value) for value in (mail.from_address, mail.from_name, mail.subject, mail.automatic,
                                               mail.report))
    assert all(safe_line(value) for value in mail.addressed_to + mail.references)
    assert len(mail.references) <= replies.MAX_REFERENCES and not has_surrogate(mail.body)
    words = replies.reply_text(mail.body)
    assert len(words) <= replies.MAX_REPLY_CHARS and not has_surrogate(words)
    forward = replies.forward_email(original=b"x", mail=mail, text=words, context="the campaign", to="r@example.com",
                                    from_email="talent@example.com", from_name="Acme", reply_to="ada@example.com")
    assert all(len(line) <= 998 for line in forward.split(b"\r\n"))
    assert replies.read_mail(forward).forwarded_by_us


def timed(raw: bytes) -> replies.Mail:
    started = time.perf_counter()
    mail = replies.read_mail(raw)
    check(mail)
    assert time.perf_counter() - started < SECONDS
    return mail


@EXAMPLES
@given(raw_emails())
def test_any_email_reads_safely(raw):
    timed(raw)


@EXAMPLES
@given(st.binary(max_size=2000))
def test_any_bytes_read_safely(raw):
    timed(raw)


@settings(max_examples=50, deadline=None)
@given(st.text(any_char, max_size=300))
def test_utf8_content_with_lone_surrogates_reads_safely(text):
    notice = {"notificationType": "Received", "receipt": {"action": {"encoding": "UTF8"}},
              "content": f"From: a@b.c\r\nSubject: {text}\r\n\r\n{text}"}
    timed(replies.read_received(notice).raw)


def test_huge_and_pathological_emails_read_in_bounded_time():
    head = b"From: Ada <ada@example.com>\r\nSubject: Re: x\r\nContent-Type: text/plain\r\n\r\n"
    nested = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(3000))
    for raw in [
        head + b"a" * 2_000_000,  # beyond what SES delivers
        head + b"\n" * 200_000, head + b"On " * 100_000, head + b"Op \n" * 50_000, head + b"> \n" * 100_000,
        head + b"<" + b"a" * 300_000, head.replace(b"text/plain", b"text/html") + b"<div" * 100_000,
        b"To: " + b"reply+" * 200_000 + b"\r\n\r\nx", b"References: " + b"<a@b> " * 200_000 + b"\r\n\r\nx",
        b"From: x@y.z\r\n" + nested + b"deep\r\n",
        b"Subject: x\r\n" * 100_000 + b"\r\nx",
    ]:
        timed(raw)


@EXAMPLES
@given(st.integers(0, 2**48 - 1), st.binary(min_size=10, max_size=10), st.integers(0, 2**48 - 1),
       st.binary(min_size=10, max_size=10), st.integers(0, 255))
def test_every_send_has_a_token_that_reads_back(t1, r1, t2, r2, step):
    campaign = f"camp_{str(ULID.from_bytes(t1.to_bytes(6, 'big') + r1)).lower()}"
    candidate = f"cand_{str(ULID.from_bytes(t2.to_bytes(6, 'big') + r2)).lower()}"
    token = replies.make_reply_token("secret", campaign, step, candidate)
    assert len(token) == replies.TOKEN_CHARS
    named = replies.read_reply_token("secret", token.upper())
    assert (named.campaign_id, named.step, named.candidate_id) == (campaign, step, candidate)


@EXAMPLES
@given(st.text(any_char, max_size=80) | st.text("0123456789abcdefghijklmnopqrstuvwxyzABC", min_size=58, max_size=58))
def test_any_text_is_a_token_or_refused_as_one(text):
    try:
        replies.read_reply_token("secret", text)
    except replies.BadReplyToken:
        pass
