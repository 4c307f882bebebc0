"""Deploy a stage: `make deploy STAGE=dev` (`python -m infra.deploy --stage dev`). Safe to run again.

1. Prerequisites, each refused with what to do: the AWS CLI, a region (a warning outside SES's receiving
   regions), credentials (STS GetCallerIdentity gives the account).
2. `make package`'s synthesis (`python -m infra.synth --stage STAGE build/STAGE`), which refuses placeholder
   settings; `--template-dir DIR` deploys what is already there instead.
3. The artifacts bucket `<prefix>-artifacts-<account>-<region>` (prefix: talent-crm-<stage>), made once if absent (public access
   blocked, objects encrypted, versions kept): `aws cloudformation package` uploads the Lambda zip there.
4. The secrets: one SSM SecureString parameter per secret (names from the template's Metadata, `infra.resources`:
   `/<prefix>/CRM_SECRET`, `/<prefix>/CRM_ATS_SECRET`), created with a random value if absent, NEVER written
   when present (a regenerated CRM_SECRET would break the links in every email already sent); a present one
   shorter than the template's minimum is refused. The functions read them at cold start.
5. `aws cloudformation package` then `aws cloudformation deploy --no-fail-on-empty-changeset` (a run with
   nothing changed is a success), capabilities IAM and AUTO_EXPAND (SAM), the template through the bucket
   (it is larger than CloudFormation's 51,200-byte inline limit).
6. The receipt rule set for replies made the active one if none is (CloudFormation cannot; one per account and
   region, so another active one is left alone, with a warning).
7. The stack's outputs, and what is left to do by hand (docs/deploying.md).

The AWS calls besides the CLI's use boto3 with the standard credential chain; AWS_ENDPOINT_URL points both
at an emulator (tests/infra/test_deploy.py deploys to moto this way).
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .resources import DEPLOY_METADATA, SECRETS

PROJECT_DIR = Path(__file__).resolve().parent.parent
# Where SES receives email (receipt rules, hence replies): the "Email Receiving" table of the AWS General
# Reference, "Amazon Simple Email Service endpoints and quotas", as of January 2024 (AWS adds regions: check it).
SES_RECEIVING_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1",
                         "eu-west-2", "ap-northeast-1", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3")
CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
SECRET_BYTES = 48  # 64 URL-safe characters: above every minimum in infra.resources.SECRETS


class DeployError(Exception):
    """A prerequisite is missing or a step failed; the message says what to do."""


@dataclass(frozen=True)
class Target:
    stage: str
    region: str
    account: str
    stack_name: str

    @property
    def bucket(self) -> str:
        name = f"{self.stack_name}-artifacts-{self.account}-{self.region}"  # the stack name carries the stage
        if len(name) > 63:
            raise DeployError(f"artifacts bucket name {name!r} is longer than S3's 63 characters: a shorter stage")
        return name


def _session(region: str | None = None) -> Any:
    import boto3

    return boto3.session.Session(region_name=region)


def resolve_region(explicit: str | None) -> str:
    region = explicit or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or _session().region_name
    if not region:
        raise DeployError("no AWS region: set AWS_REGION (e.g. AWS_REGION=us-east-1 make deploy STAGE=dev) or "
                          "`aws configure set region us-east-1`; choose one where SES receives email "
                          "(docs/deploying.md, Choosing a region)")
    return str(region)


def account_of(region: str) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return str(_session(region).client("sts").get_caller_identity()["Account"])
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(f"no usable AWS credentials ({exc}): `aws configure`, `aws sso login`, or AWS_PROFILE "
                          "naming a profile of the account to deploy to") from exc


def aws_cli() -> str:
    path = shutil.which("aws")
    if not path:
        raise DeployError("the AWS CLI (`aws`) is not on PATH: install it (https://docs.aws.amazon.com/cli/latest/"
                          "userguide/getting-started-install.html) and run `aws configure`")
    return path


def read_template(template_dir: Path) -> dict[str, Any]:
    path = template_dir / "sam.json"
    if not path.is_file():
        raise DeployError(f"no {path}: run `make package STAGE=...` first, or leave --template-dir out")
    if not (template_dir / "deployment.zip").is_file():
        raise DeployError(f"no {template_dir / 'deployment.zip'} beside the template (`--template-only` keeps "
                          "no Lambda package): run `make package STAGE=...`")
    template: dict[str, Any] = json.loads(path.read_text())
    if DEPLOY_METADATA not in template.get("Metadata", {}):
        raise DeployError(f"{path} has no Metadata.{DEPLOY_METADATA}: synthesize it again (`make package`)")
    return template


def ensure_bucket(target: Target, s3: Any) -> bool:
    """The artifacts bucket, made if absent; True if it was made now."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=target.bucket, ExpectedBucketOwner=target.account)
        return False
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code")
        if code not in ("404", "NoSuchBucket", "NotFound"):
            raise DeployError(f"artifacts bucket {target.bucket}: {code} (another account owns the name, or "
                              "these credentials may not read it)") from exc
    create: dict[str, Any] = {"Bucket": target.bucket}
    if target.region != "us-east-1":  # us-east-1 refuses an explicit location constraint
        create["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    s3.create_bucket(**create)
    s3.put_public_access_block(Bucket=target.bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=target.bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_versioning(Bucket=target.bucket, VersioningConfiguration={"Status": "Enabled"})
    return True


def ensure_secrets(parameters: dict[str, str], ssm: Any) -> dict[str, str]:
    """Setting -> "created" or "kept" for each secret's SSM parameter; an existing value is never written."""
    from botocore.exceptions import ClientError

    outcome = {}
    for setting, name in parameters.items():
        _, min_length = SECRETS[setting]
        try:
            value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ParameterNotFound":
                raise
            value = None
        if value is not None:
            if len(value) < min_length:
                raise DeployError(f"SSM parameter {name} ({setting}) holds {len(value)} characters, fewer than "
                                  f"{min_length}: it is not replaced automatically (that would break the tokens "
                                  "already sent); replace it yourself with aws ssm put-parameter --overwrite")
            outcome[setting] = "kept"
            continue
        try:
            ssm.put_parameter(Name=name, Type="SecureString", Value=secrets.token_urlsafe(SECRET_BYTES),
                              Overwrite=False, Description=f"Talent CRM {setting}: made once by make deploy")
            outcome[setting] = "created"
        except ClientError as exc:  # another deploy made it meanwhile: its value stays
            if exc.response.get("Error", {}).get("Code") != "ParameterAlreadyExists":
                raise
            outcome[setting] = "kept"
    return outcome


def _cli_env(region: str) -> dict[str, str]:
    return {**os.environ, "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_PAGER": ""}


def run_cli(cli: str, args: list[str], region: str, show: bool = True, hint: str = "") -> None:
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    cmd = [cli, *args, "--region", region, *(["--endpoint-url", endpoint] if endpoint else [])]
    print("+ " + " ".join(cmd[:4]) + " ...", flush=True)
    result = subprocess.run(cmd, env=_cli_env(region), capture_output=True, text=True)
    if result.returncode == 0:
        if show:  # e.g. "Successfully created/updated stack", "No changes to deploy. Stack ... is up to date"
            print("\n".join(line for line in result.stdout.splitlines() if line.strip() and "Uploading" not in line))
        return
    sys.stderr.write(result.stdout + result.stderr)
    raise DeployError(f"`aws {' '.join(args[:2])}` failed (exit {result.returncode}, above){hint}")


def package_and_deploy(cli: str, target: Target, template_dir: Path) -> None:
    packaged = template_dir / "packaged.yaml"
    run_cli(cli, ["cloudformation", "package", "--template-file", str(template_dir / "sam.json"),
                  "--s3-bucket", target.bucket, "--s3-prefix", target.stack_name,
                  "--output-template-file", str(packaged)], target.region, show=False)
    run_cli(cli, ["cloudformation", "deploy", "--template-file", str(packaged), "--stack-name", target.stack_name,
                  "--s3-bucket", target.bucket, "--s3-prefix", target.stack_name,
                  "--capabilities", *CAPABILITIES, "--no-fail-on-empty-changeset",
                  "--tags", "app=talent-crm", f"stage={target.stage}"], target.region,
            hint=f"; the stack's events say why: aws cloudformation describe-stack-events --stack-name "
                 f"{target.stack_name} --region {target.region}")


def check_stack_can_deploy(target: Target, cloudformation: Any) -> None:
    """A first creation that failed leaves the stack in ROLLBACK_COMPLETE, which no deploy can update."""
    from botocore.exceptions import ClientError

    try:
        status = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"][0]["StackStatus"]
    except ClientError:
        return  # no stack yet: the deploy creates it
    if status == "ROLLBACK_COMPLETE":
        raise DeployError(
            f"stack {target.stack_name} failed its first creation (ROLLBACK_COMPLETE) and cannot be updated: read "
            f"why in `aws cloudformation describe-stack-events --stack-name {target.stack_name}`, delete it with "
            f"`aws cloudformation delete-stack --stack-name {target.stack_name}`, delete the empty tables "
            f"{target.stack_name}-* and the user pool it kept (they are never deleted with a stack), then deploy again")
    if status.endswith("_IN_PROGRESS"):
        raise DeployError(f"stack {target.stack_name} is {status}: wait for it to finish, then deploy again")


def activate_receipt_rule_set(name: str, ses: Any) -> str:
    """Replies: the stack's receipt rule set made the account's active one, unless another one is active (one per
    account and region: taking its place would stop whatever it receives). Returns what happened."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        active = (ses.describe_active_receipt_rule_set().get("Metadata") or {}).get("Name")
        if active == name:
            return f"receipt rule set {name}: active"
        if active:
            return (f"receipt rule set {name}: NOT activated, {active} is the account's active one in this region; "
                    f"move its rules into {name} or yours into it (docs/deploying.md, Receiving replies)")
        ses.set_active_receipt_rule_set(RuleSetName=name)
        return f"receipt rule set {name}: activated"
    except (BotoCoreError, ClientError) as exc:  # e.g. a region without SES receiving
        return f"receipt rule set {name}: not activated ({exc}); replies cannot arrive until it is"


def stack_outputs(target: Target, cloudformation: Any) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=target.stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def synthesize(stage: str, out_dir: Path) -> None:
    cmd = [sys.executable, "-m", "infra.synth", "--stage", stage, str(out_dir)]
    if subprocess.run(cmd, cwd=PROJECT_DIR).returncode != 0:
        raise DeployError(f"make package for stage {stage} failed (above)")


def deploy(stage: str, region: str | None = None, template_dir: Path | None = None) -> dict[str, str]:
    """Everything above; returns the stack's outputs."""
    cli = aws_cli()
    region = resolve_region(region)
    if region not in SES_RECEIVING_REGIONS:
        print(f"warning: {region} is not among the regions known to receive email with SES "
              f"({', '.join(SES_RECEIVING_REGIONS)}): replies to campaigns may not arrive there "
              "(docs/deploying.md, Choosing a region)", file=sys.stderr)
    account = account_of(region)
    if template_dir is None:
        template_dir = PROJECT_DIR / "build" / stage
        synthesize(stage, template_dir)
    meta = read_template(template_dir)["Metadata"][DEPLOY_METADATA]
    if meta["Stage"] != stage:
        raise DeployError(f"{template_dir}/sam.json is stage {meta['Stage']!r}, not {stage!r}")
    target = Target(stage=stage, region=region, account=account, stack_name=meta["StackName"])
    session = _session(region)
    print(f"deploying stage {stage} as stack {target.stack_name} to account {account} in {region}")
    check_stack_can_deploy(target, session.client("cloudformation"))
    made = ensure_bucket(target, session.client("s3"))
    print(f"artifacts bucket {target.bucket}: {'created' if made else 'exists'}")
    for setting, outcome in ensure_secrets(meta["SecretParameters"], session.client("ssm")).items():
        print(f"secret {setting} ({meta['SecretParameters'][setting]}): {outcome}")
    package_and_deploy(cli, target, template_dir)
    print(activate_receipt_rule_set(meta["ReceiptRuleSet"], session.client("ses")))
    return stack_outputs(target, session.client("cloudformation"))


NEXT_STEPS = """\
Next (docs/deploying.md): publish the Dns* records above, then `crm doctor --stage {stage}`;
confirm the subscription email AWS sent to CRM_ALARM_EMAIL (if set); CRM_ADMIN_EMAIL is invited within a minute."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True, help="a deployed stage of .chalice/config.json, e.g. dev")
    parser.add_argument("--region", help="default: AWS_REGION, AWS_DEFAULT_REGION, then the AWS CLI's profile")
    parser.add_argument("--template-dir", type=Path, help="deploy the sam.json and deployment.zip already there")
    args = parser.parse_args(argv)
    try:
        outputs = deploy(args.stage, args.region, args.template_dir)
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for key in sorted(outputs):
        print(f"  {key}: {outputs[key]}")
    print(NEXT_STEPS.format(stage=args.stage))
    return 0


if __name__ == "__main__":
    sys.exit(main())
