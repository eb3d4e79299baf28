"""Structured logs, Embedded Metric Format metrics and lazy X-Ray.

Rules: log ids (request, connection, case, user), codes and counts; never names, free text,
tokens or message bodies (PHI). Heavy imports happen on first use, not at import.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, TextIO

SERVICE_NAME = "dermafollow"
METRIC_NAMESPACE = "DermaFollow"
# The metrics the functions emit, each with an alarm in infrastructure/alarms.py (APP_ALARMS).
APP_METRICS = frozenset(
    {"DecryptFailures", "AuditUnavailable", "AccessRefused", "ReminderFailed", "AuditVerifyFailed", "UnmigratedReads"}
)
# Emitted for the ops dashboard (infrastructure/telemetry.py): each call-quality summary (CallsReported,
# PoorCalls and CallReconnects as counts, CallSetupMs in milliseconds, AudioOnlySeconds in seconds;
# CallsReported and PoorCalls also feed the poor-call-share alarm) and each refused photo
# (UploadRejected, with a `reason` dimension: the processor's code), and the reminders each run of the
# reminder job sent (RemindersSent; its weekday total feeds the reminders-stopped alarm).
DASHBOARD_METRICS = frozenset(
    {"CallsReported", "PoorCalls", "CallReconnects", "CallSetupMs", "AudioOnlySeconds", "UploadRejected",
     "RemindersSent"}
)

# Keys allowed into structured log records; anything else is dropped so a careless call
# cannot leak PHI into CloudWatch.
SAFE_LOG_KEYS = frozenset(
    {
        "request_id", "connection_id", "case_id", "room_id", "user_id", "role", "route", "action",
        "status", "code", "count", "duration_ms", "job", "event_type", "outcome", "reason",
    }
)

_logger: Any = None
_xray_patched = False


def get_logger() -> Any:
    """The process-wide Powertools Logger, created on first use."""
    global _logger
    if _logger is None:
        from aws_lambda_powertools import Logger

        from functions.shared.settings import get_settings

        _logger = Logger(service=SERVICE_NAME, level=get_settings().log_level)
    return _logger


def safe_fields(fields: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if key in SAFE_LOG_KEYS}


def log_info(message: str, **fields: Any) -> None:
    get_logger().info(message, extra=safe_fields(fields))


def log_warning(message: str, **fields: Any) -> None:
    get_logger().warning(message, extra=safe_fields(fields))


def log_exception(message: str, **fields: Any) -> None:
    # Stack traces carry code paths, not request data; exception messages from our domain
    # errors never include PHI by construction.
    get_logger().exception(message, extra=safe_fields(fields))


def append_keys(**fields: Any) -> None:
    """Correlation ids that every later record of this invocation carries."""
    get_logger().append_keys(**safe_fields(fields))


def start_invocation(**fields: Any) -> None:
    """Every entrypoint calls this first. Forgets the previous invocation's correlation ids (a warm
    container serves many callers), sets this one's, and turns tracing on if this one is sampled."""
    trace_if_sampled()
    logger = get_logger()
    logger.remove_keys(sorted(SAFE_LOG_KEYS))
    logger.append_keys(**safe_fields(fields))


def emf_record(
    metrics: dict[str, float],
    *,
    dimensions: dict[str, str] | None = None,
    unit: str = "Count",
    units: dict[str, str] | None = None,
    timestamp_ms: int | None = None,
) -> dict[str, Any]:
    """A CloudWatch Embedded Metric Format document (one log line = metrics, no API call). Every metric
    is in `unit` unless `units` names another for it (e.g. {"CallSetupMs": "Milliseconds"})."""
    dims = {"service": SERVICE_NAME, **(dimensions or {})}
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": timestamp_ms if timestamp_ms is not None else int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [sorted(dims)],
                    "Metrics": [{"Name": name, "Unit": (units or {}).get(name, unit)} for name in sorted(metrics)],
                }
            ],
        },
        **dims,
        **metrics,
    }
    return record


def put_metrics(
    metrics: dict[str, float],
    *,
    dimensions: dict[str, str] | None = None,
    unit: str = "Count",
    units: dict[str, str] | None = None,
    stream: TextIO | None = None,
) -> None:
    from functions.shared.settings import get_settings

    settings = get_settings()
    if stream is None and settings.metrics_sink == "none":
        return
    # Per stage: dev and prod may share an account, and their alarms must not see each other's metrics.
    dims = {"stage": settings.stage, **(dimensions or {})}
    out = stream or sys.stdout
    out.write(json.dumps(emf_record(metrics, dimensions=dims, unit=unit, units=units)) + "\n")


TRACE_HEADER_ENV = "_X_AMZN_TRACE_ID"


def invocation_is_sampled() -> bool:
    """Whether X-Ray samples this invocation: Lambda puts its trace header in the environment."""
    return "Sampled=1" in os.environ.get(TRACE_HEADER_ENV, "")


def trace_if_sampled() -> bool:
    """Trace AWS calls as X-Ray subsegments from the first sampled invocation on.

    An unsampled invocation records nothing, so it does not pay for importing the SDK (about 40 ms
    of a cold start). Patching wraps botocore's client class, so clients built before the first
    sampled invocation are traced from then on. Returns whether tracing is on.
    """
    global _xray_patched
    if _xray_patched:
        return True
    from functions.shared.settings import get_settings

    if not get_settings().xray_enabled or not invocation_is_sampled():
        return False
    from aws_xray_sdk.core import patch

    patch(["botocore"])
    _xray_patched = True
    return True
