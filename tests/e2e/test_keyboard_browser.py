"""The sign-in, the medical record and the photo flows by keyboard alone, in Chromium against the local
stack: Tab, Shift+Tab, Enter, Escape, arrow keys and typing, never a click, and never a field filled
that the keyboard has not reached (the gallery's file input is reached by Tab, then given its file, as
the file chooser is the operating system's). Wherever the focus lands it must be visible (the element
matches `:focus-visible` and draws the focus ring, or its label does for a visually hidden input), and
it must never fall back to the document when a page, a form or a dialog changes."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, PHONE, VERDICT_MS, WAIT_MS, api, textured_jpeg, token_of

pytestmark = pytest.mark.browser

# Stops before the farthest control reached (the record's buttons, after the body map: one stop per
# figure, where each of its 56 sites used to be one).
MOST_TABS = 60

# Where the focus is, and whether a person sees it: the element matches :focus-visible and draws the
# ring (an outline; the body map's sites draw it as their stroke); a visually hidden input shows it on
# its label (:focus-within).
FOCUS = """() => {
  const el = document.activeElement;
  if (el === null || el === document.body) return { where: 'document', visible: false };
  const ring = (style) => style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const style = getComputedStyle(el);
  let shown = ring(style);
  if (!shown && el instanceof SVGElement) shown = style.stroke === 'rgb(242, 169, 0)';
  if (!shown && el.getBoundingClientRect().width <= 1) {
    const label = el.closest('label');
    shown = label !== null && ring(getComputedStyle(label));
  }
  return {
    where: `${el.tagName.toLowerCase()}[${el.dataset.testid || el.getAttribute('href') || el.id || ''}]`,
    testid: el.dataset.testid || null,
    visible: el.matches(':focus-visible') && shown,
  };
}"""


def focus(page: Any) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(FOCUS)
    return found


def press(page: Any, key: str) -> dict[str, Any]:
    """One key; the focus must stay on the page and be visible wherever it goes."""
    page.keyboard.press(key)
    where = focus(page)
    assert where["where"] != "document", f"{key} dropped the focus to the document"
    assert where["visible"], f"after {key} the focus on {where['where']} is not visible"
    return where


def tab_to(page: Any, selector: str, key: str = "Tab", most: int = MOST_TABS) -> list[str]:
    """Tab (or Shift+Tab) until the focus is on `selector`; every stop on the way shows its focus."""
    path: list[str] = []
    for _ in range(most):
        path.append(press(page, key)["where"])
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return path
    raise AssertionError(f"{selector} is not reachable by {key} in {most} presses: {path[-30:]}")


def focused_on(page: Any, selector: str) -> bool:
    return bool(page.evaluate("(selector) => document.activeElement?.matches(selector) ?? false", selector))


def sign_in(page: Any, stack: LocalStack, username: str, password: str) -> None:
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").wait_for(timeout=WAIT_MS)
    tab_to(page, "[data-testid=login-username]")
    page.keyboard.type(username)
    tab_to(page, "[data-testid=login-password]")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.get_by_test_id("whoami").wait_for(timeout=WAIT_MS)
    # The sign-in form is gone: the focus is on the new page's heading, not lost to the document.
    page.wait_for_function("() => document.activeElement?.tagName === 'H1'", timeout=WAIT_MS)
    assert focus(page)["visible"], focus(page)


@pytest.fixture(scope="module")
def case_id(stack: LocalStack) -> str:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    return str(api(stack, "GET", "/cases", token)["items"][0]["caseId"])


def test_a_doctor_signs_in_opens_a_case_and_writes_a_record_entry_by_keyboard(
    stack: LocalStack, browser: Any, case_id: str
) -> None:
    context = browser.new_context(**DESK)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, stack, DR_CHEN.username, DR_CHEN.password)
    assert page.url.endswith("/doctor")

    # The case, from the home page's list: Tab to its link, Enter.
    page.get_by_test_id("case-item").first.wait_for(timeout=WAIT_MS)
    tab_to(page, f"a[href='/cases/{case_id}']")
    page.keyboard.press("Enter")
    page.get_by_test_id("case-detail").wait_for(timeout=WAIT_MS)
    page.wait_for_function("() => document.activeElement?.tagName === 'H1'", timeout=WAIT_MS)
    assert focus(page)["visible"]

    # The body map is one stop per figure; the arrow keys move between its sites.
    page.get_by_test_id("record-section").wait_for(timeout=WAIT_MS)
    first = tab_to(page, "[data-testid^=body-site-front-]")[-1]
    moved = press(page, "ArrowRight")
    assert moved["testid"].startswith("body-site-front-") and moved["where"] != first, moved
    assert press(page, "ArrowLeft")["where"] == first

    # A new encounter note: the form opens with the focus in its first field.
    path = tab_to(page, "[data-testid=record-new-note]")
    assert len([stop for stop in path if stop.startswith(("rect[", "ellipse["))]) <= 1, path  # the back figure
    page.keyboard.press("Enter")
    page.get_by_test_id("record-form").wait_for(timeout=WAIT_MS)
    assert focused_on(page, "[data-testid=record-field-subjective]"), focus(page)
    mark = f"Itch worse at night, by keyboard {int(time.time() * 1000) % 10_000_000}"
    page.keyboard.type(mark)

    # Cancel with text typed asks first: the question takes the focus; Escape stays, and the focus is
    # back on Cancel; Shift+Tab reaches Save.
    tab_to(page, "[data-testid=record-cancel]")
    page.keyboard.press("Enter")
    page.get_by_test_id("leave-dialog").wait_for(timeout=WAIT_MS)
    assert focused_on(page, "[data-testid=leave-stay]") and focus(page)["visible"], focus(page)
    # The question is modal: Tab and Shift+Tab go round its two answers and never reach the page behind.
    stops = [press(page, key)["testid"] for key in ("Tab", "Tab", "Tab", "Shift+Tab", "Shift+Tab", "Shift+Tab")]
    assert stops == ["leave-discard", "leave-stay", "leave-discard", "leave-stay", "leave-discard", "leave-stay"], stops
    page.keyboard.press("Escape")
    page.get_by_test_id("leave-dialog").wait_for(state="detached", timeout=WAIT_MS)
    page.wait_for_function("() => document.activeElement?.dataset?.testid === 'record-cancel'", timeout=WAIT_MS)
    assert focus(page)["visible"]
    assert page.get_by_test_id("record-field-subjective").input_value() == mark  # nothing was lost
    tab_to(page, "[data-testid=record-save]", key="Shift+Tab", most=10)
    page.keyboard.press("Enter")

    # Saved: the entry is in the record, and the focus is back on the button that opened the form.
    entry = page.locator("[data-testid=record-entry][data-kind=note]", has_text=mark)
    entry.wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("record-form").count() == 0
    page.wait_for_function("() => document.activeElement?.dataset?.testid === 'record-new-note'", timeout=WAIT_MS)
    assert focus(page)["visible"]
    token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    notes = api(stack, "GET", f"/cases/{case_id}/records?kind=note&limit=20", token)["items"]
    assert any(note["content"].get("subjective") == mark for note in notes)
    context.close()
    assert errors == [], errors


def test_a_patient_signs_in_and_sends_a_photo_by_keyboard(stack: LocalStack, browser: Any, case_id: str) -> None:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, stack, PAT_ALEX.username, PAT_ALEX.password)
    assert page.url.endswith("/patient")

    page.get_by_test_id("case-item").first.wait_for(timeout=WAIT_MS)
    tab_to(page, f"a[href='/cases/{case_id}']")
    page.keyboard.press("Enter")
    page.get_by_test_id("case-detail").wait_for(timeout=WAIT_MS)

    # The case's sections are tabs: one stop, the arrow keys move between them.
    tab_to(page, "[role=tab][aria-selected=true]")
    for _ in range(5):
        if focused_on(page, "[data-testid=case-tab-photos]"):
            break
        press(page, "ArrowRight")
    assert page.get_by_test_id("case-tab-photos").get_attribute("aria-selected") == "true"
    page.get_by_test_id("photos-panel").wait_for(timeout=WAIT_MS)

    # The body site, with the arrow keys on its list; then Tab to the gallery's file input.
    tab_to(page, "[data-testid=photo-site]")
    for _ in range(40):
        if page.get_by_test_id("photo-site").input_value() == "elbow_left":
            break
        press(page, "ArrowDown")
    assert page.get_by_test_id("photo-site").input_value() == "elbow_left"
    tab_to(page, "[data-testid=photo-input-gallery]", most=10)
    page.get_by_test_id("photo-input-gallery").set_input_files(
        files=[{"name": "elbow.jpg", "mimeType": "image/jpeg", "buffer": textured_jpeg(1200, 900)}])

    # The verdict: accepted, and the focus follows the capture to its status, never to the document.
    status = page.locator("[data-testid=photo-upload-status]")
    status.wait_for(timeout=VERDICT_MS)
    assert status.get_attribute("data-outcome") == "accepted", status.inner_text()
    photo_id = status.get_attribute("data-photo-id")
    assert focused_on(page, "[data-testid=photo-capture-status]") and focus(page)["visible"], focus(page)

    # The new photo opens in its viewer (a dialog that takes the focus); Escape closes it and the focus
    # is back on the photo.
    tile = f"[data-testid=photo-item][data-photo-id='{photo_id}'] button"
    page.locator(tile).wait_for(timeout=WAIT_MS)
    tab_to(page, tile)
    page.keyboard.press("Enter")
    page.get_by_test_id("photo-viewer").wait_for(timeout=WAIT_MS)
    assert focused_on(page, "[data-testid=photo-viewer-close]") and focus(page)["visible"], focus(page)
    page.keyboard.press("Escape")
    page.get_by_test_id("photo-viewer").wait_for(state="detached", timeout=WAIT_MS)
    page.wait_for_function("(tile) => document.activeElement?.matches(tile)", arg=tile, timeout=WAIT_MS)
    assert focus(page)["visible"]
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    photos = api(stack, "GET", f"/cases/{case_id}/photos?limit=50", token)["items"]
    assert any(photo["photoId"] == photo_id for photo in photos)
    context.close()
    assert errors == [], errors
