"""The rest of the doctor's workspace in a real browser against the local stack: a doctor opens a case
for a patient found by name, closes it (the patient's upload is refused in the app with the reason)
and reopens it; a patient reads their care plan (never the clinicians' note), sees past video visits
with the people by name and the call quality, and downloads all their data.
The SPA is the built one (`npm run build`)."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX, PAT_BLAIR
from local.stack import LocalStack
from tests.e2e.conftest import run
from tests.e2e.peers import Signaling
from tests.e2e.test_case_tracking_browser import DESK, PHONE, WAIT_MS, Session, api, textured_jpeg, token_of

pytestmark = pytest.mark.browser



def test_a_doctor_opens_a_case_closes_it_against_uploads_and_reopens_it(stack: LocalStack, browser: Any) -> None:
    mark = str(int(time.time() * 1000) % 10_000_000)
    condition = f"Contact dermatitis {mark}"
    doctor = Session(browser, stack, DR_OKAFOR.username, DR_OKAFOR.password, **DESK)
    page = doctor.page
    page.get_by_test_id("open-case").click()
    page.get_by_test_id("open-case-patient-search").fill("blair san")
    option = page.get_by_test_id("open-case-patient-option")
    option.first.wait_for(timeout=WAIT_MS)
    assert option.count() == 1 and option.inner_text().startswith(PAT_BLAIR.name)
    option.click()
    assert PAT_BLAIR.name in page.get_by_test_id("open-case-patient-chosen").inner_text()
    page.get_by_test_id("open-case-condition").fill(condition)
    page.get_by_test_id("open-case-submit").click()
    page.locator("#case-title", has_text=condition).wait_for(timeout=WAIT_MS)
    case_id = page.url.rsplit("/cases/", 1)[1].split("?")[0]
    page.get_by_test_id("case-patient").filter(has_text=PAT_BLAIR.name).wait_for(timeout=WAIT_MS)

    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    try:
        page.get_by_test_id("case-close").click()
        page.get_by_test_id("case-closed-notice").wait_for(timeout=WAIT_MS)
        assert api(stack, "GET", f"/cases/{case_id}", okafor_token)["status"] == "closed"

        # The patient tries to send a photo: refused, with the reason, and nothing is stored.
        patient = Session(browser, stack, PAT_BLAIR.username, PAT_BLAIR.password, **PHONE)
        patient_page = patient.open_case(case_id, "photos")
        assert "closed" in patient_page.get_by_test_id("case-closed-notice").inner_text()
        assert patient_page.get_by_test_id("start-visit").count() == 0
        patient_page.get_by_test_id("photo-site").select_option("hand_right")
        patient_page.get_by_test_id("photo-input-gallery").set_input_files(
            files=[{"name": "hand.jpg", "mimeType": "image/jpeg", "buffer": textured_jpeg(1200, 900)}]
        )
        refusal = patient_page.get_by_test_id("photo-upload-error")
        refusal.wait_for(timeout=WAIT_MS)
        assert "closed" in refusal.inner_text() and "reopen" in refusal.inner_text()
        blair_token = token_of(stack, PAT_BLAIR.username, PAT_BLAIR.password)
        assert api(stack, "GET", f"/cases/{case_id}/photos/uploads", blair_token)["items"] == []
        patient.close()

        page.get_by_test_id("case-reopen").click()
        page.get_by_test_id("case-close").wait_for(timeout=WAIT_MS)
        assert page.get_by_test_id("case-closed-notice").count() == 0
        assert api(stack, "GET", f"/cases/{case_id}", okafor_token)["status"] == "open"
    finally:
        api(stack, "POST", f"/cases/{case_id}/reopen", okafor_token, {})
    doctor.close()


async def _visit_with_both_in_the_room(stack: LocalStack, case_id: str, patient: str, doctor: str) -> str:
    """A video visit both people joined over the WebSocket, with a call-quality report, then ended."""
    room = api(stack, "POST", "/visits", patient, {"caseId": case_id})["roomId"]
    api(stack, "POST", f"/visits/{room}/admit", doctor, {})
    async with aiohttp.ClientSession() as session:
        sockets = []
        for name, token in (("patient", patient), ("doctor", doctor)):
            ticket = api(stack, "POST", "/ws/tickets", token, {})
            socket = await Signaling.open(name, session, ticket["wsUrl"], ticket["ticket"])
            await socket.send("join", roomId=room, ref=f"join-{name}")
            await socket.expect("joined", roomId=room)
            sockets.append(socket)
        api(stack, "POST", f"/visits/{room}/quality", patient,
            {"rttMs": 90, "lossPct": 3.0, "bitrateKbps": 700, "reconnects": 1, "durationSeconds": 30})
        api(stack, "POST", f"/visits/{room}/end", doctor, {})
        for socket in sockets:
            await socket.close()
    return str(room)


def test_the_patient_reads_the_care_plan_past_visits_and_downloads_all_her_data(
    stack: LocalStack, browser: Any
) -> None:
    chen = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    alex = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    case_id = str(api(stack, "GET", "/cases", alex)["items"][0]["caseId"])
    mark = str(int(time.time() * 1000) % 10_000_000)
    entries = {
        "diagnosis": {"code": "L40.0", "text": f"Plaque psoriasis {mark}", "clinicalStatus": "active"},
        "prescription": {"drug": f"Calcipotriol {mark}", "dose": "a thin layer", "route": "topical",
                         "frequency": "once daily", "duration": {"value": 8, "unit": "week"}},
        "plan": {"title": "Clearer skin", "description": "Topical first", "goals": [f"PASI under 5 {mark}"]},
        "followup": {"description": "Check", "dueDate": "2099-01-15", "modality": "photo-review"},
        "note": {"assessment": f"Clinician-only thought {mark}"},
    }
    for kind, content in entries.items():
        api(stack, "POST", f"/cases/{case_id}/records", chen, {"kind": kind, "content": content})
    # Playwright's sync API keeps an event loop on this thread: the sockets get a thread of their own.
    with ThreadPoolExecutor(1) as worker:
        room = worker.submit(run, _visit_with_both_in_the_room(stack, case_id, alex, chen)).result(timeout=60)

    patient = Session(browser, stack, PAT_ALEX.username, PAT_ALEX.password, **PHONE)
    page = patient.open_case(case_id, "body")
    plan = page.get_by_test_id("care-plan")
    plan.locator("[data-testid=care-plan-diagnosis]", has_text=mark).wait_for(timeout=WAIT_MS)
    prescription = plan.locator("[data-testid=care-plan-prescription]", has_text=mark)
    text = prescription.inner_text()
    assert "a thin layer" in text and "on the skin" in text and "once daily" in text and "until" in text, text
    assert plan.locator("[data-testid=care-plan-goal]", has_text=mark).count() == 1
    assert "photos for your doctor to review" in plan.get_by_test_id("care-plan-next").inner_text()
    assert "Clinician-only" not in page.locator("body").inner_text()

    visit = page.locator(f"[data-testid=visit-record][data-room-id='{room}']")
    visit.wait_for(timeout=WAIT_MS)
    # Names arrive with the people lookup, after the visit list itself.
    visit.get_by_test_id("visit-participants").filter(has_text=DR_CHEN.name).wait_for(timeout=WAIT_MS)
    participants = visit.get_by_test_id("visit-participants").inner_text()
    assert PAT_ALEX.name in participants and DR_CHEN.name in participants, participants
    assert visit.get_by_test_id("visit-end-reason").inner_text() == "Completed"
    quality = visit.get_by_test_id("visit-quality")
    assert quality.get_attribute("data-grade") == "fair" and "1 reconnect" in quality.inner_text()

    page.goto(stack.base_url + "/")
    with page.expect_download(timeout=WAIT_MS) as download_info:
        page.get_by_test_id("my-data-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith("dermafollow-my-data-")
    bundle = json.loads(Path(download.path()).read_text())
    assert bundle["resourceType"] == "Bundle"
    conditions = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Condition"]
    assert any(mark in str(condition) for condition in conditions)
    assert "Clinician-only" not in json.dumps(bundle)
    patient.close()
