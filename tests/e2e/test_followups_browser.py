"""The follow-up loop in a real browser against the local stack: a doctor schedules a follow-up on the
case page; the reminder job runs; the patient, whose home page is open, sees the notice arrive live
and the next step with one tap to where it is done; the doctor's home page lists it by the patient's
name, and the patient's new score until the doctor marks the case reviewed; the reminder e-mail is
on the stack's outbox page and says nothing about the case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local.outbox import OUTBOX_PATH
from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, PHONE, WAIT_MS, Session, api, token_of

pytestmark = pytest.mark.browser


def test_a_scheduled_follow_up_reminds_the_patient_and_shows_on_both_home_pages(stack: LocalStack,
                                                                                  browser: Any) -> None:
    chen = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    alex = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    alex_id = api(stack, "GET", "/me", alex)["userId"]
    case = next(c for c in api(stack, "GET", "/cases?limit=100", chen)["items"] if c["patientId"] == alex_id)
    case_id = case["caseId"]
    today = datetime.now(UTC).date().isoformat()  # the local stack's clinic calendar is UTC

    doctor = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    page = doctor.page
    page.goto(f"{stack.base_url}/cases/{case_id}")
    page.get_by_test_id("followup-schedule-open").click()
    page.get_by_test_id("followup-due").fill(today)
    page.get_by_test_id("followup-modality").select_option("photo-review")
    page.get_by_test_id("followup-ask-score:ITCH_NRS").check()
    page.get_by_test_id("followup-submit").click()
    row = page.locator(f'[data-testid="followup"][data-due="{today}"]').first
    row.wait_for(timeout=WAIT_MS)
    assert row.get_attribute("data-state") == "due"
    followup_id = next(f["followupId"] for f in api(stack, "GET", f"/cases/{case_id}/followups", chen)["items"]
                       if f["dueDate"] == today and f["state"] == "due")
    try:
        page.goto(stack.base_url + "/")
        item = page.locator('[data-testid="worklist-item"]', has_text=PAT_ALEX.name)
        item.first.wait_for(timeout=WAIT_MS)
        assert item.first.get_by_test_id("worklist-when").inner_text() == "Due today"

        patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, **PHONE)
        home = patient.page
        step = home.locator('[data-testid="next-step"]', has=home.get_by_test_id("next-step-do-score:ITCH_NRS"))
        step.first.wait_for(timeout=WAIT_MS)
        assert step.first.get_by_test_id("next-step-when").inner_text().strip() == "Due today"
        assert home.get_by_test_id("notice").count() == 0

        assert stack.scheduler is not None
        stack.scheduler.run_now("remind_followups")
        notice = home.locator('[data-testid="notice"][data-kind="followup.due"]')
        notice.first.wait_for(timeout=WAIT_MS)  # live, over the WebSocket: no reload
        assert notice.first.inner_text() == "A follow-up step is due today."
        assert "new" in home.get_by_test_id("notices-unread").inner_text()

        step.first.get_by_test_id("next-step-do-score:ITCH_NRS").click()
        home.get_by_test_id("case-panel-scores").wait_for(timeout=WAIT_MS)
        assert f"/cases/{case_id}" in home.url
        patient.close()
        api(stack, "POST", f"/cases/{case_id}/scores", alex, {"instrument": "ITCH_NRS", "components": {"score": 5}})

        # The doctor's home page: the new score, until the doctor marks the case reviewed.
        page.goto(stack.base_url + "/")
        activity = page.locator(f'[data-testid="activity-item"][data-case-id="{case_id}"]')
        activity.wait_for(timeout=WAIT_MS)
        assert activity.get_by_test_id("activity-patient").inner_text() == PAT_ALEX.name
        assert "new score" in activity.get_by_test_id("activity-arrivals").inner_text()
        page.goto(f"{stack.base_url}/cases/{case_id}")
        page.get_by_test_id("mark-reviewed").click()
        page.get_by_test_id("reviewed-at").wait_for(timeout=WAIT_MS)
        page.goto(stack.base_url + "/")
        # Loaded (an empty message or other cases' rows), and this case is not among them.
        page.locator('[data-testid="activity-list"] .empty, [data-testid="activity-item"]').first.wait_for(
            timeout=WAIT_MS)
        assert activity.count() == 0
        doctor.close()

        outbox = requests.get(stack.base_url + OUTBOX_PATH, timeout=10).text
        reminder = [line for line in outbox.split("<li") if f"{PAT_ALEX.username}@" in line and "follow-up" in line]
        assert len(reminder) == 1, outbox
        for secret in (case["condition"], PAT_ALEX.name, case_id, today):
            assert secret not in reminder[0]
    finally:
        api(stack, "POST", f"/cases/{case_id}/followups/{followup_id}/cancel", chen, {})
