"""Consultation in a real browser against the local stack: the case's assigned doctor finds a colleague
by name and invites them with a question; the colleague, whose home page is open, sees the invitation
arrive live (who asks about whose case, the question) and accepts it; the inviting doctor sees the
answer and writes to the case's discussion about a photo, which appears live on the colleague's open
case page with the photo's thumbnail, and as unread on their home page; ending the invitation takes
the case away from them at once. The SPA is the built one (`npm run build`)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session, api, send_photo, token_of

pytestmark = pytest.mark.browser

QUESTION = "Plaque psoriasis or a fungal infection? The scraping was negative."


def test_a_doctor_invites_a_colleague_live_they_discuss_a_photo_and_the_invitation_ends(
    stack: LocalStack, browser: Any
) -> None:
    alex = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = str(api(stack, "GET", "/cases", alex)["items"][0]["caseId"])
    chen_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    okafor_id = api(stack, "GET", "/me", okafor_token)["userId"]
    photos = api(stack, "GET", f"/cases/{case_id}/photos?limit=1", chen_token)["items"]
    photo_id = photos[0]["photoId"] if photos else send_photo(stack, alex, case_id, "elbow_left")
    mark = str(int(time.time() * 1000) % 10_000_000)

    def okafor_sees_the_case() -> int:
        return requests.get(f"{stack.api_url}/cases/{case_id}", headers={"Authorization": f"Bearer {okafor_token}"},
                            timeout=30).status_code

    assert okafor_sees_the_case() == 404
    chen = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    okafor = Session(browser, stack, DR_OKAFOR.username, DR_OKAFOR.password, **DESK)
    try:
        home = okafor.page
        live = home.locator("[data-testid=consult-desk][data-live=open]")
        live.wait_for(state="attached", timeout=WAIT_MS)  # its socket is up: what comes next arrives live

        page = chen.open_case(case_id, "body")
        panel = page.get_by_test_id("invite-panel")
        panel.get_by_test_id("invite-doctor-search").fill("okafor")
        option = panel.get_by_test_id("invite-doctor-option")
        option.first.wait_for(timeout=WAIT_MS)
        assert option.count() == 1 and option.inner_text().startswith(DR_OKAFOR.name)
        assert DR_OKAFOR.title in option.inner_text()
        option.click()
        panel.get_by_test_id("invite-duration").select_option("72")
        panel.get_by_test_id("invite-question").fill(QUESTION)
        panel.get_by_test_id("invite-send").click()
        row = panel.locator(f"[data-testid=invitation][data-doctor-id='{okafor_id}']")
        row.wait_for(timeout=WAIT_MS)
        panel.locator("[data-testid=invitation]", has_text=DR_OKAFOR.name).wait_for(timeout=WAIT_MS)  # by name

        # Live on the colleague's open home page, under "Asked to consult": who asked about whose case.
        consult = home.locator(f"[data-testid=consult-item][data-case-id='{case_id}']")
        consult.wait_for(timeout=WAIT_MS)  # no reload: the notice.new frame
        assert consult.get_by_test_id("consult-sentence").inner_text().startswith(
            f"{DR_CHEN.name} asked you to look at {PAT_ALEX.name}\u2019s case")
        assert consult.get_by_test_id("consult-question").inner_text() == QUESTION
        consult.get_by_test_id("consult-accept").click()
        consult.get_by_test_id("consult-answered").wait_for(timeout=WAIT_MS)
        consult.get_by_role("link").click()
        home.get_by_test_id("discussion").wait_for(timeout=WAIT_MS)
        assert home.get_by_test_id("invite-panel").count() == 0  # only assigned doctors invite

        # The inviting doctor sees the answer, and writes to the discussion about the photo.
        page.reload()
        row.locator("[data-testid=invitation-answer][data-answer=accepted]").wait_for(timeout=WAIT_MS)
        text = f"The left elbow looks thicker than last time ({mark})."
        page.get_by_test_id("discussion-text").fill(text)
        page.locator(f"[data-testid=discussion-pick-photo][data-photo-id='{photo_id}']").click()
        page.get_by_test_id("discussion-send").click()

        # It appears live on Dr. Okafor's open case page, by name, with the photo's thumbnail.
        arrived = home.locator("[data-testid=discussion-message]", has_text=mark)
        arrived.wait_for(timeout=WAIT_MS)  # no reload: the discussion.message frame
        assert arrived.get_by_test_id("discussion-author").inner_text().startswith(DR_CHEN.name)
        thumb = arrived.locator(f"[data-testid=discussion-ref][data-ref-id='{photo_id}'] img")
        thumb.wait_for(timeout=WAIT_MS)
        home.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(),
                               timeout=WAIT_MS)
        assert arrived.get_by_test_id("discussion-retract").count() == 0  # only the author retracts

        # Away from the case, the next message counts as unread on the home page, live.
        home.goto(stack.base_url + "/")
        live.wait_for(state="attached", timeout=WAIT_MS)
        page.get_by_test_id("discussion-text").fill(f"And the itch score went up ({mark}).")
        page.get_by_test_id("discussion-send").click()
        unread = home.locator(f"[data-testid=consult-unread-case][data-case-id='{case_id}']")
        unread.wait_for(timeout=WAIT_MS)
        assert unread.get_by_test_id("consult-unread-count").inner_text() == "1 unread"
        # The patient's name comes with the people lookup, after the unread list itself.
        unread.filter(has_text=PAT_ALEX.name).wait_for(timeout=WAIT_MS)
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
