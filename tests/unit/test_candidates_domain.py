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
        "phone": "+44 20 7946 0958",
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
