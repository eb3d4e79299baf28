"""The admin's operations screens in a real browser against the local stack: the health of every
dependency, and a patient's audit trail by account name, filtered, with the hourly verification's
verdict on its chain."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local.seed import DR_OKAFOR, OPS_ADMIN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session, api, token_of

pytestmark = pytest.mark.browser


def test_an_admin_checks_health_and_reads_a_patients_verified_audit_trail(stack: LocalStack, browser: Any) -> None:
    alex = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = api(stack, "GET", "/cases", alex)["items"][0]["caseId"]
    # A doctor who is not on the case tries it: refused (404), and that refusal is in the trail.
    okafor = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    refused = requests.get(f"{stack.api_url}/cases/{case_id}", headers={"Authorization": f"Bearer {okafor}"},
                           timeout=30)
    assert refused.status_code == 404
    assert stack.scheduler is not None
    stack.scheduler.run_now("verify_audit_chains")

    admin = Session(browser, stack, OPS_ADMIN.username, OPS_ADMIN.password, **DESK)
    page = admin.page
    health = page.get_by_test_id("health-panel")
    health.get_by_test_id("health-status").wait_for(timeout=WAIT_MS)
    states = health.get_by_test_id("health-dependency").evaluate_all(
        "(nodes) => nodes.map((node) => [node.dataset.name, node.dataset.state])")
    assert [name for name, _ in states] == ["dynamodb", "s3", "kms", "directory", "websocket"]
    assert all(state in ("ok", "slow") for _, state in states), states

    panel = page.get_by_test_id("audit-panel")
    panel.get_by_test_id("audit-patient").select_option(label=PAT_ALEX.username)
    verification = panel.get_by_test_id("audit-verification")
    verification.wait_for(timeout=WAIT_MS)
    if verification.get_attribute("data-ok") != "true":
        # The stack runs in this process: name the chain, the entry and the problem the panel summed up.
        from functions.bootstrap import get_container

        report = get_container().audit.verify().view()
        broken = [chain for chain in report["chains"] if not chain["ok"]]
        raise AssertionError(f"{verification.inner_text()!r}; broken chains: {broken}")
    assert "intact" in verification.inner_text()
    panel.get_by_test_id("audit-entry").first.wait_for(timeout=WAIT_MS)

    panel.get_by_test_id("audit-outcome").select_option("denied")
    panel.locator("[data-testid=audit-entry][data-outcome=denied]").first.wait_for(timeout=WAIT_MS)
    outcomes = panel.get_by_test_id("audit-entry").evaluate_all("(nodes) => nodes.map((n) => n.dataset.outcome)")
    assert outcomes and set(outcomes) == {"denied"}
    actors = panel.get_by_test_id("audit-entry-actor").all_inner_texts()
    assert f"{DR_OKAFOR.username} (doctor)" in actors
    # People by name: no raw account id on the panel.
    okafor_id = api(stack, "GET", "/me", okafor)["userId"]
    assert okafor_id not in panel.inner_text()
    admin.close()
