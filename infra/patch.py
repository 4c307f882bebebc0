"""Edits to the SAM template `chalice package` generated, which depend on what it generated.

Why not all in the merge template: Chalice's `--merge-template` deep-merges dictionaries but
replaces lists and cannot refer to what it will generate (one role per function when
`autogen_policy` is false, event sources named after the handlers, the queue each handler reads).
So this module discovers them in the generated template instead of hard-coding them:

- every `AWS::Serverless::Function` gets an explicit `FunctionName` (`<prefix>-<LogicalId>`), a log
  group with a literal name (replacing Chalice's `log_retention_in_days` groups, whose reference to
  the API handler is broken in Chalice 1.34) that it depends on, and no environment variable that
  would shadow the ones the merge template injects;
- every `SQS` event source reads a queue declared by `infra.resources` (else: error), through
  `Fn::GetAtt` so the event source mapping is created after the queue, with
  `FunctionResponseTypes: [ReportBatchItemFailures]`; the queue's visibility timeout becomes
  6 x the consumer's timeout + its batching window (AWS's advice for Lambda consumers); the send
  queue's source gets `ScalingConfig.MaximumConcurrency` from CRM_SES_MAX_RATE
  (`infra.resources.send_concurrency`);
- every role Chalice declared for the functions gets, in place of the placeholder policy from
  `.chalice/policy-lambda.json`, the least-privilege policy below;
- the SES events topic and the inbound topic (replies) are subscribed (https) to the API's
  `POST /webhooks/ses`, the SMS inbound topic to `POST /webhooks/sms` (a warning if app.py has no such route:
  the subscription would never be confirmed).

The policy allows exactly what the code does: DynamoDB item actions (TransactWriteItems and
TransactGetItems are authorized per item as Put/Update/Delete/ConditionCheck/GetItem) on the
tables and their indexes; the queue actions on the queues (the event source mappings poll with the
function's role); SES sends from the configured address (or its domain) with the configuration set;
writing to the function's own log group (its group is created by the template, so no
logs:CreateLogGroup); and `sns:Publish` on any resource, because SMS sent straight to a phone number
has no resource ARN. X-Ray is allowed only if a function traces. Not allowed, because no code path
needs it: dynamodb:DescribeTable (PynamoDB 6 builds table metadata from the models; only
`Model.count()` without a key, `exists()` and table creation would call it).
"""
from __future__ import annotations

import copy
import re
from typing import Any

from .alarms import api_alarm, function_alarms
from .resources import (
    COGNITO_ACTIONS,
    INBOUND_TOPIC_LOGICAL_ID,
    SMS_INBOUND_TOPIC_LOGICAL_ID,
    TOPIC_LOGICAL_ID,
    USER_POOL_LOGICAL_ID,
    AppResources,
    InfraError,
    reserved_variables,
    secret_parameter_variables,
)

DYNAMODB_ACTIONS = [
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
]
SQS_ACTIONS = [
    "sqs:SendMessage",
    "sqs:SendMessageBatch",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
    "sqs:ChangeMessageVisibility",
]
SES_ACTIONS = ["ses:SendEmail", "ses:SendRawEmail"]
DEFAULT_LOG_RETENTION_DAYS = 30
MAX_VISIBILITY_TIMEOUT = 12 * 3600
SES_WEBHOOK_PATH = "/webhooks/ses"
SMS_WEBHOOK_PATH = "/webhooks/sms"
SEND_QUEUE_SETTING = "send_queue_name"
REST_API_ID = "RestAPI"

_SQS_ARN_SUB = re.compile(r"^arn:\$\{AWS::Partition\}:sqs:\$\{AWS::Region\}:\$\{AWS::AccountId\}:([^:]+)$")
_SQS_ARN = re.compile(r"^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:([^:]+)$")
_LOG_GROUP_SUB = re.compile(r"^/aws/lambda/\$\{([A-Za-z0-9]+)\}$")


def patch_template(template: dict[str, Any], app: AppResources) -> list[str]:
    """Patches `template` in place; returns warnings (errors raise InfraError)."""
    resources = template["Resources"]
    functions = {lid: r for lid, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"}
    if not functions:
        raise InfraError("the generated template declares no function")
    for lid, function in functions.items():
        _check_function(lid, function, app)
        function["Properties"]["FunctionName"] = _function_name(lid, app)
    log_groups = _replace_log_groups(resources, functions)
    warnings = _patch_sqs_event_sources(resources, functions, app)
    _replace_role_policies(resources, functions, log_groups, app)
    resources.update(function_alarms({lid: f["Properties"]["FunctionName"] for lid, f in functions.items()}))
    warnings += _subscribe_ses_webhook(template)
    api = resources[REST_API_ID]["Properties"]
    # Chalice names every stage's API after the app: the alarm's ApiName dimension must tell them apart (the
    # definition's title too, so the name is the same whichever of the two API Gateway reads)
    api["Name"] = app.prefix
    api.setdefault("DefinitionBody", {}).setdefault("info", {})["title"] = app.prefix
    resources["ApiServerErrorsAlarm"] = api_alarm(app.prefix, api["StageName"])
    _answer_unknown_routes_in_the_contract_format(resources)
    return warnings


# API Gateway answers a path no route matches with 403 {"message": "Missing Authentication Token"}
# before any function runs: the contract says 404 with its error body.
UNKNOWN_ROUTE_BODY = '{"error": {"code": "not_found", "message": "no such route"}}'


def _answer_unknown_routes_in_the_contract_format(resources: dict[str, Any]) -> None:
    resources["UnknownRouteResponse"] = {
        "Type": "AWS::ApiGateway::GatewayResponse",
        "Properties": {
            "RestApiId": {"Ref": REST_API_ID},
            "ResponseType": "MISSING_AUTHENTICATION_TOKEN",
            "StatusCode": "404",
            "ResponseParameters": {"gatewayresponse.header.Content-Type": "'application/json'",
                                   "gatewayresponse.header.X-Content-Type-Options": "'nosniff'"},
            "ResponseTemplates": {"application/json": UNKNOWN_ROUTE_BODY},
        },
    }


def _function_name(lid: str, app: AppResources) -> str:
    name = f"{app.prefix}-{lid}"
    if len(name) > 64:
        raise InfraError(f"function name {name!r} is longer than Lambda's 64 characters")
    return name


def _check_function(lid: str, function: dict[str, Any], app: AppResources) -> None:
    props = function["Properties"]
    variables = props.get("Environment", {}).get("Variables", {})
    shadowing = sorted(set(variables) & reserved_variables(app.prefix))
    if shadowing:
        raise InfraError(
            f"{lid}: .chalice/config.json sets {shadowing}; these come from the template "
            "(references to its resources, and the secrets' SSM parameters), remove them from the config"
        )
    if variables.get("CRM_STAGE") != app.stage:
        raise InfraError(f"{lid}: CRM_STAGE is {variables.get('CRM_STAGE')!r}, expected {app.stage!r}")
    if "VpcConfig" in props:
        raise InfraError(f"{lid}: VPC functions need ENI permissions that infra.patch does not grant")
    if not isinstance(props.get("Timeout"), int):
        raise InfraError(f"{lid}: no integer Timeout in the generated template")


def _replace_log_groups(resources: dict[str, Any], functions: dict[str, Any]) -> dict[str, str]:
    """Returns function logical id -> its log group's logical id."""
    by_lower = {lid.lower(): lid for lid in functions}
    retention: dict[str, int] = {}
    for lid, resource in list(resources.items()):
        if resource.get("Type") != "AWS::Logs::LogGroup":
            continue
        name = resource.get("Properties", {}).get("LogGroupName")
        match = _LOG_GROUP_SUB.match(name.get("Fn::Sub", "")) if isinstance(name, dict) else None
        if not match or match.group(1).lower() not in by_lower:
            continue
        retention[by_lower[match.group(1).lower()]] = resource["Properties"].get(
            "RetentionInDays", DEFAULT_LOG_RETENTION_DAYS
        )
        del resources[lid]
    log_groups = {}
    for lid, function in functions.items():
        group_id = f"{lid}LogGroup"
        if group_id in resources:
            raise InfraError(f"{group_id} already exists in the generated template")
        resources[group_id] = {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": f"/aws/lambda/{function['Properties']['FunctionName']}",
                "RetentionInDays": retention.get(lid, DEFAULT_LOG_RETENTION_DAYS),
            },
        }
        _add_depends_on(function, group_id)
        log_groups[lid] = group_id
    return log_groups


def _add_depends_on(resource: dict[str, Any], logical_id: str) -> None:
    depends = resource.get("DependsOn", [])
    depends = [depends] if isinstance(depends, str) else list(depends)
    if logical_id not in depends:
        depends.append(logical_id)
    resource["DependsOn"] = depends


def _queue_name(queue: Any) -> str | None:
    if isinstance(queue, dict) and isinstance(queue.get("Fn::Sub"), str):
        match = _SQS_ARN_SUB.match(queue["Fn::Sub"])
    elif isinstance(queue, str):
        match = _SQS_ARN.match(queue)
    else:
        return None
    return match.group(1) if match else None


def _patch_sqs_event_sources(
    resources: dict[str, Any], functions: dict[str, Any], app: AppResources
) -> list[str]:
    visibility: dict[str, int] = {}
    for lid, function in functions.items():
        props = function["Properties"]
        for event_id, event in (props.get("Events") or {}).items():
            if event.get("Type") != "SQS":
                continue
            ev_props = event["Properties"]
            name = _queue_name(ev_props.get("Queue"))
            queue = app.queue_by_name(name) if name else None
            if queue is None:
                raise InfraError(
                    f"{lid}.{event_id} reads queue {ev_props.get('Queue')!r}, which is none of the "
                    f"queues the settings declare ({[q.name for q in app.queues]})"
                )
            ev_props["Queue"] = {"Fn::GetAtt": [queue.logical_id, "Arn"]}
            ev_props["FunctionResponseTypes"] = ["ReportBatchItemFailures"]
            if queue.setting == SEND_QUEUE_SETTING:
                if "ScalingConfig" in ev_props:
                    raise InfraError(f"{lid}.{event_id}: app.py sets the send queue's maximum_concurrency; it "
                                     "comes from CRM_SES_MAX_RATE (infra.resources.send_concurrency)")
                ev_props["ScalingConfig"] = {"MaximumConcurrency": app.send_concurrency}
            needed = 6 * props["Timeout"] + int(ev_props.get("MaximumBatchingWindowInSeconds") or 0)
            visibility[queue.logical_id] = max(visibility.get(queue.logical_id, 0), needed)
    warnings = []
    for queue in app.queues:
        if queue.logical_id not in visibility:
            warnings.append(f"queue {queue.name} ({queue.setting}) has no consumer in app.py")
            continue
        if visibility[queue.logical_id] > MAX_VISIBILITY_TIMEOUT:
            raise InfraError(f"{queue.name}: its consumer's timeout is too long for SQS visibility")
        resources[queue.logical_id]["Properties"]["VisibilityTimeout"] = visibility[queue.logical_id]
    return warnings


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def lambda_policy(app: AppResources, log_group_ids: list[str], tracing: bool) -> dict[str, Any]:
    table_arns: list[Any] = []
    for table in app.tables:
        table_arns.append({"Fn::GetAtt": [table.logical_id, "Arn"]})
        table_arns.extend(_sub(f"${{{table.logical_id}.Arn}}/index/{ix}") for ix in table.index_names)
    domain = app.from_email.rpartition("@")[2]
    ses_prefix = "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}"
    ses_resources = [_sub(f"{ses_prefix}:identity/{app.from_email}")]
    if domain and domain != app.from_email:
        ses_resources.append(_sub(f"{ses_prefix}:identity/{domain}"))
    ses_resources.extend(_sub(f"{ses_prefix}:configuration-set/{name}") for name in app.configuration_sets.values())
    statements = [
        {"Sid": "DynamoDBTables", "Effect": "Allow", "Action": DYNAMODB_ACTIONS, "Resource": table_arns},
        {
            "Sid": "SqsQueues",
            "Effect": "Allow",
            "Action": SQS_ACTIONS,
            "Resource": [{"Fn::GetAtt": [q.logical_id, "Arn"]} for q in app.queues],
        },
        {"Sid": "SesSend", "Effect": "Allow", "Action": SES_ACTIONS, "Resource": ses_resources},
        # the Settings page and GET /doctor (chalicelib/aws/doctor.py): the sending identity and the account's state
        {"Sid": "SesDoctorIdentity", "Effect": "Allow", "Action": "ses:GetEmailIdentity",
         "Resource": ses_resources[1:2] or ses_resources[:1]},
        {"Sid": "SesDoctorAccount", "Effect": "Allow", "Action": "ses:GetAccount", "Resource": "*"},
        {"Sid": "SmsPublish", "Effect": "Allow", "Action": "sns:Publish", "Resource": "*"},
        {"Sid": "TeamUserPool", "Effect": "Allow", "Action": COGNITO_ACTIONS,
         "Resource": {"Fn::GetAtt": [USER_POOL_LOGICAL_ID, "Arn"]}},
        # chalicelib/aws/parameters.py at cold start: the stage's secrets and nothing else, through SSM's key.
        {"Sid": "SecretParameters", "Effect": "Allow", "Action": ["ssm:GetParameters", "ssm:GetParameter"],
         "Resource": [_sub(f"arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter{name}")
                      for name in secret_parameter_variables(app.prefix).values()]},
        {"Sid": "SecretParametersKey", "Effect": "Allow", "Action": "kms:Decrypt",
         "Resource": _sub("arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*"),
         "Condition": {"StringEquals": {"kms:ViaService": _sub("ssm.${AWS::Region}.amazonaws.com")}}},
        {
            "Sid": "OwnLogGroup",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [{"Fn::GetAtt": [g, "Arn"]} for g in log_group_ids],
        },
    ]
    if tracing:
        statements.append(
            {
                "Sid": "XRay",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def _replace_role_policies(
    resources: dict[str, Any], functions: dict[str, Any], log_groups: dict[str, str], app: AppResources
) -> None:
    users: dict[str, list[str]] = {}
    for lid, function in functions.items():
        role = function["Properties"].get("Role")
        role_id = role.get("Fn::GetAtt", [None])[0] if isinstance(role, dict) else None
        if role_id is None or resources.get(role_id, {}).get("Type") != "AWS::IAM::Role":
            raise InfraError(
                f"{lid}: its Role is {role!r}, not a role in the template (keep manage_iam_role "
                "true and autogen_policy false in .chalice/config.json)"
            )
        users.setdefault(role_id, []).append(lid)
    for role_id, lids in users.items():
        tracing = any(functions[lid]["Properties"].get("Tracing") == "Active" for lid in lids)
        document = lambda_policy(app, [log_groups[lid] for lid in lids], tracing)
        resources[role_id]["Properties"]["Policies"] = [
            {"PolicyName": f"{role_id}Policy", "PolicyDocument": copy.deepcopy(document)}
        ]


def _subscribe_ses_webhook(template: dict[str, Any]) -> list[str]:
    resources = template["Resources"]
    api = resources.get(REST_API_ID)
    if not api or api.get("Type") != "AWS::Serverless::Api":
        raise InfraError(f"no {REST_API_ID} in the generated template: app.py declares no route")
    paths = api["Properties"].get("DefinitionBody", {}).get("paths", {})
    warnings = []
    for path, caller in ((SES_WEBHOOK_PATH, "the SES events topic"), (SMS_WEBHOOK_PATH, "the SMS inbound topic")):
        if "post" not in paths.get(path, {}):
            # Still subscribed: the subscription stays unconfirmed until the route exists.
            warnings.append(f"app.py has no POST {path}, which {caller} calls")
    # `RestAPI.Stage` is SAM's reference to the stage it generates from the API: it yields the stage
    # name and makes the subscription wait for the stage, which must be live when SNS sends the
    # subscription confirmation.
    url = f"https://${{{REST_API_ID}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/${{Stage}}"
    endpoint = {"Fn::Sub": [url + SES_WEBHOOK_PATH, {"Stage": {"Ref": f"{REST_API_ID}.Stage"}}]}
    sms_endpoint = {"Fn::Sub": [url + SMS_WEBHOOK_PATH, {"Stage": {"Ref": f"{REST_API_ID}.Stage"}}]}
    for lid, topic, target in (("SesEventsWebhookSubscription", TOPIC_LOGICAL_ID, endpoint),
                               ("InboundWebhookSubscription", INBOUND_TOPIC_LOGICAL_ID, endpoint),
                               ("SmsInboundWebhookSubscription", SMS_INBOUND_TOPIC_LOGICAL_ID, sms_endpoint)):
        resources[lid] = {
            "Type": "AWS::SNS::Subscription",
            "Properties": {"TopicArn": {"Ref": topic}, "Protocol": "https", "Endpoint": copy.deepcopy(target)},
        }
    template.setdefault("Outputs", {})["SesWebhookUrl"] = {"Value": copy.deepcopy(endpoint)}
    return warnings
