"""The scheduled analytics functions: the hourly lake export and the nightly analyses.

Their own module (and, deployed, their own functions with the AWS SDK for pandas layer for pyarrow):
nothing on a person's path imports it.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Cron, Rate

from functions.bootstrap import get_container
from functions.shared.observability import log_info, start_invocation

analytics_jobs = Blueprint(__name__)


@analytics_jobs.schedule(Rate(1, unit=Rate.HOURS), name="export_lake")
def export_lake(event: CloudWatchEvent) -> dict[str, Any]:
    start_invocation(job="export_lake")
    report = get_container().lake_export.run()
    log_info("lake export", job="export_lake", batch=report.batch, changes=report.changes,
             items_read=report.items_read, files=len(report.files))
    return {"batch": report.batch, "changes": report.changes, "itemsRead": report.items_read, "rows": report.rows}


# 02:30 UTC: after the night's exports, before a European clinic opens.
@analytics_jobs.schedule(Cron(30, 2, "*", "*", "?", "*"), name="analyze_lake")
def analyze_lake(event: CloudWatchEvent) -> dict[str, Any]:
    start_invocation(job="analyze_lake")
    get_container().lake_export.run()  # the freshest changes first
    cells = get_container().nightly_analyses.run()
    log_info("nightly analyses", job="analyze_lake", **cells)
    return {"cells": cells}
