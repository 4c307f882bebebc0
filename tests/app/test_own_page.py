"""The person's own page (/u/{token}) from outside: what it shows, every control, the download, "delete me"
with its emailed confirmation, and hostile input (nothing stored, never a 500)."""
import json
import re
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest

from tests.app.campaign_helpers import campaign_to_ada, email_links
from tests.app.helpers import body, decoded, outbox

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def ada(client, auth, monkeypatch):
    """Ada got one campaign email; her page's path and id."""
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    person, made = campaign_to_ada(client, auth)
    [email] = outbox()
    return {"id": person["id"], "url": email_links(email)["unsubscribe"], "pools": made["audience"]["pools"]}


def person(candidate_id):
    from chalicelib import wiring

    return wiring.candidate_repo().get(candidate_id)


def timeline(candidate_id):
    from chalicelib import wiring

    return wiring.timeline_repo().all(candidate_id)


def token_of(page) -> str:
    return re.search(rb'name="form_token" value="([^"]+)"', page.body).group(1).decode()


def post(client, url, fields, headers=None):
    return client.http.post(url, headers={**FORM, **(headers or {})}, body=urlencode(fields, doseq=True))


def follow(client, response):
    assert response.status_code == 303, response.body
    location = urlsplit(response.headers["Location"])
    return client.http.get(location.path + (f"?{location.query}" if location.query else ""))


def change(client, ada, fields, headers=None):
    """A form of the page, as the browser sends it: its form token, then the page it redirects to."""
    page = client.http.get(ada["url"])
    return post(client, ada["url"], {"form_token": token_of(page), **fields}, headers)


def with_phone(candidate_id, consent=True):
    from chalicelib import wiring

    wiring.candidate_repo().update(candidate_id, lambda c: dict(c, phone="+442079460958", sms_consent=consent))


# ---------------------------------------------------------------- what it shows

def test_the_page_shows_what_we_hold_in_plain_words(client, ada):
    page = client.http.get(ada["url"])
    text = page.body.decode()
    assert page.status_code == 200 and page.headers["Cache-Control"].startswith("no-store")
    assert "Your details and choices" in text and "Hi Ada." in text
    for shown in ("<dt>Name</dt><dd>Ada</dd>", "<dt>Email</dt><dd>ada@example.com</dd>", "<dt>Skills</dt><dd>go</dd>",
                  "<dt>Emails in the last 12 months</dt><dd>1</dd>", "You agreed to our emails on",
                  "In the last 30 days you got 1 email of news and jobs from us.", "Download my data (JSON)", "Delete me",
                  "We have no phone number for you"):
        assert shown in text, shown
    assert "Content-Security-Policy" in page.headers and "style=" not in text and "<script" not in text


def test_download_my_data_is_the_gdpr_export_as_an_attachment(client, auth, ada):
    answer = client.http.get(ada["url"] + "/export")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    mine = body(answer)
    theirs = body(client.http.get(f"/candidates/{ada['id']}/export", headers=auth))
    assert set(mine) == set(theirs) and mine["candidate"] == theirs["candidate"] and mine["sends"] == theirs["sends"]


# ---------------------------------------------------------------- the controls

def test_topics_are_saved_and_kept_with_the_other_choices(client, ada):
    change(client, ada, {"action": "frequency", "max_per_month": "2"})
    saved = change(client, ada, {"action": "save", "categories": ["job_alert", "event_invite"]})
    assert "Your choices are saved." in follow(client, saved).body.decode()
    prefs = person(ada["id"])["preferences"]
    assert sorted(prefs["unsubscribed_categories"]) == ["career_advice", "company_news", "industry_insights"]
    assert prefs["max_per_month"] == 2  # the topics form leaves how often as it was


@pytest.mark.parametrize("value, stored, label", [("4", 4, "At most 4 a month"), ("1", 1, "At most 1 a month"),
                                                  ("none", None, "No limit")])
def test_how_often(client, ada, value, stored, label):
    answer = change(client, ada, {"action": "frequency", "max_per_month": value})
    page = follow(client, answer).body.decode()
    assert "Saved: we will keep to how often you chose." in page
    assert re.search(rf'value="{value}" checked> {label}', page)
    assert person(ada["id"])["preferences"]["max_per_month"] == stored
    entry = timeline(ada["id"])[0]
    assert entry["kind"] == "frequency_chosen" and entry["data"]["max_per_month"] == stored


def test_pause_for_three_or_six_months_and_resume_early(client, ada):
    from chalicelib.domain.clock import parse_iso, utcnow

    page = follow(client, change(client, ada, {"action": "pause", "pause": "P6M"})).body.decode()
    until = parse_iso(person(ada["id"])["preferences"]["paused_until"])
    assert timedelta(days=180) <= until - utcnow() <= timedelta(days=185)
    assert "Paused. We will not contact you" in page and "Everything is paused until" in page and "Resume now" in page
    follow(client, change(client, ada, {"action": "pause", "pause": "P3M"}))
    until = parse_iso(person(ada["id"])["preferences"]["paused_until"])
    assert timedelta(days=88) <= until - utcnow() <= timedelta(days=93)
    page = follow(client, change(client, ada, {"action": "resume"})).body.decode()
    assert "Welcome back" in page and "Pause for 3 months" in page
    assert person(ada["id"])["preferences"]["paused_until"] is None
    assert [e["kind"] for e in timeline(ada["id"])[:3]] == ["pause_ended", "paused_by_person", "paused_by_person"]


def test_email_off_and_on(client, ada):
    follow(client, change(client, ada, {"action": "channels"}))  # nothing ticked: email off
    assert person(ada["id"])["preferences"]["channels_off"] == ["email"]
    assert person(ada["id"])["status"] == "subscribed"  # not an unsubscribe: texts could still come
    page = follow(client, change(client, ada, {"action": "channels", "channels": "email"})).body.decode()
    assert person(ada["id"])["preferences"]["channels_off"] == [] and 'value="email" checked' in page


def test_texts_off_records_the_opt_out_and_on_again_only_after_a_consent(client, ada):
    with_phone(ada["id"])
    page = client.http.get(ada["url"]).body.decode()
    assert 'value="sms" checked> Text messages to +442079460958' in page
    follow(client, change(client, ada, {"action": "channels", "channels": "email"}))
    now = person(ada["id"])
    assert now["sms_consent"] is False and now["preferences"]["sms_opt_out"]["had_consent"] is True
    assert now["preferences"]["sms_opt_out"]["source"] == "preference_page"
    assert timeline(ada["id"])[0]["kind"] == "sms_opt_out"
    assert "You turned text messages off on" in client.http.get(ada["url"]).body.decode()
    follow(client, change(client, ada, {"action": "channels", "channels": ["email", "sms"]}))
    assert person(ada["id"])["sms_consent"] is True and timeline(ada["id"])[0]["kind"] == "sms_opt_in"


def test_texts_cannot_be_turned_on_by_someone_who_never_agreed(client, ada):
    with_phone(ada["id"], consent=None)
    page = client.http.get(ada["url"]).body.decode()
    assert 'value="sms"' not in page and "You have not agreed to text messages" in page
    before = person(ada["id"])
    refused = change(client, ada, {"action": "channels", "channels": ["email", "sms"]})
    assert refused.status_code == 400 and "after an earlier consent" in refused.body.decode()
    assert person(ada["id"]) == before


def test_one_click_still_works_exactly_and_keeps_the_other_choices(client, ada):
    follow(client, change(client, ada, {"action": "pause", "pause": "P3M"}))
    done = client.http.post(ada["url"], headers=FORM, body="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and done.body == b"Unsubscribed." and "Location" not in done.headers
    after = person(ada["id"])
    assert after["status"] == "unsubscribed" and after["preferences"]["source"] == "one_click"
    assert after["preferences"]["paused_until"]


# ---------------------------------------------------------------- delete me

def erase_link() -> str:
    [mail] = [m for m in outbox() if "delete your data" in m["subject"]]
    return re.search(r"http://127\.0\.0\.1:8000(/u/[\w.-]+/erase/[\w.-]+)", decoded(mail["raw"])).group(1)


def test_delete_me_asks_emails_a_link_and_only_the_links_button_erases(client, auth, ada):
    ask = client.http.get(ada["url"] + "/delete")
    assert ask.status_code == 200 and "Send me the confirmation email" in ask.body.decode()
    assert person(ada["id"]) is not None
    sent = post(client, ada["url"] + "/delete", {"form_token": token_of(ask)})
    assert "We sent you an email" in follow(client, sent).body.decode()
    link = erase_link()
    assert timeline(ada["id"])[0]["kind"] == "erasure_requested"

    again = post(client, ada["url"] + "/delete", {"form_token": token_of(ask)})
    assert again.status_code == 429 and "already" in again.body.decode()
    assert len([m for m in outbox() if "delete your data" in m["subject"]]) == 1  # at most once an hour

    for _ in range(2):  # a link preview, a mail scanner: GETs erase nothing
        shown = client.http.get(link)
        assert shown.status_code == 200 and "Delete my data" in shown.body.decode()
    assert person(ada["id"]) is not None
    refused = client.http.post(link, headers=FORM, body="")  # no form token: not from the page
    assert refused.status_code == 403 and person(ada["id"]) is not None
    cross = post(client, link, {"form_token": token_of(shown)}, {"Origin": "https://evil.example"})
    assert cross.status_code == 403 and person(ada["id"]) is not None

    goodbye = follow(client, post(client, link, {"form_token": token_of(shown)}))
    assert goodbye.status_code == 200 and "Your data is deleted" in goodbye.body.decode()
    assert person(ada["id"]) is None
    assert client.http.get(f"/candidates/{ada['id']}", headers=auth).status_code == 404
    assert client.http.get(ada["url"]).status_code == 404  # the page: we hold nothing
    assert client.http.get(link).status_code == 200  # the goodbye again, nothing else


def test_the_erase_link_is_for_one_person_and_a_day(client, ada):
    ask = client.http.get(ada["url"] + "/delete")
    post(client, ada["url"] + "/delete", {"form_token": token_of(ask)})
    link = erase_link()
    token, code = link.split("/")[2], link.split("/")[4]
    for forged in (f"/u/{token}/erase/{code[:-2]}AA", f"/u/{token}/erase/garbage", f"/u/{token}x/erase/{code}"):
        assert client.http.get(forged).status_code == 404, forged
        assert client.http.post(forged, headers=FORM, body="").status_code in (403, 404), forged
    from chalicelib.domain import clock

    clock.set_now(clock.utcnow() + timedelta(hours=25))  # the app's clock, as POST /dev/clock moves it
    try:
        assert client.http.get(link).status_code == 404 and person(ada["id"]) is not None
    finally:
        clock.reset()


# ---------------------------------------------------------------- hostile input

ALL_PATHS = ("", "/export", "/delete")


def test_forged_tokens_are_404_everywhere(client, ada):
    token = ada["url"].rsplit("/", 1)[1]
    for forged in (token[:-2] + ("AA" if token[-2:] != "AA" else "BB"), "not-a-token", "A" * 64):
        for path in ALL_PATHS:
            assert client.http.get(f"/u/{forged}{path}").status_code == 404, (forged, path)
        assert post(client, f"/u/{forged}", {"action": "resume"}).status_code == 404
    assert client.http.get("/u/" + "A" * 600).status_code == 400  # too long to be a token


@pytest.mark.parametrize("fields", [
    {"action": "frequency", "max_per_month": "3"}, {"action": "frequency", "max_per_month": "9" * 5000},
    {"action": "frequency", "max_per_month": "-1"}, {"action": "frequency", "max_per_month": "٤"},
    {"action": "frequency", "max_per_month": ["4", "8"]}, {"action": "pause", "pause": "P99Y"},
    {"action": "pause", "pause": ""}, {"action": "pause"}, {"action": "channels", "channels": "fax"},
    {"action": "channels", "channels": ["email"] * 30}, {"action": "save", "categories": "bogus"},
    {"action": "save", "categories": "x" * 500}, {"action": "explode"}, {"action": ["pause", "resume"]},
])
def test_odd_form_values_are_400_and_change_nothing(client, ada, fields):
    before = person(ada["id"])
    refused = change(client, ada, fields)
    assert refused.status_code == 400, refused.body
    assert "That" in refused.body.decode() and person(ada["id"]) == before


def test_bodies_no_page_sends_are_refused(client, ada):
    page = client.http.get(ada["url"])
    before = person(ada["id"])
    form_token = token_of(page)
    huge = client.http.post(ada["url"], headers=FORM, body=f"form_token={form_token}&action=resume&x=" + "a" * 20000)
    assert huge.status_code == 413
    bad_utf8 = client.http.post(ada["url"], headers=FORM, body=f"form_token={form_token}&action=%ff".encode())
    assert bad_utf8.status_code == 400
    control = client.http.post(ada["url"], headers=FORM, body=f"form_token={form_token}&action=pause&pause=P3M%00")
    assert control.status_code == 400
    typed = client.http.post(ada["url"], headers={"Content-Type": "application/json"},
                             body=json.dumps({"form_token": form_token, "action": "frequency", "max_per_month": 4}))
    assert typed.status_code == 400
    listed = client.http.post(ada["url"], headers={"Content-Type": "application/json"},
                              body=json.dumps({"form_token": form_token, "action": {"x": 1}}))
    assert listed.status_code == 400
    assert person(ada["id"]) == before


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                                     {"Sec-Fetch-Site": "same-site"}])
def test_other_sites_cannot_post_any_control(client, ada, headers):
    before = person(ada["id"])
    for fields in ({"action": "pause", "pause": "P3M"}, {"action": "frequency", "max_per_month": "1"},
                   {"action": "channels"}, {"action": "resume"}):
        assert change(client, ada, fields, headers).status_code == 403, fields
    ask = client.http.get(ada["url"] + "/delete")
    assert post(client, ada["url"] + "/delete", {"form_token": token_of(ask)}, headers).status_code == 403
    assert person(ada["id"]) == before and not [m for m in outbox() if "delete your data" in m["subject"]]


def test_unknown_notice_codes_show_no_notice(client, ada):
    page = client.http.get(ada["url"] + "?done=%3Cscript%3E").body.decode()
    assert 'role="status"' not in page and "<script" not in page


# ---------------------------------------------------------------- honoured when sending

@pytest.mark.parametrize("fields, reason", [({"action": "pause", "pause": "P3M"}, "paused_by_person"),
                                            ({"action": "frequency", "max_per_month": "1"}, "monthly_cap"),
                                            ({"action": "channels"}, "channel_opt_out")])
def test_her_choices_are_honoured_by_the_review_and_the_sender(client, auth, ada, fields, reason):
    from tests.app.campaign_helpers import act, campaign, template
    from tests.app.helpers import tick

    follow(client, change(client, ada, fields))
    again = campaign(client, auth, ada["pools"], [{"template_id": template(client, auth, name="again")["id"]}],
                     name="again")
    review = body(client.http.get(f"/campaigns/{again['id']}/review", headers=auth))
    assert review["emailable"] == 0 and review["not_emailable"] == {reason: 1}
    act(client, auth, again["id"], "schedule")
    tick()
    assert len(outbox()) == 1
