"""`make deploy` (infra/deploy.py) against the emulator: moto's server, reached by boto3 and the AWS CLI alike.

moto's CloudFormation has neither SAM's transform nor Cognito, SES or CloudWatch alarms, so the stack
deployed here is the synthesized template cut down to what it can create (the tables, the queues, the
topics, one plain Lambda function whose code `aws cloudformation package` uploads) with the template's own
Metadata (stack name, secret parameters). What is checked is the flow: prerequisites, the artifacts bucket,
the secrets made once and never rewritten, the stack created, and a second run that changes nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
EMULATED_TYPES = {"AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Topic"}

pytestmark = pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("deploy-synth")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    result = subprocess.run([sys.executable, "-m", "infra.synth", "--template-only", "--allow-placeholders",
                             "--no-lint", "--stage", "dev", str(out)], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads((out / "sam.json").read_text())


def emulated_template(template: dict[str, Any]) -> dict[str, Any]:
    """The part of the synthesized template moto can create, and a function with code to upload."""
    resources = {k: v for k, v in template["Resources"].items() if v["Type"] in EMULATED_TYPES}
    variables = {k: v for k, v in template["Globals"]["Function"]["Environment"]["Variables"].items()
                 if isinstance(v, str)}
    resources["WorkerRole"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}}}
    resources["Worker"] = {"Type": "AWS::Lambda::Function", "Properties": {
        "Runtime": "python3.11", "Handler": "app.handler", "Code": "./deployment.zip",
        "Role": {"Fn::GetAtt": ["WorkerRole", "Arn"]}, "Environment": {"Variables": variables}}}
    outputs = {k: v for k, v in template["Outputs"].items()
               if isinstance(v["Value"], dict) and v["Value"].get("Ref") in resources}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Metadata": template["Metadata"], "Resources": resources,
            "Outputs": outputs}


def write_template_dir(path: Path, template: dict[str, Any]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "sam.json").write_text(json.dumps(template))
    with zipfile.ZipFile(path / "deployment.zip", "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return {}\n")
    return path


@pytest.fixture
def emulator(monkeypatch):
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # moto's state is per process, not per server: start each test from an empty account
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"))
    # "localhost": moto's CloudFormation finds the bucket of a TemplateURL on that host by its path
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://localhost:{port}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    yield f"http://localhost:{port}"
    server.stop()


def client(service: str, endpoint: str) -> Any:
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1")


def test_deploy_creates_the_stack_once_and_a_second_run_changes_nothing(emulator, synthesized, tmp_path, capsys):
    from infra.deploy import main

    meta = synthesized["Metadata"]["TalentCrmDeploy"]
    template_dir = write_template_dir(tmp_path / "dev", emulated_template(synthesized))
    client("ses", emulator).create_receipt_rule_set(RuleSetName=meta["ReceiptRuleSet"])  # what the stack declares

    assert main(["--stage", "dev", "--template-dir", str(template_dir)]) == 0
    first = capsys.readouterr().out
    assert "artifacts bucket talent-crm-dev-artifacts-123456789012-us-east-1: created" in first
    assert "secret CRM_SECRET (/talent-crm-dev/CRM_SECRET): created" in first
    assert "Successfully created/updated stack - talent-crm-dev" in first
    assert "receipt rule set talent-crm-dev-inbound: activated" in first
    active = client("ses", emulator).describe_active_receipt_rule_set()["Metadata"]["Name"]
    assert active == "talent-crm-dev-inbound"

    ssm, s3, cloudformation = (client(s, emulator) for s in ("ssm", "s3", "cloudformation"))
    stack = cloudformation.describe_stacks(StackName=meta["StackName"])["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    assert {"app": "talent-crm", "stage": "dev"} == {t["Key"]: t["Value"] for t in stack.get("Tags", [])}
    created = {r["LogicalResourceId"] for r in cloudformation.list_stack_resources(
        StackName="talent-crm-dev")["StackResourceSummaries"]}
    assert {"CandidateTable", "SendQueue", "SendDeadLetterQueue", "Worker"} <= created
    bucket = "talent-crm-dev-artifacts-123456789012-us-east-1"
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    assert s3.list_objects_v2(Bucket=bucket, Prefix="talent-crm-dev/")["KeyCount"] >= 2  # the zip, the template
    secrets = {}
    for setting, name in meta["SecretParameters"].items():
        parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert parameter["Type"] == "SecureString" and len(parameter["Value"]) >= 32, setting
        secrets[name] = (parameter["Value"], parameter["Version"])
    assert len({value for value, _ in secrets.values()}) == len(secrets)

    assert main(["--stage", "dev", "--template-dir", str(template_dir)]) == 0
    second = capsys.readouterr().out
    assert "bucket talent-crm-dev-artifacts-123456789012-us-east-1: exists" in second
    assert "secret CRM_SECRET (/talent-crm-dev/CRM_SECRET): kept" in second
    assert "No changes to deploy. Stack talent-crm-dev is up to date" in second
    assert "receipt rule set talent-crm-dev-inbound: active" in second
    for name, (value, version) in secrets.items():  # never regenerated: the tokens in sent emails stay valid
        parameter = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
        assert (parameter["Value"], parameter["Version"]) == (value, version)
    assert cloudformation.describe_stacks(StackName="talent-crm-dev")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"


def test_an_existing_secret_is_kept_and_a_too_short_one_is_refused_not_replaced(emulator):
    from infra.deploy import DeployError, ensure_secrets

    ssm = client("ssm", emulator)
    ssm.put_parameter(Name="/p/CRM_SECRET", Type="SecureString", Value="k" * 40)
    assert ensure_secrets({"CRM_SECRET": "/p/CRM_SECRET", "CRM_ATS_SECRET": "/p/CRM_ATS_SECRET"}, ssm) == {
        "CRM_SECRET": "kept", "CRM_ATS_SECRET": "created"}
    assert ssm.get_parameter(Name="/p/CRM_SECRET", WithDecryption=True)["Parameter"]["Value"] == "k" * 40

    ssm.put_parameter(Name="/q/CRM_SECRET", Type="SecureString", Value="short")
    with pytest.raises(DeployError, match="fewer than 32"):
        ensure_secrets({"CRM_SECRET": "/q/CRM_SECRET"}, ssm)
    assert ssm.get_parameter(Name="/q/CRM_SECRET", WithDecryption=True)["Parameter"]["Value"] == "short"


def test_prerequisites_are_refused_with_what_to_do(monkeypatch, tmp_path, capsys):
    from infra import deploy

    monkeypatch.setattr(deploy.shutil, "which", lambda name: None)
    assert deploy.main(["--stage", "dev", "--template-dir", str(tmp_path)]) == 1
    assert "the AWS CLI (`aws`) is not on PATH" in capsys.readouterr().err
    monkeypatch.undo()

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert deploy.main(["--stage", "dev", "--template-dir", str(tmp_path)]) == 1
    assert "no AWS region: set AWS_REGION" in capsys.readouterr().err

    assert deploy.main(["--stage", "dev", "--region", "eu-west-1", "--template-dir", str(tmp_path)]) == 1
    assert "no usable AWS credentials" in capsys.readouterr().err


def test_a_template_dir_without_the_lambda_package_or_of_another_stage_is_refused(emulator, synthesized, tmp_path,
                                                                                   capsys):
    from infra import deploy

    only_template = tmp_path / "only"
    only_template.mkdir()
    (only_template / "sam.json").write_text(json.dumps(synthesized))
    assert deploy.main(["--stage", "dev", "--template-dir", str(only_template)]) == 1
    assert "deployment.zip" in capsys.readouterr().err
    template_dir = write_template_dir(tmp_path / "dev", emulated_template(synthesized))
    assert deploy.main(["--stage", "prod", "--template-dir", str(template_dir)]) == 1
    assert "is stage 'dev', not 'prod'" in capsys.readouterr().err
    assert not client("ssm", emulator).describe_parameters()["Parameters"]  # nothing made before the refusals


def test_a_deployed_function_reads_its_secrets_from_ssm_at_cold_start(emulator):
    """`import app` as Lambda does it for the stage: the template's variables (the parameters' names, not the
    secrets), the secrets in SSM where make deploy put them; the settings then hold the values."""
    from infra.synth import load_config, stage_environment

    ssm = client("ssm", emulator)
    ssm.put_parameter(Name="/talent-crm-dev/CRM_SECRET", Type="SecureString", Value="s" * 64)
    ssm.put_parameter(Name="/talent-crm-dev/CRM_ATS_SECRET", Type="SecureString", Value="a" * 64)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(stage_environment(load_config(ROOT), "dev"))
    env.update(CRM_SECRET_PARAMETER="/talent-crm-dev/CRM_SECRET", CRM_ATS_SECRET_PARAMETER="/talent-crm-dev/CRM_ATS_SECRET")
    probe = ("import app; from chalicelib.settings import get_settings; s = get_settings(); "
             "print(s.stage, len(s.secret), s.secret[:1], s.ats_secret[:1])")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["dev", "64", "s", "a"]

    ssm.delete_parameter(Name="/talent-crm-dev/CRM_ATS_SECRET")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "/talent-crm-dev/CRM_ATS_SECRET" in done.stderr and "make deploy" in done.stderr


@pytest.mark.parametrize("status, message", [("ROLLBACK_COMPLETE", "delete-stack"),
                                             ("UPDATE_IN_PROGRESS", "wait for it to finish")])
def test_a_stack_no_deploy_can_update_is_refused_with_what_to_do(status, message):
    from infra.deploy import DeployError, Target, check_stack_can_deploy

    class Stacks:
        def describe_stacks(self, StackName):
            return {"Stacks": [{"StackName": StackName, "StackStatus": status}]}

    with pytest.raises(DeployError, match=message):
        check_stack_can_deploy(Target("dev", "us-east-1", "123456789012", "talent-crm-dev"), Stacks())


def test_another_active_receipt_rule_set_is_left_alone(emulator):
    """One active rule set per account and region: replacing another would stop the mail it receives."""
    from infra.deploy import activate_receipt_rule_set

    ses = client("ses", emulator)
    for name in ("corporate-inbound", "talent-crm-dev-inbound"):
        ses.create_receipt_rule_set(RuleSetName=name)
    ses.set_active_receipt_rule_set(RuleSetName="corporate-inbound")
    said = activate_receipt_rule_set("talent-crm-dev-inbound", ses)
    assert said.startswith("receipt rule set talent-crm-dev-inbound: NOT activated, corporate-inbound is")
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "corporate-inbound"
