"""Clinic onboarding in a real browser against the local stack: the admin creates a doctor's account in
the app; the invitation (locally on the stack's outbox page) carries the temporary password; the doctor
signs in with it, chooses their own password and reaches their home page; the admin disables the
account and its sign-in is refused. The SPA is the built one (`npm run build`)."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from local.seed import OPS_ADMIN
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session

pytestmark = pytest.mark.browser

CHOSEN = "Morning-clinic-2027!"


def test_an_admin_onboards_a_doctor_who_signs_in_and_is_later_disabled(stack: LocalStack, browser: Any) -> None:
    username = f"dr.onboard{int(time.time() * 1000) % 10_000_000}"
    admin = Session(browser, stack, OPS_ADMIN.username, OPS_ADMIN.password, **DESK)
    page = admin.page
    form = page.get_by_test_id("new-account-form")
    form.get_by_test_id("new-account-role-doctor").check()
    form.get_by_test_id("new-account-username").fill(username)
    form.get_by_test_id("new-account-name").fill("Dr. Sam Lindgren")
    form.get_by_test_id("new-account-email").fill("sam.lindgren@example.org")
    form.get_by_test_id("new-account-title").fill("Dermatology registrar")
    form.get_by_test_id("new-account-submit").click()
    form.get_by_test_id("new-account-created").wait_for(timeout=WAIT_MS)
    row = page.locator("[data-testid=user-item]", has_text=username)
    row.wait_for(timeout=WAIT_MS)
    assert "doctor" in row.inner_text()

    # The invitation, as the pool would e-mail it, on the local outbox (never in the app).
    outbox = requests.get(stack.base_url + "/outbox", timeout=30).text
    found = re.search(rf"username is {re.escape(username)} and your temporary password is (\S+)\.", outbox)
    assert found, outbox
    temporary = found.group(1)
    assert temporary not in page.locator("body").inner_text()  # the admin never sees it

    doctor = browser.new_context(**DESK)
    doctor_page = doctor.new_page()
    doctor_page.goto(stack.base_url + "/")
    doctor_page.get_by_test_id("login-username").fill(username)
    doctor_page.get_by_test_id("login-password").fill(temporary)
    doctor_page.get_by_test_id("login-submit").click()
    doctor_page.get_by_test_id("new-password").fill(CHOSEN)
    doctor_page.get_by_test_id("new-password-repeat").fill(CHOSEN)
    doctor_page.get_by_test_id("new-password-submit").click()
    doctor_page.get_by_test_id("home-doctor").wait_for(timeout=WAIT_MS)
    assert "Sam Lindgren" in doctor_page.get_by_test_id("whoami").inner_text() or username in \
        doctor_page.get_by_test_id("whoami").inner_text()
    doctor.close()

    # A corrected name, from the same row.
    row.get_by_test_id("user-rename").click()
    row.get_by_test_id("user-rename-name").fill("Dr. Sam Lindgren-Berg")
    row.get_by_test_id("user-rename-save").click()
    row.get_by_test_id("user-rename").wait_for(timeout=WAIT_MS)
    assert stack.resources is not None
    user = stack.client("cognito-idp").admin_get_user(UserPoolId=stack.resources.user_pool_id, Username=username)
    assert {a["Name"]: a["Value"] for a in user["UserAttributes"]}["name"] == "Dr. Sam Lindgren-Berg"

    row.get_by_test_id("user-disable").click()
    row.get_by_test_id("user-enable").wait_for(timeout=WAIT_MS)
    refused = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": CHOSEN}, timeout=30)
    assert refused.status_code == 401
    admin.close()
