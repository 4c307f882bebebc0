"""Every setting the app reads, from environment variables, read once per process.

The local stack (`make run`) and the tests set these variables before importing the app;
in AWS they come from `.chalice/config.json` for the stage.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

_STAGE = re.compile(r"[a-z][a-z0-9-]{0,30}")


class SettingsError(RuntimeError):
    """A setting the app cannot run without is missing or malformed."""


def _stage(value: str | None) -> str:
    """CRM_STAGE, required: unset must never mean `local`, which would open the /dev routes in a
    deployed function whose configuration forgot the variable."""
    if not value:
        raise SettingsError("CRM_STAGE is not set: set it to the stage this code runs as (`local` for the local "
                            "stack, or the deployed stage such as `dev` or `prod`; .chalice/config.json sets it "
                            "per stage)")
    if not _STAGE.fullmatch(value):
        raise SettingsError(f"CRM_STAGE {value[:40]!r} is not a stage name (lower-case letters, digits and -, "
                            "e.g. local, dev, prod)")
    return value


def _number(name: str, default: str, kind: type, low: float, high: float):
    """A numeric setting within [low, high]; the error names the variable, so a typo fails the start."""
    raw = os.environ.get(name, default)
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name} must be {what} from {low:g} to {high:g}, not {raw[:40]!r}")
    return value


def _on_off(name: str, default: str) -> bool:
    value = os.environ.get(name, default).strip().lower()
    if value not in ("on", "off"):
        raise SettingsError(f"{name} must be on or off, not {value[:20]!r}")
    return value == "on"


def _url(name: str, default: str) -> str:
    value = os.environ.get(name, default).rstrip("/")
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise SettingsError(f"{name} must be an http(s) URL without query or fragment, not {value[:60]!r}")
    return value


def _email(name: str, default: str) -> str:
    value = os.environ.get(name, default).strip()
    if not re.fullmatch(r"[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{1,63}", value):
        raise SettingsError(f"{name} must be an email address, not {value[:60]!r}")
    return value.lower()


def _domain(name: str, default: str) -> str:
    """A DNS name of ours (the reply domain): lower-case labels of letters, digits and hyphens."""
    value = os.environ.get(name, default).strip().lower().rstrip(".")
    label = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    if len(value) > 190 or not re.fullmatch(rf"{label}(?:\.{label})+", value):
        raise SettingsError(f"{name} must be a domain name such as reply.example.com, not {value[:60]!r}")
    return value


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip().rstrip("/") for part in value.split(",") if part.strip())


@dataclass(frozen=True)
class Settings:
    stage: str
    api_key: str
    secret: str
    public_url: str
    from_email: str
    allowed_origins: tuple[str, ...]
    ses_topic_arn: str
    sns_trusted_cert: str
    reply_domain: str
    inbound_topic_arn: str
    sms_inbound_topic_arn: str
    ats_secret: str
    frequency_cap: int
    sms_frequency_cap: int
    signup_limit: int
    ses_max_rate: float
    ses_configuration_set: str
    aws_port: int
    data_dir: str
    port: int
    region: str
    resource_prefix: str
    company_name: str
    consent_version: str
    confirm_ttl_seconds: int
    admin_email: str
    admin_password: str
    user_pool_id: str
    user_pool_client_id: str
    cognito_jwks_url: str
    sign_in_limit: int
    # The other two configuration sets the template declares beside ses_configuration_set (marketing):
    # confirmations and other transactional mail, and one-to-one outreach, each with its own reputation figures.
    ses_transactional_configuration_set: str = "crm-events-transactional"
    ses_outreach_configuration_set: str = "crm-events-outreach"
    mail_from_domain: str = "bounce.example.com"  # SES's custom MAIL FROM: the Return-Path's domain, for SPF
    alarm_email: str = ""  # deployed stages: who the CloudWatch alarms email (infra/alarms.py); empty: nobody
    # The deliverability autopilot (services/deliverability.py): a campaign pauses itself at these rates once it has
    # this many sends; all marketing pauses at half SES's review levels once the account has the last many sends.
    autopause_bounce: float = 0.05
    autopause_complaint: float = 0.001
    autopause_min_sends: int = 200
    autopause_account_min_sends: int = 1000
    # Issue 18: permission requests and one-to-one outreach to people without marketing consent.
    permission_request_months: int = 12  # at most one permission request per person in this many months
    outreach_daily_cap: int = 100  # one-to-one outreach emails per sender per day
    outreach_without_consent: bool = True  # off: neither permission requests nor outreach (counsel wants consent)
    # Issue 16 item 4, consent over time (domain/retention.py): re-permission after this many months without
    # engagement or contact; erasure when the email is not answered within this many days.
    retention_months: int = 24
    repermission_days: int = 30

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    def table_name(self, short: str) -> str:
        return f"{self.resource_prefix}-{short}"

    @property
    def user_pool_name(self) -> str:
        return f"{self.resource_prefix}-users"

    @property
    def user_pool_client_name(self) -> str:
        return f"{self.resource_prefix}-api"

    @property
    def sending_domain(self) -> str:
        """The From domain: the SES domain identity, DKIM's d= and DMARC's domain."""
        return self.from_email.rpartition("@")[2].lower()

    @property
    def send_queue_name(self) -> str:
        return f"{self.resource_prefix}-send"

    @property
    def jobs_queue_name(self) -> str:
        return f"{self.resource_prefix}-jobs"


# Deployed stages keep these secrets in SSM Parameter Store (SecureString, made once by `make deploy`): the
# template sets <NAME>_PARAMETER to the parameter's name, and chalicelib/aws/parameters.py puts the values in
# the environment at cold start, before the first get_settings(). The local stage sets the secrets themselves.
SECRET_PARAMETERS = {"CRM_SECRET": "CRM_SECRET_PARAMETER", "CRM_ATS_SECRET": "CRM_ATS_SECRET_PARAMETER"}


def _secrets_loaded() -> None:
    for name, parameter in SECRET_PARAMETERS.items():
        if os.environ.get(parameter) and not os.environ.get(name):
            raise SettingsError(f"{parameter} names an SSM parameter but {name} was not loaded from it (app.py "
                                "imports chalicelib.aws.parameters first, which loads it)")


def _optional_email(name: str) -> str:
    return _email(name, "") if os.environ.get(name, "").strip() else ""


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ.get
    stage = _stage(env("CRM_STAGE"))
    _secrets_loaded()
    public_url = _url("CRM_PUBLIC_URL", "http://127.0.0.1:8000")
    from_email = env("CRM_FROM_EMAIL", "talent@example.com")
    configuration_set = env("CRM_SES_CONFIGURATION_SET", "crm-events")
    return Settings(
        stage=stage,
        api_key=env("CRM_API_KEY", ""),
        secret=env("CRM_SECRET", ""),
        public_url=public_url,
        from_email=from_email,
        allowed_origins=_csv(env("CRM_ALLOWED_ORIGINS", "http://127.0.0.1:8000")),
        ses_topic_arn=env("CRM_SES_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:crm-ses-events"),
        sns_trusted_cert=env("CRM_SNS_TRUSTED_CERT", ""),
        reply_domain=_domain("CRM_REPLY_DOMAIN", "reply.example.com"),
        inbound_topic_arn=env("CRM_INBOUND_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:crm-inbound"),
        sms_inbound_topic_arn=env("CRM_SMS_INBOUND_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:crm-sms-inbound"),
        ats_secret=env("CRM_ATS_SECRET", ""),
        frequency_cap=_number("CRM_FREQUENCY_CAP", "3", int, 1, 1000),
        sms_frequency_cap=_number("CRM_SMS_FREQUENCY_CAP", "1", int, 0, 1000),
        signup_limit=_number("CRM_SIGNUP_LIMIT", "20", int, 1, 1_000_000),
        ses_max_rate=_number("CRM_SES_MAX_RATE", "14", float, 0.1, 100_000),
        ses_configuration_set=configuration_set,
        ses_transactional_configuration_set=env("CRM_SES_TRANSACTIONAL_CONFIGURATION_SET",
                                                f"{configuration_set}-transactional"),
        ses_outreach_configuration_set=env("CRM_SES_OUTREACH_CONFIGURATION_SET", f"{configuration_set}-outreach"),
        mail_from_domain=_domain("CRM_MAIL_FROM_DOMAIN", "bounce." + from_email.rpartition("@")[2].lower()),
        aws_port=_number("CRM_AWS_PORT", "5100", int, 1, 65535),
        data_dir=env("CRM_DATA_DIR", ".local"),
        port=_number("CRM_PORT", "8000", int, 1, 65535),
        region=env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1")),
        resource_prefix=env("CRM_RESOURCE_PREFIX", f"talent-crm-{stage}"),
        company_name=env("CRM_COMPANY_NAME", "Talent CRM"),
        consent_version=env("CRM_CONSENT_VERSION", "2026-11"),
        confirm_ttl_seconds=_number("CRM_CONFIRM_TTL_SECONDS", str(7 * 24 * 3600), int, 60, 90 * 86400),
        admin_email=_email("CRM_ADMIN_EMAIL", "admin@example.com"),
        admin_password=env("CRM_ADMIN_PASSWORD", ""),
        user_pool_id=env("CRM_USER_POOL_ID", ""),
        user_pool_client_id=env("CRM_USER_POOL_CLIENT_ID", ""),
        cognito_jwks_url=env("CRM_COGNITO_JWKS_URL", ""),
        sign_in_limit=_number("CRM_SIGN_IN_LIMIT", "10", int, 1, 10_000),
        alarm_email=_optional_email("CRM_ALARM_EMAIL"),
        autopause_bounce=_number("CRM_AUTOPAUSE_BOUNCE", "0.05", float, 0.001, 1),
        autopause_complaint=_number("CRM_AUTOPAUSE_COMPLAINT", "0.001", float, 0.0001, 1),
        autopause_min_sends=_number("CRM_AUTOPAUSE_MIN_SENDS", "200", int, 1, 10_000_000),
        autopause_account_min_sends=_number("CRM_AUTOPAUSE_ACCOUNT_MIN_SENDS", "1000", int, 1, 10_000_000),
        permission_request_months=_number("CRM_PERMISSION_REQUEST_MONTHS", "12", int, 1, 120),
        retention_months=_number("CRM_RETENTION_MONTHS", "24", int, 1, 240),
        repermission_days=_number("CRM_REPERMISSION_DAYS", "30", int, 1, 365),
        outreach_daily_cap=_number("CRM_OUTREACH_DAILY_CAP", "100", int, 1, 10_000),
        outreach_without_consent=_on_off("CRM_OUTREACH_WITHOUT_CONSENT", "on"),
    )
