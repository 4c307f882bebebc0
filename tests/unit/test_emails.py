import pytest
from hypothesis import given, strategies as st

from chalicelib.domain.emails import email_hash, mask_email, normalize_email
from chalicelib.domain.errors import ValidationError


@pytest.mark.parametrize("raw, expected", [
    ("  Jane.Doe@Example.COM ", "jane.doe@example.com"),
    ("jane@bücher.de", "jane@xn--bcher-kva.de"),
    ("JANE@BÜCHER.DE", "jane@xn--bcher-kva.de"),
    ("user+tag@sub.example.org", "user+tag@sub.example.org"),
])
def test_normalizes(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", None, 42, "no-at-sign", "a@", "@b.com", "a b@c.com", "x" * 250 + "@a.com"])
def test_rejects_with_the_field_named(raw):
    with pytest.raises(ValidationError) as caught:
        normalize_email(raw, field="email")
    assert "email" in caught.value.fields


local = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}[a-z0-9]", fullmatch=True).filter(lambda s: ".." not in s)
domain = st.from_regex(r"[a-z][a-z0-9-]{0,15}[a-z0-9]\.(com|org|io|de|co\.uk)", fullmatch=True).filter(lambda s: "--" not in s)


@given(local, domain, st.sampled_from(["", " ", "\t"]), st.booleans())
def test_case_and_spacing_never_make_a_second_person(user, host, pad, upper):
    address = f"{user}@{host}"
    variant = pad + (address.upper() if upper else address.title()) + pad
    assert normalize_email(variant) == normalize_email(address) == address


@given(local, domain)
def test_normalization_is_idempotent(user, host):
    once = normalize_email(f"{user}@{host}")
    assert normalize_email(once) == once


def test_hash_is_keyed_and_mask_hides_the_address():
    assert email_hash("a@b.com", "k1") != email_hash("a@b.com", "k2")
    assert "a@b.com" not in mask_email("a@b.com")
