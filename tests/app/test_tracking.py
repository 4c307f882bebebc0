"""Opens, clicks, unsubscribes: from the links in a real campaign email."""
from datetime import timedelta

import pytest

from tests.app.campaign_helpers import act, campaign, campaign_to_ada, email_links, template
from tests.app.helpers import body, outbox, tick

HUMAN = {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko)",
         "Accept": "image/webp,image/*,*/*;q=0.8"}  # mail clients ask for images


@pytest.fixture
def sent(client, auth, monkeypatch):
    """One campaign email to Ada, sent a minute ago, and its links."""
    from chalicelib.services import scheduler

    monkeypatch.setattr(scheduler, "RECHECK", timedelta(0))
    ada, made = campaign_to_ada(client, auth)
    [email] = outbox()
    from chalicelib import wiring
    from chalicelib.store.models import SendModel
    key = f"{made['id']}#0#{ada['id']}"
    SendModel(key).update(actions=[SendModel.sent_at.set("2026-01-01T00:00:00.000Z")])  # long enough ago
    return {"campaign": made, "ada": ada, "key": key, "sends": wiring.tracking().sends, **email_links(email)}


def stats(campaign_id):
    from chalicelib import wiring

    return wiring.stats_repo().totals(f"campaign#{campaign_id}")


def test_click_redirects_to_what_was_sent_and_counts(client, sent):
    response = client.http.get(sent["click"], headers=HUMAN)
    assert response.status_code == 302 and response.headers["Location"] == "https://blog.example.com/post?id=1"
    client.http.get(sent["click"], headers=HUMAN)
    totals = stats(sent["campaign"]["id"])
    assert (totals["clicks"], totals["clicks_unique"], totals["clicks_s0"]) == (2, 1, 2)
    send = sent["sends"].get(sent["key"])
    assert send["clicks"] == 2 and send["clicked_at"]
    tick()  # the engagement job
    from chalicelib import wiring
    person = wiring.candidate_repo().get(sent["ada"]["id"])
    assert person["last_engaged_at"] and person["engagement_score"] == 6.0


def test_forged_or_altered_click_tokens_never_redirect(client, sent):
    token = sent["click"].rsplit("/", 1)[1]
    altered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for path in (f"/t/c/{altered}", "/t/c/not-a-token", "/t/c/" + "A" * 64, sent["pixel"].replace("/t/o/", "/t/c/")):
        response = client.http.get(path, headers=HUMAN)
        assert response.status_code == 404 and "Location" not in response.headers


def test_open_pixel_counts_humans_and_machines_apart(client, sent):
    response = client.http.get(sent["pixel"], headers=HUMAN)
    assert response.status_code == 200 and response.headers["Content-Type"] == "image/gif"
    assert response.headers["Cache-Control"].startswith("no-store") and response.body[:6] == b"GIF89a"
    client.http.get(sent["pixel"], headers={"User-Agent": "Mozilla/5.0", "Accept": "image/*"})  # Apple Mail Privacy Protection
    client.http.get(sent["pixel"], headers=HUMAN)
    totals = stats(sent["campaign"]["id"])
    assert (totals["opens"], totals["opens_unique"], totals["opens_machine"]) == (2, 1, 1)
    assert client.http.get("/t/o/garbage", headers=HUMAN).status_code == 200  # still a pixel


def test_scanner_clicks_seconds_after_delivery_are_machine(client, sent):
    from chalicelib.domain.clock import iso
    from chalicelib.store.models import SendModel

    SendModel(sent["key"]).update(actions=[SendModel.sent_at.set(iso())])
    response = client.http.get(sent["click"], headers=HUMAN)
    assert response.status_code == 302  # the scanner is still redirected
    client.http.request("HEAD", sent["click"], headers=HUMAN)
    totals = stats(sent["campaign"]["id"])
    assert totals["clicks_machine"] == 2 and totals["clicks"] == 0


def test_tracking_writes_at_most_two_items_and_survives_storage_errors(client, sent, monkeypatch):
    from chalicelib import wiring

    writes = []
    real_count, real_add = wiring.tracking().sends.count, wiring.stats_repo().add
    monkeypatch.setattr(wiring.tracking().sends, "count", lambda *a, **k: writes.append("send") or real_count(*a, **k))
    monkeypatch.setattr(wiring.stats_repo(), "add", lambda *a, **k: writes.append("stats") or real_add(*a, **k))
    client.http.get(sent["pixel"], headers=HUMAN)
    assert writes == ["send", "stats"]

    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB is having a bad day")

    monkeypatch.setattr(wiring.tracking().sends, "count", broken)
    assert client.http.get(sent["pixel"], headers=HUMAN).status_code == 200
    assert client.http.get(sent["click"], headers=HUMAN).status_code == 302
    monkeypatch.setattr(wiring.tracking().sends, "count", real_count)
    tick()  # the jobs worker records the queued events
    assert stats(sent["campaign"]["id"])["opens"] == 2


def test_one_click_unsubscribe_takes_effect_before_the_next_send(client, auth, sent):
    response = client.http.post(sent["unsubscribe"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="List-Unsubscribe=One-Click")
    assert response.status_code == 200 and "Location" not in response.headers
    person = body(client.http.get(f"/candidates/{sent['ada']['id']}", headers=auth))
    assert person["status"] == "unsubscribed" and person["preferences"]["source"] == "one_click"
    timeline = body(client.http.get(f"/candidates/{sent['ada']['id']}/timeline", headers=auth))["items"]
    assert timeline[0]["kind"] == "unsubscribed" and timeline[0]["data"]["source"] == "one_click"
    assert stats(sent["campaign"]["id"])["unsubscribed"] == 1
    tmpl = template(client, auth, name="again")
    again = campaign(client, auth, sent["campaign"]["audience"]["pools"], [{"template_id": tmpl["id"]}], name="again")
    act(client, auth, again["id"], "schedule")
    tick()
    assert len(outbox()) == 1


def follow(client, response):
    """The page a 303 sends the browser to (post/redirect/get)."""
    from urllib.parse import urlsplit

    location = urlsplit(response.headers["Location"])
    return client.http.get(location.path + (f"?{location.query}" if location.query else ""))


def form_token(page) -> str:
    import re

    return re.search(rb'name="form_token" value="([^"]+)"', page.body).group(1).decode()


def test_preference_page_by_category(client, auth, sent):
    page = client.http.get(sent["unsubscribe"])
    assert page.status_code == 200 and b"Your details and choices" in page.body
    assert b'value="job_alert" checked' in page.body
    saved = client.http.post(sent["unsubscribe"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                             body=f"categories=job_alert&categories=event_invite&action=save&form_token={form_token(page)}")
    assert saved.status_code == 303 and b"Your choices are saved" in follow(client, saved).body
    person = body(client.http.get(f"/candidates/{sent['ada']['id']}", headers=auth))
    assert person["status"] == "subscribed"
    assert sorted(person["preferences"]["unsubscribed_categories"]) == ["career_advice", "company_news", "industry_insights"]
    # the next career_advice campaign skips her; job alerts would still reach her
    tmpl = template(client, auth, name="again")
    again = campaign(client, auth, sent["campaign"]["audience"]["pools"], [{"template_id": tmpl["id"]}], name="again")
    act(client, auth, again["id"], "schedule")
    tick()
    assert len(outbox()) == 1
    assert client.http.get("/u/not-a-token").status_code == 404


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CROSS_SITE = [{"Origin": "https://evil.example"}, {"Origin": "http://127.0.0.1:8000.evil.example"},
              {"Origin": "http://127.0.0.1:9999"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
              {"Sec-Fetch-Site": "same-site"}]


def preferences_of(client, auth, candidate_id) -> tuple:
    person = body(client.http.get(f"/candidates/{candidate_id}", headers=auth))
    return person["status"], person.get("preferences")


def test_preference_form_only_from_its_own_page_and_with_its_form_token(client, auth, sent):
    """A browser form POST from another site is refused (403, the contract's error body, nothing
    changed); so is one without the page's signed form token. One-click needs neither."""
    page = client.http.get(sent["unsubscribe"])
    token = form_token(page)
    choose = f"categories=job_alert&action=save&form_token={token}"
    before = preferences_of(client, auth, sent["ada"]["id"])
    for headers in CROSS_SITE:
        refused = client.http.post(sent["unsubscribe"], headers={**FORM, **headers}, body=choose)
        assert refused.status_code == 403, headers
        assert body(refused)["error"]["code"] == "forbidden" and body(refused)["error"]["message"]
    from chalicelib import wiring
    from chalicelib.domain.tracking import Token, read_token
    from chalicelib.services.tracking import PreferenceLink

    link = read_token(wiring.tracking().settings.secret, sent["unsubscribe"].rsplit("/", 1)[1])
    another_send = Token("u", link.campaign_id, link.step + 1, link.candidate_id)
    other = wiring.tracking().form_token(PreferenceLink(another_send, {}))  # signed, but for another link
    for fields in ("categories=job_alert&action=save", f"categories=job_alert&action=save&form_token={other}",
                   "categories=job_alert&action=save&form_token=garbage", f"action=unsubscribe_all&form_token={token}x"):
        refused = client.http.post(sent["unsubscribe"], headers=FORM, body=fields)
        assert refused.status_code == 403 and body(refused)["error"]["code"] == "forbidden", fields
    assert preferences_of(client, auth, sent["ada"]["id"]) == before

    # our own page: the browser sends Origin "null" (the page sends no Referer) or our origin
    for headers in ({"Origin": "null", "Sec-Fetch-Site": "same-origin"}, {"Origin": "http://127.0.0.1:8000"}, {}):
        saved = client.http.post(sent["unsubscribe"], headers={**FORM, **headers}, body=choose)
        assert saved.status_code == 303 and b"Your choices are saved" in follow(client, saved).body, headers
    # one-click comes from mail providers' servers: no Origin, no form token, and it works from anywhere
    done = client.http.post(sent["unsubscribe"], headers={**FORM, "Origin": "https://mail.example"},
                            body="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and preferences_of(client, auth, sent["ada"]["id"])[0] == "unsubscribed"


@pytest.fixture
def days_later(monkeypatch):
    """Moves the clock the app reads `days` ahead of now."""
    from datetime import timedelta

    from chalicelib.domain import clock

    real = clock.utcnow

    def move(days: int) -> None:
        monkeypatch.setattr(clock, "utcnow", lambda: real() + timedelta(days=days))

    return move


def test_an_old_link_can_no_longer_change_choices_but_still_unsubscribes(client, auth, sent, days_later):
    url, ada = sent["unsubscribe"], sent["ada"]["id"]
    token = form_token(client.http.get(url))
    before = preferences_of(client, auth, ada)
    for days in (1, 89, 90):
        days_later(days)
        page = client.http.get(url)
        assert page.status_code == 200 and b'name="categories"' in page.body, days
    for days in (91, 200, 365):
        days_later(days)
        page = client.http.get(url)
        assert page.status_code == 200 and b'name="categories"' not in page.body, days
        assert b"expired for changing your choices" in page.body and b"Unsubscribe from everything" in page.body
        refused = client.http.post(url, headers=FORM, body=f"categories=job_alert&action=save&form_token={token}")
        assert refused.status_code == 400 and b"Unsubscribe from everything" in refused.body, days
        assert preferences_of(client, auth, ada) == before
    for days in (366, 1000):
        days_later(days)
        expired = client.http.get(url)
        assert expired.status_code == 400 and b"Link expired" in expired.body, days
        for fields in (f"action=unsubscribe_all&form_token={token}", "List-Unsubscribe=One-Click"):
            assert client.http.post(url, headers=FORM, body=fields).status_code == 400, (days, fields)
        assert preferences_of(client, auth, ada) == before
    days_later(200)
    done = client.http.post(url, headers=FORM, body=f"action=unsubscribe_all&form_token={form_token(client.http.get(url))}")
    assert done.status_code == 200 and b"You are unsubscribed from all our emails" in done.body
    assert preferences_of(client, auth, ada)[0] == "unsubscribed"


@pytest.mark.parametrize("days", [0, 60, 364, 365])
def test_one_click_works_for_a_year_after_the_send(client, auth, sent, days_later, days):
    days_later(days)
    done = client.http.post(sent["unsubscribe"], headers=FORM, body="List-Unsubscribe=One-Click")
    assert done.status_code == 200 and preferences_of(client, auth, sent["ada"]["id"])[0] == "unsubscribed"
