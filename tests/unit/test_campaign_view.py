"""The wizard's outreach settings between form and body, and in words (chalicelib/web/campaign_view.py): the
sender, the send window, a step's subject test (a percent a share, "4 hours" PT4H), waits by reason."""
import pytest

from chalicelib.domain.campaigns import validate_campaign_patch
from chalicelib.domain.errors import ValidationError
from chalicelib.web import campaign_view as view

MEMBERS = {"user_1": "Grace Hopper <grace@example.com>"}


def sender_form(**fields):
    return {"sender": "company", "sender_user_id": "", "sender_name": "", "sender_email": "", **fields}


@pytest.mark.parametrize("stored", [None, {"user_id": "user_1"}, {"name": "Ada", "email": "ada@example.com"},
                                    {"email": "ada@example.com"}])
def test_a_sender_goes_to_the_form_and_back(stored):
    assert view.sender_body(view.sender_values(stored), MEMBERS) == stored


def test_a_sender_the_form_cannot_say_is_a_problem_on_its_field():
    for fields, name in (({"sender": "member"}, "sender_user_id"),
                         ({"sender": "member", "sender_user_id": "user_2"}, "sender_user_id"),
                         ({"sender": "boss"}, "sender")):
        with pytest.raises(ValidationError) as raised:
            view.sender_body(sender_form(**fields), MEMBERS)
        assert list(raised.value.fields) == [name]
    assert view.sender_body(sender_form(sender="other", sender_name="  ", sender_email="a@b.example"), {}) == {
        "email": "a@b.example"}  # a blank name: the address alone


@pytest.mark.parametrize("window", [None,
                                    {"start": "09:00", "end": "17:00", "days": ["mon", "fri"], "timezone": "candidate",
                                     "fallback_timezone": "Europe/Berlin"},
                                    {"start": "22:00", "end": "02:00", "days": ["sat"], "timezone": "Asia/Tokyo",
                                     "fallback_timezone": None}])
def test_a_window_goes_to_the_form_and_back(window):
    body = view.window_body(view.window_values(window))
    assert body == window
    if window:
        assert validate_campaign_patch({"send_window": body})["send_window"] == window


def test_a_window_in_words():
    window = {"start": "09:00", "end": "17:00", "days": ["mon", "tue", "wed", "thu", "fri"], "timezone": "candidate"}
    assert view.window_words(window) == ("09:00 to 17:00, Monday to Friday, in each candidate's time (their time "
                                         "zone, else their city's, else UTC)")
    assert view.window_words(None) == "Any time: no send window"
    assert view.window_words({**window, "start": "22:00", "end": "06:00", "days": ["sat", "sun"],
                              "timezone": "America/New_York"}) == (
        "22:00 to 06:00 (past midnight), Saturday, Sunday, America/New York time")
    assert view.days_words(["mon", "wed", "fri"]) == "Monday, Wednesday, Friday"
    assert view.days_words(list(view.DAYS)) == "every day"
    assert view.days_words(["tue", "wed", "thu"]) == "Tuesday to Thursday"


def test_a_subject_test_goes_to_the_form_and_back():
    step = {"template_id": "tmpl_1", "subjects": ["A", "B"],
            "winner": {"metric": "clicks", "test_share": 0.2, "after": "PT4H"}}
    values = view.test_values(step)
    assert values == {"subjects": ["A", "B", "", ""], "winner_metric": "clicks", "winner_share": "20",
                      "winner_after": "4 hours"}
    assert view.test_body(values) == {"subjects": ["A", "B"], "winner": step["winner"]}
    assert view.test_body(view.test_values()) == {}  # a new step: no test
    assert view.test_words(step) == "2 subjects; 20% get them first, the rest get the winner by clicks after 4 hours"
    assert view.test_words({"subjects": ["A", "B", "C"]}) == "3 subjects, each to an equal share"


@pytest.mark.parametrize("share, expected", [("20", 0.2), ("12.5 %", 0.125), ("5%", 0.05), ("0", 0.0),
                                             ("101", None), ("-5", None), ("nan", None), ("inf", None), ("", None),
                                             ("twenty", None)])
def test_a_share_is_read_as_a_percent(share, expected):
    values = {**view.test_values(), "subjects": ["A", "B", "", ""], "winner_metric": "replies", "winner_share": share}
    if expected is None:
        with pytest.raises(ValidationError) as raised:
            view.test_body(values)
        assert raised.value.fields == {"winner_share": view.SHARE_PROBLEM}
    else:
        assert view.test_body(values)["winner"]["test_share"] == expected


def test_a_wait_is_read_as_people_write_it():
    values = {**view.test_values(), "subjects": ["A", "B", "", ""], "winner_metric": "clicks"}
    assert view.test_body({**values, "winner_after": "2 days"})["winner"]["after"] == "P2D"
    with pytest.raises(ValidationError) as raised:
        view.test_body({**values, "winner_after": "whenever", "winner_share": "x"})
    assert set(raised.value.fields) == {"winner_after", "winner_share"}  # both at once
    assert view.test_problem("winner_after", "a duration from PT1H") == view.WAIT_PROBLEM
    assert view.test_problem("subjects", "as said") == "as said"
