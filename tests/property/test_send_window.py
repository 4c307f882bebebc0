"""The send window (domain/send_window.py): every answer is an open moment, never before now, and no opening is
passed over; hostile bodies are refused with the field's problem."""
import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.bodies import parse_body
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.send_window import DAYS, SendWindow, is_open, next_opening, zone_for

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "Pacific/Chatham",
         "America/St_Johns", "Pacific/Kiritimati", "Pacific/Pago_Pago", "America/Sao_Paulo"]
clock = st.tuples(st.integers(0, 23), st.integers(0, 59)).map(lambda hm: f"{hm[0]:02d}:{hm[1]:02d}")
windows = st.builds(lambda start, end, days: {"start": start, "end": end, "days": days, "timezone": "candidate"},
                    clock, clock, st.lists(st.sampled_from(DAYS), min_size=1, unique=True)).filter(
    lambda w: w["start"] != w["end"])
moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)).map(
    lambda d: d.replace(tzinfo=timezone.utc))


@settings(max_examples=300, deadline=None)
@given(windows, st.sampled_from(ZONES), moments, st.randoms(use_true_random=False))
def test_the_next_opening_is_open_and_none_is_passed_over(window, zone, now, rng):
    opening = next_opening(window, zone, now)
    assert opening >= now and opening - now <= timedelta(days=8)
    assert is_open(window, zone, opening)
    if opening > now:
        span = (opening - now).total_seconds()
        for _ in range(200):  # moments before the opening are all closed
            moment = now + timedelta(seconds=rng.uniform(0, span - 1e-3))
            assert not is_open(window, zone, moment), (moment, opening)


def test_a_window_past_midnight_belongs_to_the_day_it_starts():
    window = {"start": "22:00", "end": "02:00", "days": ["fri"], "timezone": "UTC"}
    saturday_1am = datetime(2026, 11, 28, 1, 0, tzinfo=timezone.utc)  # a Saturday: Friday's window still open
    assert is_open(window, "UTC", saturday_1am)
    assert next_opening(window, "UTC", saturday_1am + timedelta(hours=2)) == datetime(2026, 12, 4, 22, 0,
                                                                                        tzinfo=timezone.utc)


def test_weekend_sends_wait_for_monday_morning_where_the_candidate_lives():
    window = SendWindow.model_validate({"start": "09:00", "end": "17:00"}).stored()
    person = {"city": "Berlin", "country": "DE"}
    zone = zone_for(window, person)
    saturday_noon = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    assert zone == "Europe/Berlin" and window["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert next_opening(window, zone, saturday_noon) == datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("person, fallback, expected", [
    ({"timezone": "Asia/Tokyo", "country": "DE"}, None, "Asia/Tokyo"),  # their own field first
    ({"timezone": "Mars/Olympus", "city": "Austin, TX", "country": "US"}, None, "America/Chicago"),
    ({"country": "US"}, "America/New_York", "America/New_York"),  # several zones, no city: the fallback
    ({}, None, "UTC"),
    (None, "Europe/Paris", "Europe/Paris"),
])
def test_whose_time(person, fallback, expected):
    window = {"start": "09:00", "end": "17:00", "timezone": "candidate", "fallback_timezone": fallback}
    assert zone_for(window, person) == expected
    assert zone_for(dict(window, timezone="Europe/Lisbon"), person) == "Europe/Lisbon"


@pytest.mark.parametrize("body, field", [
    ({"start": "24:00", "end": "17:00"}, "start"),
    ({"start": "9:00", "end": "17:00"}, "start"),
    ({"start": "09:00", "end": "09:00"}, None),
    ({"start": "09:00", "end": "17:00\n"}, "end"),
    ({"start": "09:00", "end": "17:00", "days": []}, "days"),
    ({"start": "09:00", "end": "17:00", "days": ["monday"]}, "days"),
    ({"start": "09:00", "end": "17:00", "days": "mon"}, "days"),
    ({"start": "09:00", "end": "17:00", "timezone": "../../etc/passwd"}, "timezone"),
    ({"start": "09:00", "end": "17:00", "timezone": "Europe/Berlin\ud800"}, "timezone"),
    ({"start": "09:00", "end": "17:00", "timezone": "x" * 100_000}, "timezone"),
    ({"start": "09:00", "end": "17:00", "fallback_timezone": "candidate"}, "fallback_timezone"),
    ({"start": 9, "end": "17:00"}, "start"),
    ({"start": "09:00", "end": "17:00", "extra": 1}, "extra"),
])
def test_hostile_windows_are_refused(body, field):
    with pytest.raises(ValidationError) as refused:
        parse_body(SendWindow, body)
    if field:
        assert field in refused.value.fields


@given(st.dictionaries(st.text(max_size=12), st.one_of(st.none(), st.text(), st.integers(), st.floats(),
                                                        st.lists(st.text(max_size=5))), max_size=6))
def test_any_object_is_a_window_or_a_validation_error(body):
    try:
        window = parse_body(SendWindow, body).stored()
    except ValidationError:
        return
    now = datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=random.Random(str(body)).randint(0, 10**6))
    assert is_open(window, zone_for(window, {}), next_opening(window, zone_for(window, {}), now))
