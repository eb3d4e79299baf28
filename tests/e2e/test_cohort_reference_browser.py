"""Treatment analytics in a real browser against the local stack: the synthetic clinic loaded and
analysed exactly as a first `make run` does it, then a case's cohort reference (and its suppression
below 11 patients) and the clinic analytics page. The SPA is the built one (`npm run build`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.cohort import COHORT_PATIENTS
from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX, PAT_BLAIR
from local.stack import LocalStack
from tests.e2e import conftest as e2e_conftest

pytestmark = pytest.mark.browser

WAIT_MS = 20_000
DESK = {"viewport": {"width": 1440, "height": 900}}


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """A stack of its own, thrown away after this module: in the shared one, the synthetic clinic's
    400 patients would be saved and loaded by every later restart and periodic snapshot (about five
    minutes over a whole run). One stack runs per process, so the shared one stops meanwhile (the
    next test that needs it starts it again from its snapshot)."""
    if e2e_conftest.session_stack() is not None:
        e2e_conftest.session_stack().stop()  # type: ignore[union-attr]
    local = LocalStack(port=0, moto_port=0, data_dir=tmp_path_factory.mktemp("cohort-stack-data"),
                       snapshot_interval=3600, cohort=COHORT_PATIENTS)  # as a first `make run` starts
    local.start()
    try:
        loader = local.cohort_loader
        assert loader is not None
        assert loader.done.wait(900), "the synthetic clinic did not load in 15 minutes"
        assert loader.failed is None, loader.failed
        yield local
    finally:
        local.stop(save=False)


def case_of(stack: LocalStack, username: str, password: str) -> str:
    token = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": password},
                          timeout=30).json()["accessToken"]
    answer = requests.get(stack.api_url + "/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return str(answer.json()["items"][0]["caseId"])


def signed_in(browser: Any, stack: LocalStack, username: str, password: str) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(**DESK)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(username)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("whoami").wait_for(timeout=WAIT_MS)
    return context, page, errors


def test_the_case_doctor_sees_the_cohort_reference_with_its_chart(analysed: LocalStack, browser: Any) -> None:
    case_id = case_of(analysed, PAT_ALEX.username, PAT_ALEX.password)
    context, page, errors = signed_in(browser, analysed, DR_CHEN.username, DR_CHEN.password)
    page.goto(f"{analysed.base_url}/cases/{case_id}?tab=scores")
    reference = page.get_by_test_id("cohort-reference")
    headline = page.get_by_test_id("cohort-headline")
    headline.wait_for(timeout=WAIT_MS)
    text = headline.inner_text()
    assert text.startswith("Patients with L40.0 and a baseline PASI of 10-20 on calcipotriol/betamethasone: "
                           "median PASI change \u2212"), text
    n = int(text.rsplit("n = ", 1)[1])
    assert n >= 11
    assert "Observational data" in reference.get_by_test_id("cohort-observational").inner_text()
    chart = page.get_by_test_id("cohort-chart")
    assert chart.is_visible()
    assert page.get_by_test_id("cohort-point").count() >= 3  # baseline and at least two weeks
    assert page.get_by_test_id("cohort-iqr").count() == 1
    context.close()
    assert errors == []


def test_a_cohort_of_fewer_than_11_shows_no_figures(analysed: LocalStack, browser: Any) -> None:
    case_id = case_of(analysed, PAT_BLAIR.username, PAT_BLAIR.password)  # atopic dermatitis on emollients
    context, page, errors = signed_in(browser, analysed, DR_OKAFOR.username, DR_OKAFOR.password)
    page.goto(f"{analysed.base_url}/cases/{case_id}?tab=scores")
    status = page.get_by_test_id("cohort-status")
    status.wait_for(timeout=WAIT_MS)
    assert status.get_attribute("data-status") == "suppressed"
    assert "Fewer than 11" in status.inner_text()
    assert page.get_by_test_id("cohort-headline").count() == 0 and page.get_by_test_id("cohort-chart").count() == 0
    context.close()
    assert errors == []


def test_the_clinic_analytics_page_shows_outcome_and_adherence_charts(analysed: LocalStack, browser: Any) -> None:
    context, page, errors = signed_in(browser, analysed, DR_CHEN.username, DR_CHEN.password)
    page.get_by_test_id("open-clinic-analytics").click()
    page.get_by_test_id("clinic-analytics").wait_for(timeout=WAIT_MS)
    outcome = page.get_by_test_id("chart-outcome").first
    outcome.wait_for(timeout=WAIT_MS)
    assert outcome.get_by_test_id("bar").count() >= 2
    assert page.get_by_test_id("chart-adherence").get_by_test_id("bar").count() == 4
    assert page.get_by_test_id("chart-photo-cadence").get_by_test_id("bar").count() == 4
    assert page.get_by_test_id("response-table").locator("tbody tr").count() > 5
    assert "not trial results" in page.get_by_test_id("analytics-observational").inner_text()
    context.close()
    assert errors == []
