"""A consultation round in two real browsers against the local stack: Dr. Chen opens a round on
pat.alex's case with Dr. Okafor (invited) and himself as readers and reads; Dr. Okafor sees only his
own blinded form (the API refuses him the reads with `read_first` too) until he submits, then both
reads; he finds the round on his home page ("awaiting your read") and opens it from there, and it
leaves that list once he has read; Dr. Chen closes with the consensus, which appears as a diagnosis
entry in the record."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_accessibility_browser import violations
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session, api, token_of

pytestmark = pytest.mark.browser

# The first ICD-10 search of a process loads the code set: warmed through the API before the pages.
FIRST_SEARCH_S = 90


def _pick_code(form: Any, words: str, code: str) -> None:
    form.get_by_test_id("icd10-query").fill(words)
    option = form.locator(f"[data-testid=icd10-option][data-code='{code}']")
    option.wait_for(timeout=WAIT_MS)
    option.click()
    form.locator(f"[data-testid=icd10-picked][data-code='{code}']").wait_for(timeout=WAIT_MS)


def _read(page: Any, round_card: Any, words: str, code: str, iga: str, treatment: str) -> None:
    form = round_card.get_by_test_id("consult-read-form")
    _pick_code(form, words, code)
    form.get_by_test_id("consult-read-iga").select_option(iga)
    form.get_by_test_id("consult-read-confidence").select_option("4")
    form.get_by_test_id("consult-read-treatment").fill(treatment)
    form.get_by_test_id("consult-read-submit").click()
    form.wait_for(state="detached", timeout=WAIT_MS)


def test_two_doctors_read_blinded_and_the_consensus_lands_in_the_record(stack: LocalStack, browser: Any) -> None:
    chen_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    okafor_id = api(stack, "GET", "/me", okafor_token)["userId"]
    case_id = str(api(stack, "GET", "/cases", token_of(stack, PAT_ALEX.username, PAT_ALEX.password))["items"][0]
                  ["caseId"])
    api(stack, "POST", f"/cases/{case_id}/invitations", chen_token, {"doctorId": okafor_id, "expiresInHours": 24})
    try:
        requests.get(f"{stack.api_url}/icd10?q=psoriasis", headers={"Authorization": f"Bearer {chen_token}"},
                     timeout=FIRST_SEARCH_S)
        _round(stack, browser, case_id, okafor_token, okafor_id)
    finally:
        # Dr. Okafor is an outsider to this case in the other tests of the shared stack.
        api(stack, "DELETE", f"/cases/{case_id}/invitations/{okafor_id}", chen_token)


def _round(stack: LocalStack, browser: Any, case_id: str, okafor_token: str, okafor_id: str) -> None:
    mark = str(int(time.time() * 1000) % 10_000_000)
    chen_treatment, okafor_treatment = f"Calcipotriol gel {mark}", f"Emollients and TCS {mark}"
    question = f"Psoriasis or eczema? {mark}"

    # Dr. Chen opens the round in the app: the question, and the readers picked by name.
    chen = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    page = chen.page
    page.goto(f"{stack.base_url}/cases/{case_id}")
    page.get_by_test_id("consult-open-round").click()
    form = page.get_by_test_id("consult-open-form")
    form.get_by_test_id("consult-question").fill(question)
    readers = form.get_by_test_id("consult-pick-reader")
    readers.first.wait_for(timeout=WAIT_MS)
    form.get_by_text("Okafor").wait_for(timeout=WAIT_MS)  # names arrive from the directory after the form
    names = readers.evaluate_all("(nodes) => nodes.map((node) => node.parentElement.textContent)")
    assert any("Okafor" in name for name in names) and not any(okafor_id in name for name in names), names
    for index in range(readers.count()):
        readers.nth(index).check()
    form.get_by_test_id("consult-open-submit").click()
    chen_card = page.locator("[data-testid=consult-round]", has_text=question)
    chen_card.get_by_test_id("consult-read-form").wait_for(timeout=WAIT_MS)
    round_id = chen_card.get_attribute("data-round-id")

    # Dr. Chen reads; afterwards he sees his read (the only one in).
    _read(page, chen_card, "psoriasis", "L40.0", "3", chen_treatment)
    chen_card.locator("[data-testid=consult-read][data-code='L40.0']").wait_for(timeout=WAIT_MS)

    # Dr. Okafor finds the round on his home page, by who asks and whose case, and opens it from there.
    okafor = Session(browser, stack, DR_OKAFOR.username, DR_OKAFOR.password, **DESK)
    other = okafor.page
    other.goto(f"{stack.base_url}/doctor")
    waiting = other.locator(f"[data-testid=awaiting-item][data-round-id='{round_id}']")
    waiting.wait_for(timeout=WAIT_MS)
    assert "Chen" in waiting.inner_text() and question in waiting.inner_text()
    assert chen_treatment not in other.get_by_test_id("awaiting-reads").inner_text()
    waiting.get_by_test_id("awaiting-open").click()
    other.wait_for_url(f"**/cases/{case_id}#round-{round_id}", timeout=WAIT_MS)
    # Dr. Okafor: his own form only; nothing of Dr. Chen's read, not even that it exists.
    okafor_card = other.locator(f"[data-testid=consult-round][data-round-id='{round_id}']")
    okafor_card.get_by_test_id("consult-read-form").wait_for(timeout=WAIT_MS)
    # The link lands on the round itself: it has the focus, so the keyboard starts there.
    other.wait_for_function(f"() => document.activeElement?.dataset?.roundId === '{round_id}'", timeout=WAIT_MS)
    assert okafor_card.get_by_test_id("consult-reads").count() == 0
    assert okafor_card.get_by_test_id("consult-readers").count() == 0
    assert chen_treatment not in other.content()
    assert violations(other) == []  # the blinded form meets WCAG 2.1 AA like every page
    refused = requests.get(f"{stack.api_url}/cases/{case_id}/consultations/{round_id}/reads",
                           headers={"Authorization": f"Bearer {okafor_token}"}, timeout=30)
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "read_first")

    _read(other, okafor_card, "atopic dermatitis", "L20.9", "2", okafor_treatment)
    okafor_card.get_by_test_id("consult-read").nth(1).wait_for(timeout=WAIT_MS)
    assert chen_treatment in okafor_card.get_by_test_id("consult-reads").inner_text()
    assert "diagnosis 0%" in okafor_card.get_by_test_id("consult-agreement").inner_text()
    other.goto(f"{stack.base_url}/doctor")  # read: the round has left his home page's list
    other.get_by_test_id("awaiting-reads").wait_for(timeout=WAIT_MS)
    other.wait_for_function("() => !!document.querySelector('[data-testid=awaiting-reads] .empty')", timeout=WAIT_MS)
    assert other.locator(f"[data-testid=awaiting-item][data-round-id='{round_id}']").count() == 0

    # Dr. Chen closes with the consensus; it becomes a diagnosis entry in the record.
    page.get_by_test_id("consult-refresh").click()
    close = chen_card.get_by_test_id("consult-close-form")
    close.wait_for(timeout=WAIT_MS)
    close.locator("[data-testid=icd10-picked][data-code='L40.0']").wait_for(timeout=WAIT_MS)
    close.get_by_test_id("consult-close-plan").fill(f"Topical step-up, review in 4 weeks {mark}")
    close.get_by_test_id("consult-close-submit").click()
    consensus = chen_card.get_by_test_id("consult-consensus")
    consensus.wait_for(timeout=WAIT_MS)
    assert consensus.get_attribute("data-code") == "L40.0"
    entry_id = consensus.get_by_test_id("consult-record-link").get_attribute("data-entry-id")
    entry = page.locator(f"[data-testid=record-entry][data-entry-id='{entry_id}']")
    entry.wait_for(timeout=WAIT_MS)
    assert "L40.0" in entry.inner_text() and mark in entry.inner_text()
    assert violations(page) == []  # the closed round: reads, agreement, consensus
    chen.close()
    okafor.close()


def test_a_link_to_a_round_older_than_the_newest_twenty_lands_on_it(stack: LocalStack, browser: Any) -> None:
    """The case page lists the 20 newest rounds; a link to an older one (from the home page, or pasted
    by a colleague) still shows that round, first, and gives it the focus."""
    chen_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    chen_id = api(stack, "GET", "/me", chen_token)["userId"]
    case_id = str(api(stack, "GET", "/cases", token_of(stack, PAT_ALEX.username, PAT_ALEX.password))["items"][0]
                  ["caseId"])
    mark = str(int(time.time() * 1000) % 10_000_000)
    opened = []
    for n in range(21):  # the oldest, then 20 newer: read at once, so none waits on Dr. Chen's home page
        round_id = api(stack, "POST", f"/cases/{case_id}/consultations", chen_token,
                       {"question": f"Round {n} of the paging check {mark}", "readerIds": [chen_id]})["roundId"]
        api(stack, "POST", f"/cases/{case_id}/consultations/{round_id}/reads", chen_token,
            {"code": "L40.0", "label": "Psoriasis vulgaris", "iga": 2, "treatment": "Emollients", "confidence": 3})
        opened.append(round_id)
    oldest = opened[0]
    chen = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    page = chen.page
    page.goto(f"{stack.base_url}/cases/{case_id}#round-{oldest}")
    linked = page.get_by_test_id("consult-linked-round")
    linked.wait_for(timeout=WAIT_MS)
    card = linked.locator(f"[data-testid=consult-round][data-round-id='{oldest}']")
    assert f"Round 0 of the paging check {mark}" in card.inner_text()
    page.wait_for_function(f"() => document.activeElement?.dataset?.roundId === '{oldest}'", timeout=WAIT_MS)
    # It is not in the page of newest, which still holds 20, the newest first.
    listed = page.locator("[data-testid=consult-rounds] > [data-testid=consult-round]")
    assert listed.count() == 20 and listed.first.get_attribute("data-round-id") == opened[-1]
    # A link to a round on the page shows no second copy.
    page.goto(f"{stack.base_url}/cases/{case_id}#round-{opened[-1]}")
    page.wait_for_function(f"() => document.activeElement?.dataset?.roundId === '{opened[-1]}'", timeout=WAIT_MS)
    assert page.get_by_test_id("consult-linked-round").count() == 0
    chen.close()
