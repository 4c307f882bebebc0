"""The synthesized CloudFormation (SAM) template, checked against the app's own definitions.

Runs `python -m infra.synth --template-only` (what `make package` runs, without downloading the
dependencies, so no network) in a subprocess, so that the stage's settings never leak into this
test process:
- on this project, for every deployed stage of .chalice/config.json;
- on a stub app.py beside this project's chalicelib/ and config that declares every handler the
  architecture plans (two SQS consumers, two schedules), so the discovery is tested whatever app.py
  declares today.
"""
from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.store import models as store_models  # noqa: E402

CONFIG = json.loads((ROOT / ".chalice" / "config.json").read_text())
DEPLOYED_STAGES = [s for s in CONFIG["stages"] if s != "local"]
SES_EVENT_TYPES = {
    "send", "delivery", "bounce", "complaint", "reject",
    "deliveryDelay", "renderingFailure", "subscription",
}
# Actions IAM knows no resource for (the account's own state): "*" is their only possible Resource.
ACCOUNT_LEVEL_ACTIONS = {"ses:GetAccount"}
STUB_SES_MAX_RATE = "1000"  # the stub project's dev stage: 5 send workers at 200 sends/s each
STUB_APP = '''
from chalice import Chalice, Rate
from chalicelib.settings import get_settings

app = Chalice(app_name="talent-crm")
settings = get_settings()


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/webhooks/ses", methods=["POST"])
def ses_webhook():
    return {}


@app.route("/webhooks/sms", methods=["POST"])
def sms_webhook():
    return {}


@app.on_sqs_message(queue=settings.send_queue_name, batch_size=10)
def send_worker(event):
    pass


@app.on_sqs_message(queue=settings.jobs_queue_name)
def jobs_worker(event):
    pass


@app.schedule(Rate(1, unit=Rate.DAYS))
def daily(event):
    pass


@app.schedule(Rate(1, unit=Rate.MINUTES))
def scheduler(event):
    pass
'''


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}


def run_synth(out_dir: Path, stage: str, project_dir: Path = ROOT, *extra: str) -> subprocess.CompletedProcess:
    cmd = [
        sys.executable, "-m", "infra.synth", "--template-only", "--stage", stage,
        "--project-dir", str(project_dir), *extra, str(out_dir),
    ]
    return subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)


def synthesize(out_dir: Path, stage: str, project_dir: Path = ROOT) -> tuple[dict[str, Any], str]:
    """The config's example values are placeholders a real deploy refuses (checked below): allowed here."""
    result = run_synth(out_dir, stage, project_dir, "--allow-placeholders")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return json.loads((out_dir / "sam.json").read_text()), output


@pytest.fixture(scope="module", params=DEPLOYED_STAGES)
def project_template(request, tmp_path_factory):
    if not (ROOT / "app.py").is_file():
        pytest.skip("app.py is not written yet")
    stage = request.param
    template, output = synthesize(tmp_path_factory.mktemp(f"synth-{stage}"), stage)
    return stage, template, output


@pytest.fixture(scope="module")
def stub_template(tmp_path_factory):
    project = tmp_path_factory.mktemp("stub-project")
    (project / "app.py").write_text(STUB_APP)
    os.symlink(ROOT / "chalicelib", project / "chalicelib")
    (project / ".chalice").mkdir()
    for path in (ROOT / ".chalice").glob("*.json"):
        (project / ".chalice" / path.name).write_text(path.read_text())
    config = json.loads((project / ".chalice" / "config.json").read_text())
    config["stages"]["dev"]["environment_variables"]["CRM_SES_MAX_RATE"] = STUB_SES_MAX_RATE
    (project / ".chalice" / "config.json").write_text(json.dumps(config))
    out = tmp_path_factory.mktemp("stub-out")
    template, output = synthesize(out, "dev", project)
    return "dev", template, output, out / "sam.json"


# --- helpers -------------------------------------------------------------------------------------

def of_type(template: dict[str, Any], type_: str) -> dict[str, Any]:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == type_}


def by_property(template: dict[str, Any], type_: str, prop: str, value: Any) -> tuple[str, dict[str, Any]]:
    found = [(lid, r) for lid, r in of_type(template, type_).items() if r["Properties"].get(prop) == value]
    assert len(found) == 1, f"{type_} with {prop}={value!r}: {[lid for lid, _ in found]}"
    return found[0]


def prefix(stage: str) -> str:
    return f"talent-crm-{stage}"


def sqs_events(template: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    events = []
    for lid, function in of_type(template, "AWS::Serverless::Function").items():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] == "SQS":
                events.append((lid, function, event["Properties"]))
    return events


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    return []


# --- checks, shared by both templates --------------------------------------------------------------

def table_for(template: dict[str, Any], stage: str, model: type) -> dict[str, Any]:
    """The stage's table of a model (imported here with whatever settings this process has): the one
    named `talent-crm-<stage>-<short>` where the model's own table name ends with `-<short>`."""
    stage_prefix = prefix(stage) + "-"
    matches = sorted(
        (r for r in of_type(template, "AWS::DynamoDB::Table").values()
         if r["Properties"]["TableName"].startswith(stage_prefix)
         and model.Meta.table_name.endswith("-" + r["Properties"]["TableName"][len(stage_prefix):])),
        key=lambda r: len(r["Properties"]["TableName"]),
    )
    assert matches, f"no table for {model.__name__} ({model.Meta.table_name})"
    return matches[-1]


def check_tables(template: dict[str, Any], stage: str) -> None:
    for model in store_models.ALL_MODELS:
        table = table_for(template, stage, model)
        props = table["Properties"]
        keys = [{"AttributeName": model._hash_key_attribute().attr_name, "KeyType": "HASH"}]
        if model._range_key_attribute() is not None:
            keys.append({"AttributeName": model._range_key_attribute().attr_name, "KeyType": "RANGE"})
        assert props["KeySchema"] == keys, model.__name__
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain"

        expected_indexes = {}
        for name, index in model._indexes.items():
            index_keys = sorted(
                ({"AttributeName": a.attr_name, "KeyType": "HASH" if a.is_hash_key else "RANGE"}
                 for a in index.Meta.attributes.values() if a.is_hash_key or a.is_range_key),
                key=lambda k: k["KeyType"] != "HASH",
            )
            expected_indexes[name] = (index_keys, index.Meta.projection.projection_type)
        declared = props.get("GlobalSecondaryIndexes", []) + props.get("LocalSecondaryIndexes", [])
        assert {
            ix["IndexName"]: (ix["KeySchema"], ix["Projection"]["ProjectionType"]) for ix in declared
        } == expected_indexes, model.__name__

        key_attributes = {k["AttributeName"] for k in keys} | {
            k["AttributeName"] for keys_, _ in expected_indexes.values() for k in keys_
        }
        assert {a["AttributeName"] for a in props["AttributeDefinitions"]} == key_attributes

        ttl = store_models.TTL_ATTRIBUTES.get(model)
        if ttl is None:
            assert "TimeToLiveSpecification" not in props, model.__name__
        else:
            assert props["TimeToLiveSpecification"] == {
                "AttributeName": model.get_attributes()[ttl].attr_name, "Enabled": True
            }
    assert len(of_type(template, "AWS::DynamoDB::Table")) == len(store_models.ALL_MODELS)


def check_queues(template: dict[str, Any], stage: str) -> None:
    for short in ("send", "jobs"):
        name = f"{prefix(stage)}-{short}"
        _, queue = by_property(template, "AWS::SQS::Queue", "QueueName", name)
        redrive = queue["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == 5
        dlq_id = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        dlq = template["Resources"][dlq_id]["Properties"]
        assert dlq["QueueName"] == f"{name}-dlq"
        assert dlq["MessageRetentionPeriod"] == 14 * 24 * 3600


def check_sqs_event_sources(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for lid, function, event in sqs_events(template):
        assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"], lid
        queue_id, attribute = event["Queue"]["Fn::GetAtt"]
        assert attribute == "Arn" and resources[queue_id]["Type"] == "AWS::SQS::Queue", lid
        visibility = resources[queue_id]["Properties"]["VisibilityTimeout"]
        assert visibility >= 6 * function["Properties"]["Timeout"], (lid, visibility)


def stage_env(stage: str) -> dict[str, str]:
    env = dict(CONFIG.get("environment_variables", {}))
    env.update(CONFIG["stages"][stage].get("environment_variables", {}))
    return env


def check_send_concurrency(template: dict[str, Any], expected: int) -> None:
    """Only the send queue's consumer is capped, at the concurrency its SES rate needs."""
    scaling = {event["Queue"]["Fn::GetAtt"][0]: event.get("ScalingConfig") for _, _, event in sqs_events(template)}
    assert scaling.pop("SendQueue") == {"MaximumConcurrency": expected}
    assert all(config is None for config in scaling.values()), scaling


def check_ses(template: dict[str, Any], stage: str) -> None:
    env = stage_env(stage)
    marketing = env.get("CRM_SES_CONFIGURATION_SET", "crm-events")
    config_set_names = [marketing, env.get("CRM_SES_TRANSACTIONAL_CONFIGURATION_SET", f"{marketing}-transactional"),
                        env.get("CRM_SES_OUTREACH_CONFIGURATION_SET", f"{marketing}-outreach")]
    config_set_ids = [by_property(template, "AWS::SES::ConfigurationSet", "Name", name)[0] for name in config_set_names]
    assert len(of_type(template, "AWS::SES::ConfigurationSet")) == 3  # marketing, transactional, outreach apart
    topic_id, _ = by_property(template, "AWS::SNS::Topic", "TopicName", f"{prefix(stage)}-ses-events")
    destinations = of_type(template, "AWS::SES::ConfigurationSetEventDestination").values()
    assert sorted(d["Properties"]["ConfigurationSetName"]["Ref"] for d in destinations) == sorted(config_set_ids)
    for destination in destinations:  # every set publishes the same events to the one topic
        event_destination = destination["Properties"]["EventDestination"]
        assert event_destination["Enabled"] is True
        assert set(event_destination["MatchingEventTypes"]) == SES_EVENT_TYPES
        assert event_destination["SnsDestination"]["TopicARN"] == {"Ref": topic_id}
    check_sending_identity(template, stage)

    inbound_id, _ = by_property(template, "AWS::SNS::Topic", "TopicName", f"{prefix(stage)}-inbound")
    policies = {p["Properties"]["Topics"][0]["Ref"]: p for p in of_type(template, "AWS::SNS::TopicPolicy").values()}
    assert set(policies) == {topic_id, inbound_id, "SmsInboundTopic"}  # the SMS one: test_texts_to_our_numbers...
    for policy in (policies[topic_id], policies[inbound_id]):
        (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "ses.amazonaws.com"} and statement["Action"] == "sns:Publish"

    subscriptions = {s["Properties"]["TopicArn"]["Ref"]: s for s in of_type(template, "AWS::SNS::Subscription").values()}
    assert set(subscriptions) - {"AlarmTopic"} == {topic_id, inbound_id, "SmsInboundTopic"}
    for subscription in (subscriptions[topic_id], subscriptions[inbound_id]):  # SES events and replies: one webhook
        assert subscription["Properties"]["Protocol"] == "https"
        endpoint, variables = subscription["Properties"]["Endpoint"]["Fn::Sub"]
        assert endpoint.startswith("https://${RestAPI}.execute-api.")
        assert endpoint.endswith("/${Stage}/webhooks/ses")
        assert variables == {"Stage": {"Ref": "RestAPI.Stage"}}
    assert template["Resources"]["RestAPI"]["Properties"]["StageName"] == CONFIG["api_gateway_stage"]

    injected = template["Globals"]["Function"]["Environment"]["Variables"]
    assert injected["CRM_SES_TOPIC_ARN"] == {"Ref": topic_id}
    assert injected["CRM_INBOUND_TOPIC_ARN"] == {"Ref": inbound_id}
    check_replies(template, stage, inbound_id)


def check_sending_identity(template: dict[str, Any], stage: str) -> None:
    """CRM_FROM_EMAIL's domain as an SES identity (Easy DKIM 2048, MAIL FROM), and every DNS record as an output."""
    env = stage_env(stage)
    domain = env.get("CRM_FROM_EMAIL", "talent@example.com").rpartition("@")[2]
    mail_from = env.get("CRM_MAIL_FROM_DOMAIN", f"bounce.{domain}")
    reply_domain = env.get("CRM_REPLY_DOMAIN", "reply.example.com")
    (identity_id, identity), = of_type(template, "AWS::SES::EmailIdentity").items()
    props = identity["Properties"]
    assert props["EmailIdentity"] == domain
    assert props["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["MailFromAttributes"] == {"MailFromDomain": mail_from, "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"}
    assert identity["DeletionPolicy"] == "Retain"  # new keys would break the published CNAMEs

    outputs = {lid: output["Value"]["Fn::Sub"] for lid, output in template["Outputs"].items() if lid.startswith("Dns")}
    for n in (1, 2, 3):
        assert outputs.pop(f"DnsDkim{n}") == (f"${{{identity_id}.DkimDNSTokenName{n}}}. CNAME "
                                              f"${{{identity_id}.DkimDNSTokenValue{n}}}")
    assert outputs == {
        "DnsMailFromMx": f"{mail_from}. MX 10 feedback-smtp.${{AWS::Region}}.amazonses.com",
        "DnsMailFromSpf": f'{mail_from}. TXT "v=spf1 include:amazonses.com ~all"',
        "DnsDmarc": f'_dmarc.{domain}. TXT "v=DMARC1; p=none; rua=mailto:dmarc@{domain}"',
        "DnsReplyMx": f"{reply_domain}. MX 10 inbound-smtp.${{AWS::Region}}.amazonaws.com",
    }

    # every role may send as the identity, with each configuration set
    ses_prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:"
    for role in of_type(template, "AWS::IAM::Role").values():
        (policy,) = role["Properties"]["Policies"]
        (send,) = [s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == "SesSend"]
        arns = {r["Fn::Sub"] for r in send["Resource"]}
        assert f"{ses_prefix}identity/{domain}" in arns
        names = [o["Properties"]["Name"] for o in of_type(template, "AWS::SES::ConfigurationSet").values()]
        assert {f"{ses_prefix}configuration-set/{name}" for name in names} <= arns


def check_replies(template: dict[str, Any], stage: str, inbound_id: str) -> None:
    """SES receiving on the reply domain: one rule set, one rule whose SNS action publishes to the inbound topic."""
    (rule_set_id, rule_set), = of_type(template, "AWS::SES::ReceiptRuleSet").items()
    assert rule_set["Properties"]["RuleSetName"] == f"{prefix(stage)}-inbound"
    (receipt_rule,) = of_type(template, "AWS::SES::ReceiptRule").values()
    assert receipt_rule["Properties"]["RuleSetName"] == {"Ref": rule_set_id}
    rule = receipt_rule["Properties"]["Rule"]
    assert rule["Enabled"] is True and rule["ScanEnabled"] is True
    assert rule["Recipients"] == [stage_env(stage).get("CRM_REPLY_DOMAIN", "reply.example.com")]
    assert rule["Actions"] == [{"SNSAction": {"TopicArn": {"Ref": inbound_id}, "Encoding": "Base64"}}]
    statement = template["Resources"]["InboundTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert rule["Name"] in statement["Condition"]["ArnLike"]["AWS:SourceArn"]["Fn::Sub"]


def check_functions_and_secrets(template: dict[str, Any], stage: str) -> None:
    """The secrets are in SSM Parameter Store: the functions get the parameters' names, never a value."""
    secrets = {"CRM_SECRET", "CRM_ATS_SECRET"}
    injected = template["Globals"]["Function"]["Environment"]["Variables"]
    assert not template.get("Parameters"), "no secret goes through the template"
    names = {f"{name}_PARAMETER": f"/{prefix(stage)}/{name}" for name in secrets}
    assert {k: injected[k] for k in names} == names and not secrets & set(injected)
    assert template["Metadata"]["TalentCrmDeploy"] == {
        "Stage": stage, "StackName": prefix(stage), "SecretParameters": {n: f"/{prefix(stage)}/{n}" for n in secrets},
        "ReceiptRuleSet": f"{prefix(stage)}-inbound"}
    for role in of_type(template, "AWS::IAM::Role").values():
        statements = {s["Sid"]: s for s in role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]}
        readable = statements["SecretParameters"]["Resource"]
        assert sorted(r["Fn::Sub"].rpartition(":parameter")[2] for r in readable) == sorted(names.values())
        key = statements["SecretParametersKey"]
        assert key["Action"] == "kms:Decrypt" and "kms:ViaService" in key["Condition"]["StringEquals"]
    for lid, function in of_type(template, "AWS::Serverless::Function").items():
        props = function["Properties"]
        variables = props["Environment"]["Variables"]
        assert variables["CRM_STAGE"] == stage, lid
        assert not (set(variables) & (secrets | {"CRM_SES_TOPIC_ARN", "CRM_INBOUND_TOPIC_ARN"})), lid
        assert props["FunctionName"].startswith(prefix(stage) + "-")
        log_group = template["Resources"][f"{lid}LogGroup"]["Properties"]
        assert log_group["LogGroupName"] == f"/aws/lambda/{props['FunctionName']}"
        assert f"{lid}LogGroup" in function["DependsOn"]


def check_iam(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    roles = of_type(template, "AWS::IAM::Role")
    functions = of_type(template, "AWS::Serverless::Function")
    assert {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()} == set(roles)
    for role_id, role in roles.items():
        (policy,) = role["Properties"]["Policies"]
        actions_seen = set()
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            actions_seen.update(actions)
            assert all("*" not in action for action in actions), (role_id, actions)
            scoped = [a for a in actions if a not in ACCOUNT_LEVEL_ACTIONS]
            if any(a.split(":")[0] in ("dynamodb", "sqs", "ses", "logs") for a in scoped):
                assert statement["Resource"] != "*", (role_id, statement)
                for text in strings_in(statement["Resource"]):
                    assert "*" not in text, (role_id, text)
            if any(a.startswith("dynamodb:") for a in actions):
                arns = statement["Resource"]
                table_ids = {r["Fn::GetAtt"][0] for r in arns if "Fn::GetAtt" in r}
                assert table_ids == set(of_type(template, "AWS::DynamoDB::Table"))
            if any(a.startswith("sqs:") for a in actions):
                queue_ids = {r["Fn::GetAtt"][0] for r in statement["Resource"]}
                assert all(resources[q]["Type"] == "AWS::SQS::Queue" for q in queue_ids)
                assert not any(resources[q]["Properties"]["QueueName"].endswith("-dlq") for q in queue_ids)
        assert {"dynamodb:GetItem", "dynamodb:ConditionCheckItem", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                "sqs:GetQueueAttributes", "ses:SendRawEmail", "logs:PutLogEvents"} <= actions_seen
        assert "PlaceholderReplacedByInfraSynth" not in json.dumps(policy)


def check_alarms(template: dict[str, Any], stage: str) -> None:
    """Issue 17.5: dead letters, function errors and throttles, table throttles, SES's reputation rates, one topic."""
    resources = template["Resources"]
    alarms = of_type(template, "AWS::CloudWatch::Alarm")
    [(topic_id, topic)] = [(k, v) for k, v in of_type(template, "AWS::SNS::Topic").items()
                           if v["Properties"]["TopicName"] == f"{prefix(stage)}-alarms"]
    for lid, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": topic_id}] and props["OKActions"] == [{"Ref": topic_id}], lid
        assert props["TreatMissingData"] == "notBreaching" and "docs/operations.md#alarms" in props["AlarmDescription"]
        assert props["AlarmName"].startswith(prefix(stage) + "-"), lid

    def watching(namespace: str, metric: str) -> list[dict[str, Any]]:
        return [a["Properties"] for a in alarms.values()
                if a["Properties"].get("Namespace") == namespace and a["Properties"].get("MetricName") == metric]

    dlqs = {q["Properties"]["QueueName"] for q in of_type(template, "AWS::SQS::Queue").values()
            if q["Properties"]["QueueName"].endswith("-dlq")}
    depth = watching("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert {a["Dimensions"][0]["Value"] for a in depth} == dlqs and len(dlqs) == 2
    assert all(a["Threshold"] == 1 and a["ComparisonOperator"] == "GreaterThanOrEqualToThreshold" for a in depth)
    functions = set(of_type(template, "AWS::Serverless::Function"))
    for metric in ("Errors", "Throttles"):
        assert {a["Dimensions"][0]["Value"]["Ref"] for a in watching("AWS/Lambda", metric)} == functions, metric
    tables = set(of_type(template, "AWS::DynamoDB::Table"))
    throttled = {}
    for alarm in alarms.values():
        for metric in alarm["Properties"].get("Metrics", []):
            stat = metric.get("MetricStat", {}).get("Metric", {})
            if stat.get("Namespace") == "AWS/DynamoDB":
                throttled.setdefault(stat["Dimensions"][0]["Value"]["Ref"], set()).add(stat["MetricName"])
    assert throttled == {t: {"ReadThrottleEvents", "WriteThrottleEvents"} for t in tables}
    [bounce] = watching("AWS/SES", "Reputation.BounceRate")
    [complaint] = watching("AWS/SES", "Reputation.ComplaintRate")
    assert bounce["Threshold"] == 0.04 and complaint["Threshold"] == 0.0008  # below SES's review at 5% / 0.1%
    assert "Dimensions" not in bounce and "Dimensions" not in complaint  # account-wide
    [api_5xx] = watching("AWS/ApiGateway", "5XXError")  # Chalice answers a route's exception with a 500, no Error
    assert api_5xx["Dimensions"] == [{"Name": "ApiName", "Value": prefix(stage)},
                                     {"Name": "Stage", "Value": CONFIG["api_gateway_stage"]}]
    assert resources["RestAPI"]["Properties"]["Name"] == prefix(stage)
    assert resources["RestAPI"]["Properties"]["DefinitionBody"]["info"]["title"] == prefix(stage)
    [send_throttled] = watching("TalentCRM", "SendThrottled")
    assert send_throttled["Dimensions"] == [{"Name": "service", "Value": "talentcrm"}]
    subscriptions = [s["Properties"] for s in of_type(template, "AWS::SNS::Subscription").values()
                     if s["Properties"]["TopicArn"] == {"Ref": topic_id}]
    email = stage_env(stage).get("CRM_ALARM_EMAIL")
    assert subscriptions == ([{"TopicArn": {"Ref": topic_id}, "Protocol": "email", "Endpoint": email}] if email else [])
    assert resources[topic_id] is topic


def check_all(template: dict[str, Any], stage: str) -> None:
    check_tables(template, stage)
    check_queues(template, stage)
    check_sqs_event_sources(template)
    check_ses(template, stage)
    check_functions_and_secrets(template, stage)
    check_iam(template)
    check_alarms(template, stage)


# --- tests ---------------------------------------------------------------------------------------

def test_project_template(project_template):
    stage, template, output = project_template
    assert "cfn-lint:" in output and "OK" in output
    check_all(template, stage)
    send_consumers = [
        lid for lid, _, event in sqs_events(template) if event["Queue"]["Fn::GetAtt"][0] == "SendQueue"
    ]
    assert send_consumers, "app.py must consume the send queue"
    assert not any(p.startswith("/dev/") for p in template["Resources"]["RestAPI"]["Properties"]
                   ["DefinitionBody"]["paths"]), "local-only routes in a deployed stage"
    from infra.resources import send_concurrency

    check_send_concurrency(template, send_concurrency(float(stage_env(stage).get("CRM_SES_MAX_RATE", "14"))))


def test_project_routes_the_ses_webhook(project_template):
    """The SES events topic is subscribed to POST /webhooks/ses: app.py must declare it."""
    _, template, output = project_template
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    assert "post" in paths.get("/webhooks/ses", {}), output


def test_stub_template_discovers_every_sqs_consumer(stub_template):
    stage, template, output, _ = stub_template
    check_all(template, stage)
    consumers = {lid: event["Queue"]["Fn::GetAtt"][0] for lid, _, event in sqs_events(template)}
    assert consumers == {"SendWorker": "SendQueue", "JobsWorker": "JobsQueue"}
    resources = template["Resources"]
    assert resources["SendQueue"]["Properties"]["VisibilityTimeout"] == 6 * 60
    assert resources["JobsQueue"]["Properties"]["VisibilityTimeout"] == 6 * 300
    assert resources["Daily"]["Properties"]["Timeout"] == 900
    assert "warning:" not in output
    check_send_concurrency(template, 5)  # CRM_SES_MAX_RATE 1000 in the stub's dev stage


def test_cfn_lint_passes(stub_template):
    sam_path = stub_template[3]
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())",
         str(sam_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sam_transform_resolves_what_the_patch_relies_on(stub_template):
    """cfn-lint 1.x validates SAM resources by schema without running the transform; the SAM
    translator (aws-sam-translator, when installed) shows what CloudFormation will really create."""
    pytest.importorskip("samtranslator")
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        def load(self):
            return {}

    template = copy.deepcopy(stub_template[1])
    for function in of_type(template, "AWS::Serverless::Function").values():
        # as `aws cloudformation package` does
        function["Properties"]["CodeUri"] = "s3://bucket/deployment.zip"
    assert not template.get("Parameters")  # the secrets are read from SSM at cold start, not passed in
    out = transform(template, {}, NoManagedPolicies())
    resources = out["Resources"]

    mappings = of_type(out, "AWS::Lambda::EventSourceMapping")
    sources = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0] for m in mappings.values()}
    assert sources == {"SendQueue", "JobsQueue"}
    for mapping in mappings.values():
        assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    scaling = {m["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]: m["Properties"].get("ScalingConfig")
               for m in mappings.values()}
    assert scaling == {"SendQueue": {"MaximumConcurrency": 5}, "JobsQueue": None}

    [rest_api] = of_type(out, "AWS::ApiGateway::RestApi").values()
    assert rest_api["Properties"]["Name"] == "talent-crm-dev"  # what the 5xx alarm's ApiName dimension names
    stage_id = "RestAPI" + CONFIG["api_gateway_stage"] + "Stage"
    assert resources[stage_id]["Type"] == "AWS::ApiGateway::Stage"
    endpoint = resources["SesEventsWebhookSubscription"]["Properties"]["Endpoint"]["Fn::Sub"]
    assert endpoint[1] == {"Stage": {"Ref": stage_id}}

    for lid, function in of_type(out, "AWS::Lambda::Function").items():
        variables = function["Properties"]["Environment"]["Variables"]
        assert variables["CRM_SES_TOPIC_ARN"] == {"Ref": "SesEventsTopic"}, lid
        assert variables["CRM_SECRET_PARAMETER"] == "/talent-crm-dev/CRM_SECRET" and variables["CRM_STAGE"] == "dev", lid
        assert "CRM_SECRET" not in variables, lid
        assert function["Properties"]["Role"]["Fn::GetAtt"][0].endswith("Role"), lid


# --- the patch step's refusals, on a small hand-made template -----------------------------------

def _app_resources():
    from infra.resources import AppResources, QueueSpec

    return AppResources(
        stage="dev", prefix="talent-crm-dev", tables=(),
        queues=(QueueSpec("SendQueue", "SendDeadLetterQueue", "talent-crm-dev-send",
                          "talent-crm-dev-send-dlq", "send_queue_name"),),
        ses_configuration_set="cs", ses_topic_name="talent-crm-dev-ses-events", from_email="a@example.com",
        send_concurrency=3,
    )


SQS_ARN_SUB = "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"


def _small_template(queue_name: str = "talent-crm-dev-send", env: dict[str, str] | None = None,
                    paths: dict[str, Any] | None = None) -> dict[str, Any]:
    function = {
        "Type": "AWS::Serverless::Function",
        "Properties": {
            "Timeout": 60,
            "Environment": {"Variables": {"CRM_STAGE": "dev", **(env or {})}},
            "Role": {"Fn::GetAtt": ["SendWorkerRole", "Arn"]},
            "Events": {"Src": {"Type": "SQS", "Properties": {
                "Queue": {"Fn::Sub": SQS_ARN_SUB + queue_name},
                "BatchSize": 10, "MaximumBatchingWindowInSeconds": 0}}},
        },
    }
    return {"Resources": {
        "SendWorker": function,
        "SendWorkerRole": {"Type": "AWS::IAM::Role", "Properties": {"Policies": []}},
        "SendQueue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": 30}},
        "RestAPI": {"Type": "AWS::Serverless::Api", "Properties": {
            "StageName": "api",
            "DefinitionBody": {"paths": paths if paths is not None else {"/webhooks/ses": {"post": {}},
                                                                          "/webhooks/sms": {"post": {}}}}}},
    }}


def test_patch_accepts_the_small_template():
    from infra.patch import patch_template

    template = _small_template()
    assert patch_template(template, _app_resources()) == []
    event = template["Resources"]["SendWorker"]["Properties"]["Events"]["Src"]["Properties"]
    assert event["Queue"] == {"Fn::GetAtt": ["SendQueue", "Arn"]}
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert event["ScalingConfig"] == {"MaximumConcurrency": 3}
    assert template["Resources"]["SendQueue"]["Properties"]["VisibilityTimeout"] == 360


def test_patch_warns_without_the_ses_webhook_route():
    from infra.patch import patch_template

    warnings = patch_template(_small_template(paths={"/health": {"get": {}}}), _app_resources())
    assert warnings == ["app.py has no POST /webhooks/ses, which the SES events topic calls",
                        "app.py has no POST /webhooks/sms, which the SMS inbound topic calls"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"queue_name": "someone-elses-queue"}, "none of the queues"),
        ({"env": {"CRM_SECRET": "in-config"}}, "CRM_SECRET"),
        ({"env": {"CRM_ATS_SECRET_PARAMETER": "/elsewhere"}}, "CRM_ATS_SECRET_PARAMETER"),
        ({"env": {"CRM_STAGE": "prod"}}, "CRM_STAGE"),
    ],
)
def test_patch_refuses(kwargs, message):
    from infra.patch import patch_template
    from infra.resources import InfraError

    with pytest.raises(InfraError, match=message):
        patch_template(copy.deepcopy(_small_template(**kwargs)), _app_resources())


@pytest.mark.parametrize("scaling", [{"MaximumConcurrency": 2}, {"MaximumConcurrency": 50}, {}])
def test_patch_refuses_a_send_concurrency_set_in_app_py(scaling):
    """One source for it: CRM_SES_MAX_RATE, through infra.resources.send_concurrency."""
    from infra.patch import patch_template
    from infra.resources import InfraError

    template = _small_template()
    template["Resources"]["SendWorker"]["Properties"]["Events"]["Src"]["Properties"]["ScalingConfig"] = scaling
    with pytest.raises(InfraError, match="CRM_SES_MAX_RATE"):
        patch_template(template, _app_resources())


@pytest.mark.parametrize("rate, workers", [
    (0.5, 2), (1, 2), (14, 2), (200, 2), (400, 2), (400.5, 3), (401, 3), (1000, 5), (14_000, 70),
    (199_999, 1000), (10**9, 1000),
])
def test_send_concurrency_examples(rate, workers):
    from infra.resources import send_concurrency

    assert send_concurrency(rate) == workers


@given(st.floats(min_value=0, max_value=1e7, allow_nan=False))
def test_send_concurrency_is_what_the_rate_needs_within_sqs_bounds(rate):
    """Enough workers for the rate at 200 sends/s each, one fewer would not be, between 2 and 1,000."""
    from infra.resources import WORKER_SENDS_PER_S, send_concurrency

    workers = send_concurrency(rate)
    assert 2 <= workers <= 1000
    if workers < 1000:
        assert workers * WORKER_SENDS_PER_S >= rate
    if 2 < workers < 1000:
        assert (workers - 1) * WORKER_SENDS_PER_S < rate


def test_a_path_no_route_matches_answers_the_contracts_404(project_template):
    """API Gateway's own answer (403 Missing Authentication Token) replaced by the contract's 404 body."""
    _, template, _ = project_template
    response = template["Resources"]["UnknownRouteResponse"]
    assert response["Type"] == "AWS::ApiGateway::GatewayResponse"
    props = response["Properties"]
    assert props["ResponseType"] == "MISSING_AUTHENTICATION_TOKEN" and props["StatusCode"] == "404"
    assert props["RestApiId"] == {"Ref": "RestAPI"}
    body = json.loads(props["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "not_found" and body["error"]["message"]


def test_the_team_user_pool_and_its_client_are_declared_and_only_they_are_reachable(project_template):
    """Team accounts (CONTRACT: users): the pool and its app client, their ids in every function's environment,
    and IAM admin actions on that pool only."""
    stage, template, _ = project_template
    from infra.resources import COGNITO_ACTIONS

    [(pool_id, pool)] = of_type(template, "AWS::Cognito::UserPool").items()
    props = pool["Properties"]
    assert props["UserPoolName"] == f"talent-crm-{stage}-users"
    assert props["AdminCreateUserConfig"] == {"AllowAdminCreateUserOnly": True}  # nobody signs themselves up
    policy = props["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] >= 12 and all(policy[k] for k in ("RequireUppercase", "RequireLowercase",
                                                                        "RequireNumbers", "RequireSymbols"))
    assert pool["DeletionPolicy"] == "Retain"
    [client] = of_type(template, "AWS::Cognito::UserPoolClient").values()
    assert client["Properties"]["UserPoolId"] == {"Ref": pool_id}
    assert client["Properties"]["GenerateSecret"] is False
    assert client["Properties"]["PreventUserExistenceErrors"] == "ENABLED"
    assert "ALLOW_USER_PASSWORD_AUTH" not in client["Properties"]["ExplicitAuthFlows"]
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["CRM_USER_POOL_ID"] == {"Ref": pool_id} and env["CRM_USER_POOL_CLIENT_ID"]["Ref"] in template[
        "Resources"]
    statements = [s for role in of_type(template, "AWS::IAM::Role").values()
                  for p in role["Properties"].get("Policies", []) for s in p["PolicyDocument"]["Statement"]]
    cognito = [s for s in statements if any(str(a).startswith("cognito-idp:") for a in
                                            (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
    assert cognito and all(s["Resource"] == {"Fn::GetAtt": [pool_id, "Arn"]} for s in cognito)
    assert all(a in COGNITO_ACTIONS for s in cognito for a in s["Action"])


@pytest.mark.parametrize("mail_from", ["bounce.other.test", "example.com", "notexample.com"])
def test_a_mail_from_domain_outside_the_from_domain_is_refused(monkeypatch, mail_from):
    """SES accepts only a subdomain of the identity, and only that makes SPF align with From (DMARC)."""
    from chalicelib.settings import get_settings
    from infra.resources import AppResources, InfraError

    monkeypatch.setenv("CRM_FROM_EMAIL", "talent@example.com")
    monkeypatch.setenv("CRM_MAIL_FROM_DOMAIN", mail_from)
    get_settings.cache_clear()
    try:
        with pytest.raises(InfraError, match="CRM_MAIL_FROM_DOMAIN"):
            AppResources.load()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


# --- placeholders: `make package` refuses a deployed stage still configured with the examples ------------------

REAL_DEV = {
    "CRM_PUBLIC_URL": "https://talent.acme-corp.io", "CRM_FROM_EMAIL": "talent@mail.acme-corp.io",
    "CRM_ALLOWED_ORIGINS": "https://careers.acme-corp.io", "CRM_REPLY_DOMAIN": "reply.acme-corp.io",
    "CRM_ADMIN_EMAIL": "it@acme-corp.io", "CRM_ALARM_EMAIL": "oncall@acme-corp.io",
}


def _stub_project(root: Path, dev_env: dict[str, str]) -> Path:
    root.mkdir()
    (root / "app.py").write_text(STUB_APP)
    os.symlink(ROOT / "chalicelib", root / "chalicelib")
    (root / ".chalice").mkdir()
    for path in (ROOT / ".chalice").glob("*.json"):
        (root / ".chalice" / path.name).write_text(path.read_text())
    config = json.loads((root / ".chalice" / "config.json").read_text())
    config["stages"]["dev"]["environment_variables"].update(dev_env)
    (root / ".chalice" / "config.json").write_text(json.dumps(config))
    return root


def test_the_example_config_is_refused_naming_each_setting_to_set(tmp_path):
    result = run_synth(tmp_path / "out", "dev")
    assert result.returncode == 1
    for name in ("CRM_PUBLIC_URL", "CRM_FROM_EMAIL", "CRM_ALLOWED_ORIGINS", "CRM_REPLY_DOMAIN", "CRM_ADMIN_EMAIL"):
        assert f"  {name}: " in result.stderr, name
    assert "CRM_MAIL_FROM_DOMAIN" not in result.stderr  # its default follows CRM_FROM_EMAIL
    assert not (tmp_path / "out" / "sam.json").exists()


@pytest.mark.parametrize("name, value, why", [
    ("CRM_PUBLIC_URL", "http://127.0.0.1:8000", "local stack"),
    ("CRM_PUBLIC_URL", "http://talent.acme-corp.io", "not https"),
    ("CRM_ALLOWED_ORIGINS", "https://careers.acme-corp.io,https://www.example.org", "example domain"),
    ("CRM_ADMIN_EMAIL", "admin@example.com", "example domain"),
    ("CRM_REPLY_DOMAIN", "reply.acme.test", "not a public domain"),
    ("CRM_ALARM_EMAIL", "ops@sub.example.net", "example domain"),
    ("CRM_MAIL_FROM_DOMAIN", "bounce.example.com", "example domain"),
])
def test_one_placeholder_among_real_settings_is_named(monkeypatch, name, value, why):
    from chalicelib.settings import get_settings
    from infra.placeholders import placeholder_problems

    for key, real in {**REAL_DEV, "CRM_STAGE": "dev", name: value}.items():
        monkeypatch.setenv(key, real)
    get_settings.cache_clear()
    try:
        problems = placeholder_problems(get_settings())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert list(problems) == [name] and why in problems[name]


def test_real_settings_package_with_the_alarm_email_subscribed(tmp_path):
    project = _stub_project(tmp_path / "project", REAL_DEV)
    result = run_synth(tmp_path / "out", "dev", project)
    assert result.returncode == 0, result.stdout + result.stderr
    template = json.loads((tmp_path / "out" / "sam.json").read_text())
    [subscription] = [s["Properties"] for s in of_type(template, "AWS::SNS::Subscription").values()
                      if s["Properties"]["Protocol"] == "email"]
    assert subscription == {"TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": "oncall@acme-corp.io"}


def test_texts_to_our_numbers_reach_the_sms_webhook(project_template):
    """Two-way SMS (AWS End User Messaging) publishes inbound texts to a topic of the stack, subscribed to
    POST /webhooks/sms, whose ARN the app checks deliveries against (CRM_SMS_INBOUND_TOPIC_ARN)."""
    stage, template, _ = project_template
    resources = template["Resources"]
    topic = resources["SmsInboundTopic"]
    assert topic["Properties"]["TopicName"] == f"{prefix(stage)}-sms-inbound"
    [statement] = resources["SmsInboundTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "sms-voice.amazonaws.com"} and statement["Action"] == "sns:Publish"
    assert statement["Condition"]["StringEquals"]["AWS:SourceAccount"] == {"Ref": "AWS::AccountId"}
    subscription = resources["SmsInboundWebhookSubscription"]["Properties"]
    assert subscription["TopicArn"] == {"Ref": "SmsInboundTopic"} and subscription["Protocol"] == "https"
    assert subscription["Endpoint"]["Fn::Sub"][0].endswith("/webhooks/sms")
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["CRM_SMS_INBOUND_TOPIC_ARN"] == {"Ref": "SmsInboundTopic"}
    assert template["Outputs"]["SmsInboundTopicArn"]["Value"] == {"Ref": "SmsInboundTopic"}
