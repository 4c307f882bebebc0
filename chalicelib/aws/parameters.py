"""Deployed stages' secrets, read from SSM Parameter Store once per cold start (app.py imports this first).

The template sets CRM_SECRET_PARAMETER and CRM_ATS_SECRET_PARAMETER to the names of SecureString parameters
`make deploy` created once (infra/deploy.py); this puts their values in the environment as CRM_SECRET and
CRM_ATS_SECRET before anything reads the settings, so the rest of the app reads secrets as it always did. One
GetParameters call, decrypted with the account's default `aws/ssm` key. Nothing happens when no *_PARAMETER
variable is set (the local stage and the tests set the secrets themselves), nor for a secret already set.

The client is built here, not by `clients.client()`: that one reads the region from the settings, which must
not be read before the secrets are in place (they are read once).
"""
from __future__ import annotations

import os
from collections.abc import MutableMapping
from typing import Any

from ..settings import SECRET_PARAMETERS, SettingsError
from .clients import RETRIES


def _ssm_client() -> Any:
    import boto3
    from botocore.config import Config

    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.session.Session().client("ssm", region_name=region, config=Config(retries=dict(RETRIES)))


def load_secret_parameters(environ: MutableMapping[str, str] | None = None, ssm: Any = None) -> list[str]:
    """Sets each secret whose *_PARAMETER variable names a parameter; returns the variables it set."""
    environ = os.environ if environ is None else environ
    wanted = {name: environ[parameter] for name, parameter in SECRET_PARAMETERS.items()
              if environ.get(parameter) and not environ.get(name)}
    if not wanted:
        return []
    ssm = ssm or _ssm_client()
    answer = ssm.get_parameters(Names=sorted(set(wanted.values())), WithDecryption=True)
    values = {p["Name"]: p["Value"] for p in answer.get("Parameters", [])}
    missing = sorted(set(wanted.values()) - set(values))
    if missing:
        raise SettingsError(f"SSM parameters {missing} do not exist in this account and region: `make deploy` "
                            "creates them (docs/deploying.md, Secrets)")
    for name, parameter in wanted.items():
        environ[name] = values[parameter]
    return sorted(wanted)


if os.environ.get("CRM_STAGE") != "local":  # the local stage never reads SSM, whatever its environment says
    load_secret_parameters()
