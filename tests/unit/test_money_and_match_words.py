"""Money as people read it (an amount never without its currency), the currency figures are reported in, and a
match's reasons in words: the same facts the score weighs."""
from datetime import datetime, timezone

import pytest

from chalicelib.domain.analytics import goal_currency, in_currency, reporting_currency, validate_cost, validate_goal
from chalicelib.domain.currencies import CURRENCIES, DEFAULT_CURRENCY, currency_code, format_money
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.matching import in_words, not_emailable_reason, rank, score

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("amount,currency,shown", [
    (0, "USD", "0.00 USD"), (1500, "EUR", "1,500.00 EUR"), (12000, "JPY", "12,000 JPY"),
    (1.2345, "KWD", "1.234 KWD"), (None, "USD", "n/a"), (10, None, f"10.00 {DEFAULT_CURRENCY}"),
])
def test_money_always_carries_its_currency(amount, currency, shown):
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize("value,code", [("eur", "EUR"), (" GBP ", "GBP"), ("XYZ", None), ("XAU", None),
                                        ("", None), (978, None), (None, None), ("EURO", None)])
def test_currency_codes_are_iso_4217(value, code):
    assert currency_code(value) == code
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "INR"} <= CURRENCIES and "XTS" not in CURRENCIES


def test_costs_keep_a_valid_currency_and_the_report_uses_the_most_common_one():
    assert validate_cost({"source": "agency", "amount": 1}, NOW)["currency"] == "USD"
    assert validate_cost({"source": "agency", "amount": 1, "currency": "chf"}, NOW)["currency"] == "CHF"
    with pytest.raises(ValidationError) as refused:
        validate_cost({"source": "agency", "amount": 1, "currency": "ABC"}, NOW)
    assert refused.value.fields == {"currency": "a three-letter ISO 4217 code such as EUR"}
    costs = [{"currency": "EUR"}, {"currency": "EUR"}, {"currency": "GBP"}, {}]
    assert reporting_currency(costs) == "EUR" and reporting_currency([]) == DEFAULT_CURRENCY
    assert reporting_currency([{"currency": "EUR"}, {"currency": "USD"}]) == "USD"  # a tie: the default
    assert reporting_currency([{"currency": "GBP"}, {"currency": "EUR"}]) == "EUR"  # a tie without it: A to Z
    assert in_currency(costs, "USD") == [{}]  # a cost without a currency is in the default one


def test_only_money_goals_have_a_currency():
    period = {"to": "2099-01-01"}
    money = validate_goal({"metric": "cost_per_hire", "target": 1000, "period": period}, NOW)
    assert money["currency"] == "USD" and goal_currency(money) == "USD"
    assert validate_goal({"metric": "cost_per_hire", "target": 1, "period": period, "currency": "eur"},
                         NOW)["currency"] == "EUR"
    count = validate_goal({"metric": "hires_from_pools", "target": 3, "period": period, "currency": "EUR"}, NOW)
    assert "currency" not in count and goal_currency(count) is None
    assert goal_currency({"metric": "cost_per_hire"}) == "USD"  # a goal set before goals had a currency


JOB = {"title": "Platform engineer", "skills": ["python", "terraform", "go"], "city": "London", "country": "GB",
       "remote": True}


def test_reasons_in_words_say_what_the_score_weighs():
    ada = {"id": "cand_a", "skills": ["python", "go"], "city": "london", "remote_ok": True, "status": "subscribed",
           "engagement_score": 12.5, "last_engaged_at": "2026-11-25T09:00:00Z"}
    words = in_words(JOB, ada, NOW)
    assert words == ["Has 2 of the job's 3 skills: python, go. Missing: terraform.",
                     "Open to remote work, and the job is remote.", "Lives in london, where the job is.",
                     "Last engaged 3 days ago (engagement score 12.5)."]
    _, reasons = score(JOB, ada, {"python": 1.0, "terraform": 1.0, "go": 1.0}, NOW)
    assert reasons == ["matched skills: python, go", "remote ok", "in london", "engaged 3 days ago"]  # unchanged


def test_reasons_in_words_for_someone_who_fits_little():
    sam = {"id": "cand_s", "skills": [], "city": "Paris", "country": "FR", "status": "not_subscribed"}
    assert in_words(JOB, sam, NOW) == ["Has 0 of the job's 3 skills.", "Not in the job's city.", "No engagement yet."]
    remote_only = {"title": "Anywhere", "skills": [], "remote": True}
    assert in_words(remote_only, sam, NOW) == ["Not marked as open to remote work.", "No engagement yet."]
    [match] = rank(JOB, [sam], NOW)
    assert not match["emailable"] and not_emailable_reason(sam["status"]).startswith("no marketing consent")
    assert not_emailable_reason("pending") == "signed up but has not confirmed yet"
