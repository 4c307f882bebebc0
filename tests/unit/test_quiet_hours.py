"""SMS rules: a person's zone, their local night, DST, phone numbers in E.164, and who may be texted."""
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings, strategies as st

from chalicelib.domain import quiet_hours as qh
from chalicelib.domain.countries import ISO_COUNTRIES, country_zones
from chalicelib.domain.quiet_hours import (
    CITY_ZONES, DEFER, NO_PHONE, NO_SMS_CONSENT, NOT_SUBSCRIBED, SEND, SKIP, country_for_phone, is_quiet,
    next_allowed, normalize_phone, sms_eligibility, timezone_for, zone_for_candidate,
)

UTC = timezone.utc
ALL_ZONES = sorted({zone for country in ISO_COUNTRIES for zone in country_zones(country)}
                   | {zone for cities in CITY_ZONES.values() for zone in cities.values()})


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


# --- sources: the tz database (tzdata's iso3166.tab and zone.tab) ----------------------------------

def test_every_inhabited_iso_country_has_a_zone():
    assert len(ISO_COUNTRIES) == 249
    assert {country for country in ISO_COUNTRIES if not country_zones(country)} == {"BV", "HM"}  # uninhabited


def test_every_zone_exists_and_city_zones_are_their_countrys():
    known = available_timezones()
    assert [zone for zone in ALL_ZONES if zone not in known] == []
    for zone in ALL_ZONES:
        ZoneInfo(zone)
    assert {(country, zone) for country, cities in CITY_ZONES.items() for zone in cities.values()
            if zone not in country_zones(country)} == set()


# --- zones ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("country, city, zone", [
    ("GB", "London", "Europe/London"),
    ("GB", None, "Europe/London"),
    ("DE", "Whatever town", "Europe/Berlin"),
    ("IN", "Bengaluru", "Asia/Kolkata"),
    ("JP", None, "Asia/Tokyo"),
    ("NZ", "Wellington", "Pacific/Auckland"),
    ("gb", "", "Europe/London"),        # lower case
    ("UK", None, "Europe/London"),      # common alias
    (" fr ", None, "Europe/Paris"),
])
def test_single_zone_countries(country, city, zone):
    assert timezone_for(country, city) == zone


@pytest.mark.parametrize("country, city, zone", [
    ("US", "San Francisco", "America/Los_Angeles"),
    ("US", "seattle", "America/Los_Angeles"),
    ("US", "LOS ANGELES", "America/Los_Angeles"),
    ("US", "Denver", "America/Denver"),
    ("US", "Phoenix", "America/Phoenix"),
    ("US", "Chicago", "America/Chicago"),
    ("US", "Austin, TX", "America/Chicago"),
    ("US", "New York", "America/New_York"),
    ("US", "Boston", "America/New_York"),
    ("US", "Honolulu", "Pacific/Honolulu"),
    ("US", "Springfield, IL", "America/Chicago"),     # unknown city, known state code
    ("US", "El Paso, TX", "America/Denver"),          # the city wins over its state's main zone
    ("US", "Smallville", None),     # unknown: no source ranks the US zones; New York was a guess, wrong in the west
    ("US", None, None),
    ("ES", None, None),             # Madrid or the Canaries
    ("CA", "Vancouver", "America/Vancouver"),
    ("CA", "Montréal", "America/Toronto"),
    ("CA", "Calgary", "America/Edmonton"),
    ("CA", "St. John's", "America/St_Johns"),
    ("CA", "Saint John's", "America/St_Johns"),
    ("AU", "Perth", "Australia/Perth"),
    ("AU", "Brisbane", "Australia/Brisbane"),
    ("AU", "Bunbury, WA", "Australia/Perth"),
    ("AU", "Alice Springs", "Australia/Darwin"),     # Central time (the old fallback said Sydney)
    ("AU", "Launceston, TAS", "Australia/Hobart"),
    ("AR", "Cordoba", "America/Argentina/Buenos_Aires"),  # all of Argentina keeps one time
    ("MN", "Hovd", "Asia/Hovd"),
    ("CN", None, None),
    ("CN", "Urumqi", "Asia/Urumqi"),                 # a tz database city name, not in the table
    ("BR", "São Paulo", "America/Sao_Paulo"),
    ("BR", "Sao Paulo", "America/Sao_Paulo"),
    ("BR", "Manaus", "America/Manaus"),
    ("RU", "Novosibirsk", "Asia/Novosibirsk"),
    ("RU", "Санкт-Петербург", "Europe/Moscow"),
    ("RU", "St Petersburg", "Europe/Moscow"),
    ("RU", "Vladivostok", "Asia/Vladivostok"),
    ("MX", "Cancún", "America/Cancun"),
    ("MX", "Tijuana", "America/Tijuana"),
    ("ID", "Denpasar (Bali)", "Asia/Makassar"),
    ("ID", "Jayapura", "Asia/Jayapura"),
    ("ES", "Las Palmas de Gran Canaria", "Atlantic/Canary"),
    ("ES", "Madrid", "Europe/Madrid"),
    ("GB", "Perth", "Europe/London"),                 # cities are looked up within the country
])
def test_multi_zone_countries_use_the_city(country, city, zone):
    assert timezone_for(country, city) == zone


@pytest.mark.parametrize("country", [None, "", "ZZ", "Narnia", 42, "BV"])
def test_unknown_country_is_an_unknown_zone(country):
    # None, not the old "UTC": an unknown zone is said so; SMS then never texts (see the eligibility tests)
    assert timezone_for(country, "San Francisco") is None


def test_missing_country_is_taken_from_the_phone():
    assert zone_for_candidate({"phone": "+44 20 7946 0958"}) == "Europe/London"
    assert zone_for_candidate({"phone": "+61 8 9123 4567", "city": "Perth"}) == "Australia/Perth"
    assert zone_for_candidate({"phone": "020 7946 0958"}) is None  # national: country unknown
    assert zone_for_candidate({"country": "FR", "phone": "+44 20 7946 0958"}) == "Europe/Paris"


@pytest.mark.parametrize("phone, country", [
    ("+1 415 555 0100", "US"),
    ("+1 416 555 0100", "CA"),      # Toronto's area code (the old calling-code table said US for every +1)
    ("+7 912 345 6789", "RU"),
    ("+7 701 234 5678", "KZ"),      # +7 7xx is Kazakhstan (the old table said Russia)
    ("+44 20 7946 0958", "GB"), ("+353 1 234 5678", "IE"), ("+262 262 12 34 56", "RE"), ("+999 1234", None),
    ("442079460958", None), ("+800 1234 5678", None),  # international freephone: no country
])
def test_country_for_phone(phone, country):
    assert country_for_phone(normalize_phone(phone, None) if phone.startswith("+") else phone) == country


# --- quiet hours ----------------------------------------------------------------------------------

@pytest.mark.parametrize("moment, quiet", [
    (utc(2026, 1, 15, 21, 59, 59), False),
    (utc(2026, 1, 15, 22, 0), True),
    (utc(2026, 1, 15, 23, 30), True),
    (utc(2026, 1, 16, 0, 0), True),      # across midnight
    (utc(2026, 1, 16, 7, 59, 59), True),
    (utc(2026, 1, 16, 8, 0), False),
    (utc(2026, 1, 16, 12, 0), False),
    (utc(2026, 7, 15, 21, 0), True),     # 22:00 BST
    (utc(2026, 7, 15, 20, 59), False),
    (utc(2026, 7, 16, 7, 0), False),     # 08:00 BST
    (utc(2026, 7, 16, 6, 59), True),
])
def test_quiet_in_london(moment, quiet):
    assert is_quiet(moment, "Europe/London") is quiet


def test_quiet_is_local_time():
    moment = utc(2026, 1, 15, 14, 0)  # 14:00 London, 23:00 Tokyo, 06:00 San Francisco, 19:30 Kolkata
    assert not is_quiet(moment, "Europe/London")
    assert is_quiet(moment, "Asia/Tokyo")
    assert is_quiet(moment, "America/Los_Angeles")
    assert not is_quiet(moment, "Asia/Kolkata")


def test_custom_windows():
    moment = utc(2026, 1, 15, 13, 0)
    assert is_quiet(moment, "UTC", start_hour=12, end_hour=14)       # a window within one day
    assert not is_quiet(moment, "UTC", start_hour=14, end_hour=12)
    assert not is_quiet(moment, "UTC", start_hour=8, end_hour=8)    # empty window
    assert next_allowed(moment, "UTC", start_hour=12, end_hour=14) == utc(2026, 1, 15, 14, 0)
    assert next_allowed(utc(2026, 1, 15, 21, 0), "UTC", start_hour=20, end_hour=6) == utc(2026, 1, 16, 6, 0)


def test_naive_times_are_utc():
    assert is_quiet(datetime(2026, 1, 15, 23, 0), "Europe/London")
    assert next_allowed(datetime(2026, 1, 15, 23, 0), "Europe/London") == utc(2026, 1, 16, 8, 0)


@pytest.mark.parametrize("moment, expected", [
    (utc(2026, 1, 15, 12, 0), utc(2026, 1, 15, 12, 0)),       # not quiet: now
    (utc(2026, 1, 15, 22, 0), utc(2026, 1, 16, 8, 0)),        # evening: tomorrow morning
    (utc(2026, 1, 16, 3, 0), utc(2026, 1, 16, 8, 0)),         # small hours: this morning
    (utc(2026, 12, 31, 23, 0), utc(2027, 1, 1, 8, 0)),        # across the year
    (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 7, 0)),        # clocks go forward: 08:00 BST
    (utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 8, 0)),      # clocks go back: 08:00 GMT
    (utc(2026, 10, 25, 7, 30), utc(2026, 10, 25, 8, 0)),
])
def test_next_allowed_london(moment, expected):
    assert next_allowed(moment, "Europe/London") == expected


def test_new_york_spring_forward():
    # 2026-03-08: 02:00 EST becomes 03:00 EDT. The night before starts 22:00 EST (03:00Z) and ends 08:00 EDT.
    zone = "America/New_York"
    assert not is_quiet(utc(2026, 3, 8, 2, 59), zone)
    assert is_quiet(utc(2026, 3, 8, 3, 0), zone)
    assert next_allowed(utc(2026, 3, 8, 3, 0), zone) == utc(2026, 3, 8, 12, 0)   # a 9-hour night
    assert is_quiet(utc(2026, 3, 8, 11, 59), zone)
    assert not is_quiet(utc(2026, 3, 8, 12, 0), zone)
    assert next_allowed(utc(2026, 3, 7, 12, 0), zone) == utc(2026, 3, 7, 13, 0)  # day before: 08:00 EST


def test_new_york_fall_back():
    # 2026-11-01: 02:00 EDT becomes 01:00 EST. The night starts 22:00 EDT (02:00Z) and ends 08:00 EST.
    zone = "America/New_York"
    assert not is_quiet(utc(2026, 11, 1, 1, 59), zone)
    assert is_quiet(utc(2026, 11, 1, 2, 0), zone)
    assert next_allowed(utc(2026, 11, 1, 2, 0), zone) == utc(2026, 11, 1, 13, 0)  # an 11-hour night
    assert is_quiet(utc(2026, 11, 1, 6, 30), zone)   # 01:30 EST, the repeated hour
    assert is_quiet(utc(2026, 11, 1, 12, 59), zone)
    assert not is_quiet(utc(2026, 11, 1, 13, 0), zone)


def test_next_allowed_is_utc_and_whole():
    result = next_allowed(utc(2026, 1, 15, 23, 12, 34, 567000), "Asia/Kolkata")
    assert result.tzinfo == UTC
    assert result == utc(2026, 1, 16, 2, 30)  # 08:00 IST


@settings(max_examples=500, deadline=None)
@given(moment=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2037, 12, 31),
                           timezones=st.just(UTC)),
       zone=st.sampled_from(ALL_ZONES))
def test_next_allowed_property(moment, zone):
    result = next_allowed(moment, zone)
    assert result >= moment
    assert not is_quiet(result, zone)
    # A night is 10 hours, longer by as much as the clocks go back during it (an hour for DST;
    # two in Magadan in 2014).
    tz = ZoneInfo(zone)
    setback = max(timedelta(0), moment.astimezone(tz).utcoffset() - result.astimezone(tz).utcoffset())
    assert result - moment <= timedelta(hours=10) + setback
    assert setback <= timedelta(hours=2)
    if not is_quiet(moment, zone):
        assert result == moment
    else:
        assert result.astimezone(ZoneInfo(zone)).minute == 0
        assert is_quiet(result - timedelta(seconds=1), zone)  # the first allowed moment, not a later one


# --- phone numbers --------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, country, expected", [
    ("+44 20 7946 0958", None, "+442079460958"),
    ("+44 20 7946 0958", "US", "+442079460958"),      # international form wins over the country
    ("+44 (0)20 7946 0958", "GB", "+442079460958"),
    ("+1 (415) 555-0100", None, "+14155550100"),
    ("+49-30-1234567", None, "+49301234567"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("07911 123456", "GB", "+447911123456"),
    ("0044 20 7946 0958", "GB", "+442079460958"),
    ("0044 20 7946 0958", None, "+442079460958"),
    ("447911123456", "GB", "+447911123456"),          # international without the "+"
    ("7911 123456", "GB", "+447911123456"),           # trunk 0 left off
    ("6 12 34 56 78", "FR", "+33612345678"),
    ("33 6 12 34 56 78", "FR", "+33612345678"),
    ("138 0013 8000", "CN", "+8613800138000"),
    ("86 138 0013 8000", "CN", "+8613800138000"),
    ("812 123 4567", "RU", "+78121234567"),           # St Petersburg, starting with 8 but no trunk
    ("8 812 123 4567", "RU", "+78121234567"),
    ("7 912 345 67 89", "RU", "+79123456789"),
    ("91 98765 43210", "IN", "+919876543210"),
    ("9198765432", "IN", "+919198765432"),            # ten digits: national, though it starts with 91
    ("11 91234 5678", "BR", "+5511912345678"),
    ("030 1234567", "DE", "+49301234567"),
    ("01 23 45 67 89", "FR", "+33123456789"),
    ("087 123 4567", "IE", "+353871234567"),
    ("0412 345 678", "AU", "+61412345678"),
    ("0011 44 20 7946 0958", "AU", "+442079460958"),
    ("090-1234-5678", "JP", "+819012345678"),
    ("(415) 555-0100", "US", "+14155550100"),
    ("415.555.0100", "US", "+14155550100"),
    ("1 415 555 0100", "US", "+14155550100"),
    ("011 44 20 7946 0958", "US", "+442079460958"),
    ("(416) 555-0100", "CA", "+14165550100"),
    ("612 34 56 78", "ES", "+34612345678"),
    ("34 612 34 56 78", "ES", "+34612345678"),
    ("912 345 678", "PT", "+351912345678"),
    ("55 1234 5678", "MX", "+525512345678"),
    ("8 912 345-67-89", "RU", "+79123456789"),
    ("06 30 123 4567", "HU", "+36301234567"),
    ("06 1234 5678", "IT", "+390612345678"),          # Italy keeps the 0
    ("98765 43210", "in", "+919876543210"),
    ("098765 43210", "IN", "+919876543210"),
])
def test_normalize_phone(raw, country, expected):
    assert normalize_phone(raw, country) == expected


@pytest.mark.parametrize("raw, country", [
    (None, "GB"), ("", "GB"), ("   ", "GB"),
    ("020 7946 0958", None),        # national, country unknown
    ("020 7946 0958", "ZZ"),
    ("7911 1234", "GB"),            # no trunk 0, no calling code, and too short for a national number
    ("1234 5678 9012", "FR"),
    ("phone me", "GB"),
    ("+44 20 7946 0958 ext 12", None),
    ("+44 123", None),              # too short
    ("+44 1234 5678 9012 3456", None),  # too long
    ("+0 123 456 789", None),
    ("+999 1234 5678", None),       # no such calling code
    ("555-0100", "US"),             # seven digits
    ("(015) 555-0100", "US"),       # area codes never start with 0 or 1
    ("0612 345 678", "ES"),         # Spain has no trunk 0
    ("12345", "ES"),
    ("+44 20 +7946", None),
    (4155550100, "US"),
])
def test_normalize_phone_refuses(raw, country):
    assert normalize_phone(raw, country) is None


# --- eligibility ----------------------------------------------------------------------------------

def person(**fields):
    return {"status": "subscribed", "sms_consent": True, "phone": "+44 7911 123456", "country": "GB",
            "city": "London", **fields}


DAY = utc(2026, 1, 15, 12, 0)
NIGHT = utc(2026, 1, 15, 23, 0)


def test_the_skip_reasons_listed_are_exactly_those_eligibility_gives():
    """Reports count skips by SKIP_REASONS: a reason given but not listed, or listed but never given, fails."""
    given = {sms_eligibility({k: v for k, v in person(**fields).items() if v is not None}, DAY)[1]
             for fields in ({"sms_consent": False}, {"status": "pending"}, {"phone": None}, {"phone": "7911 1234"})}
    assert given == set(qh.SKIP_REASONS) and len(qh.SKIP_REASONS) == len(given)


@pytest.mark.parametrize("fields, decision", [
    ({}, (SEND, None)),
    ({"sms_consent": False}, (SKIP, NO_SMS_CONSENT)),
    ({"sms_consent": None}, (SKIP, NO_SMS_CONSENT)),
    ({"sms_consent": "true"}, (SKIP, NO_SMS_CONSENT)),   # only a real True is consent
    ({"status": "pending"}, (SKIP, NOT_SUBSCRIBED)),
    ({"status": "unsubscribed"}, (SKIP, NOT_SUBSCRIBED)),
    ({"status": "bounced"}, (SKIP, NOT_SUBSCRIBED)),
    ({"phone": None}, (SKIP, NO_PHONE)),
    ({"phone": "not a number"}, (SKIP, NO_PHONE)),
    ({"phone": "7911 1234"}, (SKIP, NO_PHONE)),
    ({"phone": "07911 123456"}, (SEND, None)),
    ({"sms_consent": False, "status": "unsubscribed", "phone": None}, (SKIP, NO_SMS_CONSENT)),
    ({"status": "unsubscribed", "phone": None}, (SKIP, NOT_SUBSCRIBED)),
])
def test_eligibility_in_the_day(fields, decision):
    candidate = person(**fields)
    candidate = {k: v for k, v in candidate.items() if v is not None}
    assert sms_eligibility(candidate, DAY) == decision


def test_eligibility_defers_at_local_night():
    assert sms_eligibility(person(), NIGHT) == (DEFER, utc(2026, 1, 16, 8, 0))
    # 12:00Z is 04:00 in San Francisco, 07:00 in New York
    west = person(country="US", city="San Francisco, CA", phone="+1 415 555 0100")
    assert sms_eligibility(west, DAY) == (DEFER, utc(2026, 1, 15, 16, 0))
    east = person(country="US", city="Boston", phone="(617) 555-0100")
    assert sms_eligibility(east, DAY) == (DEFER, utc(2026, 1, 15, 13, 0))
    assert sms_eligibility(east, utc(2026, 1, 15, 13, 0)) == (SEND, None)


def test_eligibility_without_country_uses_the_phone():
    tokyo = person(country=None, city=None, phone="+81 90 1234 5678")
    assert sms_eligibility(tokyo, DAY) == (SEND, None)                                       # 21:00 JST
    assert sms_eligibility(tokyo, utc(2026, 1, 15, 13, 0)) == (DEFER, utc(2026, 1, 15, 23, 0))  # 22:00 JST
    nowhere = person(country=None, city=None, phone="+999 1234 5678")
    assert sms_eligibility(nowhere, DAY) == (SKIP, NO_PHONE)
