"""The person's own choices and whether they keep a campaign's message from them (domain/preferences.py)."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain.clock import iso
from chalicelib.domain.erasure import erase_code, erase_code_valid
from chalicelib.domain.preferences import (MONTH_WINDOW, blocked_until, blocks, channels_off, pause_end,
                                           read_monthly)
from chalicelib.domain.vocabulary import DecisionReason

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)
EMAIL = {"channel": "email", "category": "job_alert"}
SMS = {"channel": "sms", "category": "job_alert"}


def person(**preferences):
    return {"status": "subscribed", "sms_consent": True, "preferences": preferences}


def sent(*days_ago):
    return sorted(iso(NOW - timedelta(days=d)) for d in days_ago)


def test_nothing_chosen_blocks_nothing():
    assert blocks({"status": "subscribed"}, EMAIL, NOW) is None and blocks(person(), SMS, NOW) is None


def test_a_pause_blocks_everything_until_it_ends():
    paused = person(paused_until=iso(NOW + timedelta(days=1)))
    assert blocks(paused, EMAIL, NOW) == blocks(paused, SMS, NOW) == DecisionReason.PAUSED_BY_PERSON
    assert blocked_until(paused, DecisionReason.PAUSED_BY_PERSON, NOW) == iso(NOW + timedelta(days=1))
    assert blocks(paused, EMAIL, NOW + timedelta(days=1)) is None
    assert blocks(person(paused_until=None), EMAIL, NOW) is None
    assert blocks(person(paused_until="garbage"), EMAIL, NOW) is None


def test_channels_off():
    assert blocks(person(channels_off=["email"]), EMAIL, NOW) == DecisionReason.CHANNEL_OPT_OUT
    assert blocks(person(channels_off=["email"]), SMS, NOW) is None
    assert blocks(person(channels_off=["sms"]), SMS, NOW) == DecisionReason.CHANNEL_OPT_OUT
    assert blocks({"preferences": {}}, SMS, NOW) is None  # no SMS consent at all: decide()'s no_sms_consent
    assert channels_off({"sms_consent": None}) == {"sms"}


def test_topics_off():
    assert blocks(person(unsubscribed_categories=["job_alert"]), EMAIL, NOW) == DecisionReason.CATEGORY_OPT_OUT
    assert blocks(person(unsubscribed_categories=["company_news"]), EMAIL, NOW) is None
    assert blocks(person(unsubscribed_all=True), SMS, NOW) == DecisionReason.CATEGORY_OPT_OUT


def test_the_monthly_cap_counts_the_last_30_days_of_emails():
    capped = dict(person(max_per_month=2), marketing_sends=sent(1, 29))
    assert blocks(capped, EMAIL, NOW) == DecisionReason.MONTHLY_CAP
    assert blocked_until(capped, DecisionReason.MONTHLY_CAP, NOW) == iso(NOW - timedelta(days=29) + MONTH_WINDOW)
    assert blocks(dict(capped, marketing_sends=sent(1, 31)), EMAIL, NOW) is None
    assert blocks(capped, SMS, NOW) is None  # texts have the team's SMS cap
    assert blocks(dict(capped, preferences={"max_per_month": None}), EMAIL, NOW) is None
    assert blocks(dict(capped, preferences={"max_per_month": True}), EMAIL, NOW) is None


def test_the_order_a_pause_first():
    everything = dict(person(paused_until=iso(NOW + timedelta(days=9)), channels_off=["email"],
                             unsubscribed_all=True, max_per_month=1), marketing_sends=sent(1))
    assert blocks(everything, EMAIL, NOW) == DecisionReason.PAUSED_BY_PERSON


@settings(max_examples=200, deadline=None)
@given(cap=st.sampled_from([1, 2, 4, 8]), days=st.lists(st.integers(0, 60), max_size=12))
def test_the_cap_blocks_exactly_when_the_30_days_hold_cap_emails(cap, days):
    candidate = dict(person(max_per_month=cap), marketing_sends=sent(*days))
    within = sum(1 for d in days if timedelta(days=d) <= MONTH_WINDOW)
    assert (blocks(candidate, EMAIL, NOW) == DecisionReason.MONTHLY_CAP) == (within >= cap)


@pytest.mark.parametrize("text, cap", [("", None), ("none", None), ("8", 8), ("4", 4), ("2", 2), ("1", 1)])
def test_read_monthly(text, cap):
    assert read_monthly(text) == cap


@pytest.mark.parametrize("text", ["3", "0", "-1", "08", "٤", "4 ", "x", "9" * 50, "None"])
def test_read_monthly_refuses_what_is_not_offered(text):
    with pytest.raises(ValueError):
        read_monthly(text)


def test_pauses():
    assert pause_end("P3M", NOW) == "2026-09-15T12:00:00.000Z" and pause_end("P6M", NOW) == "2026-12-15T12:00:00.000Z"
    for bad in ("P1Y", "", "P3M ", "p3m"):
        with pytest.raises(ValueError):
            pause_end(bad, NOW)


def test_erase_codes_are_for_one_person_and_a_day():
    code = erase_code("secret", "cand_1", NOW)
    assert erase_code_valid("secret", code, "cand_1", NOW + timedelta(hours=23))
    assert not erase_code_valid("secret", code, "cand_1", NOW + timedelta(hours=25))
    assert not erase_code_valid("secret", code, "cand_2", NOW)
    assert not erase_code_valid("other", code, "cand_1", NOW)
    assert not erase_code_valid("secret", code[:-1] + ("A" if code[-1] != "A" else "B"), "cand_1", NOW)
    assert not erase_code_valid("secret", "garbage", "cand_1", NOW)
