"""Case tracking in a real browser against the local stack: the body map, photo uploads through the
browser quality gate and the server's verdict, comparison, scores with meaningful-change flags, and
the timeline. The SPA is the built one (`cd web && npm run build`) served by the stack."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from PIL import Image

from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.browser import chromium
from tests.e2e.clips import write_picture_clip
from tests.support.images import skin_closeup

pytestmark = pytest.mark.browser

WEB_DIST = Path(__file__).resolve().parents[2] / "web" / "dist" / "index.html"
WAIT_MS = 20_000
VERDICT_MS = 45_000
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESK = {"viewport": {"width": 1440, "height": 900}}


def textured_jpeg(width: int, height: int) -> bytes:
    """Skin-coloured with fine noise: sharp enough for the blur gate, well exposed."""
    base = Image.new("RGB", (width, height), (205, 160, 140))
    noise = Image.effect_noise((width, height), 60).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(base, noise, 0.35).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def skin_picture(width: int, height: int) -> Any:
    """Sharp skin with darker spots: what the live camera shows (clearly passes the photo gate)."""
    return Image.open(io.BytesIO(skin_closeup(width, height)))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    if not WEB_DIST.is_file():
        raise AssertionError("web/dist is missing: run `npm run build` in web/ before the browser tests.")
    # The fake camera plays a known picture: Chromium's default fake camera draws whatever a given
    # build draws (one build's frames were judged blurred by the server).
    clip = write_picture_clip(tmp_path_factory.mktemp("camera") / "skin.y4m", skin_picture(1280, 960))
    with chromium([f"--use-file-for-fake-video-capture={clip}"]) as launched:
        yield launched


def api(stack: LocalStack, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = requests.request(method, stack.api_url + path, json=body, headers=headers, timeout=30)
    assert response.status_code < 400, (method, path, response.status_code, response.text)
    return response.json() if response.content else None


def token_of(stack: LocalStack, username: str, password: str) -> str:
    return str(api(stack, "POST", "/auth/login", body={"username": username, "password": password})["accessToken"])


@pytest.fixture(scope="module")
def case_id(stack: LocalStack) -> str:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    return str(api(stack, "GET", "/cases", token)["items"][0]["caseId"])


class Session:
    """A signed-in page that fails the test on any uncaught script error."""

    def __init__(self, browser: Any, stack: LocalStack, username: str, password: str, **context: Any) -> None:
        self.stack = stack
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(stack.base_url + "/")
        self.page.get_by_test_id("login-username").fill(username)
        self.page.get_by_test_id("login-password").fill(password)
        self.page.get_by_test_id("login-submit").click()
        self.page.get_by_test_id("whoami").wait_for(timeout=WAIT_MS)

    def open_case(self, case_id: str, tab: str) -> Any:
        self.page.goto(f"{self.stack.base_url}/cases/{case_id}?tab={tab}")
        self.page.get_by_test_id(f"case-panel-{tab}").wait_for(timeout=WAIT_MS)
        return self.page

    def close(self) -> None:
        self.context.close()
        assert self.errors == [], self.errors


def test_patient_maps_a_site_uploads_photos_and_compares_them(stack: LocalStack, browser: Any, case_id: str) -> None:
    patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, permissions=["camera"], **PHONE)
    page = patient.page
    upload_requests: list[str] = []
    page.on("request", lambda request: upload_requests.append(request.url)
            if request.method == "POST" and request.url.endswith("/photos/uploads") else None)

    # From the home page into the case, onto the body map.
    page.get_by_test_id("case-item").first.click()
    page.get_by_test_id("case-detail").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("case-tab-body").click()
    page.get_by_test_id("body-site-front-elbow_left").click()
    assert page.get_by_test_id("body-map-selected-site").inner_text() == "Left elbow"
    label = f"Elbow plaque {int(time.time() * 1000) % 100000}"
    page.get_by_test_id("lesion-label").fill(label)
    page.get_by_test_id("lesion-add").click()
    page.get_by_test_id("body-map-selected-lesion").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("body-map-selected-lesion").inner_text() == label
    pin = page.locator("[data-testid=lesion-pin][data-lesion-id]").last
    pin.wait_for(timeout=WAIT_MS)

    # Photograph it: the camera input takes a textured 1200 x 900 JPEG; the server accepts it.
    page.get_by_test_id("body-map-to-photos").click()
    page.get_by_test_id("photos-panel").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("photo-site").input_value() == "elbow_left"
    page.get_by_test_id("photo-input-camera").set_input_files(
        files=[{"name": "elbow.jpg", "mimeType": "image/jpeg", "buffer": textured_jpeg(1200, 900)}]
    )
    first_photo = accepted_photo(page)
    assert first_photo
    page.locator(f"[data-testid=photo-item][data-photo-id='{first_photo}']").wait_for(timeout=WAIT_MS)
    assert len(upload_requests) == 1

    # A photo under 800 x 600 is refused in the browser, with the reason, and never uploaded.
    page.get_by_test_id("photo-input-gallery").set_input_files(
        files=[{"name": "small.jpg", "mimeType": "image/jpeg", "buffer": textured_jpeg(400, 300)}]
    )
    refusal = page.get_by_test_id("photo-gate-message")
    refusal.wait_for(timeout=WAIT_MS)
    assert refusal.get_attribute("data-code") == "too_small"
    assert "400 x 300" in refusal.inner_text() and "800 x 600" in refusal.inner_text()
    assert len(upload_requests) == 1

    # A second photo of the same spot, from the gallery, for the comparison.
    page.get_by_test_id("photo-input-gallery").set_input_files(
        files=[{"name": "elbow-later.jpg", "mimeType": "image/jpeg", "buffer": textured_jpeg(1200, 900)}]
    )
    second_photo = accepted_photo(page, after=first_photo)
    assert second_photo and second_photo != first_photo
    assert len(upload_requests) == 2

    # Compare: the spot's two photos side by side and overlaid; the slider sets the overlay's opacity.
    page.get_by_test_id("case-tab-compare").click()
    page.get_by_test_id("compare-side-by-side").wait_for(timeout=WAIT_MS)
    shown = page.get_by_test_id("compare-photo")
    assert shown.count() == 2
    assert {shown.nth(0).get_attribute("data-photo-id"), shown.nth(1).get_attribute("data-photo-id")} == {
        first_photo, second_photo,
    }
    assert page.get_by_test_id("compare-date").count() == 2
    top = page.get_by_test_id("compare-overlay-top")
    assert _opacity(top) == pytest.approx(0.5)
    page.get_by_test_id("compare-opacity").fill("20")
    page.wait_for_function(
        "() => getComputedStyle(document.querySelector('[data-testid=compare-overlay-top]')).opacity === '0.2'",
        timeout=WAIT_MS,
    )
    # Both images really loaded through their short-lived presigned URLs.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-testid=compare-photo] img')]"
        ".every((img) => img.complete && img.naturalWidth > 0)",
        timeout=WAIT_MS,
    )
    src = shown.nth(0).locator("img").get_attribute("src") or ""
    assert "/s3/" in src and re.search(r"(X-Amz-Expires|Expires)=", src), src

    # The live camera (Chromium's fake device playing the skin clip) shows the spot's last photo as a
    # framing guide, and its capture passes both gates.
    page.get_by_test_id("case-tab-photos").click()
    page.get_by_test_id("photo-live-start").click()
    ghost = page.get_by_test_id("ghost-overlay")
    ghost.wait_for(timeout=WAIT_MS)
    assert second_photo in (ghost.get_attribute("src") or "")
    page.get_by_test_id("ghost-opacity").fill("60")
    assert _opacity(ghost) == pytest.approx(0.6)
    page.wait_for_function("() => !document.querySelector('[data-testid=live-capture]').disabled", timeout=WAIT_MS)
    page.get_by_test_id("live-capture").click()
    accepted_photo(page, after=second_photo)
    assert page.get_by_test_id("photo-gate-notice").count() == 0  # not even close to a limit
    assert len(upload_requests) == 3
    patient.close()


def accepted_photo(page: Any, after: str | None = None) -> str:
    """Waits for the server's verdict on the next upload (not the one of photo `after`) and returns the
    accepted photo's id; a refusal fails at once with the server's reason."""
    status = page.locator("[data-testid=photo-upload-status]" + (f":not([data-photo-id='{after}'])" if after else ""))
    status.wait_for(timeout=VERDICT_MS)
    outcome = status.get_attribute("data-outcome")
    assert outcome == "accepted", (outcome, status.get_attribute("data-code"), status.inner_text())
    photo_id = status.get_attribute("data-photo-id")
    assert photo_id
    return str(photo_id)


def _opacity(locator: Any) -> float:
    return float(locator.evaluate("(element) => getComputedStyle(element).opacity"))


def _answer_dlqi(page: Any, answers: dict[int, str]) -> None:
    """Answers all ten questions: those in `answers` as given, the others "not at all" (item 7: no)."""
    for number in range(1, 11):
        key = answers.get(number, "no-0" if number == 7 else "0")
        page.get_by_test_id(f"dlqi-{number}-{key}").click()


def test_scores_show_the_server_total_the_mcid_flag_and_the_trend(
    stack: LocalStack, browser: Any, case_id: str
) -> None:
    # The doctor records a PASI at the desk; the preview and the server's total agree.
    doctor = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    page = doctor.open_case(case_id, "scores")
    assert page.get_by_test_id("score-instrument").input_value() == "PASI"
    page.get_by_test_id("pasi-trunk-erythema").select_option("3")
    page.get_by_test_id("pasi-trunk-induration").select_option("2")
    page.get_by_test_id("pasi-trunk-desquamation").select_option("2")
    page.get_by_test_id("pasi-trunk-area").select_option("4")
    page.get_by_test_id("pasi-lowerLimbs-erythema").select_option("2")
    page.get_by_test_id("pasi-lowerLimbs-area").select_option("2")
    # Trunk 7 x area 4 x 0.3 + lower limbs 2 x area 2 x 0.4.
    assert "Total (preview): 10 / 72" in page.get_by_test_id("score-preview-total").inner_text()
    page.get_by_test_id("score-submit").click()
    page.get_by_test_id("score-result").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("score-result-total").inner_text() == "10"
    page.locator("[data-testid=score-trend][data-instrument=PASI]").wait_for(timeout=WAIT_MS)
    doctor.close()

    # The patient answers the DLQI twice; the second total is 6 lower: a meaningful improvement.
    patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, **PHONE)
    page = patient.open_case(case_id, "scores")
    assert page.get_by_test_id("score-instrument").input_value() == "DLQI"
    assert page.locator("[data-testid=score-instrument] option[value=PASI]").count() == 0
    # The questions are topics; the form says the validated wording is the authors' licensed text.
    assert "Finlay and Khan" in page.get_by_test_id("instrument-wording").inner_text()
    _answer_dlqi(page, {1: "2", 2: "2", 3: "2", 4: "2", 5: "2"})
    assert "Total (preview): 10 / 30" in page.get_by_test_id("score-preview-total").inner_text()
    page.get_by_test_id("score-submit").click()
    page.get_by_test_id("score-result").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("score-result-total").inner_text() == "10"

    _answer_dlqi(page, {1: "2", 2: "2"})
    assert "Total (preview): 4 / 30" in page.get_by_test_id("score-preview-total").inner_text()
    page.get_by_test_id("score-submit").click()
    page.locator("[data-testid=score-result-total]:text-is('4')").wait_for(timeout=WAIT_MS)
    flag = page.locator("[data-testid=score-flag][data-code=mcid_improved]")
    flag.wait_for(timeout=WAIT_MS)
    assert "improved by 6" in flag.inner_text()
    assert page.get_by_test_id("score-result-delta").inner_text().strip().startswith("· -6")
    trend = page.locator("[data-testid=score-trend][data-instrument=DLQI]")
    trend.locator("[data-testid=score-trend-flag]").first.wait_for(timeout=WAIT_MS)
    patient.close()


def send_photo(stack: LocalStack, token: str, case_id: str, body_site: str, data: bytes | None = None,
               **facts: str) -> str:
    """A photo through the API and the presigned POST (as another device would), accepted; `facts` add
    to the upload intent (lesionId, capturedAt)."""
    data = textured_jpeg(1200, 900) if data is None else data
    intent = api(stack, "POST", f"/cases/{case_id}/photos/uploads", token,
                 {"bodySite": body_site, "contentType": "image/jpeg", "sizeBytes": len(data), "source": "gallery",
                  **facts})
    upload = intent["upload"]
    posted = requests.post(upload["url"], data=upload["fields"],
                           files={upload["fileField"]: ("photo.jpg", data, "image/jpeg")}, timeout=30)
    assert posted.status_code in (200, 201, 204), posted.text
    deadline = time.monotonic() + VERDICT_MS / 1000
    while time.monotonic() < deadline:
        status = api(stack, "GET", f"/cases/{case_id}/photos/uploads/{intent['photoId']}", token)
        if status["status"] == "accepted":
            return str(intent["photoId"])
        assert status["status"] != "rejected", status
        time.sleep(0.3)
    raise AssertionError("no verdict for the photo")


def test_timeline_shows_photo_and_score_events_newest_first(stack: LocalStack, browser: Any, case_id: str) -> None:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    photo_id = send_photo(stack, token, case_id, "knee_right")
    time.sleep(1.1)  # the timeline orders by the second: keep the two events apart
    itch = {"instrument": "ITCH_NRS", "components": {"score": 5}}
    score = api(stack, "POST", f"/cases/{case_id}/scores", token, itch)

    patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, **PHONE)
    page = patient.open_case(case_id, "timeline")
    items = page.get_by_test_id("timeline-item")
    page.locator(f"[data-testid=timeline-item][data-ref-id='{photo_id}']").wait_for(timeout=WAIT_MS)
    events = items.evaluate_all(
        "(nodes) => nodes.map((node) => [node.dataset.type, node.dataset.refId, node.dataset.occurredAt])"
    )
    refs = [ref for _, ref, _ in events]
    assert events[0][:2] == ["score", score["scoreId"]], events[:3]
    assert refs.index(score["scoreId"]) < refs.index(photo_id)
    times = [occurred for _, _, occurred in events]
    assert times == sorted(times, reverse=True), times
    assert {"photo", "score"} <= {kind for kind, _, _ in events}
    assert "Right knee" in page.locator(f"[data-testid=timeline-item][data-ref-id='{photo_id}']").inner_text()

    # Older events come a page at a time ("load more" follows the cursor) when there are more.
    if page.get_by_test_id("timeline-load-more").count() > 0:
        before = items.count()
        page.get_by_test_id("timeline-load-more").click()
        page.wait_for_function(
            f"() => document.querySelectorAll('[data-testid=timeline-item]').length > {before}", timeout=WAIT_MS
        )
    patient.close()


def test_patient_removes_a_photo_sent_by_mistake(stack: LocalStack, browser: Any, case_id: str) -> None:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    photo_id = send_photo(stack, token, case_id, "knee_left")
    patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, **PHONE)
    page = patient.open_case(case_id, "photos")
    tile = page.locator(f"[data-testid=photo-item][data-photo-id='{photo_id}']")
    tile.locator("button").click()
    page.get_by_test_id("photo-viewer").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("photo-remove").click()
    page.get_by_test_id("photo-remove-reason").select_option("duplicate")
    page.get_by_test_id("photo-remove-yes").click()
    tile.wait_for(state="detached", timeout=WAIT_MS)
    assert page.get_by_test_id("photo-viewer").count() == 0

    gone = requests.get(f"{stack.api_url}/cases/{case_id}/photos/{photo_id}",
                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert (gone.status_code, gone.json()["error"]["code"]) == (404, "photo_not_found")
    page = patient.open_case(case_id, "timeline")
    event = page.locator(f"[data-testid=timeline-item][data-ref-id='{photo_id}']")
    event.wait_for(timeout=WAIT_MS)
    assert "removed (duplicate)" in event.inner_text()
    patient.close()
