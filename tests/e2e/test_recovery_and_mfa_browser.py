"""Password recovery and two-step sign-in in a real browser against the local stack: a doctor turns
on an authenticator (codes computed with pyotp from the key the page shows, as an app would), signs
out (the session's refresh token is then refused) and signs in again answering its code; a patient
who forgot her password resets it with the code from the stack's outbox page."""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest
import requests

from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import PHONE, WAIT_MS

pytestmark = pytest.mark.browser

PASSWORD = "Derm-start-2026!"
CHOSEN = "Calm-skin-in-June-8!"


def account(stack: LocalStack, prefix: str, group: str, email: str | None = None) -> str:
    assert stack.resources is not None
    username = f"{prefix}{int(time.time() * 1000) % 10_000_000}"
    cognito = stack.client("cognito-idp")
    attributes = [{"Name": "name", "Value": "Sam Example"}] + ([{"Name": "email", "Value": email}] if email else [])
    cognito.admin_create_user(UserPoolId=stack.resources.user_pool_id, Username=username,
                              MessageAction="SUPPRESS", UserAttributes=attributes)
    cognito.admin_set_user_password(UserPoolId=stack.resources.user_pool_id, Username=username,
                                    Password=PASSWORD, Permanent=True)
    cognito.admin_add_user_to_group(UserPoolId=stack.resources.user_pool_id, Username=username, GroupName=group)
    return username


def sign_in(page: Any, stack: LocalStack, username: str, password: str) -> None:
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_a_doctor_turns_on_two_step_sign_in_and_signs_in_with_a_code(stack: LocalStack, browser: Any) -> None:
    username = account(stack, "dr.totp", "doctor")
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, stack, username, PASSWORD)
    page.get_by_test_id("home-doctor").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("security").locator("summary").click()
    page.get_by_test_id("mfa-start").click()
    page.get_by_test_id("mfa-qr").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("mfa-qr").evaluate("(img) => img.naturalWidth") > 0
    totp = pyotp.TOTP(page.get_by_test_id("mfa-secret").get_attribute("data-secret"))
    page.get_by_test_id("mfa-setup-code").fill(totp.now())
    page.get_by_test_id("mfa-confirm").click()
    page.get_by_test_id("mfa-enrolled").wait_for(timeout=WAIT_MS)
    # Signing out revokes the session's refresh token: a copy left behind buys nothing more.
    refresh_token = page.evaluate("() => JSON.parse(sessionStorage.getItem('dermafollow.session')).refreshToken")
    with page.expect_response(lambda response: response.url.endswith("/auth/logout")) as revoked:
        page.get_by_test_id("logout").click()
    assert revoked.value.status == 200
    assert page.evaluate("() => sessionStorage.getItem('dermafollow.session')") is None
    stale = requests.post(stack.api_url + "/auth/refresh", json={"refreshToken": refresh_token}, timeout=30)
    assert (stale.status_code, stale.json()["error"]["code"]) == (401, "invalid_refresh_token")

    sign_in(page, stack, username, PASSWORD)
    page.get_by_test_id("mfa-answer-form").wait_for(timeout=WAIT_MS)
    wrong = str((int(totp.now()) + 500_000) % 1_000_000).zfill(6)
    page.get_by_test_id("mfa-code").fill(wrong)
    page.get_by_test_id("mfa-submit").click()
    page.get_by_test_id("mfa-error").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("mfa-code").fill(totp.now())
    page.get_by_test_id("mfa-submit").click()
    page.get_by_test_id("home-doctor").wait_for(timeout=WAIT_MS)
    context.close()


def test_a_forgotten_password_is_reset_with_the_code_from_the_outbox(stack: LocalStack, browser: Any) -> None:
    username = account(stack, "pat.forgot", "patient", email="forgot@example.org")
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("forgot-password").click()
    page.get_by_test_id("forgot-submit").click()
    page.get_by_test_id("forgot-code-sent").wait_for(timeout=WAIT_MS)

    outbox = context.new_page()
    outbox.goto(stack.base_url + "/outbox")
    code = outbox.locator(f'[data-username="{username}"][data-kind="reset_code"] [data-testid="outbox-code"]')
    reset_code = code.first.inner_text()
    outbox.close()

    page.get_by_test_id("forgot-code").fill(reset_code)
    page.get_by_test_id("forgot-new-password").fill("short")
    assert page.get_by_test_id("forgot-submit").is_disabled()
    page.get_by_test_id("forgot-new-password").fill(CHOSEN)
    page.get_by_test_id("forgot-submit").click()
    page.get_by_test_id("login-notice").wait_for(timeout=WAIT_MS)
    sign_in(page, stack, username, CHOSEN)
    page.get_by_test_id("home-patient").wait_for(timeout=WAIT_MS)
    context.close()
    old = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": PASSWORD}, timeout=30)
    assert old.status_code == 401
