"""A deployed stage's secrets from SSM Parameter Store at cold start (chalicelib/aws/parameters.py), and the
settings refusing to start when a parameter is named but its secret was not loaded."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chalicelib.aws.parameters import load_secret_parameters
from chalicelib.settings import SettingsError, get_settings

NAMES = {"CRM_SECRET_PARAMETER": "/talent-crm-dev/CRM_SECRET", "CRM_ATS_SECRET_PARAMETER": "/talent-crm-dev/CRM_ATS_SECRET"}


@pytest.fixture
def ssm():
    with mock_aws():
        client = boto3.client("ssm", region_name="us-east-1")
        client.put_parameter(Name=NAMES["CRM_SECRET_PARAMETER"], Type="SecureString", Value="s" * 64)
        client.put_parameter(Name=NAMES["CRM_ATS_SECRET_PARAMETER"], Type="SecureString", Value="a" * 64)
        yield client


def test_both_secrets_are_read_in_one_call_and_put_in_the_environment(ssm):
    calls = []
    original = ssm.get_parameters

    def counted(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    ssm.get_parameters = counted
    environ = dict(NAMES)
    assert load_secret_parameters(environ, ssm) == ["CRM_ATS_SECRET", "CRM_SECRET"]
    assert environ["CRM_SECRET"] == "s" * 64 and environ["CRM_ATS_SECRET"] == "a" * 64
    assert len(calls) == 1 and calls[0]["WithDecryption"] is True


def test_a_secret_already_set_is_kept_and_nothing_named_reads_nothing(ssm):
    environ = {**NAMES, "CRM_SECRET": "set-by-hand"}
    assert load_secret_parameters(environ, ssm) == ["CRM_ATS_SECRET"]
    assert environ["CRM_SECRET"] == "set-by-hand"

    class Unreachable:
        def get_parameters(self, **kwargs):
            raise AssertionError("the local stage and the tests never read SSM")

    assert load_secret_parameters({"CRM_SECRET": "x"}, Unreachable()) == []


def test_a_missing_parameter_stops_the_start_naming_it(ssm):
    ssm.delete_parameter(Name=NAMES["CRM_ATS_SECRET_PARAMETER"])
    environ = dict(NAMES)
    with pytest.raises(SettingsError, match="/talent-crm-dev/CRM_ATS_SECRET.*make deploy"):
        load_secret_parameters(environ, ssm)
    assert "CRM_SECRET" not in environ  # all or nothing


def test_settings_refuse_a_named_parameter_whose_secret_was_not_loaded(monkeypatch):
    monkeypatch.setenv("CRM_SECRET_PARAMETER", NAMES["CRM_SECRET_PARAMETER"])
    monkeypatch.delenv("CRM_SECRET")
    get_settings.cache_clear()
    try:
        with pytest.raises(SettingsError, match="CRM_SECRET_PARAMETER names an SSM parameter"):
            get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert get_settings().secret  # the test environment's secret again
