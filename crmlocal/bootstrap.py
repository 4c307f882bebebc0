"""Creates, if absent, every resource the app uses, with the names the infrastructure declares."""
from __future__ import annotations

import json

from chalicelib.aws.clients import client
from chalicelib.settings import get_settings

LOCAL_VISIBILITY_TIMEOUT = 10  # seconds: failed local messages come back soon
MAX_RECEIVES = 5


def ensure_tables() -> list[str]:
    from chalicelib.store.models import ALL_MODELS, TTL_ATTRIBUTES

    created = []
    dynamodb = client("dynamodb")
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(wait=True, billing_mode="PAY_PER_REQUEST")
            created.append(model.Meta.table_name)
        if model in TTL_ATTRIBUTES:
            status = dynamodb.describe_time_to_live(TableName=model.Meta.table_name)
            if status["TimeToLiveDescription"].get("TimeToLiveStatus") != "ENABLED":
                dynamodb.update_time_to_live(TableName=model.Meta.table_name, TimeToLiveSpecification={
                    "Enabled": True, "AttributeName": TTL_ATTRIBUTES[model]})
    return created


def ensure_queues() -> list[str]:
    settings = get_settings()
    sqs = client("sqs")
    names = []
    for name in (settings.send_queue_name, settings.jobs_queue_name):
        dlq_url = sqs.create_queue(QueueName=f"{name}-dlq",
                                   Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sqs.create_queue(QueueName=name, Attributes={
            "VisibilityTimeout": str(LOCAL_VISIBILITY_TIMEOUT),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(MAX_RECEIVES)}),
        })
        names += [name, f"{name}-dlq"]
    return names


def ensure_email() -> None:
    settings = get_settings()
    client("ses").verify_email_identity(EmailAddress=settings.from_email)
    # the stage's domain identity (infra/ declares it): any recruiter's address at it may send
    client("ses").verify_domain_identity(Domain=settings.from_email.rsplit("@", 1)[-1])
    sesv2 = client("sesv2")
    existing = sesv2.list_configuration_sets().get("ConfigurationSets", [])
    for name in (settings.ses_configuration_set, settings.ses_transactional_configuration_set,
                 settings.ses_outreach_configuration_set):  # marketing, transactional, one-to-one (infra/ declares them)
        if name not in existing:
            sesv2.create_configuration_set(ConfigurationSetName=name)
    # SES events; replies (SES receiving); inbound texts (SMS two-way messaging)
    for topic_arn in (settings.ses_topic_arn, settings.inbound_topic_arn, settings.sms_inbound_topic_arn):
        client("sns").create_topic(Name=topic_arn.rsplit(":", 1)[-1])


def ensure_user_pool() -> str:
    """The team's Cognito user pool and the API's app client, as infra/ declares them (infra.resources)."""
    from infra.resources import USER_POOL_CLIENT, USER_POOL_POLICY

    settings = get_settings()
    cognito = client("cognito-idp")
    pools = [p["Id"] for p in cognito.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == settings.user_pool_name]
    pool_id = pools[0] if pools else cognito.create_user_pool(PoolName=settings.user_pool_name,
                                                               **USER_POOL_POLICY)["UserPool"]["Id"]
    names = [c["ClientName"] for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]]
    if settings.user_pool_client_name not in names:
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=settings.user_pool_client_name,
                                        **USER_POOL_CLIENT)
    return pool_id


def ensure_all() -> dict:
    return {"tables": ensure_tables(), "queues": ensure_queues(), "email": ensure_email() or "ok",
            "user_pool": ensure_user_pool()}


def ensure_admin(password: str | None) -> tuple[dict, bool]:
    """The first admin (CRM_ADMIN_EMAIL) with this password; (the member, whether made now)."""
    from chalicelib import wiring

    return wiring.users().ensure_admin(get_settings().admin_email, password)


def ensure_builtin_pools() -> list[str]:
    from chalicelib import wiring

    made = wiring.pools().ensure_builtin()
    wiring.silver_medalists().ensure()  # the built-in rule pool of past applicants (issue 18)
    return made
