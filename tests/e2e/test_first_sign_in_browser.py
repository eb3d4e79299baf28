"""A first sign-in in a real browser against the local stack: an account the clinic created with a
temporary password signs in, is asked for their own password, sees each rule of the pool's policy
met or not while typing, and lands on their home page. The SPA is the built one (`npm run build`)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import PHONE, WAIT_MS

pytestmark = pytest.mark.browser

TEMPORARY = "Temp-pass-2026!"
CHOSEN = "Clear-skin-by-May-7!"


def test_a_new_patient_sets_her_own_password_on_first_sign_in(stack: LocalStack, browser: Any) -> None:
    assert stack.resources is not None
    username = f"pat.first{int(time.time() * 1000) % 10_000_000}"
    cognito = stack.client("cognito-idp")
    cognito.admin_create_user(UserPoolId=stack.resources.user_pool_id, Username=username,
                              TemporaryPassword=TEMPORARY, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": "name", "Value": "Robin First"}])
    cognito.admin_add_user_to_group(UserPoolId=stack.resources.user_pool_id, Username=username, GroupName="patient")

    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(TEMPORARY)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("new-password-form").wait_for(timeout=WAIT_MS)

    # Each rule of the policy is named, met or not, as the person types.
    page.get_by_test_id("new-password").fill("clearskin")
    rules = dict(page.get_by_test_id("password-rule").evaluate_all(
        "(nodes) => nodes.map((node) => [node.dataset.rule, node.dataset.met])"))
    assert rules == {"length": "false", "lower": "true", "upper": "false", "number": "false", "symbol": "false"}
    assert page.get_by_test_id("new-password-submit").is_disabled()

    page.get_by_test_id("new-password").fill(CHOSEN)
    page.get_by_test_id("new-password-repeat").fill(CHOSEN)
    assert set(page.get_by_test_id("password-rule").evaluate_all("(ns) => ns.map((n) => n.dataset.met)")) == {"true"}
    page.get_by_test_id("new-password-submit").click()
    page.get_by_test_id("home-patient").wait_for(timeout=WAIT_MS)
    context.close()
    assert errors == [], errors

    # From now on only the chosen password opens the account.
    chosen = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": CHOSEN}, timeout=30)
    assert chosen.status_code == 200, chosen.text
    old = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": TEMPORARY}, timeout=30)
    assert old.status_code == 401
