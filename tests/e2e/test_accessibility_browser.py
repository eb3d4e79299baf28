"""Every page, as each role that can open it, checked with axe-core (the same engine as
@axe-core/playwright and Lighthouse): no serious or critical violation of WCAG 2.1 A/AA."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.seed import DR_CHEN, OPS_ADMIN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, PHONE, WAIT_MS, Session, api, token_of

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
TABS = ("body", "photos", "timeline", "compare", "measure", "scores")
# Every page each role reaches ({case}: one of pat.alex's cases), walked by the accessibility and the
# language tests alike.
PAGES_BY_ROLE = [
    (PAT_ALEX, PHONE, ["/patient", *(f"/cases/{{case}}?tab={tab}" for tab in TABS), "/cases/{case}/visit"]),
    (DR_CHEN, DESK, ["/doctor", *(f"/cases/{{case}}?tab={tab}" for tab in TABS), "/doctor/visits",
                     "/doctor/analytics"]),
    (OPS_ADMIN, DESK, ["/admin"]),
]
ROLE_IDS = ["patient", "doctor", "admin"]

# axe's source goes in through the DevTools protocol (not a <script>), so the page keeps its own
# Content Security Policy; the run keeps the WCAG 2.1 A and AA rules.
RUN_AXE = """async () => {
  const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
  const result = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`);
}"""


def violations(page: Any) -> list[str]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found: list[str] = page.evaluate(RUN_AXE)
    return found


@pytest.fixture(scope="module")
def case_id(stack: LocalStack) -> str:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    return str(api(stack, "GET", "/cases", token)["items"][0]["caseId"])


def test_the_sign_in_page(stack: LocalStack, browser: Any) -> None:
    assert AXE.is_file(), "axe-core is a dev dependency of web/ (npm ci)"
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").wait_for(timeout=WAIT_MS)
    assert violations(page) == []
    # The check itself can fail: a button with no name is a critical violation it must see.
    page.evaluate("() => document.querySelector('main, #root').appendChild(document.createElement('button'))")
    assert any(problem.startswith("button-name (critical)") for problem in violations(page))
    context.close()


@pytest.mark.parametrize(("account", "device", "pages"), PAGES_BY_ROLE, ids=ROLE_IDS)
def test_every_page_of_each_role(stack: LocalStack, browser: Any, case_id: str, account: Any,
                                 device: dict[str, Any], pages: list[str]) -> None:
    session = Session(browser, stack, account.username, account.password, **device)
    found: dict[str, list[str]] = {}
    for path in pages:
        target = path.format(case=case_id)
        session.page.goto(stack.base_url + target)
        session.page.locator("main").wait_for(timeout=WAIT_MS)
        # Let the page's first data arrive: what axe checks is the page as a person sees it.
        session.page.wait_for_load_state("networkidle")
        problems = violations(session.page)
        if problems:
            found[target] = problems
    session.close()
    assert found == {}
