import pytest

from chalicelib.domain.candidates import (
    apply_patch, changed_fields, merge_fill, merge_update, validate_new_candidate, validate_patch,
    validate_profile,
)
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.skills import normalize_skill


@pytest.mark.parametrize("raw, expected", [
    ("JS", "javascript"), (" k8s ", "kubernetes"), ("Node JS", "node.js"), ("Python", "python"),
    ("Machine   Learning", "machine learning"), ("golang", "go"),
])
def test_skill_aliases(raw, expected):
    assert normalize_skill(raw) == expected


def test_profile_is_normalized():
    profile = validate_profile({
        "first_name": "  Ada ", "skills": "JS, k8s;Python|js", "country": "gb", "remote_ok": "yes",
        "linkedin_url": "linkedin.com/in/ada", "seniority": "Senior", "phone": "+44 20 7946 0958",
    })
    assert profile == {
        "first_name": "Ada", "skills": ["javascript", "kubernetes", "python"], "country": "GB",
        "remote_ok": True, "linkedin_url": "https://linkedin.com/in/ada", "seniority": "senior",
        "phone": "+442079460958",  # a valid number is stored in E.164 (it was kept as typed)
    }


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        validate_profile({"country": "Britain", "remote_ok": "maybe", "linkedin_url": "ftp://x", "stage": "won"})
    assert set(caught.value.fields) == {"country", "remote_ok", "linkedin_url", "stage"}


def test_status_subscribed_cannot_be_set_by_hand():
    with pytest.raises(ValidationError) as caught:
        validate_patch({"status": "subscribed"})
    assert "status" in caught.value.fields
    assert validate_patch({"status": "unsubscribed"}) == {"status": "unsubscribed"}


def test_unknown_fields_and_email_change_are_refused():
    with pytest.raises(ValidationError) as caught:
        validate_new_candidate({"email": "a@b.com", "favourite_colour": "blue"})
    assert caught.value.fields == {"favourite_colour": "unknown field"}
    with pytest.raises(ValidationError) as caught:
        validate_patch({"email": "new@b.com"})
    assert "email" in caught.value.fields


def test_merges_never_blank_and_differ_in_who_wins():
    existing = {"first_name": "Ada", "city": None, "skills": ["python"]}
    incoming = {"first_name": "Augusta", "city": "London", "skills": ["aws", "python"], "last_name": None}
    assert merge_fill(existing, incoming) == {"first_name": "Ada", "city": "London", "skills": ["python", "aws"]}
    assert merge_update(existing, incoming) == {"first_name": "Augusta", "city": "London", "skills": ["python", "aws"]}


def test_patch_clears_with_null_and_replaces_lists():
    existing = {"first_name": "Ada", "skills": ["python", "aws"]}
    assert apply_patch(existing, {"first_name": None, "skills": ["go"]}) == {"first_name": None, "skills": ["go"]}
    assert changed_fields(existing, existing) == []
    assert changed_fields({"city": None}, {"city": ""}) == []


# ---------------------------------------------------------------- hostile text (issue #11, class 6)

@pytest.mark.parametrize("value", ["Ada\x00", "Ada\x1b[2J", "A\x7fda", "Ada\x9b", "Ada\u2028", "Ada\u2029x", "\x0bAda",
                                   "Ada\ud800"])
@pytest.mark.parametrize("field", ["first_name", "last_name", "city", "source", "seniority", "phone", "country"])
def test_control_characters_and_lone_surrogates_in_text_are_refused(field, value):
    with pytest.raises(ValidationError) as caught:
        validate_profile({field: value})
    assert field in caught.value.fields


@pytest.mark.parametrize("items", [["go", "py\x00"], "go,\x1bpy", ["\x85go"], [{"skill": "go"}], [["go"]], [True]])
def test_list_items_are_text_without_controls(items):
    with pytest.raises(ValidationError) as caught:
        validate_profile({"skills": items})
    assert "skills" in caught.value.fields


def test_tabs_and_line_breaks_in_one_line_text_collapse():
    assert validate_profile({"first_name": "Ada\r\n Augusta\t", "city": "\nLondon"}) == {
        "first_name": "Ada Augusta", "city": "London"}


@pytest.mark.parametrize("url", [
    "https://x.com/a\r\nSet-Cookie: a=b", "https://x.com/a\nb", "https://x.com/\x00", "https://x.com/a b",
    "https:/x.com",
    'https://x.com/"><script>', "https://x.com/<a>", "https://u:p@x.com/", "https://@x.com/", "javascript:alert(1)",
    "data:text/html,x", "ftp://x.com/", "https://localhost/", "https://x.com:0x1/", "https://x.com:70000/",
    "https://x.com/\u2028", "http://" + "a" * 500 + ".com/",
])
def test_url_fields_refuse_anything_but_a_plain_http_url(url):
    for field in ("linkedin_url", "portfolio_url"):
        with pytest.raises(ValidationError) as caught:
            validate_profile({field: url})
        assert field in caught.value.fields


@pytest.mark.parametrize("url, kept", [
    ("https://www.linkedin.com/in/ada-lovelace/", "https://www.linkedin.com/in/ada-lovelace/"),
    ("linkedin.com/in/ada", "https://linkedin.com/in/ada"),
    ("HTTP://Example.com/Path?q=1&r=2#frag", "HTTP://Example.com/Path?q=1&r=2#frag"),
    ("https://exämple.de/über", "https://exämple.de/über"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
])
def test_plain_urls_still_pass(url, kept):
    assert validate_profile({"portfolio_url": url}) == {"portfolio_url": kept}


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "1899-12-31T23:59:59Z",
                                   "2201-01-01", "1900-01-01T00:00:00+00:01", "2026-02-30", "yesterday", "x" * 100])
def test_times_outside_1900_to_2200_are_validation_errors(value):
    from chalicelib.domain.candidates import parse_time

    with pytest.raises(ValidationError) as caught:
        parse_time(value, "last_contacted_at")
    assert "last_contacted_at" in caught.value.fields


def test_times_at_the_edges_are_kept_in_utc():
    from chalicelib.domain.candidates import parse_time

    assert parse_time("1900-01-01T00:00:00Z", "at") == "1900-01-01T00:00:00.000Z"
    assert parse_time("2200-12-31T23:59:59-00:00", "at") == "2200-12-31T23:59:59.000Z"
    assert parse_time("2026-06-01T10:00:00+02:00", "at") == "2026-06-01T08:00:00.000Z"


# ---------------------------------------------------------------- phone numbers (issue #12, item 5)

@pytest.mark.parametrize("data, stored", [
    ({"phone": "020 7946 0958", "country": "GB"}, "+442079460958"),       # read with the person's country
    ({"phone": "020 7946 0958", "country": "uk"}, "+442079460958"),       # ... given as an alias
    ({"phone": "(415) 555-0100", "country": "US"}, "+14155550100"),
    ({"phone": "+1 (415) 555-0100", "country": "GB"}, "+14155550100"),    # "+" wins over the country
    ({"phone": "0044 20 7946 0958"}, "+442079460958"),
    ({"phone": "06 12 34 56 78", "country": "FR"}, "+33612345678"),
    ({"phone": "020 7946 0958"}, "020 7946 0958"),                        # no country to read it with: as typed
    ({"phone": "+44 7700 900123"}, "+44 7700 900123"),                    # possible, range not in service: as typed
    ({"phone": "555-0100", "country": "US"}, "555-0100"),                 # a local number, as typed
])
def test_phone_is_stored_in_e164_where_it_can_be(data, stored):
    assert validate_profile(data)["phone"] == stored


@pytest.mark.parametrize("phone, reason", [
    ("+44 123", "too short"), ("+1 415 555", "too short"), ("+33 1 23", "too short"), ("+61 2 93", "too short"),
    ("+999 1234 5678", "calling code"), ("+0 20 7946 0958", "calling code"), ("00 999 1234 5678", "calling code"),
    ("+1 415 555 0100 12345", "too long"), ("+44 20 7946 0958 0958 09", "too long"),
    ("+33 6 12 34 56 78 90", "too long"),
    ("+44 20 +7946", "must be a phone number"), ("phone me", "must be a phone number"),
])
def test_impossible_phone_numbers_are_refused_naming_the_field(phone, reason):
    def new(data):
        return validate_new_candidate({"email": "a@b.com", **data})

    for validate in (validate_profile, validate_patch, new):
        with pytest.raises(ValidationError) as caught:
            validate({"phone": phone, "first_name": "Ada"})
        assert set(caught.value.fields) == {"phone"} and reason in caught.value.fields["phone"]


@pytest.mark.parametrize("phone, country", [("020 7946 0958 12345", "GB"), ("6 12 34", "FR"), ("415 555 01000", "US")])
def test_impossible_national_numbers_are_refused_with_the_country(phone, country):
    with pytest.raises(ValidationError) as caught:
        validate_profile({"phone": phone, "country": country})
    assert set(caught.value.fields) == {"phone"}
    assert validate_profile({"phone": phone}) == {"phone": phone}  # without a country nothing tells


def test_a_bad_country_leaves_the_phone_as_typed_and_is_reported():
    with pytest.raises(ValidationError) as caught:
        validate_profile({"phone": "020 7946 0958", "country": "Narnia"})
    assert set(caught.value.fields) == {"country"}


@pytest.mark.parametrize("patch, stored", [
    ({"phone": "020 7946 0958"}, "+442079460958"),                       # read with the stored country
    ({"phone": "612 34 56 78", "country": "ES"}, "+34612345678"),        # the patch's own country wins
    ({"phone": "06 12 34 56 78", "country": "FR"}, "+33612345678"),
    ({"phone": "+1 415 555 0100"}, "+14155550100"),
])
def test_a_patch_reads_a_national_number_with_the_stored_country(patch, stored):
    assert validate_patch(patch, known_country="GB")["phone"] == stored
    with pytest.raises(ValidationError) as caught:
        validate_patch({"phone": "020 7946 0958 123"}, known_country="GB")  # too long for GB
    assert set(caught.value.fields) == {"phone"}
    assert validate_patch({"phone": "020 7946 0958 123"}) == {"phone": "020 7946 0958 123"}  # no country known
