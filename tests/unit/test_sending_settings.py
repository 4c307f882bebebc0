"""The sending domain's settings: the two configuration sets beside marketing's, and the MAIL FROM domain."""
import pytest

from chalicelib import settings as settings_module


@pytest.fixture
def fresh(monkeypatch):
    settings_module.get_settings.cache_clear()
    yield monkeypatch
    settings_module.get_settings.cache_clear()


def test_defaults_derive_from_the_marketing_set_and_the_from_domain(fresh):
    fresh.setenv("CRM_SES_CONFIGURATION_SET", "talent-crm-dev-events")
    fresh.setenv("CRM_FROM_EMAIL", "Jobs@Talent.Test")
    fresh.delenv("CRM_MAIL_FROM_DOMAIN", raising=False)
    settings = settings_module.get_settings()
    assert settings.ses_configuration_set == "talent-crm-dev-events"  # unchanged: marketing, what the app sends with
    assert settings.ses_transactional_configuration_set == "talent-crm-dev-events-transactional"
    assert settings.ses_outreach_configuration_set == "talent-crm-dev-events-outreach"
    assert settings.sending_domain == "talent.test" and settings.mail_from_domain == "bounce.talent.test"


def test_each_can_be_set(fresh):
    fresh.setenv("CRM_SES_TRANSACTIONAL_CONFIGURATION_SET", "tx")
    fresh.setenv("CRM_SES_OUTREACH_CONFIGURATION_SET", "one-to-one")
    fresh.setenv("CRM_MAIL_FROM_DOMAIN", "MAIL.example.com.")
    settings = settings_module.get_settings()
    assert (settings.ses_transactional_configuration_set, settings.ses_outreach_configuration_set,
            settings.mail_from_domain) == ("tx", "one-to-one", "mail.example.com")


@pytest.mark.parametrize("value", ["not a domain", "bounce", "-x.example.com", "a" * 200 + ".com"])
def test_a_malformed_mail_from_domain_names_its_variable(fresh, value):
    fresh.setenv("CRM_MAIL_FROM_DOMAIN", value)
    with pytest.raises(settings_module.SettingsError, match="CRM_MAIL_FROM_DOMAIN"):
        settings_module.get_settings()
