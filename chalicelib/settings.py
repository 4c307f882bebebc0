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

    @property
    def is_local(self) -> bool:
        return self.stage == "local"

    def table_name(self, short: str) -> str:
        return f"{self.resource_prefix}-{short}"

    @property
    def send_queue_name(self) -> str:
        return f"{self.resource_prefix}-send"

    @property
    def jobs_queue_name(self) -> str:
        return f"{self.resource_prefix}-jobs"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    env = os.environ.get
    stage = _stage(env("CRM_STAGE"))
    public_url = env("CRM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    return Settings(
        stage=stage,
        api_key=env("CRM_API_KEY", ""),
        secret=env("CRM_SECRET", ""),
        public_url=public_url,
        from_email=env("CRM_FROM_EMAIL", "talent@example.com"),
        allowed_origins=_csv(env("CRM_ALLOWED_ORIGINS", "http://127.0.0.1:8000")),
        ses_topic_arn=env("CRM_SES_TOPIC_ARN", "arn:aws:sns:us-east-1:000000000000:crm-ses-events"),
        sns_trusted_cert=env("CRM_SNS_TRUSTED_CERT", ""),
        ats_secret=env("CRM_ATS_SECRET", ""),
        frequency_cap=int(env("CRM_FREQUENCY_CAP", "3")),
        sms_frequency_cap=int(env("CRM_SMS_FREQUENCY_CAP", "1")),
        signup_limit=int(env("CRM_SIGNUP_LIMIT", "20")),
        ses_max_rate=float(env("CRM_SES_MAX_RATE", "14")),
        ses_configuration_set=env("CRM_SES_CONFIGURATION_SET", "crm-events"),
        aws_port=int(env("CRM_AWS_PORT", "5100")),
        data_dir=env("CRM_DATA_DIR", ".local"),
        port=int(env("CRM_PORT", "8000")),
        region=env("AWS_REGION", env("AWS_DEFAULT_REGION", "us-east-1")),
        resource_prefix=env("CRM_RESOURCE_PREFIX", f"talent-crm-{stage}"),
        company_name=env("CRM_COMPANY_NAME", "Talent CRM"),
        consent_version=env("CRM_CONSENT_VERSION", "2026-11"),
        confirm_ttl_seconds=int(env("CRM_CONFIRM_TTL_SECONDS", str(7 * 24 * 3600))),
    )
