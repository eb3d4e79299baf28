"""A whole video visit in two real Chromium browsers (fake camera and microphone) through the local stack.

The patient (phone-sized page) asks for a visit, the doctor (desk-sized page) admits it from the live
waiting room; both see the other's picture (colours checked pixel by pixel against the known clips);
chat goes both ways over the DataChannel; the doctor asks for a lesion still, the patient's app takes it
at full camera resolution and it appears in the case; DevTools network emulation makes the patient's
network lossy (indicator turns poor, the adaptation policy lowers the sender's bitrate, read from
getStats) and then cuts it for 3 s (frames flow again without a reload); the doctor hangs up and the
consultation record is saved with both sides' quality reports. Chromium that cannot start FAILS the test.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.browser import chromium
from tests.e2e.video_call import (
    CYAN,
    MAGENTA,
    PATIENT_CLIP,
    Side,
    colour_close,
    console_on_failure,
    dump,
    frames_after,
    open_sides,
    require_built_app,
    sign_in,
    wait_until,
    write_clips,
)

pytestmark = pytest.mark.browser

STILL_SITE = "elbow_left"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_clips(tmp_path_factory.mktemp("clips"))


@pytest.fixture
def sides(clips: tuple[Path, Path]) -> Iterator[tuple[Side, Side]]:
    require_built_app()
    patient_clip, doctor_clip = clips
    with open_sides(patient_clip, doctor_clip) as pair:
        yield pair


def api(stack: LocalStack, method: str, path: str, token: str, body: Any = None) -> Any:
    response = requests.request(method, stack.api_url + path, json=body, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code < 400, (path, response.status_code, response.text)
    return response.json()


def token_of(stack: LocalStack, username: str, password: str) -> str:
    response = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": password},
                             timeout=30)
    assert response.status_code == 200, response.text
    return str(response.json()["accessToken"])


def close_open_visit(stack: LocalStack, token: str, case_id: str) -> None:
    """The stack is shared with other e2e tests: start from a case without an open visit. (Asking for a
    visit returns the open one if there is one; end or cancel it.)"""
    visit = api(stack, "POST", "/visits", token, {"caseId": case_id})
    verb = "end" if visit["status"] == "active" else "cancel"
    api(stack, "POST", f"/visits/{visit['roomId']}/{verb}", token, {})


def quality_of(side: Side) -> str:
    return str(side.page.get_by_test_id("call-quality").get_attribute("data-quality"))


def test_video_visit_end_to_end(stack: LocalStack, sides: tuple[Side, Side]) -> None:
    patient, doctor = sides
    with console_on_failure(patient=patient, doctor=doctor):
        visit(stack, patient, doctor)


def visit(stack: LocalStack, patient: Side, doctor: Side) -> None:
    patient_token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = api(stack, "GET", "/cases", patient_token)["items"][0]["caseId"]
    close_open_visit(stack, patient_token, case_id)

    # --- patient: case -> pre-call check -> ask; doctor: live waiting room -> admit ----------------------
    sign_in(patient.page, stack.base_url, PAT_ALEX, "home-patient")
    sign_in(doctor.page, stack.base_url, DR_CHEN, "home-doctor")
    doctor.page.get_by_test_id("open-visit-queue").click()
    doctor.page.get_by_test_id("visit-queue-page").wait_for(timeout=15000)

    patient.page.get_by_test_id("case-item").first.click()
    patient.page.get_by_test_id("start-visit").click()
    patient.page.locator('[data-testid="precall-camera"][data-status="ok"]').wait_for(timeout=15000)
    patient.page.locator('[data-testid="precall-mic"][data-status="ok"]').wait_for(timeout=15000)
    patient.page.get_by_test_id("visit-request").click()
    patient.page.get_by_test_id("waiting-room").wait_for(timeout=15000)
    assert "next" in patient.page.get_by_test_id("waiting-position").inner_text().lower()

    # Arrives live (visit.waiting), no reload: who (by name, from the user directory), which case, time waited.
    item = doctor.page.get_by_test_id("visit-queue-item").filter(has_text=PAT_ALEX.name)
    item.filter(has_text="psoriasis").first.wait_for(timeout=15000)
    assert item.first.get_by_test_id("visit-queue-waited").inner_text().strip().endswith("s")
    room_id = str(item.first.get_attribute("data-room-id"))
    item.first.get_by_test_id("visit-admit").click()

    # --- both see the other's known picture ---------------------------------------------------------------
    seen_by_doctor = wait_until(lambda: (c := doctor.remote_colour()) and colour_close(c["rgb"], MAGENTA) and c,
                                30, "the patient's magenta picture at the doctor")
    wait_until(lambda: (c := patient.remote_colour()) and colour_close(c["rgb"], CYAN), 30,
               "the doctor's cyan picture at the patient")
    assert seen_by_doctor["width"] >= 640, seen_by_doctor
    doctor.page.get_by_test_id("call-case-panel").wait_for(timeout=20000)  # the case beside the call
    assert patient.page.get_by_test_id("call-local-video").is_visible()  # self-view picture-in-picture

    # --- controls: mute shows on the other side; noise reduction switches off and on -------------------------------
    patient.page.get_by_test_id("call-mute").click()
    doctor.page.locator('[data-testid="call-remote"]', has_text="(muted)").wait_for(timeout=20000)
    patient.page.get_by_test_id("call-mute").click()
    noise = patient.page.get_by_test_id("call-noise")
    assert noise.get_attribute("aria-pressed") == "true", "noise reduction is on by default"
    noise.click()
    patient.page.locator('[data-testid="call-noise"][aria-pressed="false"]').wait_for(timeout=5000)
    noise.click()
    patient.page.locator('[data-testid="call-noise"][aria-pressed="true"]').wait_for(timeout=5000)

    # --- chat both ways -------------------------------------------------------------------------------------
    patient.page.get_by_test_id("call-chat-toggle").click()
    patient.page.get_by_test_id("call-chat-input").fill("Hello doctor, the left elbow itches.")
    patient.page.get_by_test_id("call-chat-send").click()
    doctor.page.get_by_test_id("call-chat-toggle").click()
    doctor.page.locator('[data-testid="call-chat-message"][data-from="them"]', has_text="left elbow itches").wait_for(
        timeout=20000)
    doctor.page.get_by_test_id("call-chat-input").fill("Thanks, please show me the elbow.")
    doctor.page.get_by_test_id("call-chat-send").click()
    patient.page.locator('[data-testid="call-chat-message"][data-from="them"]', has_text="show me the elbow").wait_for(
        timeout=20000)
    doctor.page.get_by_test_id("call-chat-toggle").click()
    patient.page.get_by_test_id("call-chat-toggle").click()

    # --- the doctor asks for a still; the patient's app takes it at full resolution ---------------------------
    doctor.page.get_by_test_id("call-capture").click()
    doctor.page.get_by_test_id("still-body-site").select_option(STILL_SITE)
    doctor.page.get_by_test_id("still-request").click()
    patient.page.get_by_test_id("still-prompt").wait_for(timeout=20000)
    patient.page.get_by_test_id("still-take-requested").click()
    doctor.page.locator('[data-testid="still-status"][data-status="accepted"]').wait_for(timeout=45000)
    doctor.page.locator('[data-testid="call-case-photo"][data-source="visit"]').first.wait_for(timeout=15000)
    photos = api(stack, "GET", f"/cases/{case_id}/photos?bodySite={STILL_SITE}", patient_token)["items"]
    still = next(photo for photo in photos if photo["source"] == "visit")
    assert still["capturedAt"] and still["bodySite"] == STILL_SITE, still
    # The camera's own resolution, not the (downscaled, compressed) call video.
    assert (still["width"], still["height"]) == PATIENT_CLIP, still
    doctor.page.get_by_test_id("call-capture").click()

    # --- a lossy network: indicator poor, the policy lowers the sender's bitrate ---------------------------------
    # A settled baseline first: the encoder's target ramps up over the first seconds of a call (and on a
    # loaded machine the policy may already have stepped down a rung for the frame rate).
    before = wait_until(lambda: (s := patient.stats()) and (s["maxBitrate"] or 0) >= 500_000
                        and (s["targetBitrate"] or 0) >= 0.9 * s["maxBitrate"] and s, 30,
                        "the patient's sender at its full (capped) rate")
    assert before["degradation"] == "maintain-resolution", before  # skin detail: frames go before pixels
    # 8% loss: enough for the policy and the indicator, yet under the 10% at which the congestion
    # controller itself cuts the rate, so the drop below is the policy's doing.
    patient.emulate(packetLoss=8)
    wait_until(lambda: quality_of(patient) == "poor", 30, "the patient's indicator to turn poor")
    patient.page.get_by_test_id("call-network-warning").wait_for(timeout=15000)
    lowered = wait_until(lambda: (s := patient.stats()) and s["maxBitrate"] is not None
                         and s["maxBitrate"] < before["maxBitrate"] and s, 30, "a lower maxBitrate on the sender")
    # The sender's bitrate, as getStats reports it (the encoder's target), follows the new cap. (The
    # bytes on the wire are no measure here: forward error correction grows with loss.)
    after = wait_until(lambda: (s := patient.stats()) and s["targetBitrate"] is not None
                       and s["targetBitrate"] <= 1.05 * s["maxBitrate"] and s, 15, "the encoder's target under the cap")
    assert after["targetBitrate"] < 0.8 * before["targetBitrate"], (before, after)
    assert after["active"] and lowered["active"], "video must go on at this loss (no audio-only fallback)"
    patient.emulate()  # the loss clears

    # --- a forced break of 3 s: the call comes back by itself, without a reload ------------------------------------
    time.sleep(1.0)
    patient.emulate(offline=True)
    time.sleep(3.0)
    patient.emulate()
    back_at = int(time.time() * 1000)
    wait_until(lambda: frames_after(doctor, back_at) >= 5 and frames_after(patient, back_at) >= 5, 20,
               "frames flowing again on both sides after the break")
    wait_until(lambda: (c := doctor.remote_colour()) and colour_close(c["rgb"], MAGENTA), 15,
               "the patient's picture back at the doctor")
    doctor.page.locator('[data-testid="call"][data-phase="connected"]').wait_for(timeout=20000)

    # --- a long outage (12 s): ICE goes disconnected and is restarted, the patient's dead socket is
    # replaced, and the call still comes back by itself -------------------------------------------------------------
    ufrags = (patient.remote_ufrag(), doctor.remote_ufrag())
    patient.emulate(offline=True)
    patient.page.get_by_test_id("call-reconnecting").wait_for(timeout=20000)
    time.sleep(12.0)
    patient.emulate()
    back_at = int(time.time() * 1000)
    wait_until(lambda: frames_after(doctor, back_at) >= 5 and frames_after(patient, back_at) >= 5, 25,
               "frames flowing again on both sides after the long outage")
    wait_until(lambda: patient.remote_ufrag() != ufrags[0] and doctor.remote_ufrag() != ufrags[1], 25,
               "an ICE restart (new ICE credentials on both sides)")
    doctor.page.locator('[data-testid="call"][data-phase="connected"]').wait_for(timeout=20000)
    patient.page.locator('[data-testid="call"][data-phase="connected"]').wait_for(timeout=20000)

    # --- the signaling sockets drop: both reconnect (new ticket, backoff) and resume the same room ----------------
    gateway = stack.ws
    assert gateway is not None
    dropped = set(gateway.connections)
    for connection_id in dropped:
        requests.delete(f"{stack.control_url}/_apigw/@connections/{connection_id}", timeout=10)
    wait_until(lambda: len(set(gateway.connections) - dropped) >= 2, 20, "both sides connected again")
    # Relays work in the room again: an ICE restart from the doctor's side renegotiates through it.
    ufrag = patient.remote_ufrag()
    doctor.page.evaluate("() => window.__df.pcs.filter((pc) => pc.connectionState !== 'closed').at(-1).restartIce()")
    wait_until(lambda: patient.remote_ufrag() not in (None, ufrag), 20, "the ICE restart to reach the patient")
    restarted_at = int(time.time() * 1000)
    wait_until(lambda: frames_after(doctor, restarted_at) >= 5 and frames_after(patient, restarted_at) >= 5, 20,
               "frames flowing after the restart")
    doctor.page.locator('[data-testid="call"][data-phase="connected"]').wait_for(timeout=20000)

    # --- an offer made while the other side's socket is down is not lost: the server says so, and it
    # goes again when they are back -------------------------------------------------------------------------
    assert patient.cdp is not None
    patient.cdp.send("Network.setBlockedURLs", {"urls": ["*/ws/tickets*"]})  # the patient cannot reconnect
    dropped = set(gateway.connections)
    for connection_id in dropped:
        requests.delete(f"{stack.control_url}/_apigw/@connections/{connection_id}", timeout=10)
    wait_until(lambda: len(set(gateway.connections) - dropped) >= 1, 20, "the doctor connected again")
    time.sleep(1.0)  # the doctor rejoins the room; the patient's place is empty
    ufrag = patient.remote_ufrag()
    doctor.page.evaluate("() => window.__df.pcs.filter((pc) => pc.connectionState !== 'closed').at(-1).restartIce()")
    wait_until(lambda: doctor.logged("lost: not in the visit (peer_not_found)"), 10,
               "the server to refuse the offer to an absent patient")
    assert patient.remote_ufrag() == ufrag, "nothing can have reached the patient yet"
    patient.cdp.send("Network.setBlockedURLs", {"urls": []})
    wait_until(lambda: patient.remote_ufrag() not in (None, ufrag), 30, "the lost offer to reach the patient")
    assert doctor.logged("re-offering"), "the doctor re-sent its lost offer"
    doctor.page.locator('[data-testid="call"][data-phase="connected"]').wait_for(timeout=20000)

    # --- hang up: devices released, the consultation record saved ------------------------------------------------
    doctor.page.get_by_test_id("call-hangup").click()
    doctor.page.get_by_test_id("call-ended").wait_for(timeout=15000)
    patient.page.get_by_test_id("call-ended").wait_for(timeout=15000)
    wait_until(doctor.tracks_ended, 5, "the doctor's camera and microphone released")
    wait_until(patient.tracks_ended, 5, "the patient's camera and microphone released")

    def record() -> dict[str, Any] | None:
        items = api(stack, "GET", f"/cases/{case_id}/visits", patient_token)["items"]
        match = next((visit for visit in items if visit["roomId"] == room_id), None)
        return match if match is not None and len(match["quality"]) == 2 else None

    saved = wait_until(record, 15, "the consultation record with both quality reports")
    assert saved["endReason"] == "completed", dump(saved)
    assert {p["role"] for p in saved["participants"]} == {"patient", "doctor"}, dump(saved)
    joins = [entry["userId"] for entry in saved["attendance"] if entry["event"] == "joined"]
    assert all(joins.count(p["participantId"]) >= 2 for p in saved["participants"]), dump(saved["attendance"])
    reports = list(saved["quality"].values())
    assert all(report["durationSeconds"] >= 1 for report in reports), dump(reports)
    assert "poor" in {report.get("worstQuality") for report in reports}, dump(reports)
    assert all(report["reconnects"] >= 1 for report in reports), dump(reports)

    # --- the patient rates the visit on the ended page; the case's doctor reads it in the history ------------------
    patient.page.get_by_test_id("rating-call-4").click()
    patient.page.get_by_test_id("rating-care-5").click()
    patient.page.get_by_test_id("rating-comment").fill("Clear advice, thank you")
    patient.page.get_by_test_id("rating-submit").click()
    patient.page.get_by_test_id("rating-thanks").wait_for(timeout=15000)
    doctor_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    ratings = api(stack, "GET", f"/cases/{case_id}/visit-ratings", doctor_token)["items"]
    assert [(r["roomId"], r["callQuality"], r["care"], r["comment"]) for r in ratings if r["roomId"] == room_id] == [
        (room_id, 4, 5, "Clear advice, thank you")]


def test_denied_camera_gets_specific_help(stack: LocalStack, clips: tuple[Path, Path]) -> None:
    """The browser refuses camera and microphone (the user said no): the pre-call check says so and how to fix it."""
    require_built_app()
    patient_clip, _ = clips
    flags = [f"--use-file-for-fake-video-capture={patient_clip}", "--use-fake-ui-for-media-stream=deny"]
    with chromium(flags) as browser:
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = context.new_page()
        sign_in(page, stack.base_url, PAT_ALEX, "home-patient")
        page.get_by_test_id("case-item").first.click()
        page.get_by_test_id("start-visit").click()
        help_box = page.locator('[data-testid="precall-help"][data-problem="denied"]')
        try:
            help_box.wait_for(timeout=15000)
        except Exception as error:
            visit_page = page.get_by_test_id("visit-page")
            shown = visit_page.inner_text() if visit_page.count() else page.url
            raise AssertionError(f"no 'camera not allowed' help; the page showed:\n{shown}") from error
        assert "not allowed" in help_box.inner_text().lower()
        assert page.locator('[data-testid="precall-camera"][data-status="error"]').count() == 1
        assert page.get_by_test_id("visit-request").is_disabled()
        page.get_by_test_id("precall-retry").wait_for()
        context.close()
