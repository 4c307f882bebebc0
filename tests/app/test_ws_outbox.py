"""The local outbox's pages: a list of emails (to, subject, when), each opening the email as its recipient reads it
(the HTML part in a sandboxed srcdoc frame, the text part, the headers that matter); /dev/outbox.json unchanged."""
import base64
import hashlib
import html
import re

import pytest

from tests.app.campaign_helpers import campaign_to_ada, email_links
from crmlocal.outbox import linked
from tests.app.helpers import outbox, text_part


def frame_of(page: str) -> str:
    found = re.search(r'<iframe class="email-frame"[^>]*sandbox="([^"]*)"[^>]*srcdoc="([^"]*)"', page)
    assert found, page[:3000]
    assert "allow-scripts" not in found.group(1) and "allow-same-origin" not in found.group(1)
    return html.unescape(found.group(2))


def test_the_outbox_lists_emails_and_opens_one_as_the_candidate_reads_it(client, auth):
    campaign_to_ada(client, auth)
    [email] = outbox()
    listed = client.http.get("/dev/outbox")
    page = listed.body.decode()
    assert listed.status_code == 200 and listed.headers["Content-Type"].startswith("text/html")
    assert "Hi Ada" in page and "ada@example.com" in page and re.search(r'<time datetime="\d{4}-\d\d-\d\dT', page)
    assert f'href="/dev/outbox?id={email["message_id"]}"' in page
    links = {value for kind, value in linked(text_part(email["raw"])) if kind == "link"}
    assert links and f'<summary>{len(links)} links<span class="visually-hidden"> in Hi Ada</span>' in page
    assert all(f'<a href="{link}" target="_blank"' in page for link in links)  # the text part's, clickable

    opened = client.http.get(f"/dev/outbox?id={email['message_id']}")
    page = opened.body.decode()
    assert opened.status_code == 200 and "<h1>Hi Ada</h1>" in page
    for header in ("From", "To", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert f"<dt>{header}</dt>" in page, header
    assert ("<dt>Reply-To</dt>" in page) == ("\r\nReply-To:" in email["raw"])  # shown when the email has one
    assert "List-Unsubscribe=One-Click" in page
    frame = frame_of(page)
    links = email_links(email)
    assert frame.startswith('<base target="_blank">') and "Hello Ada" in frame
    assert links["click"] in frame  # the tracked link, as sent
    assert "/t/o/" not in frame  # the open pixel is left out: reading the outbox records no open
    assert "Raw MIME" in page and "Content-Type: multipart/alternative" in page
    text = page.split('<pre class="email-text">')[1].split("</pre>")[0]
    assert "Hello Ada" in text and re.search(r'<a href="http://127\.0\.0\.1:8000/t/c/[^"]+" target="_blank"', text)


def test_the_email_page_lets_the_email_styles_apply_and_nothing_run(client, auth):
    campaign_to_ada(client, auth)
    [email] = outbox()
    opened = client.http.get(f"/dev/outbox?id={email['message_id']}")
    policy = {part.split()[0]: part.split()[1:] for part in opened.headers["Content-Security-Policy"].split(";")
              if part.strip()}
    assert policy["script-src"] == ["'self'"] and policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" in policy["style-src"]  # inline styles of the email (the srcdoc frame inherits it)
    assert opened.headers["X-Frame-Options"] == "DENY" and opened.headers["Referrer-Policy"] == "no-referrer"
    assert not re.search(r"<script(?![^>]*\bsrc=)", opened.body.decode())
    assert 'style="' not in opened.body.decode().replace(html.escape('style="'), "")  # none outside the frame
    # the list keeps the strict policy: styles by hash only
    listed = client.http.get("/dev/outbox").headers["Content-Security-Policy"]
    assert "unsafe" not in listed


def test_the_json_outbox_keeps_its_contract(client, auth):
    campaign_to_ada(client, auth)
    answer = client.http.get("/dev/outbox.json")
    [item] = __import__("json").loads(answer.body)["items"]
    assert set(item) == {"message_id", "to", "subject", "raw"} and item["to"] == ["ada@example.com"]


def test_hostile_and_unknown_ids_are_4xx(client, auth):
    assert client.http.get("/dev/outbox").body.decode().count("No email sent yet") == 1
    for message_id in ("nope", "0" * 60, "%3Cscript%3E", base64.urlsafe_b64encode(hashlib.sha256(b"x").digest()).decode(),
                       ""):
        answer = client.http.get(f"/dev/outbox?id={message_id}")
        assert answer.status_code == 404 and "<script>" not in answer.body.decode()
    for message_id in ("%00", "a%0Db", "x" * 600, "%ED%A0%80"):
        assert 400 <= client.http.get(f"/dev/outbox?id={message_id}").status_code < 500, message_id
    assert client.http.get("/dev/outbox?id=a&id=b").status_code in (200, 404)  # one of them, never a 500


@pytest.mark.parametrize("text,expected", [
    ("Go to https://a.example/x. Then stop", [("text", "Go to "), ("link", "https://a.example/x"),
                                              ("text", ". Then stop")]),
    ("no links", [("text", "no links")]),
    ("(http://b.example/p?q=1)", [("text", "("), ("link", "http://b.example/p?q=1"), ("text", ")")]),
])
def test_text_links_become_pieces(text, expected):
    assert linked(text) == expected
    assert "".join(value for _, value in expected) == text
