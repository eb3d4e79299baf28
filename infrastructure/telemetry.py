"""What operations watch in AWS beyond each function's errors and throttles (infrastructure/alarms.py):
p99 durations, the REST API's 5xx and latency, the WebSocket API's failures, DynamoDB throttling, the
share of poor calls; one dashboard with those figures; and Logs Insights queries for the common
investigations. docs/ops.md has one runbook entry per alarm (a packaging test keeps them in step).
"""

from __future__ import annotations

import json
from typing import Any

from functions.shared.observability import METRIC_NAMESPACE, SERVICE_NAME
from functions.shared.tables import TABLES
from infrastructure.alarms import ALARM_TOPIC, APP_ALARMS
from infrastructure.cfn import ref, sub
from infrastructure.lesions import LESION_DEAD_LETTERS
from infrastructure.naming import (
    ALARMED_FUNCTIONS,
    API_STAGE,
    APP_NAME,
    CHALICE_REST_HANDLER,
    CHALICE_WEBSOCKET_API,
    DURATION_P99_MS,
)
from infrastructure.photos import PHOTO_DEAD_LETTERS

DASHBOARD = "OpsDashboard"
# The REST API's name is the title Chalice gives its definition (the app name).
REST_API_NAME = APP_NAME
# More than 1 call in 5 rated poor (with at least 5 calls in the hour): the network or TURN is failing
# people, not one patient's bad Wi-Fi.
POOR_CALL_SHARE = 0.2
POOR_CALL_MIN_CALLS = 5
# Their depth has its alarm next to each queue (infrastructure/photos.py dead_letter_resources).
DEAD_LETTER_QUEUES = (PHOTO_DEAD_LETTERS, LESION_DEAD_LETTERS)


def _alarm(name: str, description: str, **properties: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": sub(f"{APP_NAME}-${{Stage}}-{name}"),
            "AlarmDescription": description,
            "AlarmActions": [ref(ALARM_TOPIC)],
            "OKActions": [ref(ALARM_TOPIC)],
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            **properties,
        },
    }


def _sum_of(namespace: str, metrics: tuple[str, ...], dimensions: list[dict[str, Any]],
            label: str) -> list[dict[str, Any]]:
    """Metric math for an alarm on the 5-minute sum of several metrics of one resource."""
    ids = [f"m{index}" for index in range(len(metrics))]
    queries: list[dict[str, Any]] = [
        {"Id": metric_id, "ReturnData": False, "MetricStat": {"Metric": {
            "Namespace": namespace, "MetricName": name, "Dimensions": dimensions}, "Period": 300, "Stat": "Sum"}}
        for metric_id, name in zip(ids, metrics, strict=True)
    ]
    return [*queries, {"Id": "total", "Expression": " + ".join(ids), "Label": label, "ReturnData": True}]


# The WebSocket routes alarmed on their own (per-route metrics: DetailedMetricsEnabled on the stage,
# infrastructure/throttling.py): a failing $connect stops calls from starting, a failing $default stops
# the offers, answers and candidates of calls under way.
WEBSOCKET_ROUTES = (("connect", "$connect", "connects"), ("message", "$default", "messages"))


def _duration_alarms() -> dict[str, Any]:
    alarms = {}
    for function_id, short_name in ALARMED_FUNCTIONS.items():
        limit = DURATION_P99_MS[function_id]
        alarms[f"{function_id}DurationAlarm"] = _alarm(
            f"{short_name}-duration-p99",
            f"p99 duration of the {short_name} function >= {limit} ms over 15 minutes.",
            Namespace="AWS/Lambda", MetricName="Duration", ExtendedStatistic="p99", Period=900,
            Dimensions=[{"Name": "FunctionName", "Value": ref(function_id)}], Threshold=limit,
        )
    return alarms


def _websocket_route(route: str) -> list[dict[str, Any]]:
    return [{"Name": "ApiId", "Value": ref(CHALICE_WEBSOCKET_API)}, {"Name": "Stage", "Value": API_STAGE},
            {"Name": "Route", "Value": route}]


def _api_alarms() -> dict[str, Any]:
    rest = [{"Name": "ApiName", "Value": REST_API_NAME}, {"Name": "Stage", "Value": API_STAGE}]
    return {
        "RestApi5xxAlarm": _alarm(
            "rest-5xx", "5 or more 5xx answers of the REST API in 5 minutes.",
            Namespace="AWS/ApiGateway", MetricName="5XXError", Statistic="Sum", Period=300, Dimensions=rest,
            Threshold=5),
        "RestApiLatencyAlarm": _alarm(
            "rest-latency-p99", "p99 latency of the REST API >= 2000 ms over 15 minutes.",
            Namespace="AWS/ApiGateway", MetricName="Latency", ExtendedStatistic="p99", Period=900, Dimensions=rest,
            Threshold=2000),
        **{f"WebSocket{name.title()}ErrorsAlarm": _alarm(
            f"websocket-{name}-errors", f"5 or more WebSocket {what} failed in API Gateway (integration or "
            "execution errors) in 5 minutes.",
            Metrics=_sum_of("AWS/ApiGateway", ("IntegrationError", "ExecutionError"), _websocket_route(route),
                            f"failed {what}"),
            Threshold=5)
           for name, route, what in WEBSOCKET_ROUTES},
    }


def _table_alarms() -> dict[str, Any]:
    alarms = {}
    for spec in TABLES:
        table = [{"Name": "TableName", "Value": ref(spec.cfn_logical_id)}]
        alarms[f"{spec.cfn_logical_id}ThrottleAlarm"] = _alarm(
            f"{spec.logical_name.replace('_', '-')}-throttled",
            f"Requests to the {spec.logical_name} table throttled in 5 minutes (on-demand tables throttle "
            "only past their partition limits: a hot key).",
            Metrics=_sum_of("AWS/DynamoDB", ("ReadThrottleEvents", "WriteThrottleEvents"), table,
                            "throttled requests"),
            Threshold=1)
    return alarms


def _app_dimensions() -> list[dict[str, Any]]:
    return [{"Name": "service", "Value": SERVICE_NAME}, {"Name": "stage", "Value": ref("Stage")}]


def _poor_call_alarm() -> dict[str, Any]:
    def stat(metric_id: str, name: str) -> dict[str, Any]:
        return {"Id": metric_id, "ReturnData": False, "MetricStat": {"Metric": {
            "Namespace": METRIC_NAMESPACE, "MetricName": name, "Dimensions": _app_dimensions()},
            "Period": 3600, "Stat": "Sum"}}

    return {"PoorCallShareAlarm": _alarm(
        "poor-call-share",
        f"More than {POOR_CALL_SHARE:.0%} of the calls reported in an hour were poor (at least "
        f"{POOR_CALL_MIN_CALLS} calls).",
        Metrics=[
            stat("poor", "PoorCalls"), stat("calls", "CallsReported"),
            {"Id": "share", "ReturnData": True, "Label": "share of poor calls",
             "Expression": f"IF(calls >= {POOR_CALL_MIN_CALLS}, poor / calls, 0)"},
        ],
        ComparisonOperator="GreaterThanThreshold", Threshold=POOR_CALL_SHARE)}


def _reminders_stopped_alarm() -> dict[str, Any]:
    """The reminder job runs every 15 minutes and emits RemindersSent each run. A weekday (UTC) whose
    runs sent no reminder at all, or emitted nothing (FILL makes a missing day a 0), means the schedule
    or the job broke: a clinic's weekday without a single due reminder is rare enough to check."""
    sent = {"Id": "sent", "ReturnData": False, "MetricStat": {"Metric": {
        "Namespace": METRIC_NAMESPACE, "MetricName": "RemindersSent", "Dimensions": _app_dimensions()},
        "Period": 86400, "Stat": "Sum"}}
    return {"RemindersStoppedAlarm": _alarm(
        "reminders-stopped",
        "No follow-up reminder was sent on a weekday (Monday to Friday, UTC): the reminder schedule or job broke.",
        Metrics=[
            sent,
            {"Id": "filled", "ReturnData": False, "Expression": "FILL(sent, 0)"},
            # DAY(): 1 Monday .. 7 Sunday.
            {"Id": "stopped", "ReturnData": True, "Label": "weekday without reminders",
             "Expression": "IF(DAY(filled) <= 5 AND filled == 0, 1, 0)"},
        ],
        Threshold=1)}


def _dashboard() -> dict[str, Any]:
    """Every figure an alarm watches (a packaging test checks each alarm's metrics are on it), and the
    call and photo figures that have no alarm of their own (setup time, audio-only time, refusals by
    reason). Metric rows are [namespace, name, dimension, value, ..., {options}]."""
    region = "${AWS::Region}"
    app = [METRIC_NAMESPACE, "service", SERVICE_NAME, "stage", "${Stage}"]
    websocket = ["ApiId", f"${{{CHALICE_WEBSOCKET_API}}}", "Stage", API_STAGE]
    functions = list(ALARMED_FUNCTIONS)
    widgets: list[tuple[str, list[list[Any]], dict[str, Any]]] = [
        ("Function errors", [["AWS/Lambda", "Errors", "FunctionName", f"${{{f}}}"] for f in functions], {}),
        ("Function throttles", [["AWS/Lambda", "Throttles", "FunctionName", f"${{{f}}}"] for f in functions], {}),
        ("Function p99 duration (ms)",
         [["AWS/Lambda", "Duration", "FunctionName", f"${{{f}}}"] for f in functions], {"stat": "p99"}),
        ("REST API: 5xx and p99 latency (ms)", [
            ["AWS/ApiGateway", "5XXError", "ApiName", REST_API_NAME, "Stage", API_STAGE],
            ["AWS/ApiGateway", "Latency", "ApiName", REST_API_NAME, "Stage", API_STAGE,
             {"stat": "p99", "yAxis": "right"}],
        ], {}),
        ("WebSocket API: connects, messages, failures by route", [
            *[["AWS/ApiGateway", metric, *websocket] for metric in ("ConnectCount", "MessageCount")],
            *[["AWS/ApiGateway", metric, *websocket, "Route", route]
              for _, route, _ in WEBSOCKET_ROUTES for metric in ("IntegrationError", "ExecutionError")],
        ], {}),
        ("DynamoDB throttled requests", [
            ["AWS/DynamoDB", metric, "TableName", f"${{{spec.cfn_logical_id}}}"]
            for spec in TABLES for metric in ("ReadThrottleEvents", "WriteThrottleEvents")
        ], {}),
        ("Dead letters waiting", [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", f"${{{queue}.QueueName}}"]
            for queue in DEAD_LETTER_QUEUES
        ], {"stat": "Maximum"}),
        ("Calls per hour: reported, poor, reconnects; share of poor calls", [
            [*app[:1], "CallsReported", *app[1:], {"id": "calls"}],
            [*app[:1], "PoorCalls", *app[1:], {"id": "poor"}],
            [*app[:1], "CallReconnects", *app[1:]],
            [{"expression": f"IF(calls >= {POOR_CALL_MIN_CALLS}, poor / calls, 0)", "id": "share",
              "label": "share of poor calls", "yAxis": "right"}],
        ], {"period": 3600}),
        ("Call setup time (ms): median and p90", [
            [*app[:1], "CallSetupMs", *app[1:], {"stat": "p50", "label": "median"}],
            [*app[:1], "CallSetupMs", *app[1:], {"stat": "p90", "label": "p90"}],
        ], {"period": 3600}),
        ("Seconds in audio only per hour", [[*app[:1], "AudioOnlySeconds", *app[1:]]], {"period": 3600}),
        ("Photos refused, by reason", [[{
            "expression": f"SEARCH('{{{METRIC_NAMESPACE},reason,service,stage}} MetricName=\"UploadRejected\" "
                          f"stage=\"${{Stage}}\"', 'Sum', 300)", "id": "rejected"}]], {}),
        ("Audit, keys, reminders, refusals and unmigrated reads", [
            [*app[:1], alarm.metric, *app[1:]] for alarm in APP_ALARMS
        ], {}),
        ("Follow-up reminders sent per day", [[*app[:1], "RemindersSent", *app[1:]]], {"period": 86400}),
    ]
    body = {"widgets": [
        {"type": "metric", "x": 12 * (index % 2), "y": 6 * (index // 2), "width": 12, "height": 6,
         "properties": {"title": title, "region": region, "stat": "Sum", "period": 300, "metrics": metrics,
                        **options}}
        for index, (title, metrics, options) in enumerate(widgets)
    ]}
    return {DASHBOARD: {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": sub(f"{APP_NAME}-${{Stage}}"),
        "DashboardBody": sub(json.dumps(body, separators=(",", ":"))),
    }}}


# Logs Insights queries an operator opens from the console (the logs carry ids and codes, never PHI):
# logical id -> (name, the functions whose logs it reads, query). docs/ops.md says which alarm uses which.
_JOBS = ("AnchorAuditChains", "VerifyAuditChains", "RemindFollowups", "ExportLake", "AnalyzeLake",
         "ProcessPhotoUpload", "MeasureLesionPhoto", "LesionMeasurer")
SAVED_QUERIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "SlowRequestsQuery": ("slowest-requests", (CHALICE_REST_HANDLER,),
                          "fields @timestamp, route, status, duration_ms, request_id\n"
                          "| filter message = 'request'\n| sort duration_ms desc\n| limit 50"),
    "ServerErrorsQuery": ("server-errors-by-route", (CHALICE_REST_HANDLER,),
                          "fields @timestamp, route, status, code, request_id\n"
                          "| filter message = 'request' and status >= 500\n"
                          "| stats count() as errors by route, code\n| sort errors desc"),
    "RefusalsQuery": ("refused-attempts-by-user", (CHALICE_REST_HANDLER,),
                      "fields @timestamp, route, status, user_id\n"
                      "| filter message = 'request' and (status = 404 or status = 403)\n"
                      "| stats count() as refusals by user_id, route\n| sort refusals desc\n| limit 50"),
    "WebSocketFailuresQuery": ("websocket-failures", ("JwtAuthorizer", "WebsocketConnect", "WebsocketMessage"),
                               "fields @timestamp, @log, message, code, connection_id\n"
                               "| filter level = 'ERROR' or message like /refused|failed|undeliverable/\n"
                               "| stats count() as failures by @log, message, code\n| sort failures desc"),
    "JobFailuresQuery": ("job-failures", _JOBS,
                         "fields @timestamp, @log, message, job, outcome, code\n"
                         "| filter level = 'ERROR' or outcome = 'failed'\n| sort @timestamp desc\n| limit 100"),
    "PhotoRejectionsQuery": ("photo-rejections-by-reason", ("ProcessPhotoUpload",),
                             "fields @timestamp, code, case_id\n| filter message = 'photo rejected'\n"
                             "| stats count() as rejected by code\n| sort rejected desc"),
}


def _saved_queries() -> dict[str, Any]:
    return {
        logical_id: {"Type": "AWS::Logs::QueryDefinition", "Properties": {
            "Name": sub(f"{APP_NAME}-${{Stage}}/{name}"),
            "LogGroupNames": [sub(f"/aws/lambda/${{{function}}}") for function in functions],
            "QueryString": query,
        }}
        for logical_id, (name, functions, query) in SAVED_QUERIES.items()
    }


def telemetry_resources() -> dict[str, Any]:
    return {**_duration_alarms(), **_api_alarms(), **_table_alarms(), **_poor_call_alarm(),
            **_reminders_stopped_alarm(), **_dashboard(),
            **_saved_queries()}
