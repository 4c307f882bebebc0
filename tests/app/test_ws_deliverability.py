"""The workspace's Deliverability page: what it shows, the admin's "Resume sending", and odd requests."""
from dataclasses import replace

from tests.app.campaign_helpers import campaign_to_ada
from tests.app.helpers import WORKSPACE_FORM, workspace_session


def page(client, session, path="/dashboard/deliverability"):
    return client.http.get(path, headers=session)


def pause_account(auth_client, auth, monkeypatch):
    """Ada's campaign sent, then the account paused as the autopilot pauses it (its measure kept)."""
    from chalicelib import wiring
    from chalicelib.domain.vocabulary import PausedReason

    ada, made = campaign_to_ada(auth_client, auth)
    service = wiring.deliverability()
    monkeypatch.setattr(service, "settings", replace(service.settings, autopause_account_min_sends=1))
    service.event(made["id"], "bounced", "ada@example.com")
    assert service.account_pause()["reason"] == PausedReason.BOUNCE_RATE
    return made


def test_the_page_shows_rates_providers_and_no_button_when_all_is_well(client, auth):
    campaign_to_ada(client, auth)
    session = workspace_session(client)
    answer = page(client, session)
    assert answer.status_code == 200
    html = answer.body.decode()
    for words in ("<h1>Deliverability</h1>", "Last 24 hours", "Last 7 days", "Gmail", "Yahoo and AOL",
                  "Outlook.com and Hotmail", "No campaign is paused.", 'aria-current="page">Deliverability<',
                  "/dashboard/assets/deliverability.css"):
        assert words in html, words
    assert "Resume sending" not in html and "style=" not in html


def test_an_admin_resumes_sending(client, auth, monkeypatch):
    from chalicelib import wiring

    made = pause_account(client, auth, monkeypatch)
    session = workspace_session(client)
    html = " ".join(page(client, session).body.decode().split())
    assert "All marketing sending is paused" in html and "Resume sending" in html
    assert "bounce rate was 100.0% after 1 sends" in html
    assert wiring.campaigns().get(made["id"])["status"] == "sent"  # finished before the pause: left as it is
    answer = client.http.post("/dashboard/deliverability/resume", headers={**session, **WORKSPACE_FORM}, body="")
    assert answer.status_code == 303 and answer.headers["Location"] == "/dashboard/deliverability"
    assert wiring.deliverability().account_pause() is None
    again = client.http.post("/dashboard/deliverability/resume", headers={**session, **WORKSPACE_FORM}, body="")
    assert again.status_code == 409 and "not paused" in again.body.decode()


def test_a_campaign_paused_for_its_bounces_says_so_on_its_page(client, auth, monkeypatch):
    from chalicelib import wiring

    ada, made = campaign_to_ada(client, auth)
    wiring.campaign_repo().transition(made["id"], wiring.campaigns().get(made["id"])["status"], "sending")
    service = wiring.deliverability()
    monkeypatch.setattr(service, "settings", replace(service.settings, autopause_min_sends=1))
    service.event(made["id"], "bounced", "ada@example.com")
    session = workspace_session(client)
    html = page(client, session, f"/dashboard/campaigns/{made['id']}").body.decode()
    assert "Paused automatically: bounce rate 100.0% after 1 sends. Nothing goes until it is resumed." in html
    assert "Paused automatically: bounce rate 100.0% after 1 sends" in page(client, session).body.decode()


def test_a_viewer_reads_the_page_but_cannot_resume(client, auth, monkeypatch):
    from chalicelib import wiring
    from tests.app.test_ws_team import signed_in_as

    pause_account(client, auth, monkeypatch)
    for role in ("viewer", "recruiter"):
        session = signed_in_as(client, f"{role}@example.com", role)
        html = page(client, session).body.decode()
        assert "An admin resumes sending." in html and "Resume sending</button>" not in html
        refused = client.http.post("/dashboard/deliverability/resume", headers={**session, **WORKSPACE_FORM}, body="")
        assert refused.status_code == 403
    assert wiring.deliverability().account_pause() is not None


def test_odd_requests_are_4xx_and_change_nothing(client, auth, monkeypatch):
    from chalicelib import wiring

    pause_account(client, auth, monkeypatch)
    session = workspace_session(client)
    assert page(client, session, "/dashboard/deliverability?x=%00%01").status_code == 400
    assert page(client, session, "/dashboard/deliverability?x=" + "a" * 5000).status_code in (200, 400, 414)
    cross = client.http.post("/dashboard/deliverability/resume",
                             headers={**session, **WORKSPACE_FORM, "Sec-Fetch-Site": "cross-site"}, body="")
    assert cross.status_code == 403
    assert client.http.post("/dashboard/deliverability/resume", headers=WORKSPACE_FORM, body="").status_code in (
        303, 401)
    assert client.http.get("/dashboard/deliverability/nope", headers=session).status_code in (403, 404)
    assert wiring.deliverability().account_pause() is not None  # none of them resumed anything
