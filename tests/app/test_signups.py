import json
from urllib.parse import urlsplit

from tests.app.helpers import body, confirm_link, form, outbox, tick


def candidates_named(client, auth, text):
    return body(client.http.get(f"/candidates?q={text}", headers=auth))["items"]


def test_form_signup_sends_one_confirmation_and_confirming_subscribes(client, auth):
    response = form(client, {"email": " Ada@Example.com ", "consent": "on", "first_name": "Ada",
                             "skills": "Python, k8s", "city": "London", "country": "gb", "remote_ok": "yes",
                             "utm_source": "linkedin", "website": ""})
    assert response.status_code == 202
    assert body(response) == {"status": "pending_confirmation"}
    [person] = candidates_named(client, auth, "ada@example.com")
    assert person["status"] == "pending" and person["skills"] == ["python", "kubernetes"]
    assert person["utm"] == {"source": "linkedin"} and person["country"] == "GB"

    link = confirm_link("ada@example.com")
    assert link.startswith("http://127.0.0.1:8000/signups/confirm?token=")
    tick()  # a second round (redelivery) sends nothing more
    assert [item["to"] for item in outbox()] == [["ada@example.com"]]

    page = client.http.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert page.status_code == 200 and b"Thanks for confirming" in page.body
    person = body(client.http.get(f"/candidates/{person['id']}", headers=auth))
    assert person["status"] == "subscribed" and person["confirmed_at"]
    assert person["consent"]["marketing"] is True and person["consent"]["consent_version"]
    again = client.http.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert again.status_code == 200  # confirming twice is harmless


def test_consent_record_keeps_time_ip_agent_page_and_wording(client, auth):
    form(client, {"email": "c@example.com", "consent": "yes", "form_id": "event-2026", "consent_version": "v7"},
         {"User-Agent": "Mozilla/5.0 test", "Referer": "https://careers.example.com/events"})
    [person] = candidates_named(client, auth, "c@example.com")
    export = body(client.http.get(f"/candidates/{person['id']}/export", headers=auth))
    [record] = export["consent_records"]
    assert record["at"].endswith("Z")
    assert record["data"]["ip"] == "127.0.0.1" and record["data"]["user_agent"] == "Mozilla/5.0 test"
    assert record["data"]["page"] == "https://careers.example.com/events"
    assert record["data"]["form_id"] == "event-2026" and record["data"]["consent_version"] == "v7"
    client.http.get("/signups/confirm?token=" + confirm_link("c@example.com").split("token=")[1])
    export = body(client.http.get(f"/candidates/{person['id']}/export", headers=auth))
    assert export["consent_records"][0]["data"]["confirmed_at"]


def test_json_signup_and_same_answer_for_known_people_without_duplicates(client, auth):
    first = client.http.post("/signups", headers={"Content-Type": "application/json"},
                             body=json.dumps({"email": "dup@example.com", "consent": True, "first_name": "Dee",
                                              "skills": ["go"]}))
    second = client.http.post("/signups", headers={"Content-Type": "application/json"},
                              body=json.dumps({"email": "DUP@example.com", "consent": True, "first_name": "",
                                               "last_name": "Jones", "skills": ["rust"]}))
    assert first.status_code == second.status_code == 202
    assert first.body == second.body
    [person] = candidates_named(client, auth, "dup@example.com")
    assert person["first_name"] == "Dee" and person["last_name"] == "Jones"  # never blanked
    assert person["skills"] == ["go", "rust"]


def test_unconfirmed_signup_cannot_overwrite_a_known_profile_until_confirmed(client, auth):
    created = client.http.post("/candidates", headers=auth, body=json.dumps(
        {"email": "known@example.com", "first_name": "Kim", "city": "Paris"}))
    assert created.status_code == 201
    form(client, {"email": "known@example.com", "consent": "on", "first_name": "Mallory", "city": "Berlin"})
    person = body(client.http.get(f"/candidates/{body(created)['id']}", headers=auth))
    assert (person["first_name"], person["city"], person["status"]) == ("Kim", "Paris", "pending")
    link = confirm_link("known@example.com")
    client.http.get("/signups/confirm?token=" + link.split("token=")[1])
    person = body(client.http.get(f"/candidates/{body(created)['id']}", headers=auth))
    assert (person["first_name"], person["city"], person["status"]) == ("Mallory", "Berlin", "subscribed")


def test_honeypot_gets_the_same_answer_and_stores_nothing(client, auth):
    response = form(client, {"email": "bot@example.com", "consent": "on", "website": "http://spam.example"})
    assert response.status_code == 202 and body(response) == {"status": "pending_confirmation"}
    assert candidates_named(client, auth, "bot@example.com") == []
    tick()
    assert outbox() == []


def test_validation_errors_name_the_fields(client):
    response = form(client, {"email": "not-an-email"})
    assert response.status_code == 400
    error = body(response)["error"]
    assert error["code"] == "validation_error" and set(error["fields"]) == {"email", "consent"}


def test_redirects_only_to_allowed_origins(client):
    ok = form(client, {"email": "r@example.com", "consent": "on", "redirect_to": "https://careers.example.com/thanks"})
    assert ok.status_code == 303 and ok.headers["Location"] == "https://careers.example.com/thanks"
    bad = form(client, {"email": "r2@example.com", "consent": "on", "redirect_to": "https://evil.example/x"})
    assert bad.status_code == 400 and "redirect_to" in body(bad)["error"]["fields"]


def test_cors_preflight_and_response_headers(client):
    allowed = client.http.request("OPTIONS", "/signups", headers={
        "Origin": "https://careers.example.com", "Access-Control-Request-Method": "POST"})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://careers.example.com"
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    denied = client.http.request("OPTIONS", "/signups", headers={"Origin": "https://evil.example"})
    assert denied.status_code == 403 and "Access-Control-Allow-Origin" not in denied.headers
    posted = form(client, {"email": "o@example.com", "consent": "on"}, {"Origin": "https://careers.example.com"})
    assert posted.headers["Access-Control-Allow-Origin"] == "https://careers.example.com"


def test_size_and_media_type_limits(client):
    big = form(client, {"email": "big@example.com", "consent": "on", "first_name": "x" * 17000})
    assert big.status_code == 413 and body(big)["error"]["code"] == "payload_too_large"
    xml = client.http.post("/signups", headers={"Content-Type": "application/xml"}, body="<a/>")
    assert xml.status_code == 415 and body(xml)["error"]["code"] == "unsupported_media_type"
    broken = client.http.post("/signups", headers={"Content-Type": "application/json"}, body="{nope")
    assert broken.status_code == 400 and body(broken)["error"]["code"] == "invalid_json"


def test_rate_limit_per_ip(client, auth):
    from dataclasses import replace

    from chalicelib import wiring

    service = wiring.signups()
    service.settings = replace(service.settings, signup_limit=3)
    responses = [form(client, {"email": f"n{i}@example.com", "consent": "on"}) for i in range(4)]
    assert [r.status_code for r in responses] == [202, 202, 202, 429]
    assert 0 < int(responses[3].headers["Retry-After"]) <= 3600
    assert body(responses[3])["error"]["code"] == "rate_limited"
    assert candidates_named(client, auth, "n3@example.com") == []  # nothing stored past the limit


def test_confirm_link_errors_are_pages(client):
    assert client.http.get("/signups/confirm").status_code == 400
    bad = client.http.get("/signups/confirm?token=forged.token")
    assert bad.status_code == 400 and b"not valid" in bad.body


def test_expired_confirm_link(client, auth, monkeypatch):
    import itsdangerous.timed

    form(client, {"email": "late@example.com", "consent": "on"})
    link = confirm_link("late@example.com")
    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + 8 * 86400)
    page = client.http.get("/signups/confirm?token=" + link.split("token=")[1])
    assert page.status_code == 400 and b"expired" in page.body
    [person] = candidates_named(client, auth, "late@example.com")
    assert person["status"] == "pending"


def test_careers_page_and_health_are_public(client):
    assert body(client.http.get("/health")) == {"status": "ok"}
    page = client.http.get("/careers")
    assert page.status_code == 200 and b'action="http://127.0.0.1:8000/signups"' in page.body
    assert b'name="website"' in page.body and b'name="consent"' in page.body


def test_browser_forms_get_readable_pages_with_the_same_status(client):
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    bad = form(client, {"email": "ada@b"}, browser)
    assert bad.status_code == 400 and bad.headers["Content-Type"].startswith("text/html")
    assert b"Please check the form" in bad.body and b"consent" in bad.body
    ok = form(client, {"email": "ada@example.com", "consent": "on"}, browser)
    assert ok.status_code == 202 and b"Check your inbox" in ok.body
