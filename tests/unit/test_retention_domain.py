"""Retention's rules (domain/retention.py): when a person's clock started, what happens at a given time."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.retention import (awaiting_answer, decide, last_activity, parse_keep, parse_month,
                                         repermission_email, send_key)
from chalicelib.domain.vocabulary import RetentionAction as A

NOW = datetime(2029, 6, 15, 12, tzinfo=timezone.utc)
OLD = "2027-01-01T00:00:00.000Z"  # 29 months before NOW
RECENT = "2029-01-01T00:00:00.000Z"


def person(status="subscribed", **fields):
    return {"id": "cand_x", "status": status, "created_at": OLD, **fields}


def test_the_clock_starts_at_the_latest_activity_of_any_kind():
    assert last_activity(person(), {}).year == 2027
    for fields in ({"last_engaged_at": RECENT}, {"last_contacted_at": RECENT}, {"confirmed_at": RECENT},
                   {"consent": {"confirmed_at": RECENT}}, {"consent": {"given_at": RECENT}}):
        assert last_activity(person(**fields), {}).year == 2029, fields
    assert last_activity(person(), {"kept_at": RECENT}).year == 2029
    assert last_activity(person(last_engaged_at="not a date"), {}).year == 2027  # unreadable: never moves it


def test_subscribers_are_asked_then_erased_unless_they_answer():
    assert decide(person(), {}, NOW, 24).action is A.ASK
    assert decide(person(created_at=RECENT), {}, NOW, 24).action is A.NONE
    asked = {"asked_at": "2029-06-01T00:00:00.000Z", "deadline": "2029-07-01T00:00:00.000Z"}
    assert decide(person(), asked, NOW, 24).action is A.AWAIT
    assert decide(person(), asked, datetime(2029, 7, 2, tzinfo=timezone.utc), 24).action is A.ERASE
    engaged = person(last_engaged_at="2029-06-10T00:00:00.000Z")  # an open while we wait
    assert not awaiting_answer(engaged, asked) and decide(engaged, asked, NOW, 24).action is A.NONE


def test_people_without_consent_are_erased_unless_kept():
    for status in ("not_subscribed", "unsubscribed", "bounced", "complained"):
        assert decide(person(status), {}, NOW, 24).action is A.ERASE, status
    kept = {"kept_at": RECENT, "kept_by": "a@example.com", "reason": "finalist"}
    assert decide(person("not_subscribed"), kept, NOW, 24).action is A.KEPT
    assert decide(person("not_subscribed"), kept, datetime(2031, 2, 1, tzinfo=timezone.utc), 24).action is A.ERASE


def test_pending_sign_ups_and_people_in_a_hiring_process_are_left_alone():
    assert decide(person("pending"), {}, NOW, 24).action is A.NONE
    assert decide(person("not_subscribed", stage="interviewing"), {}, NOW, 24).action is A.NONE
    assert decide(person("not_subscribed", stage="rejected"), {}, NOW, 24).action is A.ERASE


def test_the_send_key_is_the_same_for_one_ask_and_new_after_the_clock_restarts():
    assert send_key("cand_x", person(), {}) == send_key("cand_x", person(), {"asked_at": RECENT})
    assert send_key("cand_x", person(), {}) != send_key("cand_x", person(consent={"confirmed_at": RECENT}), {})


def test_the_email_holds_both_answers_and_nothing_the_person_typed():
    subject, text, html = repermission_email(keep_url="https://x.example/retention/keep?token=a&b",
                                             remove_url="https://x.example/retention/remove?token=c",
                                             company="<Acme>", days=30)
    assert "Keep me in the talent community" in html and "Remove me" in html and "30 days" in text
    assert "&lt;Acme&gt;" in html and "token=a&amp;b" in html


def test_months_and_keep_bodies():
    assert parse_month(None, NOW)[0] == datetime(2029, 6, 1, tzinfo=timezone.utc)
    assert parse_month("2029-12", NOW)[1] == datetime(2030, 1, 1, tzinfo=timezone.utc)
    for bad in ("2029-05", "2029-6", "2029-13", "20291-01", "2039-07", 2029, ["2029-07"], "2029-07\n"):
        with pytest.raises(ValidationError):
            parse_month(bad, NOW)
    assert parse_keep({"keep": True, "reason": "  Finalist \t 2027 "}).reason == "Finalist 2027"
    assert parse_keep({"keep": False}).keep is False
    for bad in ({"keep": True}, {"keep": True, "reason": None}, {"reason": "x"}, {"keep": "true", "reason": "x"}):
        with pytest.raises(ValidationError):
            parse_keep(bad)


@pytest.mark.parametrize("name, value", [
    ("CRM_RETENTION_MONTHS", "0"), ("CRM_RETENTION_MONTHS", "two years"), ("CRM_RETENTION_MONTHS", "241"),
    ("CRM_RETENTION_MONTHS", "1.5"), ("CRM_REPERMISSION_DAYS", "0"), ("CRM_REPERMISSION_DAYS", "366"),
    ("CRM_REPERMISSION_DAYS", "P30D"),
])
def test_retention_settings_are_checked_at_start(monkeypatch, name, value):
    from chalicelib import settings

    settings.get_settings.cache_clear()
    try:
        monkeypatch.setenv(name, value)
        with pytest.raises(settings.SettingsError, match=name):
            settings.get_settings()
        monkeypatch.setenv(name, "12")
        assert {settings.get_settings().retention_months, settings.get_settings().repermission_days} >= {12}
    finally:
        settings.get_settings.cache_clear()


def test_a_later_month_projects_the_answer_deadline_of_an_earlier_ask():
    from chalicelib.domain.retention import Decision, in_month

    july, august = datetime(2029, 7, 1, tzinfo=timezone.utc), datetime(2029, 8, 1, tzinfo=timezone.utc)
    asked_in_june = Decision(A.ASK, datetime(2029, 6, 20, tzinfo=timezone.utc))  # deadline July 20
    assert in_month(asked_in_june, july, august, NOW, 30) == Decision(A.ERASE, datetime(2029, 7, 20, tzinfo=timezone.utc))
    assert in_month(asked_in_june, july, august, NOW, 60).action is A.AWAIT
    assert in_month(Decision(A.ERASE, datetime(2029, 6, 20, tzinfo=timezone.utc)), july, august, NOW, 30) is None
    this_month = datetime(2029, 6, 1, tzinfo=timezone.utc)
    overdue = Decision(A.ERASE, datetime(2029, 5, 1, tzinfo=timezone.utc))
    assert in_month(overdue, this_month, july, NOW, 30) == overdue  # this month: what is overdue happens now
