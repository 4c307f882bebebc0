"""Settings are checked at start: a malformed value stops the process with the variable's name."""
import pytest

from chalicelib import settings as settings_module


@pytest.fixture
def fresh(monkeypatch):
    settings_module.get_settings.cache_clear()
    yield monkeypatch
    settings_module.get_settings.cache_clear()


@pytest.mark.parametrize("name, value", [
    ("CRM_FREQUENCY_CAP", "three"), ("CRM_FREQUENCY_CAP", "0"), ("CRM_FREQUENCY_CAP", "1.5"),
    ("CRM_SES_MAX_RATE", "fast"), ("CRM_SES_MAX_RATE", "0"), ("CRM_SES_MAX_RATE", "nan"), ("CRM_SES_MAX_RATE", "inf"),
    ("CRM_SIGNUP_LIMIT", "-1"), ("CRM_PORT", "70000"), ("CRM_AWS_PORT", ""), ("CRM_CONFIRM_TTL_SECONDS", "5"),
    ("CRM_PUBLIC_URL", "127.0.0.1:8000"), ("CRM_PUBLIC_URL", "https://x.example/?a=b"),
    ("CRM_PUBLIC_URL", "javascript:alert(1)"), ("CRM_STAGE", ""), ("CRM_STAGE", "Local"),
])
def test_a_malformed_setting_names_its_variable(fresh, name, value):
    fresh.setenv(name, value)
    with pytest.raises(settings_module.SettingsError, match=name):
        settings_module.get_settings()


def test_good_values_are_read_as_numbers(fresh):
    fresh.setenv("CRM_SES_MAX_RATE", "12.5")
    fresh.setenv("CRM_FREQUENCY_CAP", "4")
    fresh.setenv("CRM_PUBLIC_URL", "https://talent.example.com/")
    read = settings_module.get_settings()
    assert (read.ses_max_rate, read.frequency_cap, read.public_url) == (12.5, 4, "https://talent.example.com")
