"""The resources the app needs besides its functions, derived from the app's own definitions.

Nothing here repeats a name: tables come from the PynamoDB models (`Model.Meta.table_name`, key
schema, indexes and projections from `Model._get_schema()`, TTL from
`chalicelib.store.models.TTL_ATTRIBUTES`), queues from every `*_queue_name` property of
`chalicelib.settings.Settings`, the SES configuration sets (marketing, transactional, one-to-one outreach)
from `settings.ses_*configuration_set`, the SES domain identity from CRM_FROM_EMAIL's domain, and
all of them for the stage whose environment (from `.chalice/config.json`) is in `os.environ` when
`AppResources.load()` runs.

`merge_template()` returns the fragment given to `chalice package --merge-template`: resources that do
not depend on what Chalice generates. Everything that does (functions, roles, SQS event sources, the
API stage) is done afterwards by `infra.patch`.

Decisions:
- Secrets (`CRM_SECRET`, `CRM_ATS_SECRET`) live in SSM Parameter Store as SecureString parameters
  `/<prefix>/CRM_SECRET` and `/<prefix>/CRM_ATS_SECRET`, which `make deploy` (infra/deploy.py) creates once
  with random values and never overwrites (CloudFormation cannot create SecureStrings, and a regenerated
  CRM_SECRET would break every link in the emails already sent). The functions get only the parameters'
  names (CRM_SECRET_PARAMETER, CRM_ATS_SECRET_PARAMETER) and may read exactly those parameters, decrypted
  with the default `aws/ssm` key; chalicelib/aws/parameters.py loads the values at cold start. So no secret is
  in the template, in `.chalice/config.json` or in the functions' configuration (`CRM_API_KEY` is local-only:
  deployed stages keep recruiter keys in DynamoDB, see `make apikey`). `CRM_SES_TOPIC_ARN` and the other
  injected names reach every function through SAM `Globals.Function.Environment` (SAM merges that map with
  each function's own variables; a function's own value would win, so `infra.patch` refuses a config that
  sets one of these names, or a secret, itself). The other settings (`CRM_PUBLIC_URL`, `CRM_FROM_EMAIL`,
  `CRM_ALLOWED_ORIGINS`, `CRM_SES_CONFIGURATION_SET`) are plain per-stage values in `.chalice/config.json`.
- The topic policy lets SES publish only on behalf of this account (`AWS:SourceAccount`).
- The sending domain: an SES domain identity for CRM_FROM_EMAIL's domain with Easy DKIM (2048-bit keys) and
  the custom MAIL FROM CRM_MAIL_FROM_DOMAIN (default `bounce.<domain>`; if its MX is missing SES falls back to
  amazonses.com rather than refusing mail). One identity per domain per account and region: two stages in one
  account need two From domains. The outputs `Dns*` are every record to publish (zone-file lines); `crm doctor`
  checks them (chalicelib/domain/doctor.py computes both). Three configuration sets keep marketing, transactional
  and one-to-one outreach apart, each publishing events to the one topic; the app still sends everything with
  CRM_SES_CONFIGURATION_SET (marketing) until the send path chooses per kind.
- Tables keep their data when the stack is deleted or a change would replace them
  (`DeletionPolicy`/`UpdateReplacePolicy: Retain`), and prod tables have deletion protection.
- The SNS topic is not KMS-encrypted: SES can only publish to an encrypted topic through a customer
  managed key whose policy admits SES; add one (and `KmsMasterKeyId`) if the event data must be.
- Replies: an SES receipt rule set (`<prefix>-inbound`) with one rule for CRM_REPLY_DOMAIN whose SNS action
  publishes each email to the inbound topic (`<prefix>-inbound`, CRM_INBOUND_TOPIC_ARN: its `Ref`), which is
  subscribed to POST /webhooks/ses like the events topic (`infra.patch`). The action's encoding is Base64: the
  email's bytes arrive exactly as received, whatever charset or 8-bit content it has (UTF-8 would replace what
  is not UTF-8). SES's spam and virus scan is on (the webhook ignores a FAILED verdict). The topic policy lets
  SES publish from this account's rule only. CloudFormation cannot make a rule set the active one (one per
  account and region): `make deploy` does when none is active (infra/deploy.py), and
  the reply domain needs an MX record to `inbound-smtp.<region>.amazonaws.com` (a region with SES receiving).
"""
from __future__ import annotations

import importlib
import math
from dataclasses import dataclass
from typing import Any

# SES event types published to the SNS topic (CloudFormation spells them in camelCase).
# Not `open` and `click`: publishing those turns on SES's own open/click tracking for every message
# sent with the configuration set (SES would rewrite our links and add its pixel on top of ours);
# we track opens and clicks ourselves. The webhook still accepts both types if they arrive.
SES_EVENT_TYPES = (
    "send",
    "delivery",
    "bounce",
    "complaint",
    "reject",
    "deliveryDelay",
    "renderingFailure",
    "subscription",
)

MAX_RECEIVE_COUNT = 5
QUEUE_RETENTION_SECONDS = 4 * 24 * 3600
DLQ_RETENTION_SECONDS = 14 * 24 * 3600
# Until `infra.patch` sees the queue's consumer (then: 6 x its timeout + batching window).
DEFAULT_VISIBILITY_TIMEOUT = 360
# Sends a second one send worker sustains: the floor tests/bench holds `worker_sends_per_s_at_50ms`
# to (measured 435-457 with SES answering in 50 ms); see `send_concurrency`.
WORKER_SENDS_PER_S = 200
# What SQS allows for an event source's MaximumConcurrency.
MIN_CONCURRENCY, MAX_CONCURRENCY = 2, 1000

# The secrets kept in SSM Parameter Store: setting -> (what it is, minimum length). Their *_PARAMETER variables
# are chalicelib.settings.SECRET_PARAMETERS's.
SECRETS = {
    "CRM_SECRET": ("key for signing tracking, confirm and unsubscribe tokens", 32),
    "CRM_ATS_SECRET": ("shared secret for /webhooks/ats signatures", 16),
}
TOPIC_LOGICAL_ID = "SesEventsTopic"
IDENTITY_LOGICAL_ID = "SendingIdentity"  # the SES domain identity of CRM_FROM_EMAIL's domain
# The records after the DKIM CNAMEs, in chalicelib.domain.doctor.sending_records's order.
DNS_OUTPUT_IDS = ("DnsMailFromMx", "DnsMailFromSpf", "DnsDmarc", "DnsReplyMx")
INBOUND_TOPIC_LOGICAL_ID = "InboundTopic"  # replies: SES receiving's SNS action publishes here
SMS_INBOUND_TOPIC_LOGICAL_ID = "SmsInboundTopic"  # texts to our numbers: End User Messaging two-way SMS publishes here
SMS_SERVICE = "sms-voice.amazonaws.com"  # AWS End User Messaging SMS (pinpoint-sms-voice-v2)
RECEIPT_RULE_SET_LOGICAL_ID, RECEIPT_RULE_LOGICAL_ID = "InboundReceiptRuleSet", "InboundReceiptRule"
USER_POOL_LOGICAL_ID, USER_POOL_CLIENT_LOGICAL_ID = "UserPool", "UserPoolClient"
DEPLOY_METADATA = "TalentCrmDeploy"  # the template's Metadata key for infra/deploy.py

# The team's Cognito user pool, as boto3's create_user_pool takes it: the local stack makes it from this
# (crmlocal/bootstrap.py) and the template below says the same in CloudFormation's words.
# Only admins create accounts (no self sign-up); the password policy is domain.accounts.password_problem's.
USER_POOL_POLICY: dict[str, Any] = {
    "Policies": {"PasswordPolicy": {
        "MinimumLength": 12, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
        "RequireSymbols": True, "TemporaryPasswordValidityDays": 7}},
    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
    "UsernameConfiguration": {"CaseSensitive": False},
    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Priority": 1, "Name": "admin_only"}]},
}
# The API's app client: a server-side password flow (the browser never holds a client secret or does SRP),
# one-hour access tokens, and no answer that tells whether an address has an account.
USER_POOL_CLIENT: dict[str, Any] = {
    "GenerateSecret": False,
    "ExplicitAuthFlows": ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "AccessTokenValidity": 60, "IdTokenValidity": 60, "RefreshTokenValidity": 12,
    "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": True,
}
COGNITO_ACTIONS = [  # what services/users.py and services/auth.py call, on the stage's pool only
    "cognito-idp:AdminCreateUser", "cognito-idp:AdminInitiateAuth", "cognito-idp:AdminRespondToAuthChallenge",
    "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminEnableUser", "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminUserGlobalSignOut", "cognito-idp:AdminDeleteUser",
]

# What `merge_template()` adds to every function's environment (name -> CloudFormation value).
INJECTED_ENVIRONMENT: dict[str, Any] = {
    "CRM_SES_TOPIC_ARN": {"Ref": TOPIC_LOGICAL_ID},
    "CRM_INBOUND_TOPIC_ARN": {"Ref": INBOUND_TOPIC_LOGICAL_ID},
    "CRM_SMS_INBOUND_TOPIC_ARN": {"Ref": SMS_INBOUND_TOPIC_LOGICAL_ID},
    "CRM_USER_POOL_ID": {"Ref": USER_POOL_LOGICAL_ID},
    "CRM_USER_POOL_CLIENT_ID": {"Ref": USER_POOL_CLIENT_LOGICAL_ID},
}


def secret_parameter_name(prefix: str, setting: str) -> str:
    """The SSM parameter that holds a secret setting of the stage, e.g. /talent-crm-dev/CRM_SECRET."""
    return f"/{prefix}/{setting}"


def secret_parameter_variables(prefix: str) -> dict[str, str]:
    """What the functions get instead of the secrets: CRM_SECRET_PARAMETER -> the parameter's name, ..."""
    from chalicelib.settings import SECRET_PARAMETERS

    if set(SECRET_PARAMETERS) != set(SECRETS):
        raise InfraError(f"chalicelib.settings.SECRET_PARAMETERS {sorted(SECRET_PARAMETERS)} and "
                         f"infra.resources.SECRETS {sorted(SECRETS)} name different secrets")
    return {variable: secret_parameter_name(prefix, setting) for setting, variable in SECRET_PARAMETERS.items()}


def reserved_variables(prefix: str) -> set[str]:
    """Names .chalice/config.json must not set: the template injects them, or they are secrets."""
    return set(INJECTED_ENVIRONMENT) | set(SECRETS) | set(secret_parameter_variables(prefix))


class InfraError(Exception):
    """The app's definitions cannot be turned into a correct template."""


def send_concurrency(ses_max_rate: float) -> int:
    """MaximumConcurrency of the send queue's event source: as many workers as CRM_SES_MAX_RATE needs.

    Every worker shares one global rate (services/ratelimit.py); workers beyond the rate's need would
    only sleep on the limiter, paid for, while Lambda scales an SQS consumer up to hundreds of them.
    So: the rate over what one worker sends (WORKER_SENDS_PER_S), rounded up, at least SQS's floor of
    2 (2 at the default 14/s: either worker alone could keep the whole rate), at most SQS's 1,000.
    """
    needed = math.ceil(max(ses_max_rate, 0) / WORKER_SENDS_PER_S)
    return min(MAX_CONCURRENCY, max(MIN_CONCURRENCY, needed))


def _camel(snake: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part)


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    name: str
    model_name: str
    key_schema: list[dict[str, str]]
    attribute_definitions: list[dict[str, str]]
    global_indexes: list[dict[str, Any]]
    local_indexes: list[dict[str, Any]]
    ttl_attribute: str | None

    @property
    def index_names(self) -> list[str]:
        return [i["IndexName"] for i in self.global_indexes + self.local_indexes]


@dataclass(frozen=True)
class QueueSpec:
    logical_id: str
    dlq_logical_id: str
    name: str
    dlq_name: str
    setting: str


@dataclass(frozen=True)
class AppResources:
    stage: str
    prefix: str
    tables: tuple[TableSpec, ...]
    queues: tuple[QueueSpec, ...]
    ses_configuration_set: str
    ses_topic_name: str
    from_email: str
    send_concurrency: int  # the send queue's MaximumConcurrency, from CRM_SES_MAX_RATE
    reply_domain: str = "reply.example.com"  # CRM_REPLY_DOMAIN: the receipt rule's recipient domain
    ses_transactional_configuration_set: str = "crm-events-transactional"
    ses_outreach_configuration_set: str = "crm-events-outreach"
    mail_from_domain: str = "bounce.example.com"  # CRM_MAIL_FROM_DOMAIN: the identity's custom MAIL FROM
    alarm_email: str = ""  # CRM_ALARM_EMAIL: subscribed to the alarm topic if set (infra/alarms.py)

    @property
    def sending_domain(self) -> str:
        """CRM_FROM_EMAIL's domain: the SES domain identity."""
        return self.from_email.rpartition("@")[2].lower()

    @property
    def configuration_sets(self) -> dict[str, str]:
        """Logical id prefix -> name: marketing (CRM_SES_CONFIGURATION_SET), transactional, one-to-one outreach."""
        return {"Ses": self.ses_configuration_set, "SesTransactional": self.ses_transactional_configuration_set,
                "SesOutreach": self.ses_outreach_configuration_set}

    @property
    def inbound_name(self) -> str:
        """The inbound topic's and the receipt rule set's name."""
        return f"{self.prefix}-inbound"

    @classmethod
    def load(cls, expected_stage: str | None = None) -> "AppResources":
        """Reads settings and models; the stage's environment must already be in os.environ."""
        settings_mod = importlib.import_module("chalicelib.settings")
        models_mod = importlib.import_module("chalicelib.store.models")
        settings = settings_mod.get_settings()
        if expected_stage is not None and settings.stage != expected_stage:
            raise InfraError(
                f"settings say stage {settings.stage!r}, expected {expected_stage!r}: run the "
                "synthesis in its own process (python -m infra.synth)"
            )
        tables = tuple(
            _table_spec(model, models_mod.TTL_ATTRIBUTES.get(model)) for model in models_mod.ALL_MODELS
        )
        for table in tables:
            if not table.name.startswith(settings.resource_prefix + "-"):
                raise InfraError(
                    f"{table.model_name} table {table.name!r} is not under the prefix "
                    f"{settings.resource_prefix!r} (models imported with another stage's settings?)"
                )
        domain = settings.sending_domain
        if not settings.mail_from_domain.endswith("." + domain):
            raise InfraError(f"CRM_MAIL_FROM_DOMAIN {settings.mail_from_domain!r} must be a subdomain of the From "
                             f"domain {domain!r} (SES's rule, and what makes SPF align with From)")
        unknown_ttl = set(models_mod.TTL_ATTRIBUTES) - set(models_mod.ALL_MODELS)
        if unknown_ttl:
            raise InfraError(f"TTL_ATTRIBUTES names models not in ALL_MODELS: {unknown_ttl}")
        return cls(
            stage=settings.stage,
            prefix=settings.resource_prefix,
            tables=tables,
            queues=_queue_specs(settings),
            ses_configuration_set=settings.ses_configuration_set,
            ses_topic_name=f"{settings.resource_prefix}-ses-events",
            from_email=settings.from_email,
            send_concurrency=send_concurrency(settings.ses_max_rate),
            reply_domain=settings.reply_domain,
            ses_transactional_configuration_set=settings.ses_transactional_configuration_set,
            ses_outreach_configuration_set=settings.ses_outreach_configuration_set,
            mail_from_domain=settings.mail_from_domain,
            alarm_email=settings.alarm_email,
        )

    def queue_by_name(self, name: str) -> QueueSpec | None:
        return next((q for q in self.queues if q.name == name), None)


def _table_spec(model: type, ttl_name: str | None) -> TableSpec:
    billing = getattr(model.Meta, "billing_mode", None)
    if billing != "PAY_PER_REQUEST":
        raise InfraError(f"{model.__name__}: only billing_mode PAY_PER_REQUEST is supported, got {billing!r}")
    schema = model._get_schema()
    attributes = model.get_attributes()
    ttl_attribute = None
    if ttl_name is not None:
        if ttl_name not in attributes:
            raise InfraError(f"TTL_ATTRIBUTES: {model.__name__} has no attribute {ttl_name!r}")
        ttl_attribute = attributes[ttl_name].attr_name
    declared_ttl = model._ttl_attribute()
    if declared_ttl is not None and declared_ttl.attr_name != ttl_attribute:
        raise InfraError(
            f"{model.__name__} has a TTLAttribute {declared_ttl.attr_name!r} that TTL_ATTRIBUTES "
            f"does not name (it names {ttl_attribute!r})"
        )

    def index(ix: dict[str, Any]) -> dict[str, Any]:
        projection = {"ProjectionType": ix["projection"]["ProjectionType"]}
        if ix["projection"].get("NonKeyAttributes"):
            projection["NonKeyAttributes"] = list(ix["projection"]["NonKeyAttributes"])
        return {"IndexName": ix["index_name"], "KeySchema": _keys(ix["key_schema"]), "Projection": projection}

    short = model.__name__[: -len("Model")] if model.__name__.endswith("Model") else model.__name__
    return TableSpec(
        logical_id=f"{short}Table",
        name=model.Meta.table_name,
        model_name=model.__name__,
        key_schema=_keys(schema["key_schema"]),
        attribute_definitions=[
            {"AttributeName": a["AttributeName"], "AttributeType": a["AttributeType"]}
            for a in schema["attribute_definitions"]
        ],
        global_indexes=[index(ix) for ix in schema["global_secondary_indexes"]],
        local_indexes=[index(ix) for ix in schema["local_secondary_indexes"]],
        ttl_attribute=ttl_attribute,
    )


def _keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    keys = [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema]
    return sorted(keys, key=lambda k: k["KeyType"] != "HASH")  # HASH first, as DynamoDB requires


def _queue_specs(settings: Any) -> tuple[QueueSpec, ...]:
    specs = []
    for attr in sorted(dir(type(settings))):
        if not attr.endswith("_queue_name"):
            continue
        base = _camel(attr[: -len("_queue_name")])
        name = getattr(settings, attr)
        specs.append(
            QueueSpec(
                logical_id=f"{base}Queue",
                dlq_logical_id=f"{base}DeadLetterQueue",
                name=name,
                dlq_name=f"{name}-dlq",
                setting=attr,
            )
        )
    if not specs:
        raise InfraError("chalicelib.settings.Settings declares no *_queue_name property")
    return tuple(specs)


def _table_resource(table: TableSpec, stage: str) -> dict[str, Any]:
    props: dict[str, Any] = {
        "TableName": table.name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": table.attribute_definitions,
        "KeySchema": table.key_schema,
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "SSESpecification": {"SSEEnabled": True},
        "DeletionProtectionEnabled": stage == "prod",
    }
    if table.global_indexes:
        props["GlobalSecondaryIndexes"] = table.global_indexes
    if table.local_indexes:
        props["LocalSecondaryIndexes"] = table.local_indexes
    if table.ttl_attribute:
        props["TimeToLiveSpecification"] = {"AttributeName": table.ttl_attribute, "Enabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": props,
    }


def _queue_resources(queue: QueueSpec) -> dict[str, Any]:
    return {
        queue.dlq_logical_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": queue.dlq_name,
                "MessageRetentionPeriod": DLQ_RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
            },
        },
        queue.logical_id: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": queue.name,
                "VisibilityTimeout": DEFAULT_VISIBILITY_TIMEOUT,
                "MessageRetentionPeriod": QUEUE_RETENTION_SECONDS,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [queue.dlq_logical_id, "Arn"]},
                    "maxReceiveCount": MAX_RECEIVE_COUNT,
                },
            },
        },
    }


def _ses_may_publish(topic_id: str, sid: str, conditions: dict[str, Any] | None = None,
                     service: str = "ses.amazonaws.com") -> dict[str, Any]:
    """A topic policy letting SES (or `service`) publish to the topic, on behalf of this account only (and
    `conditions`)."""
    statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sns:Publish",
        "Resource": {"Ref": topic_id},
        "Condition": {"StringEquals": {"AWS:SourceAccount": {"Ref": "AWS::AccountId"}}, **(conditions or {})},
    }
    return {
        "Type": "AWS::SNS::TopicPolicy",
        "Properties": {"Topics": [{"Ref": topic_id}],
                       "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}},
    }


def _ses_resources(app: AppResources) -> dict[str, Any]:
    resources: dict[str, Any] = {
        TOPIC_LOGICAL_ID: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": app.ses_topic_name},
        },
        "SesEventsTopicPolicy": _ses_may_publish(TOPIC_LOGICAL_ID, "SesPublishesEvents"),
        IDENTITY_LOGICAL_ID: _identity_resource(app),
    }
    for prefix, name in app.configuration_sets.items():  # each kind of mail apart, every one publishing events
        resources[f"{prefix}ConfigurationSet"] = {
            "Type": "AWS::SES::ConfigurationSet",
            "Properties": {
                "Name": name,
                "ReputationOptions": {"ReputationMetricsEnabled": True},
                "SendingOptions": {"SendingEnabled": True},
            },
        }
        resources[f"{prefix}EventDestination"] = {
            "Type": "AWS::SES::ConfigurationSetEventDestination",
            "DependsOn": "SesEventsTopicPolicy",
            "Properties": {
                "ConfigurationSetName": {"Ref": f"{prefix}ConfigurationSet"},
                "EventDestination": {
                    "Name": "sns-events",
                    "Enabled": True,
                    "MatchingEventTypes": list(SES_EVENT_TYPES),
                    "SnsDestination": {"TopicARN": {"Ref": TOPIC_LOGICAL_ID}},
                },
            },
        }
    return resources


def _identity_resource(app: AppResources) -> dict[str, Any]:
    """The From domain's identity: Easy DKIM with 2048-bit keys, and a MAIL FROM subdomain so SPF aligns. Kept when
    the stack goes or the resource is replaced: a new identity has new DKIM keys, and the published CNAMEs break."""
    return {
        "Type": "AWS::SES::EmailIdentity",
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": {
            "EmailIdentity": app.sending_domain,
            "DkimAttributes": {"SigningEnabled": True},
            "DkimSigningAttributes": {"NextSigningKeyLength": "RSA_2048_BIT"},
            "MailFromAttributes": {"MailFromDomain": app.mail_from_domain,
                                   "BehaviorOnMxFailure": "USE_DEFAULT_VALUE"},
        },
    }


def dns_outputs(app: AppResources) -> dict[str, Any]:
    """Every DNS record to publish, one output each, as a zone-file line (name. TYPE value)."""
    from chalicelib.domain.doctor import sending_records

    outputs: dict[str, Any] = {}
    for n in (1, 2, 3):
        outputs[f"DnsDkim{n}"] = {
            "Description": "DKIM (Easy DKIM, 2048-bit): publish as a CNAME",
            "Value": {"Fn::Sub": f"${{{IDENTITY_LOGICAL_ID}.DkimDNSTokenName{n}}}. CNAME "
                                 f"${{{IDENTITY_LOGICAL_ID}.DkimDNSTokenValue{n}}}"}}
    records = sending_records(app.sending_domain, app.mail_from_domain, app.reply_domain, "${AWS::Region}")
    for output_id, record in zip(DNS_OUTPUT_IDS, records, strict=True):
        outputs[output_id] = {"Description": record.purpose, "Value": {"Fn::Sub": record.line()}}
    return outputs


def _inbound_resources(app: AppResources) -> dict[str, Any]:
    """Replies: the receipt rule set and rule on the reply domain, its SNS action, the topic and its policy."""
    rule_arn = {"Fn::Sub": f"arn:${{AWS::Partition}}:ses:${{AWS::Region}}:${{AWS::AccountId}}:receipt-rule-set/"
                           f"{app.inbound_name}:receipt-rule/{app.inbound_name}-replies"}
    return {
        INBOUND_TOPIC_LOGICAL_ID: {
            "Type": "AWS::SNS::Topic",
            "Properties": {"TopicName": app.inbound_name},
        },
        "InboundTopicPolicy": _ses_may_publish(INBOUND_TOPIC_LOGICAL_ID, "SesReceivingPublishesReplies",
                                               {"ArnLike": {"AWS:SourceArn": rule_arn}}),
        RECEIPT_RULE_SET_LOGICAL_ID: {
            "Type": "AWS::SES::ReceiptRuleSet",
            "Properties": {"RuleSetName": app.inbound_name},
        },
        RECEIPT_RULE_LOGICAL_ID: {
            "Type": "AWS::SES::ReceiptRule",
            "DependsOn": "InboundTopicPolicy",  # SES checks it may publish when the rule is made
            "Properties": {
                "RuleSetName": {"Ref": RECEIPT_RULE_SET_LOGICAL_ID},
                "Rule": {
                    "Name": f"{app.inbound_name}-replies",
                    "Enabled": True,
                    "Recipients": [app.reply_domain],
                    "ScanEnabled": True,
                    "TlsPolicy": "Optional",
                    "Actions": [{"SNSAction": {"TopicArn": {"Ref": INBOUND_TOPIC_LOGICAL_ID}, "Encoding": "Base64"}}],
                },
            },
        },
    }


def _sms_inbound_resources(app: AppResources) -> dict[str, Any]:
    """Texts sent to the stage's numbers: the topic a phone number's two-way SMS channel publishes to (set on the
    number, outside the stack: docs/deploying.md), subscribed to POST /webhooks/sms by `infra.patch`."""
    return {
        SMS_INBOUND_TOPIC_LOGICAL_ID: {"Type": "AWS::SNS::Topic",
                                       "Properties": {"TopicName": f"{app.prefix}-sms-inbound"}},
        "SmsInboundTopicPolicy": _ses_may_publish(SMS_INBOUND_TOPIC_LOGICAL_ID, "EndUserMessagingPublishesTexts",
                                                  service=SMS_SERVICE),
    }


def _user_pool_resources(app: AppResources) -> dict[str, Any]:
    pool_props = {"UserPoolName": f"{app.prefix}-users", **USER_POOL_POLICY,
                  "DeletionProtection": "ACTIVE" if app.stage == "prod" else "INACTIVE"}
    return {
        USER_POOL_LOGICAL_ID: {"Type": "AWS::Cognito::UserPool", "DeletionPolicy": "Retain",
                               "UpdateReplacePolicy": "Retain", "Properties": pool_props},
        USER_POOL_CLIENT_LOGICAL_ID: {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "ClientName": f"{app.prefix}-api", "UserPoolId": {"Ref": USER_POOL_LOGICAL_ID}, **USER_POOL_CLIENT}},
    }


def merge_template(app: AppResources) -> dict[str, Any]:
    """The fragment for `chalice package --merge-template` (deep-merged into Chalice's template)."""
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for table in app.tables:
        resources[table.logical_id] = _table_resource(table, app.stage)
        outputs[f"{table.logical_id}Name"] = {"Value": {"Ref": table.logical_id}}
    for queue in app.queues:
        resources.update(_queue_resources(queue))
        outputs[f"{queue.logical_id}Url"] = {"Value": {"Ref": queue.logical_id}}
        outputs[f"{queue.dlq_logical_id}Url"] = {"Value": {"Ref": queue.dlq_logical_id}}
    resources.update(_ses_resources(app))
    resources.update(_inbound_resources(app))
    resources.update(_sms_inbound_resources(app))
    resources.update(_user_pool_resources(app))
    outputs["UserPoolId"] = {"Value": {"Ref": USER_POOL_LOGICAL_ID}}
    outputs["UserPoolClientId"] = {"Value": {"Ref": USER_POOL_CLIENT_LOGICAL_ID}}
    outputs["SesEventsTopicArn"] = {"Value": {"Ref": TOPIC_LOGICAL_ID}}
    outputs["InboundTopicArn"] = {"Value": {"Ref": INBOUND_TOPIC_LOGICAL_ID}}
    outputs["SmsInboundTopicArn"] = {"Description": "a phone number's two-way SMS channel (docs/deploying.md)",
                                     "Value": {"Ref": SMS_INBOUND_TOPIC_LOGICAL_ID}}
    outputs["InboundReceiptRuleSetName"] = {"Value": {"Ref": RECEIPT_RULE_SET_LOGICAL_ID}}
    for prefix in app.configuration_sets:
        outputs[f"{prefix}ConfigurationSetName"] = {"Value": {"Ref": f"{prefix}ConfigurationSet"}}
    outputs["SendingIdentityName"] = {"Value": {"Ref": IDENTITY_LOGICAL_ID}}
    outputs.update(dns_outputs(app))
    for variable, name in secret_parameter_variables(app.prefix).items():
        outputs[_camel(variable.lower())] = {"Description": "SSM SecureString parameter made by make deploy",
                                             "Value": name}
    from .alarms import merge_alarms

    alarm_resources, alarm_outputs = merge_alarms(app, app.alarm_email)
    resources.update(alarm_resources)
    outputs.update(alarm_outputs)

    variables = {**INJECTED_ENVIRONMENT, **secret_parameter_variables(app.prefix)}
    return {
        # What `make deploy` (infra/deploy.py) needs to know of the stage, read from the template it deploys.
        "Metadata": {DEPLOY_METADATA: {"Stage": app.stage, "StackName": app.prefix, "SecretParameters": {
            setting: secret_parameter_name(app.prefix, setting) for setting in SECRETS},
            "ReceiptRuleSet": app.inbound_name}},
        "Globals": {"Function": {"Environment": {"Variables": variables}}},
        "Resources": resources,
        "Outputs": outputs,
    }
