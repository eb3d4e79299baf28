"""The reminder job: every 15 minutes, the follow-ups coming due and overdue remind their patients.

Its own module (and deployed, its own function with its own role: SES, SNS, the follow-up and notice
tables, the timeline read): nothing on a person's path imports it.
"""

from __future__ import annotations

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions.bootstrap import get_container
from functions.shared.observability import log_info, start_invocation

followup_jobs = Blueprint(__name__)


# 15 minutes: a reminder reaches the patient within a quarter of an hour of quiet hours ending, and
# 96 runs a day each read only the open follow-ups of a few days (the sparse index), not the history.
@followup_jobs.schedule(Rate(15, unit=Rate.MINUTES), name="remind_followups")
def remind_followups(event: CloudWatchEvent) -> dict[str, int]:
    start_invocation(job="remind_followups")
    report = get_container().reminders.run()
    log_info("follow-up reminders", job="remind_followups", **report.view())
    return report.view()
