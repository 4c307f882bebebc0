"""Phone numbers and zones from phonenumbers and the tz database, checked over classes of numbers:
every region's example numbers, invalid numbers, +7 7xx, NANP area codes, and people whose zone is unknown."""
from datetime import datetime, timedelta, timezone

import phonenumbers
import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain.countries import ISO_COUNTRIES
from chalicelib.domain.phones import ImpossiblePhone, country_for_phone, normalize_phone, profile_phone
from chalicelib.domain.quiet_hours import (
    DEFER, NO_PHONE, SEND, SKIP, is_quiet, possible_zones, sms_eligibility, timezone_for, zone_for_candidate,
)

E164, NATIONAL, INTERNATIONAL = (phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.NATIONAL,
                                 phonenumbers.PhoneNumberFormat.INTERNATIONAL)
REGIONS = sorted(set(phonenumbers.SUPPORTED_REGIONS) & ISO_COUNTRIES)
TYPES = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31),
                       timezones=st.just(timezone.utc))


def example(region, kind):
    number = phonenumbers.example_number_for_type(region, kind)
    if number is None or not phonenumbers.is_valid_number(number):
        return None
    return number


# --- valid numbers: every region's, written as its people write them ------------------------------

@settings(max_examples=400, deadline=None)
@given(region=st.sampled_from(REGIONS), kind=st.sampled_from(TYPES))
def test_every_regions_valid_numbers_read_to_e164(region, kind):
    number = example(region, kind)
    if number is None:
        return
    e164 = phonenumbers.format_number(number, E164)
    national = phonenumbers.format_number(number, NATIONAL)
    assert normalize_phone(national, region) == e164            # the old hand rules missed many countries' forms
    assert normalize_phone(phonenumbers.format_number(number, INTERNATIONAL), None) == e164
    assert normalize_phone(e164, "GB" if region != "GB" else "FR") == e164  # "+" wins over the country
    assert profile_phone(national, region) == e164
    assert profile_phone(national, None) == national                # national digits, no country: kept as typed


# --- invalid numbers: refused for texting; impossible ones refused outright -----------------------

@settings(max_examples=300, deadline=None)
@given(region=st.sampled_from(REGIONS))
def test_invalid_numbers_are_never_normalized(region):
    number = phonenumbers.invalid_example_number(region)
    if number is None:
        return
    assert normalize_phone(phonenumbers.format_number(number, E164), None) is None
    assert normalize_phone(phonenumbers.format_number(number, NATIONAL), region) is None


@pytest.mark.parametrize("raw", [
    "+1 555 555 0100",     # no area code 555 (the old rules took any ten digits after +1)
    "+1 311 555 0100",     # N11 codes are services, not area codes
    "+44 7700 900123",     # reserved for drama
    "+44 1632 960123",     # reserved for drama
    "+33 0 12 34 56 78",
    "+7 012 345 6789",
])
def test_unassigned_ranges_are_not_texted_but_kept(raw):
    assert normalize_phone(raw, None) is None
    assert profile_phone(raw, None) == raw  # possible: the data may trail a new range; never texted


@settings(max_examples=200, deadline=None)
@given(code=st.sampled_from(["1", "7", "33", "44", "49", "61", "81", "86", "91", "353", "971"]),
       digits=st.text("0123456789", min_size=1, max_size=3), spaces=st.booleans())
def test_too_short_numbers_are_impossible(code, digits, spaces):
    raw = f"+{code} {digits}" if spaces else f"+{code}{digits}"
    with pytest.raises(ImpossiblePhone, match="too short|wrong number"):
        profile_phone(raw, None)
    assert normalize_phone(raw, None) is None


@settings(max_examples=200, deadline=None)
@given(region=st.sampled_from(["US", "FR", "GB", "AU", "DE", "IN", "BR", "JP", "CN"]), extra=st.integers(1, 4),
       digits=st.text("23456789", min_size=21, max_size=21))  # no 0 or 1: trunk and carrier prefixes are dropped
def test_too_long_numbers_are_impossible(region, extra, digits):
    longest = max(phonenumbers.PhoneMetadata.metadata_for_region(region).general_desc.possible_length)
    code = phonenumbers.country_code_for_region(region)
    raw = f"+{code} {digits[:longest + extra]}"
    with pytest.raises(ImpossiblePhone, match="too long|wrong number"):
        profile_phone(raw, None)
    assert normalize_phone(raw, None) is None


@pytest.mark.parametrize("raw", ["+999 1234 5678", "+0 123 456 789", "+89 1234 5678", "00 999 1234 5678", "+"])
def test_no_such_calling_code_is_impossible(raw):
    with pytest.raises(ImpossiblePhone):
        profile_phone(raw, None)


# --- the country of a number ----------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(prefix=st.sampled_from(["700", "701", "702", "705", "707", "747", "771", "775", "776", "777", "778", "7172",
                               "727"]),
       rest=st.text("0123456789", min_size=10, max_size=10))
def test_plus_seven_seven_is_kazakhstan(prefix, rest):
    phone = "+7" + (prefix + rest)[:10]
    if normalize_phone(phone, None) is None:
        return
    assert country_for_phone(phone) == "KZ"                       # was Russia
    assert zone_for_candidate({"phone": phone}) == "Asia/Almaty"   # was Moscow, two hours off


AREA_CODES = [("212", "US", "America/New_York"), ("617", "US", "America/New_York"),
              ("312", "US", "America/Chicago"), ("512", "US", "America/Chicago"),
              ("303", "US", "America/Denver"), ("602", "US", "America/Phoenix"),
              ("415", "US", "America/Los_Angeles"), ("206", "US", "America/Los_Angeles"),
              ("702", "US", "America/Los_Angeles"), ("808", "US", "Pacific/Honolulu"),
              ("416", "CA", "America/Toronto"), ("604", "CA", "America/Vancouver"), ("403", "CA", "America/Edmonton")]


@settings(max_examples=150, deadline=None)
@given(area=st.sampled_from(AREA_CODES), line=st.integers(100, 199), style=st.sampled_from(["+1 {} 555 0{}",
                                                                                            "({}) 555-0{}"]))
def test_north_american_numbers_take_their_area_codes_zone(area, line, style):
    code, country, zone = area
    phone = style.format(code, str(line)[1:].rjust(3, "1"))
    profile = {"phone": phone, "country": country} if phone.startswith("(") else {"phone": phone}
    assert zone_for_candidate(profile) == zone                     # was New York for every +1 without a city
    assert zone_for_candidate({**profile, "country": country, "city": "Smallville"}) == zone
    if phone.startswith("+"):
        assert country_for_phone(phone) == country


# --- unknown zones: never a text at someone's night -----------------------------------------------

# (country, a number that does not tell the zone): freephone, or a mobile of a country whose mobiles roam it.
UNPLACED = [("US", "+1 800 555 0100"), ("CA", "+1 888 555 0123"), ("RU", "+7 912 345 6789"),
            ("AU", "+61 412 345 678"), ("BR", "+55 11 91234 5678"), ("MX", "+52 55 1234 5678"),
            ("ES", "+34 612 34 56 78"), ("ID", "+62 812 3456 789"), ("CL", "+56 9 6123 4567")]


@settings(max_examples=500, deadline=None)
@given(person=st.sampled_from(UNPLACED), truth=st.integers(0, 30), moment=moments)
def test_a_person_of_unknown_zone_is_never_texted_at_night(person, truth, moment):
    country, phone = person
    zones = possible_zones(country, None, normalize_phone(phone, None))
    real = zones[truth % len(zones)]  # wherever in the country they really are
    candidate = {"status": "subscribed", "sms_consent": True, "phone": phone, "country": country}
    verdict, detail = sms_eligibility(candidate, moment)
    if verdict == SEND:
        assert not is_quiet(moment, real)
    elif verdict == DEFER:
        assert detail > moment and not is_quiet(detail, real)
        assert detail - moment <= timedelta(hours=24)
    else:  # every one of these countries has hours that are day in all its zones
        raise AssertionError((verdict, detail))


def test_unknown_zones_are_said_so_and_known_ones_named():
    assert timezone_for("US", None) is None and len(possible_zones("US", None)) == 8
    assert timezone_for("US", None, "+14155550100") == "America/Los_Angeles"
    assert timezone_for("DE", None) == "Europe/Berlin"   # Busingen keeps Berlin's clocks: one zone
    assert timezone_for("KZ", None) == "Asia/Almaty"      # one time since 2024
    assert timezone_for("AU", None, "+61891234567") is None  # +61 8: Perth or Adelaide


@pytest.mark.parametrize("moment", [datetime(2026, 1, 15, h, tzinfo=timezone.utc) for h in range(24)])
def test_zones_that_never_share_a_day_are_never_texted(moment):
    # Antarctica's stations run from UTC-3 to UTC+13: at every hour it is night at one of them.
    candidate = {"status": "subscribed", "sms_consent": True, "phone": "+44 20 7946 0958", "country": "AQ"}
    assert sms_eligibility(candidate, moment) == (SKIP, NO_PHONE)
    # ... but a New Zealand number at McMurdo (Auckland's clocks) tells the zone
    assert sms_eligibility({**candidate, "phone": "+64 21 123 4567"}, moment)[0] in (SEND, DEFER)


def test_a_number_of_no_country_is_not_texted():
    candidate = {"status": "subscribed", "sms_consent": True, "phone": "+800 1234 5678"}
    assert normalize_phone("+800 1234 5678", None) == "+80012345678"
    assert sms_eligibility(candidate, datetime(2026, 1, 15, 12, tzinfo=timezone.utc)) == (SKIP, NO_PHONE)
