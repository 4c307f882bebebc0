"""Issue #11, class 7 (headers): every HTML page carries the CSP and its companions; every answer nosniff."""
import base64
import hashlib
import json
import re

from tests.app.helpers import FORM, body, workspace_session

PAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}


def html_pages(client):
    """Every kind of HTML answer: static pages, error pages, the dashboard, the tokened pages."""
    html = {"Accept": "text/html"}
    return {
        "careers": client.http.get("/careers"),
        "careers thanks": client.http.get("/careers/thanks"),
        "workspace sign-in": client.http.get("/dashboard/sign-in"),
        "workspace overview": client.http.get("/dashboard", headers=workspace_session(client)),
        "confirm without token": client.http.get("/signups/confirm"),
        "confirm with a bad token": client.http.get("/signups/confirm?token=nope"),
        "sign-up accepted (form)": client.http.post("/signups", headers={**FORM, **html},
                                                    body="email=page%40example.com&consent=on"),
        "sign-up refused (form)": client.http.post("/signups", headers={**FORM, **html}, body="email=nope"),
        "preference page, bad token": client.http.get("/u/not-a-token"),
        "local outbox": client.http.get("/dev/outbox"),
    }


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def test_every_html_page_carries_the_csp_and_its_companions(client):
    for name, response in html_pages(client).items():
        assert response.headers["Content-Type"].startswith("text/html"), name
        for header, value in PAGE_HEADERS.items():
            assert response.headers.get(header) == value, (name, header, response.headers)
        policy = directives(response.headers["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"], name
        assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"], name
        assert policy["base-uri"] == ["'none'"], name
        assert not any("unsafe" in value for values in policy.values() for value in values), (name, policy)


def test_inline_styles_are_allowed_by_their_hash_only(client):
    """Each <style> block of a page is in its policy by hash; nothing else inline is."""
    for name, response in html_pages(client).items():
        policy = directives(response.headers["Content-Security-Policy"])
        blocks = re.findall(r"<style>(.*?)</style>", response.body.decode(), re.S)
        hashes = {"'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'" for css in blocks}
        assert set(policy["style-src"]) == {"'self'"} | hashes, name
        assert not re.search(r"<script(?![^>]*\bsrc=)", response.body.decode()), name  # no inline script to allow


def test_the_csp_cannot_be_replaced_by_a_page(client):
    """A <style> hash comes from the page we send, not from input: an injected tag is escaped, never hashed."""
    response = client.http.post("/signups", headers={**FORM, "Accept": "text/html"},
                                 body="email=%3Cstyle%3Ebody%7Bcolor:red%7D%3C/style%3E&consent=on")
    assert response.status_code == 400
    assert b"<style>body{color:red}</style>" not in response.body
    red = "'sha256-" + base64.b64encode(hashlib.sha256(b"body{color:red}").digest()).decode() + "'"
    assert red not in response.headers["Content-Security-Policy"]


def test_every_answer_is_nosniff(client, auth):
    answers = [client.http.get("/candidates", headers=auth), client.http.get("/candidates"),
               client.http.post("/candidates", headers=auth, body="{"),
               client.http.get("/dashboard/assets/htmx.min.js"), client.http.get("/dashboard/assets/workspace.css"),
               client.http.get("/dashboard/assets/nope.js"), client.http.get("/candidates/export.csv", headers=auth),
               client.http.post("/signups", headers=FORM, body="email=n%40example.com&consent=on&redirect_to="
                                "https%3A%2F%2Fcareers.example.com%2Fthanks"),
               client.http.post("/u/not-a-token", headers=FORM, body="List-Unsubscribe=One-Click")]
    for response in answers:
        assert response.headers.get("X-Content-Type-Options") == "nosniff", (response.status_code, response.headers)
    assert "Content-Security-Policy" not in answers[0].headers  # JSON: nosniff is what matters
    assert json.loads(answers[0].body)["items"] == []
    assert body(answers[2])["error"]["code"] == "invalid_json"
