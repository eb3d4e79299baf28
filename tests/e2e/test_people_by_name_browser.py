"""People by name in a real browser against the local stack: every page, as each demo role, shows
people by name (patients with age and sex, doctors with title) and never a demo account's user id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.seed import DEMO_ACCOUNTS, DR_CHEN, OPS_ADMIN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.browser import chromium

pytestmark = pytest.mark.browser

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html"
WAIT_MS = 20_000
TABS = ("body", "photos", "timeline", "compare", "scores")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not WEB_DIST.is_file():
        raise AssertionError("web/dist is missing: run `npm run build` in web/ before the browser tests.")
    with chromium([]) as launched:
        yield launched


def api(stack: LocalStack, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, stack.api_url + path, json=body, headers=headers, timeout=30)
    assert response.status_code < 400, (method, path, response.status_code, response.text)
    return response.json()


def token_of(stack: LocalStack, username: str, password: str) -> str:
    return str(api(stack, "POST", "/auth/login", body={"username": username, "password": password})["accessToken"])


@pytest.fixture(scope="module")
def demo_ids(stack: LocalStack) -> dict[str, str]:
    """Every demo account's user id, from the operations list (the ids the pages must never show)."""
    token = token_of(stack, OPS_ADMIN.username, OPS_ADMIN.password)
    users = api(stack, "GET", "/admin/users", token)["items"]
    ids = {u["username"]: u["userId"] for u in users if u["username"] in {a.username for a in DEMO_ACCOUNTS}}
    assert len(ids) == len(DEMO_ACCOUNTS) and all(ids.values())
    return ids


@pytest.fixture(scope="module")
def case_id(stack: LocalStack) -> str:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    return str(api(stack, "GET", "/cases", token)["items"][0]["caseId"])


def signed_in(browser: Any, stack: LocalStack, username: str, password: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("whoami").wait_for(timeout=WAIT_MS)
    return context, page, errors


def assert_no_ids(page: Any, ids: dict[str, str], where: str) -> None:
    page.wait_for_load_state("networkidle")
    text = page.locator("body").inner_text()
    shown = [username for username, user_id in ids.items() if user_id in text]
    assert shown == [], f"{where} shows the user id of {shown}"


def visit_case(page: Any, stack: LocalStack, case_id: str, ids: dict[str, str]) -> None:
    for tab in TABS:
        page.goto(f"{stack.base_url}/cases/{case_id}?tab={tab}")
        page.get_by_test_id("case-detail").wait_for(timeout=WAIT_MS)
        assert_no_ids(page, ids, f"case page ({tab})")


def test_doctor_sees_people_by_name_on_every_page(stack: LocalStack, browser: Any, demo_ids: dict[str, str],
                                                  case_id: str) -> None:
    context, page, errors = signed_in(browser, stack, DR_CHEN.username, DR_CHEN.password)
    patient_cell = page.get_by_test_id("case-item-patient").first
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=case-item-patient]')]"
        ".some(cell => cell.textContent.includes('Alex Morgan'))", timeout=WAIT_MS)
    # Name, then age in whole years and sex from the directory ("Alex Morgan (40, female)").
    assert re.search(r"Alex Morgan \(\d+, female\)", page.get_by_test_id("case-list").inner_text())
    assert patient_cell.is_visible()
    assert_no_ids(page, demo_ids, "doctor home")

    page.goto(f"{stack.base_url}/cases/{case_id}")
    page.get_by_test_id("case-patient").filter(has_text="Alex Morgan").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("case-doctors").filter(has_text="Dr. Mei Chen, Consultant dermatologist").wait_for(
        timeout=WAIT_MS)
    visit_case(page, stack, case_id, demo_ids)

    for path in ("/doctor/visits", "/doctor/analytics"):
        page.goto(stack.base_url + path)
        page.get_by_test_id("whoami").wait_for(timeout=WAIT_MS)
        assert_no_ids(page, demo_ids, path)
    context.close()
    assert errors == [], errors


def test_patient_sees_her_doctor_by_name_and_no_ids(stack: LocalStack, browser: Any, demo_ids: dict[str, str],
                                                    case_id: str) -> None:
    context, page, errors = signed_in(browser, stack, PAT_ALEX.username, PAT_ALEX.password)
    assert_no_ids(page, demo_ids, "patient home")
    page.goto(f"{stack.base_url}/cases/{case_id}")
    page.get_by_test_id("case-doctors").filter(has_text="Dr. Mei Chen, Consultant dermatologist").wait_for(
        timeout=WAIT_MS)
    visit_case(page, stack, case_id, demo_ids)
    context.close()
    assert errors == [], errors


def test_operations_pages_show_no_user_ids(stack: LocalStack, browser: Any, demo_ids: dict[str, str]) -> None:
    context, page, errors = signed_in(browser, stack, OPS_ADMIN.username, OPS_ADMIN.password)
    page.get_by_test_id("user-item").first.wait_for(timeout=WAIT_MS)
    assert_no_ids(page, demo_ids, "operations home")
    context.close()
    assert errors == [], errors
