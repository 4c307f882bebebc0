"""domain/replies.py: the reply token, SES's receiving notification, an inbound email read and classified, the
reply's own words, the forward; and the campaign email that carries the token (Reply-To, Message-ID)."""
import base64
import copy
import json
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from chalicelib.domain import replies
from chalicelib.domain.campaign_email import Sender, build_campaign_email
from chalicelib.domain.clock import new_id

SECRET = "test-secret"
DOMAIN = "reply.example.com"
SAMPLE = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "ses-events" / "receiving_sns_action.json")
                    .read_text())


def email(*headers: str, body: str = "Yes please!\r\n", content_type: str = "text/plain; charset=utf-8") -> bytes:
    head = ["From: Ada Lovelace <Ada@Example.com>", "To: reply+x@reply.example.com", "Subject: Re: A role",
            f"Content-Type: {content_type}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n" + body).encode("utf-8")


# ---------------------------------------------------------------- the token

def test_a_token_names_its_send_in_any_case_and_fits_an_address():
    campaign, candidate = new_id("camp"), new_id("cand")
    token = replies.make_reply_token(SECRET, campaign, 7, candidate)
    address = replies.reply_address(token, DOMAIN)
    assert len(token) == replies.TOKEN_CHARS and len(address.partition("@")[0]) <= 64
    assert token == token.lower() and token.isalnum()
    for text in (token, token.upper()):
        named = replies.read_reply_token(SECRET, text)
        assert (named.campaign_id, named.step, named.candidate_id) == (campaign, 7, candidate)
        assert named.send_key == f"{campaign}#7#{candidate}"


@pytest.mark.parametrize("change", [
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # one character altered
    lambda t: t[1:],  # too short
    lambda t: t + "0",  # too long
    lambda t: "z" * len(t),  # beyond the largest token
    lambda t: t[:-1] + "!",  # not base36
])
def test_an_altered_token_is_refused(change):
    token = replies.make_reply_token(SECRET, new_id("camp"), 0, new_id("cand"))
    with pytest.raises(replies.BadReplyToken):
        replies.read_reply_token(SECRET, change(token))


def test_a_token_of_another_secret_is_refused():
    token = replies.make_reply_token("another secret", new_id("camp"), 0, new_id("cand"))
    with pytest.raises(replies.BadReplyToken):
        replies.read_reply_token(SECRET, token)


def test_tokens_are_found_only_at_our_reply_domain():
    token = replies.make_reply_token(SECRET, new_id("camp"), 1, new_id("cand"))
    other = replies.make_reply_token(SECRET, new_id("camp"), 2, new_id("cand"))
    found = replies.tokens_in([f'"Talent" <REPLY+{token.upper()}@Reply.Example.com>, x@example.com',
                               f"reply+{other}@elsewhere.example.com", f"reply+{token}@reply.example.com"], DOMAIN)
    assert found == [token]


def test_message_ids_lead_to_tokens_or_to_ses_ids():
    token = replies.make_reply_token(SECRET, new_id("camp"), 0, new_id("cand"))
    ours = replies.reply_message_id(token, "example.com", "abc")
    assert replies.token_of_message_id(ours.strip("<>")) == token
    assert replies.token_of_message_id("CAF=abc123@mail.gmail.com") is None
    assert replies.ses_message_id("0100018c-aaaa-000000@email.amazonses.com") == "0100018c-aaaa-000000"
    assert replies.ses_message_id("0100018c-aaaa-000000@eu-west-1.amazonses.com") == "0100018c-aaaa-000000"
    assert replies.ses_message_id("x@notamazonses.com") is None and replies.ses_message_id("@amazonses.com") is None


# ---------------------------------------------------------------- the campaign email carries the token

def test_the_campaign_email_replies_to_its_token_and_carries_our_message_id():
    sender = Sender("https://crm.example.com", SECRET, "jobs@example.com", {"name": "Acme"})
    template = {"subject": "Hi", "html": "<p>Hello</p>", "text": None}
    person = {"id": new_id("cand"), "email": "ada@example.com"}
    campaign_id = new_id("camp")
    built = build_campaign_email(sender, template, candidate=person, job=None, campaign_id=campaign_id, step=1,
                                 reply_domain=DOMAIN)
    parsed = message_from_bytes(built.raw, policy=policy.default)
    [token] = replies.tokens_in([str(parsed["Reply-To"])], DOMAIN)
    assert replies.read_reply_token(SECRET, token).send_key == f"{campaign_id}#1#{person['id']}"
    assert str(parsed["Message-ID"]) == built.message_id and built.message_id.endswith("@example.com>")
    assert replies.token_of_message_id(built.message_id.strip("<>")) == token
    assert built.raw.count(b"Message-ID:") == 1
    again = build_campaign_email(sender, template, candidate=person, job=None, campaign_id=campaign_id, step=1)
    assert "Reply-To" not in message_from_bytes(again.raw, policy=policy.default)  # no reply domain: replies go to From
    assert again.message_id != built.message_id  # a test send of the same step is another email


# ---------------------------------------------------------------- SES's notification

def test_the_aws_sample_reads_as_a_received_email():
    received = replies.read_received(SAMPLE)
    assert received.recipients == ("recipient@example.com",) and received.refused is None
    assert received.ses_message_id == "d6iitobk75ur44p8kdnnp7g2n800"
    assert received.raw.startswith(b"Return-Path:") and received.raw.endswith(b"Example content\r\n")
    mail = replies.read_mail(received.raw)
    assert (mail.from_address, mail.subject, replies.reply_text(mail.body)) == (
        "sender@example.com", "Example subject", "Example content")
    assert mail.automatic is None and mail.report is None


def test_base64_content_keeps_the_bytes_as_received():
    raw = email(body="Gr\xfc\xdfe aus K\xf6ln\r\n", content_type="text/plain; charset=iso-8859-1").replace(
        b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln", "Grüße aus Köln".encode("iso-8859-1"))
    notice = dict(copy.deepcopy(SAMPLE), content=base64.b64encode(raw).decode())
    notice["receipt"]["action"]["encoding"] = "BASE64"
    received = replies.read_received(notice)
    assert received.raw == raw
    assert replies.read_mail(received.raw).body.strip() == "Grüße aus Köln"


@pytest.mark.parametrize("verdict, refused", [("spamVerdict", "spam"), ("virusVerdict", "virus")])
def test_a_failed_verdict_is_said(verdict, refused):
    notice = copy.deepcopy(SAMPLE)
    notice["receipt"][verdict] = {"status": "FAILED"}
    assert replies.read_received(notice).refused == refused


@pytest.mark.parametrize("change", [
    {"content": None}, {"content": 42}, {"content": "x" * (replies.MAX_CONTENT_CHARS + 1)},
])
def test_content_that_cannot_be_read_is_none(change):
    assert replies.read_received({**copy.deepcopy(SAMPLE), **change}).raw is None


def test_bad_base64_is_none_and_other_notifications_are_not_received_emails():
    notice = dict(copy.deepcopy(SAMPLE), content="not base64!")
    notice["receipt"]["action"]["encoding"] = "BASE64"
    assert replies.read_received(notice).raw is None
    assert replies.read_received({"notificationType": "AMAZON_SES_SETUP_NOTIFICATION"}) is None
    assert replies.read_received({"eventType": "Bounce"}) is None
    odd = replies.read_received({"notificationType": "Received", "receipt": [], "mail": "x", "content": "Hi"})
    assert odd.recipients == () and odd.raw == b"Hi"


# ---------------------------------------------------------------- automatic replies and reports

@pytest.mark.parametrize("header", ["Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated; owner=x",
                                    "X-Autoreply: yes", "X-Autorespond: on", "Precedence: bulk",
                                    "Precedence: auto_reply", "Precedence: JUNK"])
def test_automatic_reply_headers(header):
    assert replies.read_mail(email(header)).automatic


@pytest.mark.parametrize("header", ["Auto-Submitted: no", "Precedence: list", "X-Mailer: Apple Mail"])
def test_a_person_replying_is_not_automatic(header):
    assert replies.read_mail(email(header)).automatic is None


@pytest.mark.parametrize("subject", [
    "Automatic reply: A role", "Out of Office: A role", "OOO until Monday", "Autoreply: A role",
    "Abwesenheitsnotiz: A role", "Automatische Antwort: A role", "Réponse automatique : A role",
    "Absent du bureau", "Respuesta automática: A role", "Fuera de la oficina", "Risposta automatica: A role",
    "Automatisch antwoord: A role", "Resposta automática", "Autosvar: A role", "Automatyczna odpowiedź",
    "Автоответ: A role", "自動応答: A role", "自动回复: A role",
])
def test_out_of_office_subjects_in_common_languages(subject):
    raw = email().replace(b"Subject: Re: A role", f"Subject: {subject}".encode())
    assert replies.read_mail(raw).automatic == "out-of-office subject"


@pytest.mark.parametrize("subject", ["Re: A role", "Re: Your office in Berlin", "Re: Happy holidays!"])
def test_ordinary_subjects_are_not_out_of_office(subject):
    raw = email().replace(b"Subject: Re: A role", f"Subject: {subject}".encode())
    assert replies.read_mail(raw).automatic is None


def test_bounces_that_arrive_as_replies_are_reports():
    dsn = email(content_type='multipart/report; report-type=delivery-status; boundary="b"',
                body="--b\r\nContent-Type: text/plain\r\n\r\nUndeliverable\r\n--b--\r\n")
    assert replies.read_mail(dsn).report == "multipart/report"
    daemon = email().replace(b"From: Ada Lovelace <Ada@Example.com>", b"From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>")
    assert replies.read_mail(daemon).report == "from mailer-daemon"
    postmaster = email().replace(b"Ada Lovelace <Ada@Example.com>", b"postmaster@example.com")
    assert replies.read_mail(postmaster).report == "from postmaster"
    assert replies.read_mail(email()).report is None


def test_references_in_reply_to_first_then_newest_first():
    mail = replies.read_mail(email("In-Reply-To: <c@x>", "References: <a@x> <b@x>\r\n <c@x>"))
    assert mail.references == ("c@x", "b@x", "a@x")
    assert mail.from_address == "ada@example.com" and mail.from_name == "Ada Lovelace"
    assert not mail.forwarded_by_us and replies.read_mail(email("X-CRM-Forwarded: reply")).forwarded_by_us


# ---------------------------------------------------------------- what the person wrote

@pytest.mark.parametrize("body, words", [
    ("Yes, I'm interested!\n\nOn Mon, 3 Nov 2026 at 10:00, Acme <talent@example.com> wrote:\n> Hi Ada\n> A role\n",
     "Yes, I'm interested!"),
    ("Yes\n\nOn Mon, Nov 3, 2026 at 10:00 AM Acme Talent <\ntalent@example.com> wrote:\n> Hi\n", "Yes"),
    ("Gerne!\n\nAm 03.11.2026 um 10:00 schrieb Acme <talent@example.com>:\n> Hallo\n", "Gerne!"),
    ("Oui !\n\nLe lun. 3 nov. 2026 à 10:00, Acme <talent@example.com> a écrit :\n> Bonjour\n", "Oui !"),
    ("Sí, me interesa\n\nEl lun, 3 nov 2026 a las 10:00, Acme (<talent@example.com>)\nescribió:\n> Hola\n",
     "Sí, me interesa"),
    ("Call me on Tuesday\r\n\r\n-----Original Message-----\r\nFrom: Acme\r\nSent: Monday\r\nSubject: A role\r\n\r\nHi",
     "Call me on Tuesday"),
    ("> Are you free?\nYes, Tuesday.\n> Salary?\nLet's talk.\n", "Yes, Tuesday.\nLet's talk."),
    ("Thanks,\nI'd love to chat.\n\nBest regards,\nAda", "Thanks,\nI'd love to chat.\n\nBest regards,\nAda"),
    ("First\n\n\n\n\n\nSecond   with     spaces", "First\n\nSecond with spaces"),
])
def test_the_reply_without_its_quoted_history(body, words):
    assert replies.reply_text(body) == words


def test_an_html_only_reply_reads_as_its_text_without_the_quote():
    html = ('<html><head><style>p{color:red}</style></head><body><div dir="ltr">Yes &amp; gladly<br>Ada</div>'
            '<div class="gmail_quote"><div>On Mon wrote:</div><blockquote>Hi</blockquote></div></body></html>')
    mail = replies.read_mail(email(body=html, content_type="text/html; charset=utf-8"))
    assert replies.reply_text(mail.body) == "Yes & gladly\nAda"
    assert replies.html_text("<p>a</p><blockquote>quoted</blockquote>").strip() == "a"


def test_the_text_part_wins_and_attachments_are_not_read():
    body = ('--b\r\nContent-Type: text/plain; charset="x-unknown"\r\nContent-Disposition: attachment; filename=a.txt'
            '\r\n\r\nattached\r\n--b\r\nContent-Type: multipart/alternative; boundary="c"\r\n\r\n--c\r\n'
            'Content-Type: text/html\r\n\r\n<p>html</p>\r\n--c\r\nContent-Type: text/plain; charset="x-unknown"\r\n\r\n'
            'plain \xe9\r\n--c--\r\n--b--\r\n')
    mail = replies.read_mail(email(body=body, content_type='multipart/mixed; boundary="b"'))
    assert mail.body.strip() == "plain é"  # an unknown charset reads as UTF-8


# ---------------------------------------------------------------- the forward

def test_the_forward_is_from_us_replies_to_the_person_and_attaches_the_email():
    raw = email("Subject: injected\r\nBcc: x@evil.example")
    mail = replies.read_mail(raw)
    forward = replies.forward_email(original=raw, mail=mail, text="Yes please!", context="the campaign “Go”",
                                    from_email="talent@example.com", from_name="Acme", to="recruiter@example.com",
                                    reply_to="ada@example.com")
    parsed = message_from_bytes(forward, policy=policy.default)
    assert parsed["From"].addresses[0].addr_spec == "talent@example.com"
    assert parsed["From"].addresses[0].display_name == "Ada Lovelace via Acme"
    assert (str(parsed["To"]), str(parsed["Reply-To"])) == ("recruiter@example.com", "ada@example.com")
    assert str(parsed["Subject"]) == "Re: A role" and parsed["Bcc"] is None
    assert str(parsed["Auto-Submitted"]) == "auto-generated" and str(parsed["X-CRM-Forwarded"]) == "reply"
    assert replies.token_of_message_id(str(parsed["Message-ID"]).strip("<>")) is None
    assert "Yes please!" in parsed.get_body(preferencelist=("plain",)).get_content()
    [attachment] = parsed.iter_attachments()
    assert attachment.get_filename() == "reply.eml" and attachment.get_content() == raw
    assert replies.read_mail(forward).forwarded_by_us and all(len(line) <= 998 for line in forward.split(b"\r\n"))


# ---------------------------------------------------------------- the reply domain setting

@pytest.mark.parametrize("value", ["", "reply", "reply..example.com", "-reply.example.com", "reply.example.com/x",
                                   "reply example.com", "r\u00e9ply.example.com"])
def test_a_malformed_reply_domain_stops_the_start(monkeypatch, value):
    from chalicelib import settings

    settings.get_settings.cache_clear()
    monkeypatch.setenv("CRM_REPLY_DOMAIN", value)
    try:
        with pytest.raises(settings.SettingsError, match="CRM_REPLY_DOMAIN"):
            settings.get_settings()
        monkeypatch.setenv("CRM_REPLY_DOMAIN", " Replies.Example.COM. ")
        assert settings.get_settings().reply_domain == "replies.example.com"
    finally:
        settings.get_settings.cache_clear()
