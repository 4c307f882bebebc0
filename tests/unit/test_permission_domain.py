"""Issue 18's pure rules: who a permission request or an outreach may reach (domain/campaigns.py decide by kind,
domain/outreach.py refusal), the months between requests, the notice and the personal email's HTML."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.campaign_email import Sender, build_campaign_email
from chalicelib.domain.campaigns import asked_recently, claim_statuses, decide, months_before
from chalicelib.domain.clock import iso, new_id
from chalicelib.domain.outreach import refusal
from chalicelib.domain.permission import PermissionLinks, TokenError, text_to_html, with_objection, with_request

NOW = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)


def campaign(kind: str, **fields) -> dict:
    return {"id": new_id("camp"), "kind": kind, "channel": "email", "category": "career_advice",
            "exit_on": ["unsubscribed", "bounced", "applied", "hired", "replied"], "steps": [{"template_id": "t"}],
            **fields}


def person(**fields) -> dict:
    return {"id": new_id("cand"), "email": "a@example.com", "status": "not_subscribed", **fields}


def decided(kind: str, who: dict, **fields):
    return decide(candidate=who, campaign=campaign(kind, **fields), step_index=0, now=NOW, cap=3)


@pytest.mark.parametrize("who, action, reason", [
    (person(), "send", None),
    (person(status="subscribed", consent={"marketing": True}), "skip", "has_consent"),
    (person(status="pending"), "skip", "not_subscribed"),
    (person(status="unsubscribed"), "exit", "unsubscribed"),
    (person(preferences={"unsubscribed_all": True}), "exit", "unsubscribed"),
    (with_objection(person(), iso(NOW)), "exit", "objected"),
    (person(status="bounced"), "exit", "bounced"),
    (person(status="complained"), "exit", "complained"),
    (None, "exit", "erased"),
    (with_request(person(), "2026-06-01T00:00:00.000Z", "camp_01hzzzzzzzzzzzzzzzzzzzzzzz"), "skip", "asked_recently"),
    (with_request(person(), "2025-11-01T00:00:00.000Z", "camp_01hzzzzzzzzzzzzzzzzzzzzzzz"), "send", None),
])
def test_who_a_permission_request_reaches(who, action, reason):
    decision = decided("permission_request", who)
    assert (decision.action, decision.reason) == (action, reason)


def test_a_redelivered_request_is_not_asked_recently_of_its_own_campaign():
    made = campaign("permission_request")
    asked = with_request(person(), iso(NOW), made["id"])
    assert not asked_recently(asked, made, NOW) and asked_recently(asked, campaign("permission_request"), NOW)


def test_outreach_reaches_people_with_or_without_consent_and_marketing_does_not_change():
    assert decided("outreach", person()).action == "send"
    assert decided("outreach", person(status="subscribed")).action == "send"
    assert decided("campaign", person()).reason == "not_subscribed"
    assert decided(None, person(status="subscribed", consent={"marketing": True})).action == "send"  # old campaigns
    assert claim_statuses({"kind": None}) == ("subscribed",)
    assert set(claim_statuses({"kind": "outreach"})) == {"subscribed", "not_subscribed"}
    assert claim_statuses({"kind": "permission_request"}) == ("not_subscribed",)


@pytest.mark.parametrize("moment, months, expected", [
    (datetime(2026, 3, 31, tzinfo=timezone.utc), 1, datetime(2026, 2, 28, tzinfo=timezone.utc)),
    (datetime(2026, 1, 15, tzinfo=timezone.utc), 12, datetime(2025, 1, 15, tzinfo=timezone.utc)),
    (datetime(2024, 2, 29, tzinfo=timezone.utc), 12, datetime(2023, 2, 28, tzinfo=timezone.utc)),
    (datetime(2026, 1, 1, tzinfo=timezone.utc), 120, datetime(2016, 1, 1, tzinfo=timezone.utc)),
])
def test_months_before(moment, months, expected):
    assert months_before(moment, months) == expected


@pytest.mark.parametrize("who, open_outreach, reason", [
    (person(), False, None), (person(), True, "in_outreach"), (None, False, "not_found"),
    (person(last_contacted_at="2026-11-25T00:00:00.000Z"), False, "recently_contacted"),
    (person(last_contacted_at="2026-11-20T00:00:00.000Z"), False, None),
    (person(last_contacted_at="not a time"), False, None),
    (person(status="unsubscribed"), True, "unsubscribed"), (person(status="pending"), False, "not_subscribed"),
])
def test_outreach_refusals(who, open_outreach, reason):
    assert refusal(who, NOW, open_outreach) == reason


def test_links_are_signed_for_their_action():
    links = PermissionLinks("secret", "https://crm.example.com")
    url = links.url("join", "camp_x", "cand_y")
    token = url.rsplit("/", 1)[1]
    assert links.read("join", token) == ("camp_x", "cand_y")
    with pytest.raises(TokenError):
        links.read("object", token)
    with pytest.raises(TokenError):
        PermissionLinks("other", "https://crm.example.com").read("join", token)


def test_a_personal_emails_html_is_its_text_escaped():
    assert text_to_html("Hi <b>&\n\nbye") == "<!DOCTYPE html><html><body><p>Hi &lt;b&gt;&amp;</p><p>bye</p></body></html>"


def test_a_permission_request_keeps_a_template_with_its_own_unsubscribe_link():
    sender = Sender("https://crm.example.com", "secret", "talent@example.com", {"name": "Acme"})
    template = {"subject": "Hi", "html": '<html><body><p>Hello</p><a href="{{ unsubscribe_url }}">Leave</a></body></html>'}
    built = build_campaign_email(sender, template, candidate=person(source="ats"), job=None,
                                 campaign_id=new_id("camp"), step=0, kind="permission_request")
    assert "Leave" in built.raw.decode() or "Leave" in built.text
    assert "past application" in built.text and "/community/join/" in built.text and "you joined" not in built.text
