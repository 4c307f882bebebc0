"""The outreach fields of a campaign (issue: sender identities, send windows, subject tests): declared, stored
as given, and every hostile value refused with the field's problem."""
import pytest

from chalicelib.domain.campaigns import validate_campaign
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.subject_tests import in_test, pick_winner, variant_for

POOL, TEMPLATE = "pool_01hzzzzzzzzzzzzzzzzzzzzzzz", "tmpl_01hzzzzzzzzzzzzzzzzzzzzzzz"


def campaign(**fields):
    step = {"template_id": TEMPLATE, **fields.pop("step", {})}
    return {"name": "Hello", "category": "company_news", "audience": {"pools": [POOL]}, "steps": [step], **fields}


def refused(body) -> dict:
    with pytest.raises(ValidationError) as caught:
        validate_campaign(body)
    return caught.value.fields


def test_outreach_fields_are_stored_as_given():
    stored = validate_campaign(campaign(
        sender={"name": "Ada  Lovelace", "email": " Ada@Example.COM "},
        send_window={"start": "09:00", "end": "17:00", "days": ["fri", "mon"], "timezone": "candidate",
                     "fallback_timezone": "Europe/Berlin"},
        step={"subjects": ["Hi {{ candidate.first_name }}", "A role for you"],
              "winner": {"metric": "replies", "test_share": 0.2, "after": "PT4H"}}))
    assert stored["sender"] == {"name": "Ada Lovelace", "email": "ada@example.com"}
    assert stored["send_window"] == {"start": "09:00", "end": "17:00", "days": ["mon", "fri"],
                                     "timezone": "candidate", "fallback_timezone": "Europe/Berlin"}
    assert stored["steps"][0]["subjects"] == ["Hi {{ candidate.first_name }}", "A role for you"]
    assert stored["steps"][0]["winner"] == {"metric": "replies", "test_share": 0.2, "after": "PT4H"}
    plain = validate_campaign(campaign())
    assert plain["sender"] is None and plain["send_window"] is None and "subjects" not in plain["steps"][0]
    assert "replied" in plain["exit_on"]
    assert validate_campaign(campaign(sender={"user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz"}))["sender"] == {
        "user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz"}


@pytest.mark.parametrize("sender", [
    "ada@example.com", {}, {"name": "Ada"}, {"email": "not an address"}, {"user_id": "cand_01"},
    {"user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz", "email": "ada@example.com"},
    {"user_id": "user_01hzzzzzzzzzzzzzzzzzzzzzzz", "name": "Ada"},
    {"name": "Ada\r\nBcc: x@evil.test", "email": "ada@example.com"}, {"name": 'Ada "<x>', "email": "a@example.com"},
    {"name": "\ud800", "email": "ada@example.com"}, {"name": "A" * 101, "email": "ada@example.com"},
    {"name": "Ada", "email": "ada@example.com", "reply_to": "x@example.com"},
])
def test_hostile_senders(sender):
    assert any(field.startswith("sender") for field in refused(campaign(sender=sender)))


@pytest.mark.parametrize("step", [
    {"subjects": ["only one"]}, {"subjects": ["a", "b", "c", "d", "e"]}, {"subjects": ["same", "same"]},
    {"subjects": ["a", "line\nbreak"]}, {"subjects": ["a", "{{ candidate.first_name "]},
    {"subjects": ["a", "{{ secrets }}"]}, {"subjects": ["a", "x" * 201]}, {"subjects": "a, b"},
    {"subjects": ["a", 1]}, {"subjects": ["a", "\ud800"]},
    {"winner": {"metric": "clicks", "test_share": 0.2, "after": "PT4H"}},  # a winner needs subjects
    {"subjects": ["a", "b"], "winner": {"metric": "opens", "test_share": 0.2, "after": "PT4H"}},
    {"subjects": ["a", "b"], "winner": {"metric": "clicks", "test_share": float("nan"), "after": "PT4H"}},
    {"subjects": ["a", "b"], "winner": {"metric": "clicks", "test_share": 0.9, "after": "PT4H"}},
    {"subjects": ["a", "b"], "winner": {"metric": "clicks", "test_share": True, "after": "PT4H"}},
    {"subjects": ["a", "b"], "winner": {"metric": "clicks", "test_share": 0.2, "after": "PT1M"}},
    {"subjects": ["a", "b"], "winner": {"metric": "clicks", "test_share": 0.2, "after": "P99999Y"}},
    {"subjects": ["a", "b"], "winner": "clicks"},
])
def test_hostile_subject_tests(step):
    assert any(field.startswith("steps[0]") for field in refused(campaign(step=step)))


def test_variants_are_stable_and_even_and_the_winner_is_fair():
    picks = [variant_for("camp_1", 0, f"cand_{i}", 3) for i in range(3000)]
    assert picks == [variant_for("camp_1", 0, f"cand_{i}", 3) for i in range(3000)]  # the same every time
    assert all(900 < picks.count(v) < 1100 for v in range(3))
    assert 500 < sum(in_test("camp_1", 0, f"cand_{i}", 0.2) for i in range(3000)) < 700
    results = [{"sent": 100, "clicked": 5, "replied": 1}, {"sent": 50, "clicked": 5, "replied": 0},
               {"sent": 0, "clicked": 0, "replied": 0}]
    assert pick_winner(results, "clicks") == 1 and pick_winner(results, "replies") == 0
    assert pick_winner([{"sent": 10, "clicked": 1}, {"sent": 10, "clicked": 1}], "clicks") == 0  # a tie: the first
