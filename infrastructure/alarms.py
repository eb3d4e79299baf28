"""Alarms: Lambda errors and throttles of the functions on a person's path, and the app's own
metrics (EMF), all notifying one ops topic encrypted with the project key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from functions.shared.observability import METRIC_NAMESPACE, SERVICE_NAME
from infrastructure.cfn import ref, sub, tags
from infrastructure.naming import ALARMED_FUNCTIONS, APP_NAME, KEY

# Every alarm notifies this topic (encrypted with the project key); ALARM_EMAIL_PARAMETER, when given,
# subscribes an address to it.
ALARM_TOPIC = "OpsAlarmTopic"
ALARM_EMAIL_PARAMETER = "AlarmEmail"
HAS_ALARM_EMAIL = "HasAlarmEmail"


@dataclass(frozen=True)
class AppAlarm:
    """An alarm on a metric the functions emit (EMF, namespace METRIC_NAMESPACE)."""

    metric: str
    threshold: int
    why: str
    # The alarm fires when `periods` periods of `period` seconds in a row each reach the threshold.
    period: int = 300
    periods: int = 1


# The metrics come from functions/shared/observability.py (APP_METRICS); a test keeps both in step.
APP_ALARMS = (
    AppAlarm("DecryptFailures", 1, "a protected field did not open: moved, altered, or under an unknown key"),
    AppAlarm("AuditUnavailable", 1, "an audit entry could not be written, so the request that needed it failed"),
    AppAlarm("ReminderFailed", 1, "a follow-up reminder could not be sent after 5 tries (SES or SNS refused it)"),
    AppAlarm("AuditVerifyFailed", 1, "the hourly verification found the audit trail altered, cut short or unreadable"),
    AppAlarm("AccessRefused", 50, "many refused attempts to reach cases in 5 minutes: someone may be probing ids"),
    # One legacy read is a record the sealing run missed or a migration in progress; every hour for 3
    # hours means the plaintext path is still alive after the release that should have ended it.
    AppAlarm("UnmigratedReads", 1, "a record still holds plaintext in a protected field, in each of 3 hours in a row",
             period=3600, periods=3),
)


def _notifying(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            **properties,
            "AlarmActions": [ref(ALARM_TOPIC)],
            "OKActions": [ref(ALARM_TOPIC)],
            "Period": 300,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Statistic": "Sum",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    }


def _alarm(function_id: str, short_name: str, metric: str) -> dict[str, Any]:
    return _notifying({
        "AlarmName": sub(f"{APP_NAME}-${{Stage}}-{short_name}-{metric.lower()}"),
        "AlarmDescription": f"{metric} of the {short_name} Lambda function (sum over 5 minutes >= 1).",
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": ref(function_id)}],
        "Threshold": 1,
    })


def _app_alarm(alarm: AppAlarm) -> dict[str, Any]:
    window = f"{alarm.period // 60} minutes" if alarm.period < 3600 else f"{alarm.period // 3600} hour(s)"
    resource = _notifying({
        "AlarmName": sub(f"{APP_NAME}-${{Stage}}-{alarm.metric.lower()}"),
        "AlarmDescription": f"{alarm.metric} >= {alarm.threshold} in {window}: {alarm.why}.",
        "Namespace": METRIC_NAMESPACE,
        "MetricName": alarm.metric,
        "Dimensions": [{"Name": "service", "Value": SERVICE_NAME}, {"Name": "stage", "Value": ref("Stage")}],
        "Threshold": alarm.threshold,
    })
    resource["Properties"].update(Period=alarm.period, EvaluationPeriods=alarm.periods,
                                  DatapointsToAlarm=alarm.periods)
    return resource


def alarm_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": sub(f"{APP_NAME}-${{Stage}}-alarms"),
                "KmsMasterKeyId": ref(KEY),
                "Tags": tags(),
            },
        },
        f"{ALARM_TOPIC}Email": {
            "Type": "AWS::SNS::Subscription",
            "Condition": HAS_ALARM_EMAIL,
            "Properties": {"TopicArn": ref(ALARM_TOPIC), "Protocol": "email", "Endpoint": ref(ALARM_EMAIL_PARAMETER)},
        },
    }
    for function_id, short_name in ALARMED_FUNCTIONS.items():
        for metric in ("Errors", "Throttles"):
            resources[f"{function_id}{metric}Alarm"] = _alarm(function_id, short_name, metric)
    for alarm in APP_ALARMS:
        resources[f"{alarm.metric}Alarm"] = _app_alarm(alarm)
    return resources
