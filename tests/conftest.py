"""Test set-up: the environment is fixed before the app is imported; AWS is moto, in process."""
import atexit
import gzip
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))



def _moto_jwks() -> Path:
    """moto signs the Cognito tokens it issues with its own key; in-process moto serves no JWKS URL, so the
    app reads the public half from a file (CRM_COGNITO_JWKS_URL), the one moto's server would answer."""
    path = Path(tempfile.mkdtemp(prefix="crm-test-jwks-")) / "jwks.json"
    resource = Path(importlib.util.find_spec("moto").origin).parent / "cognitoidp" / "resources" / "jwks-public.json"
    data = gzip.decompress(Path(f"{resource}.gz").read_bytes()) if Path(f"{resource}.gz").exists() else \
        resource.read_bytes()
    path.write_bytes(data)
    return path


MOTO_JWKS = _moto_jwks()

for name in [n for n in os.environ if n.startswith(("AWS_", "CRM_"))]:
    del os.environ[name]
os.environ.update({
    "CRM_STAGE": "local",
    "CRM_SECRET": "test-secret-not-for-production",
    "CRM_ATS_SECRET": "test-ats-secret",
    "CRM_API_KEY": "crm_test_key",
    "CRM_ADMIN_EMAIL": "admin@example.com",
    "CRM_ADMIN_PASSWORD": "Test-admin-password-1",
    "CRM_COGNITO_JWKS_URL": MOTO_JWKS.as_uri(),
    "CRM_PUBLIC_URL": "http://127.0.0.1:8000",
    "CRM_ALLOWED_ORIGINS": "http://127.0.0.1:8000,https://careers.example.com",
    "CRM_DATA_DIR": str(ROOT / "build" / "test-data"),
    # stacks started by tests record themselves here, not in the user's ~/.config (crmlocal/stack_record.py);
    # one folder per test run, so runs side by side never read each other's record
    "XDG_CONFIG_HOME": tempfile.mkdtemp(prefix="crm-test-config-"),
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
})

atexit.register(shutil.rmtree, os.environ["XDG_CONFIG_HOME"], True)
atexit.register(shutil.rmtree, str(MOTO_JWKS.parent), True)

import pytest  # noqa: E402


@pytest.fixture
def aws():
    """A fresh emulated AWS account with every table, queue and identity the app uses."""
    from moto import mock_aws

    from chalicelib import wiring
    from crmlocal import bootstrap, moto_patches

    moto_patches.install()

    with mock_aws():
        wiring.reset(clients=False)  # moto intercepts existing clients too; building them is slow
        bootstrap.ensure_all()
        yield
        wiring.reset(clients=False)


@pytest.fixture
def app_module(aws):
    import app as module

    return module


@pytest.fixture
def client(app_module):
    from chalice.test import Client

    from chalicelib import wiring

    from crmlocal import bootstrap

    admin, _ = bootstrap.ensure_admin(os.environ["CRM_ADMIN_PASSWORD"])
    wiring.api_keys().ensure(os.environ["CRM_API_KEY"], "tests", user_id=admin["id"])
    with Client(app_module.app, stage_name="local") as test_client:
        yield test_client


@pytest.fixture
def auth():
    return {"Authorization": f"Bearer {os.environ['CRM_API_KEY']}", "Content-Type": "application/json"}
