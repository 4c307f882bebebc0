"""Review findings 1, 2, 5, 7 at the domain's edge: a permission request is one email whatever a draft's changes
made of it, a person's own pause and email off refuse them, outreach stops on a reply, join links expire."""
from datetime import datetime, timedelta, timezone

import pytest

from chalicelib.domain.campaigns import DecisionAction, decide, incomplete, own_choice_refusal, permission_problem
from chalicelib.domain.outreach import refusal, validate_outreach
from chalicelib.domain.permission import JOIN, PermissionLinks
from chalicelib.domain.tokens import TokenError, TokenSigner
from chalicelib.domain.vocabulary import DecisionReason

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
PERSON = {"id": "cand_1", "status": "not_subscribed", "email": "a@example.com"}
REQUEST = {"id": "camp_1", "kind": "permission_request", "channel": "email", "exit_on": ["unsubscribed"],
           "steps": [{"template_id": "tmpl_1"}], "name": "x", "category": "career_advice",
           "audience": {"pools": ["pool_1"]}}


@pytest.mark.parametrize("change", [{"channel": "sms"}, {"steps": [{"template_id": "tmpl_1"}] * 2}])
def test_a_permission_request_that_is_not_one_email_is_incomplete_and_never_sent(change):
    draft = dict(REQUEST, **change)
    assert permission_problem(draft) and incomplete(draft)
    texted = dict(PERSON, phone="+442079460958", sms_consent=True, country="GB")
    if "channel" in change:
        assert decide(candidate=texted, campaign=draft, step_index=0, now=NOW, cap=3).action == DecisionAction.SKIP


def test_a_draft_without_steps_yet_is_no_permission_problem():
    assert not permission_problem(dict(REQUEST, steps=[])) and not permission_problem(dict(REQUEST, steps=None))


@pytest.mark.parametrize("preferences, reason", [
    ({"paused_until": "2026-07-01T00:00:00Z"}, DecisionReason.PAUSED_BY_PERSON),
    ({"channels_off": ["email"]}, DecisionReason.CHANNEL_OPT_OUT),
    ({"paused_until": "2026-05-01T00:00:00Z"}, None),  # over
    ({"channels_off": ["sms"]}, None),
])
def test_their_own_choices(preferences, reason):
    person = dict(PERSON, preferences=preferences)
    assert own_choice_refusal(person, NOW) == reason
    assert refusal(person, NOW, False) == reason
    decision = decide(candidate=person, campaign=REQUEST, step_index=0, now=NOW, cap=3)
    assert decision.reason == reason if reason else decision.action == DecisionAction.SEND


def test_outreach_always_ends_on_a_reply():
    request = validate_outreach({"candidate_ids": ["cand_01hzzzzzzzzzzzzzzzzzzzzzzz"], "reason": "A role",
                                 "steps": [{"subject": "Hi", "body": "Hello"}], "exit_on": ["bounced"]})
    assert request.exit_on == [DecisionReason.BOUNCED, DecisionReason.REPLIED]
    stored = {"kind": "outreach", "exit_on": ["bounced"], "channel": "email", "steps": [{}]}  # made before
    decision = decide(candidate=dict(PERSON), campaign=stored, step_index=0, now=NOW, cap=3, replied_campaign=True)
    assert decision.reason == DecisionReason.REPLIED and decision.action == DecisionAction.EXIT


def test_a_join_link_expires_after_the_months(monkeypatch):
    from chalicelib.domain import clock

    links = PermissionLinks("s" * 32, "https://crm.example.com")
    monkeypatch.setattr(clock, "utcnow", lambda: NOW)
    token = links.url(JOIN, "camp_1", "cand_1").rpartition("/")[2]
    links.check_age(token, 12, NOW + timedelta(days=360))
    with pytest.raises(TokenError) as expired:
        links.check_age(token, 12, NOW + timedelta(days=370))
    assert expired.value.reason == "expired"


def test_a_link_made_before_it_carried_its_time_expires_by_its_signature():
    links = PermissionLinks("s" * 32, "https://crm.example.com")
    legacy = TokenSigner("s" * 32, "permission").sign({"a": JOIN, "k": "camp_1", "c": "cand_1"})
    now = datetime.now(timezone.utc)
    links.check_age(legacy, 12, now)
    assert links.read(JOIN, legacy) == ("camp_1", "cand_1")
