"""CloudWatch alarms for a deployed stage, and the SNS topic they notify (issue 17, item 5).

What each alarm means and what to do: docs/operations.md, "Alarms". Every alarm notifies the alarm topic
(`<prefix>-alarms`) when it fires and when it clears; CRM_ALARM_EMAIL, if set, subscribes an address to it
(AWS emails a confirmation link first). Missing data never fires an alarm: a queue with no dead letters, a
function not invoked and a quiet SES account publish nothing.

- `merge_alarms(app)`: what does not depend on Chalice's output: the topic, each dead-letter queue's depth,
  each table's throttled reads and writes, SES's account-wide bounce and complaint rates and the app's own
  `SendThrottled` count (SES publishes no throttling metric; the send worker counts each send SES refused as
  retryable, see docs/operations.md "Metrics").
- `function_alarms(function_names)`: each function's Errors and Throttles (`infra.patch` calls it with the
  names it gave the functions Chalice generated), and `api_alarm`: the API's 5xx answers (the API named after
  the stage's prefix by `infra.patch`, so two stages' APIs in one account are told apart).
"""
from __future__ import annotations

from typing import Any

from chalicelib.observability import SERVICE

from .resources import MAX_RECEIVE_COUNT, AppResources

ALARM_TOPIC_LOGICAL_ID = "AlarmTopic"
PERIOD = 300  # seconds: every alarm looks at 5-minute periods
# SES reviews an account at a 5% bounce rate or a 0.1% complaint rate (docs: DELIVERABILITY.md): warn before.
SES_BOUNCE_RATE_ALARM = 0.04
SES_COMPLAINT_RATE_ALARM = 0.0008
SES_RATE_PERIOD = 3600  # SES updates the reputation rates about hourly
SEND_THROTTLED_ALARM = 50  # sends SES refused as retryable within 15 minutes: a sustained rate above the quota
APP_NAMESPACE = "TalentCRM"  # chalicelib.observability's EMF namespace


def _alarm(description: str, namespace: str, metric: str, dimensions: dict[str, Any], *, statistic: str = "Sum",
           threshold: float = 1, periods: int = 1, period: int = PERIOD,
           comparison: str = "GreaterThanOrEqualToThreshold") -> dict[str, Any]:
    topic = [{"Ref": ALARM_TOPIC_LOGICAL_ID}]
    alarm: dict[str, Any] = {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Statistic": statistic,
            "Period": period,
            "EvaluationPeriods": periods,
            "Threshold": threshold,
            "ComparisonOperator": comparison,
            "TreatMissingData": "notBreaching",
            "AlarmActions": topic,
            "OKActions": list(topic),
        },
    }
    if dimensions:  # SES's account-wide rates have none
        alarm["Properties"]["Dimensions"] = [{"Name": name, "Value": value} for name, value in dimensions.items()]
    return alarm


def _named(resource: dict[str, Any], name: str) -> dict[str, Any]:
    resource["Properties"] = {"AlarmName": name, **resource["Properties"]}
    return resource


def _table_throttles(app: AppResources, table_id: str, table_name: str) -> dict[str, Any]:
    """Read and write throttle events of one table (an on-demand table throttles past its partitions' limits)."""
    def stat(metric_id: str, metric: str) -> dict[str, Any]:
        return {"Id": metric_id, "ReturnData": False, "MetricStat": {
            "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": metric,
                       "Dimensions": [{"Name": "TableName", "Value": {"Ref": table_id}}]},
            "Period": PERIOD, "Stat": "Sum"}}

    topic = [{"Ref": ALARM_TOPIC_LOGICAL_ID}]
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": f"{app.prefix}-throttled-{table_name.removeprefix(app.prefix + '-')}",
        "AlarmDescription": f"DynamoDB throttled reads or writes on {table_name} (docs/operations.md#alarms)",
        "Metrics": [stat("reads", "ReadThrottleEvents"), stat("writes", "WriteThrottleEvents"),
                    {"Id": "throttled", "Expression": "reads + writes", "Label": "throttle events",
                     "ReturnData": True}],
        "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching", "AlarmActions": topic, "OKActions": list(topic)}}


def merge_alarms(app: AppResources, alarm_email: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """(resources, outputs) for the merge template."""
    resources: dict[str, Any] = {
        ALARM_TOPIC_LOGICAL_ID: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"{app.prefix}-alarms"}},
    }
    if alarm_email:
        resources["AlarmEmailSubscription"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": ALARM_TOPIC_LOGICAL_ID}, "Protocol": "email", "Endpoint": alarm_email}}
    for queue in app.queues:
        resources[f"{queue.dlq_logical_id}Alarm"] = _named(_alarm(
            f"Messages in {queue.dlq_name}: work that failed {MAX_RECEIVE_COUNT} times (docs/operations.md#alarms)",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue.dlq_name}, statistic="Maximum"),
            f"{queue.dlq_name}-depth")
    for table in app.tables:
        resources[f"{table.logical_id}ThrottleAlarm"] = _table_throttles(app, table.logical_id, table.name)
    resources["SesBounceRateAlarm"] = _named(_alarm(
        f"SES account bounce rate at {SES_BOUNCE_RATE_ALARM:.0%} (SES reviews at 5%; docs/operations.md#alarms)",
        "AWS/SES", "Reputation.BounceRate", {}, statistic="Maximum", threshold=SES_BOUNCE_RATE_ALARM,
        period=SES_RATE_PERIOD), f"{app.prefix}-ses-bounce-rate")
    resources["SesComplaintRateAlarm"] = _named(_alarm(
        f"SES account complaint rate at {SES_COMPLAINT_RATE_ALARM:.2%} (SES reviews at 0.1%; "
        "docs/operations.md#alarms)", "AWS/SES", "Reputation.ComplaintRate", {}, statistic="Maximum",
        threshold=SES_COMPLAINT_RATE_ALARM, period=SES_RATE_PERIOD), f"{app.prefix}-ses-complaint-rate")
    resources["SendThrottledAlarm"] = _named(_alarm(
        f"{SEND_THROTTLED_ALARM}+ sends refused by SES as retryable in 15 minutes: CRM_SES_MAX_RATE above the "
        "account's quota? (docs/operations.md#alarms)", APP_NAMESPACE, "SendThrottled", {"service": SERVICE},
        threshold=SEND_THROTTLED_ALARM, period=3 * PERIOD), f"{app.prefix}-send-throttled")
    outputs = {"AlarmTopicArn": {"Value": {"Ref": ALARM_TOPIC_LOGICAL_ID}}}
    return resources, outputs


def api_alarm(api_name: str, stage_name: str) -> dict[str, Any]:
    """The API's 5xx answers: Chalice turns an exception in a route into a 500 without failing the invocation,
    so the api_handler's Errors do not count them; API Gateway's 5XXError (its own failures too) does."""
    return _named(_alarm(
        f"{api_name} answered 5xx (a route's exception, or API Gateway's own failure; docs/operations.md#alarms)",
        "AWS/ApiGateway", "5XXError", {"ApiName": api_name, "Stage": stage_name}), f"{api_name}-api-5xx")


def function_alarms(function_names: dict[str, str]) -> dict[str, Any]:
    """Errors and Throttles of each function: logical id -> its FunctionName."""
    resources: dict[str, Any] = {}
    for lid, name in function_names.items():
        resources[f"{lid}ErrorsAlarm"] = _named(_alarm(
            f"{name} failed (an exception or a timeout; docs/operations.md#alarms)", "AWS/Lambda", "Errors",
            {"FunctionName": {"Ref": lid}}), f"{name}-errors")
        resources[f"{lid}ThrottlesAlarm"] = _named(_alarm(
            f"{name} throttled: the account's Lambda concurrency is used up (docs/operations.md#alarms)",
            "AWS/Lambda", "Throttles", {"FunctionName": {"Ref": lid}}), f"{name}-throttles")
    return resources
