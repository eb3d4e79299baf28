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
from infrastructure.alarms import ALARM_TOPIC
from infrastructure.cfn import ref, sub
from infrastructure.naming import (
    ALARMED_FUNCTIONS,
    API_STAGE,
    APP_NAME,
    CHALICE_REST_HANDLER,
    CHALICE_WEBSOCKET_API,
    DURATION_P99_MS,
)

DASHBOARD = "OpsDashboard"
# The REST API's name is the title Chalice gives its definition (the app name).
REST_API_NAME = APP_NAME
# More than 1 call in 5 rated poor (with at least 5 calls in the hour): the network or TURN is failing
# people, not one patient's bad Wi-Fi.
POOR_CALL_SHARE = 0.2
POOR_CALL_MIN_CALLS = 5


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


def _api_alarms() -> dict[str, Any]:
    rest = [{"Name": "ApiName", "Value": REST_API_NAME}, {"Name": "Stage", "Value": API_STAGE}]
    websocket: list[dict[str, Any]] = [{"Name": "ApiId", "Value": ref(CHALICE_WEBSOCKET_API)},
                                       {"Name": "Stage", "Value": API_STAGE}]
    return {
        "RestApi5xxAlarm": _alarm(
            "rest-5xx", "5 or more 5xx answers of the REST API in 5 minutes.",
            Namespace="AWS/ApiGateway", MetricName="5XXError", Statistic="Sum", Period=300, Dimensions=rest,
            Threshold=5),
        "RestApiLatencyAlarm": _alarm(
            "rest-latency-p99", "p99 latency of the REST API >= 2000 ms over 15 minutes.",
            Namespace="AWS/ApiGateway", MetricName="Latency", ExtendedStatistic="p99", Period=900, Dimensions=rest,
            Threshold=2000),
        "WebSocketErrorsAlarm": _alarm(
            "websocket-errors", "5 or more failed WebSocket connects or messages (integration or execution "
            "errors) in 5 minutes.",
            Metrics=_sum_of("AWS/ApiGateway", ("IntegrationError", "ExecutionError"), websocket, "WebSocket failures"),
            Threshold=5),
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


def _dashboard() -> dict[str, Any]:
    region = "${AWS::Region}"
    app = ["service", SERVICE_NAME, "stage", "${Stage}"]

    def widget(title: str, metrics: list[list[Any]], stat: str = "Sum", x: int = 0, y: int = 0) -> dict[str, Any]:
        return {"type": "metric", "x": x, "y": y, "width": 12, "height": 6,
                "properties": {"title": title, "region": region, "stat": stat, "period": 300, "metrics": metrics}}

    functions = list(ALARMED_FUNCTIONS)
    body = {"widgets": [
        widget("Function errors", [["AWS/Lambda", "Errors", "FunctionName", f"${{{f}}}"] for f in functions]),
        widget("Function p99 duration (ms)",
               [["AWS/Lambda", "Duration", "FunctionName", f"${{{f}}}"] for f in functions], "p99", 12),
        widget("REST API: 5xx and p99 latency", [
            ["AWS/ApiGateway", "5XXError", "ApiName", REST_API_NAME, "Stage", API_STAGE],
            ["AWS/ApiGateway", "Latency", "ApiName", REST_API_NAME, "Stage", API_STAGE, {"stat": "p99",
                                                                                          "yAxis": "right"}],
        ], y=6),
        widget("WebSocket API", [
            ["AWS/ApiGateway", metric, "ApiId", f"${{{CHALICE_WEBSOCKET_API}}}", "Stage", API_STAGE]
            for metric in ("ConnectCount", "MessageCount", "IntegrationError", "ExecutionError")
        ], x=12, y=6),
        widget("Calls: reported, poor, reconnects", [
            [METRIC_NAMESPACE, name, *app] for name in ("CallsReported", "PoorCalls", "CallReconnects")
        ], y=12),
        widget("Photos refused, by reason", [[{
            "expression": f"SEARCH('{{{METRIC_NAMESPACE},reason,service,stage}} MetricName=\"UploadRejected\" "
                          f"stage=\"${{Stage}}\"', 'Sum', 300)", "id": "rejected"}]], x=12, y=12),
        widget("Reminders and refusals", [
            [METRIC_NAMESPACE, name, *app] for name in ("ReminderFailed", "AccessRefused", "AuditVerifyFailed")
        ], y=18),
    ]}
    return {DASHBOARD: {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": sub(f"{APP_NAME}-${{Stage}}"),
        "DashboardBody": sub(json.dumps(body, separators=(",", ":"))),
    }}}


# Logs Insights queries an operator opens from the console (the logs carry ids and codes, never PHI).
SAVED_QUERIES = {
    "SlowRequestsQuery": ("slowest-requests", CHALICE_REST_HANDLER,
                          "fields @timestamp, route, status, duration_ms, request_id\n"
                          "| filter message = 'request'\n| sort duration_ms desc\n| limit 50"),
    "ServerErrorsQuery": ("server-errors-by-route", CHALICE_REST_HANDLER,
                          "fields @timestamp, route, status, request_id\n| filter status >= 500\n"
                          "| stats count() as errors by route\n| sort errors desc"),
    "RefusalsQuery": ("refused-attempts-by-user", CHALICE_REST_HANDLER,
                      "fields @timestamp, route, status, user_id\n| filter status = 404 or status = 403\n"
                      "| stats count() as refusals by user_id, route\n| sort refusals desc\n| limit 50"),
}


def _saved_queries() -> dict[str, Any]:
    return {
        logical_id: {"Type": "AWS::Logs::QueryDefinition", "Properties": {
            "Name": sub(f"{APP_NAME}-${{Stage}}/{name}"),
            "LogGroupNames": [sub(f"/aws/lambda/${{{function}}}")],
            "QueryString": query,
        }}
        for logical_id, (name, function, query) in SAVED_QUERIES.items()
    }


def telemetry_resources() -> dict[str, Any]:
    return {**_duration_alarms(), **_api_alarms(), **_table_alarms(), **_poor_call_alarm(), **_dashboard(),
            **_saved_queries()}
