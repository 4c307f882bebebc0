"""Deployed stages differ from local only in settings: no /dev routes, nothing else."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def routes_for(stage: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(CRM_STAGE=stage, CRM_SECRET="s")
    code = "import json, app; print(json.dumps(sorted(app.app.routes)))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_dev_routes_exist_only_locally():
    local, deployed = routes_for("local"), routes_for("prod")
    assert "/dev/tick" in local and "/dev/outbox.json" in local
    assert not [r for r in deployed if r.startswith("/dev")]
    assert set(local) - set(deployed) == {"/dev/tick", "/dev/outbox", "/dev/outbox.json", "/dev/clock"}


def test_importing_the_app_loads_no_aws_sdk():
    """Cold starts: boto3, PynamoDB and Powertools load only when a handler needs them."""
    code = ("import sys, app; heavy = [m for m in ('boto3', 'botocore', 'pynamodb', 'aws_lambda_powertools') "
            "if m in sys.modules]; print(heavy)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**env, "CRM_STAGE": "dev"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_personal_data_in_logs(client):
    import logging

    from chalicelib.observability import logger
    from tests.app.helpers import confirm_link, form

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(f"{record.getMessage()} {record.__dict__}")

    log = logger()
    handler, level = Keep(level=logging.INFO), log.log_level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        form(client, {"email": "private.person@example.com", "consent": "on", "first_name": "Secretname",
                      "phone": "+44 7700 900123"})
        link = confirm_link("private.person@example.com")
        client.http.get("/signups/confirm?token=" + link.split("token=")[1])
        imported = client.http.post("/candidates/import", headers={"Authorization": "Bearer crm_test_key",
                                    "Content-Type": "text/csv"}, body=b"email,first name\nhidden@example.com,Covert\n")
        assert imported.status_code == 200, imported.body  # logging at INFO must not break a route
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    logged = "\n".join(records)
    assert "sign-up created a candidate" in logged and "sign-up confirmed" in logged
    assert "CSV import finished" in logged
    for secret in ("private.person@example.com", "Secretname", "7700 900123", "hidden@example.com", "Covert"):
        assert secret not in logged
