import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.signups import allowed_origin, parse_signup

ORIGINS = ("http://127.0.0.1:8000", "https://careers.example.com")


def test_form_values_and_consent_words():
    for word in ("on", "yes", "true", True):
        request = parse_signup({"email": "A@B.com", "consent": word, "skills": ["Python", "JS"],
                                "utm_source": "linkedin"}, ORIGINS)
        assert request.email == "a@b.com"
        assert request.profile["skills"] == ["python", "javascript"]
        assert request.utm == {"source": "linkedin"}


def test_missing_consent_and_bad_email_named_together():
    with pytest.raises(ValidationError) as caught:
        parse_signup({"email": "nope"}, ORIGINS)
    assert set(caught.value.fields) == {"email", "consent"}


def test_honeypot_is_flagged_not_rejected():
    request = parse_signup({"email": "bot", "website": "http://spam"}, ORIGINS)
    assert request.honeypot


@pytest.mark.parametrize("url, ok", [
    ("https://careers.example.com/thanks", True),
    ("https://careers.example.com:443/x", True),
    ("http://127.0.0.1:8000/careers/thanks", True),
    ("https://careers.example.com.evil.com/", False),
    ("https://evil.com/?https://careers.example.com", False),
    ("javascript:alert(1)", False),
    ("//careers.example.com/x", False),
    ("http://careers.example.com/x", False),
])
def test_redirect_allow_list(url, ok):
    assert allowed_origin(url, ORIGINS) is ok


def test_redirect_elsewhere_is_an_error_naming_the_field():
    with pytest.raises(ValidationError) as caught:
        parse_signup({"email": "a@b.com", "consent": "on", "redirect_to": "https://evil.com"}, ORIGINS)
    assert list(caught.value.fields) == ["redirect_to"]


@pytest.mark.parametrize("redirect", [
    "https://careers.example.com/thanks\r\nSet-Cookie: a=b", "https://careers.example.com/thanks\n",
    "https://careers.example.com/a\tb", "https://careers.example.com/a b", "https://careers.example.com/\x00",
    "https://careers.example.com/\u2028", "https://careers.example.com/" + "x" * 2000,
    "https://user@careers.example.com/", ["https://careers.example.com/\r\n"],
    {"url": "https://careers.example.com/"}, 7,
])
def test_redirect_to_is_one_clean_url(redirect):
    """It becomes a Location header: a CR/LF there forges headers (urlsplit strips them, so the origin matched)."""
    with pytest.raises(ValidationError) as caught:
        parse_signup({"email": "a@b.com", "consent": "on", "redirect_to": redirect}, ORIGINS)
    assert list(caught.value.fields) == ["redirect_to"]


def test_page_metadata_is_cleaned_not_refused():
    request = parse_signup({"email": "a@b.com", "consent": "on", "utm_source": "news\r\nletter\x00",
                            "utm_medium": ["a", "b\tc"], "utm_campaign": "\ud800", "form_id": {"a": 1},
                            "page": "/careers\n", "consent_version": "v1\x1b"}, ORIGINS)
    assert request.utm == {"source": "news letter", "medium": "b c"}  # a repeated field: the last
    assert (request.form_id, request.page, request.consent_version) == (None, "/careers", "v1")
