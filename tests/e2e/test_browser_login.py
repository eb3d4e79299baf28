"""The SPA in a real browser against the local stack: sign-in, role homes, visible errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.seed import DR_CHEN, OPS_ADMIN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.browser import chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def _sign_in(page: Any, stack: LocalStack, username: str, password: str) -> None:
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()


def test_patient_signs_in_on_a_phone_and_sees_only_her_case(stack: LocalStack, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, stack, PAT_ALEX.username, PAT_ALEX.password)
    page.get_by_test_id("home-patient").wait_for(timeout=15000)
    assert PAT_ALEX.username in page.get_by_test_id("whoami").inner_text()
    items = page.get_by_test_id("case-item")
    items.first.wait_for(timeout=15000)
    assert items.count() == 1
    assert "psoriasis" in items.first.inner_text().lower()
    items.first.click()
    page.get_by_test_id("case-detail").wait_for(timeout=15000)
    context.close()


def test_doctor_signs_in_and_sees_the_assigned_case(stack: LocalStack, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    _sign_in(page, stack, DR_CHEN.username, DR_CHEN.password)
    page.get_by_test_id("home-doctor").wait_for(timeout=15000)
    page.get_by_test_id("case-item").first.wait_for(timeout=15000)
    assert "psoriasis" in page.get_by_test_id("case-list").inner_text().lower()
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-username").wait_for(timeout=15000)
    assert page.evaluate("() => window.sessionStorage.length") == 0
    context.close()


def test_admin_home_shows_accounts_not_cases(stack: LocalStack, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, stack, OPS_ADMIN.username, OPS_ADMIN.password)
    page.get_by_test_id("home-admin").wait_for(timeout=15000)
    page.get_by_test_id("user-item").first.wait_for(timeout=15000)
    assert page.get_by_test_id("case-list").count() == 0
    context.close()


def test_wrong_password_shows_a_clear_error(stack: LocalStack, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, stack, PAT_ALEX.username, "not-the-password")
    error = page.get_by_test_id("login-error")
    error.wait_for(timeout=15000)
    assert "wrong username or password" in error.inner_text().lower()
    context.close()
