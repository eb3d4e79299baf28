"""Consultation in a real browser against the local stack: the case's assigned doctor finds a colleague
by name and invites them; the colleague finds the case on their home page and opens it; ending the
invitation takes the case away from them at once. The SPA is the built one (`npm run build`)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session, api, token_of

pytestmark = pytest.mark.browser



def test_a_doctor_invites_a_colleague_who_opens_the_case_until_the_invitation_ends(
    stack: LocalStack, browser: Any
) -> None:
    alex = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = str(api(stack, "GET", "/cases", alex)["items"][0]["caseId"])
    chen_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    okafor_id = api(stack, "GET", "/me", okafor_token)["userId"]

    def okafor_sees_the_case() -> int:
        return requests.get(f"{stack.api_url}/cases/{case_id}", headers={"Authorization": f"Bearer {okafor_token}"},
                            timeout=30).status_code

    assert okafor_sees_the_case() == 404
    chen = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    try:
        page = chen.open_case(case_id, "body")
        panel = page.get_by_test_id("invite-panel")
        panel.get_by_test_id("invite-doctor-search").fill("okafor")
        option = panel.get_by_test_id("invite-doctor-option")
        option.first.wait_for(timeout=WAIT_MS)
        assert option.count() == 1 and option.inner_text().startswith(DR_OKAFOR.name)
        assert DR_OKAFOR.title in option.inner_text()
        option.click()
        panel.get_by_test_id("invite-duration").select_option("72")
        panel.get_by_test_id("invite-send").click()
        row = panel.locator(f"[data-testid=invitation][data-doctor-id='{okafor_id}']")
        row.wait_for(timeout=WAIT_MS)
        panel.locator("[data-testid=invitation]", has_text=DR_OKAFOR.name).wait_for(timeout=WAIT_MS)  # by name
        granted = next(d for d in api(stack, "GET", f"/cases/{case_id}", chen_token)["doctors"]
                       if d["doctorId"] == okafor_id)
        assert granted["kind"] == "invited"

        # The colleague finds the case on their home page, by the patient's name, and opens it.
        okafor = Session(browser, stack, DR_OKAFOR.username, DR_OKAFOR.password, **DESK)
        item = okafor.page.locator("[data-testid=case-item]", has_text=PAT_ALEX.name)
        item.wait_for(timeout=WAIT_MS)
        item.get_by_role("link").first.click()
        okafor.page.get_by_test_id("case-detail").wait_for(timeout=WAIT_MS)
        assert okafor.page.get_by_test_id("invite-panel").count() == 0  # only assigned doctors invite
        okafor.close()

        # Ending the invitation ends access at once.
        row.get_by_test_id("invitation-revoke").click()
        row.wait_for(state="detached", timeout=WAIT_MS)
        assert okafor_sees_the_case() == 404
        chen.close()
    finally:
        # dr.okafor is an outsider to this case in the other tests of the shared stack.
        requests.delete(f"{stack.api_url}/cases/{case_id}/invitations/{okafor_id}",
                        headers={"Authorization": f"Bearer {chen_token}"}, timeout=30)
