"""The medical record on the case page, in a real browser against the local stack: a doctor writes
each of the five kinds (the diagnosis code picked from the ICD-10 search), amends, retracts, reads
the history and downloads the FHIR Bundle; two doctors amend one entry at once and both changes land.
The SPA is the built one (`cd web && npm run build`) served by the stack."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_case_tracking_browser import DESK, WAIT_MS, Session, api, send_photo, token_of

pytestmark = pytest.mark.browser

# The first ICD-10 search of a process loads the whole code set (seconds on a busy 2-core machine).
FIRST_SEARCH_MS = 90_000


@pytest.fixture(scope="module")
def case_id(stack: LocalStack) -> str:
    token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    return str(api(stack, "GET", "/cases", token)["items"][0]["caseId"])


def _ended_visit(stack: LocalStack, case_id: str) -> str:
    """A video visit of the case, asked for by the patient, admitted and ended by the doctor."""
    patient = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    doctor = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    room = api(stack, "POST", "/visits", patient, {"caseId": case_id})["roomId"]
    api(stack, "POST", f"/visits/{room}/admit", doctor, {})
    api(stack, "POST", f"/visits/{room}/end", doctor, {})
    return str(room)


def _entries(stack: LocalStack, token: str, case_id: str, kind: str) -> list[dict[str, Any]]:
    return list(api(stack, "GET", f"/cases/{case_id}/records?kind={kind}&limit=100", token)["items"])


def _entry(page: Any, kind: str, marker: str) -> Any:
    return page.locator(f"[data-testid=record-entry][data-kind={kind}]", has_text=marker)


def _save(page: Any, kind: str, marker: str) -> Any:
    page.get_by_test_id("record-save").click()
    entry = _entry(page, kind, marker)
    entry.wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("record-form").count() == 0
    return entry


def test_a_doctor_writes_each_kind_amends_retracts_and_reads_the_history(
    stack: LocalStack, browser: Any, case_id: str
) -> None:
    patient_token = token_of(stack, PAT_ALEX.username, PAT_ALEX.password)
    doctor_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    photo_id = send_photo(stack, patient_token, case_id, "elbow_left")
    visit_id = _ended_visit(stack, case_id)
    mark = str(int(time.time() * 1000) % 10_000_000)
    # Eleven older notes: the notes group shows ten and pages to the rest.
    for number in range(11):
        api(stack, "POST", f"/cases/{case_id}/records", doctor_token,
            {"kind": "note", "content": {"subjective": f"Older note {number} {mark}"}})

    doctor = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    page = doctor.open_case(case_id, "body")
    page.get_by_test_id("record-section").wait_for(timeout=WAIT_MS)

    # Diagnosis: the code from the ICD-10 search, body sites on the figures, a visit and a photo.
    page.get_by_test_id("record-new-diagnosis").click()
    # Within the record's form: the case page may hold other code pickers (consultation rounds).
    form = page.get_by_test_id("record-form")
    form.get_by_test_id("icd10-query").fill("psoriasis")
    option = form.locator("[data-testid=icd10-option][data-code='L40.0']")
    option.wait_for(timeout=FIRST_SEARCH_MS)
    codes = form.get_by_test_id("icd10-option").evaluate_all("(nodes) => nodes.map((node) => node.dataset.code)")
    assert all(code.startswith("L") for code in codes[:5]), codes
    option.click()
    assert form.get_by_test_id("icd10-picked").get_attribute("data-code") == "L40.0"
    page.get_by_test_id("record-field-clinicalStatus").select_option("relapse")
    page.get_by_test_id("record-field-onsetDate").fill("2025-03-01")
    page.get_by_test_id("record-site-front-elbow_left").click()
    page.get_by_test_id("record-site-back-lower_back").click()
    page.get_by_test_id("record-field-note").fill(f"Plaques on both sites {mark}")
    page.locator(f"[data-testid=record-pick-photo][data-photo-id='{photo_id}']").click()
    page.locator(f"[data-testid=record-pick-visit][data-visit-id='{visit_id}']").check()
    diagnosis = _save(page, "diagnosis", mark)
    assert diagnosis.get_by_test_id("record-entry-title").inner_text() == "L40.0 Psoriasis vulgaris"
    assert diagnosis.get_by_test_id("record-entry-status").inner_text() == "Active"
    assert diagnosis.get_by_test_id("record-entry-version").inner_text() == "Version 1"
    assert "Left elbow, Lower back" in diagnosis.inner_text()
    assert "Video visit" in diagnosis.get_by_test_id("record-link-visit").inner_text()
    thumb = diagnosis.locator(f"[data-testid=record-link-photo][data-photo-id='{photo_id}'] img")
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=thumb.element_handle(),
                           timeout=WAIT_MS)

    # Prescription, treatment plan, follow-up and encounter note.
    page.get_by_test_id("record-new-prescription").click()
    page.get_by_test_id("record-field-drug").fill(f"Calcipotriol/betamethasone gel {mark}")
    page.get_by_test_id("record-field-dose").fill("thin layer")
    page.get_by_test_id("record-field-route").select_option("topical")
    page.get_by_test_id("record-field-frequency").fill("once daily")
    page.get_by_test_id("record-field-durationValue").fill("4")
    page.get_by_test_id("record-field-durationUnit").select_option("week")
    page.get_by_test_id("record-field-status").select_option("active")
    prescription = _save(page, "prescription", mark)

    page.get_by_test_id("record-new-plan").click()
    page.get_by_test_id("record-field-title").fill(f"Clear the elbows {mark}")
    page.get_by_test_id("record-field-description").fill("Topical treatment, then review.")
    page.get_by_test_id("record-field-goals").fill("PASI 75 in 12 weeks\nDLQI under 5")
    page.get_by_test_id("record-field-activities").fill("Gel once daily\nPhotos every 2 weeks")
    page.get_by_test_id("record-field-status").select_option("active")
    page.get_by_test_id("record-field-periodStart").fill("2026-12-01")
    _save(page, "plan", mark)

    page.get_by_test_id("record-new-followup").click()
    page.get_by_test_id("record-field-description").fill(f"Review the elbows {mark}")
    page.get_by_test_id("record-field-dueDate").fill("2026-12-29")
    page.get_by_test_id("record-field-modality").select_option("video")
    followup = _save(page, "followup", mark)

    page.get_by_test_id("record-new-note").click()
    page.get_by_test_id("record-field-subjective").fill(f"Itch better since the gel {mark}")
    page.get_by_test_id("record-field-assessment").fill("Improving")
    note = _save(page, "note", f"Itch better since the gel {mark}")

    # What the server stored is exactly what the strict schemas ask for.
    def stored(kind: str) -> dict[str, Any]:
        return next(entry for entry in _entries(stack, doctor_token, case_id, kind) if mark in json.dumps(entry))

    assert stored("diagnosis")["content"] == {
        "code": "L40.0", "text": "Psoriasis vulgaris", "clinicalStatus": "relapse", "onsetDate": "2025-03-01",
        "bodySites": ["elbow_left", "lower_back"], "note": f"Plaques on both sites {mark}",
    }
    assert stored("diagnosis")["links"] == {"visitIds": [visit_id], "photoIds": [photo_id]}
    assert stored("prescription")["content"] == {
        "drug": f"Calcipotriol/betamethasone gel {mark}", "dose": "thin layer", "route": "topical",
        "frequency": "once daily", "duration": {"value": 4, "unit": "week"}, "status": "active",
    }
    assert stored("plan")["content"] == {
        "title": f"Clear the elbows {mark}", "description": "Topical treatment, then review.",
        "goals": ["PASI 75 in 12 weeks", "DLQI under 5"], "activities": ["Gel once daily", "Photos every 2 weeks"],
        "status": "active", "period": {"start": "2026-12-01"},
    }
    assert stored("followup")["content"] == {
        "description": f"Review the elbows {mark}", "dueDate": "2026-12-29", "modality": "video",
    }
    assert stored("note")["content"] == {"subjective": f"Itch better since the gel {mark}",
                                         "assessment": "Improving"}

    # Notes: newest first, ten a page; the older ones come with "show older".
    notes = page.locator("[data-testid=record-group-note] [data-testid=record-entry]")
    assert notes.count() == 10
    assert mark in notes.first.inner_text() and "Itch better" in notes.first.inner_text()
    page.get_by_test_id("record-more-note").click()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=record-group-note] [data-testid=record-entry]').length > 10",
        timeout=WAIT_MS,
    )
    assert "Older note 10" in notes.nth(1).inner_text()  # the newest of the older ones

    # Leaving a form with unsaved text asks first; the draft is in memory only.
    note.get_by_test_id("record-amend").click()
    page.get_by_test_id("record-field-plan").fill(f"Keep going, review in 4 weeks {mark}")
    page.get_by_test_id("record-cancel").click()
    page.get_by_test_id("leave-dialog").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("leave-stay").click()
    assert page.get_by_test_id("record-field-plan").input_value() == f"Keep going, review in 4 weeks {mark}"
    page.locator("a.back-link").click()
    page.get_by_test_id("leave-dialog").wait_for(timeout=WAIT_MS)
    assert f"/cases/{case_id}" in page.url
    page.get_by_test_id("leave-stay").click()
    stored_text = page.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert "review in 4 weeks" not in stored_text and "Itch better" not in stored_text
    page.get_by_test_id("record-save").click()
    note.locator("[data-testid=record-entry-version]:text-is('Version 2')").wait_for(timeout=WAIT_MS)

    # Amend: the form starts from the current version.
    prescription.get_by_test_id("record-amend").click()
    assert page.get_by_test_id("record-field-frequency").input_value() == "once daily"
    assert page.get_by_test_id("record-field-drug").input_value() == f"Calcipotriol/betamethasone gel {mark}"
    page.get_by_test_id("record-field-frequency").fill("twice daily")
    page.get_by_test_id("record-save").click()
    prescription.locator("[data-testid=record-entry-version]:text-is('Version 2')").wait_for(timeout=WAIT_MS)
    assert "twice daily" in prescription.get_by_test_id("record-entry-title").inner_text()

    # Retract: stays visible, struck through, with the reason.
    followup.get_by_test_id("record-retract").click()
    page.get_by_test_id("record-retract-reason").fill("Written on the wrong case")
    page.get_by_test_id("record-retract-confirm").click()
    followup.locator("[data-testid=record-entry-status]:text-is('Entered in error')").wait_for(timeout=WAIT_MS)
    assert followup.get_attribute("data-status") == "entered-in-error"
    assert followup.get_by_test_id("record-entry-retraction").inner_text() == (
        "Entered in error: Written on the wrong case")
    assert followup.locator("[data-testid=record-entry-title] del").count() == 1
    decoration = followup.locator(".record-entry__body").evaluate("(node) => getComputedStyle(node).textDecorationLine")
    assert decoration == "line-through"
    assert followup.get_by_test_id("record-amend").count() == 0

    # History: who (by name), when, which fields, and what each version said.
    prescription.get_by_test_id("record-history-toggle").click()
    versions = prescription.get_by_test_id("record-version")
    versions.nth(1).wait_for(timeout=WAIT_MS)
    assert versions.evaluate_all("(nodes) => nodes.map((node) => [node.dataset.version, node.dataset.action])") == [
        ["2", "amend"], ["1", "create"]]
    # By the name and title the user directory holds, not the account name.
    assert versions.nth(0).get_by_test_id("record-version-author").inner_text() == f"{DR_CHEN.name}, {DR_CHEN.title}"
    assert versions.nth(0).get_by_test_id("record-version-changed").inner_text() == "Changed: How often"
    versions.nth(1).locator("summary").click()
    assert "once daily" in versions.nth(1).get_by_test_id("record-version-content").inner_text()
    followup.get_by_test_id("record-history-toggle").click()
    retraction = followup.locator("[data-testid=record-version][data-action=retract]")
    retraction.wait_for(timeout=WAIT_MS)
    assert retraction.get_by_test_id("record-version-reason").inner_text() == "Reason: Written on the wrong case"

    # The case's FHIR R4 Bundle, downloaded as a file.
    with page.expect_download(timeout=WAIT_MS) as download_info:
        page.get_by_test_id("record-fhir-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"dermafollow-case-{case_id}-")
    assert download.suggested_filename.endswith(".fhir.json")
    bundle = json.loads(Path(download.path()).read_text())
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "collection")
    conditions = [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Condition"]
    assert any(coding["code"] == "L40.0" for condition in conditions for coding in condition["code"]["coding"])
    doctor.close()


def test_two_doctors_amend_one_entry_at_once_and_both_changes_land(
    stack: LocalStack, browser: Any, case_id: str
) -> None:
    chen_token = token_of(stack, DR_CHEN.username, DR_CHEN.password)
    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    okafor_id = api(stack, "GET", "/me", okafor_token)["userId"]
    api(stack, "POST", f"/cases/{case_id}/invitations", chen_token, {"doctorId": okafor_id, "expiresInHours": 24})
    try:
        _amend_at_once(stack, browser, case_id, chen_token, okafor_id)
    finally:
        # Dr. Okafor is an outsider to this case in the other tests of the shared stack.
        api(stack, "DELETE", f"/cases/{case_id}/invitations/{okafor_id}", chen_token)


def _amend_at_once(stack: LocalStack, browser: Any, case_id: str, chen_token: str, okafor_id: str) -> None:
    mark = str(int(time.time() * 1000) % 10_000_000)
    # Dr. Okafor, invited, writes the entry: an invited doctor may change only their own entries,
    # and the assigned Dr. Chen may change any entry of the case.
    okafor_token = token_of(stack, DR_OKAFOR.username, DR_OKAFOR.password)
    created = api(stack, "POST", f"/cases/{case_id}/records", okafor_token, {"kind": "prescription", "content": {
        "drug": f"Methotrexate {mark}", "dose": "10 mg", "route": "oral", "frequency": "once weekly",
        "duration": {"value": 12, "unit": "week"},
    }})
    entry_id = created["entryId"]

    chen = Session(browser, stack, DR_CHEN.username, DR_CHEN.password, **DESK)
    okafor = Session(browser, stack, DR_OKAFOR.username, DR_OKAFOR.password, **DESK)
    pages = {}
    for name, session in (("chen", chen), ("okafor", okafor)):
        page = session.open_case(case_id, "body")
        card = page.locator(f"[data-testid=record-entry][data-entry-id='{entry_id}']")
        card.wait_for(timeout=WAIT_MS)
        card.get_by_test_id("record-amend").click()
        page.get_by_test_id("record-form").wait_for(timeout=WAIT_MS)
        pages[name] = (page, card)

    # Both started from version 1. Dr. Okafor saves first: the dose.
    page, card = pages["okafor"]
    page.get_by_test_id("record-field-dose").fill("15 mg")
    page.get_by_test_id("record-save").click()
    card.locator("[data-testid=record-entry-version]:text-is('Version 2')").wait_for(timeout=WAIT_MS)

    # Dr. Chen saves the frequency on version 1: the conflict, field by field, loses nothing.
    page, card = pages["chen"]
    page.get_by_test_id("record-field-frequency").fill("twice weekly")
    page.get_by_test_id("record-field-instructions").fill(f"Take with folic acid {mark}")
    page.get_by_test_id("record-save").click()
    conflict = page.get_by_test_id("record-conflict")
    conflict.wait_for(timeout=WAIT_MS)
    rows = page.get_by_test_id("conflict-row").evaluate_all(
        "(nodes) => nodes.map((node) => [node.dataset.field, node.dataset.change])")
    assert rows == [["dose", "theirs"], ["frequency", "mine"], ["instructions", "mine"]]
    dose = page.locator("[data-testid=conflict-row][data-field=dose]")
    assert dose.get_by_test_id("conflict-theirs").inner_text() == "15 mg"
    assert dose.get_by_test_id("conflict-mine").inner_text() == "10 mg"
    frequency = page.locator("[data-testid=conflict-row][data-field=frequency]")
    assert frequency.get_by_test_id("conflict-mine").inner_text() == "twice weekly"
    assert "version 2" in conflict.inner_text()
    page.get_by_test_id("conflict-reapply").click()
    page.get_by_test_id("record-reapplied").wait_for(timeout=WAIT_MS)
    assert page.get_by_test_id("record-field-dose").input_value() == "15 mg"
    assert page.get_by_test_id("record-field-frequency").input_value() == "twice weekly"
    assert page.get_by_test_id("record-save").inner_text() == "Save version 3"
    page.get_by_test_id("record-save").click()
    card.locator("[data-testid=record-entry-version]:text-is('Version 3')").wait_for(timeout=WAIT_MS)

    final = api(stack, "GET", f"/cases/{case_id}/records/{entry_id}", chen_token)
    assert final["version"] == 3
    assert final["content"] == {
        "drug": f"Methotrexate {mark}", "dose": "15 mg", "route": "oral", "frequency": "twice weekly",
        "duration": {"value": 12, "unit": "week"}, "instructions": f"Take with folic acid {mark}",
    }
    history = api(stack, "GET", f"/cases/{case_id}/records/{entry_id}/history", chen_token)["items"]
    chen_id = api(stack, "GET", "/me", chen_token)["userId"]
    assert [(v["version"], v["authorId"], v["changedFields"]) for v in history] == [
        (3, chen_id, ["frequency", "instructions"]), (2, okafor_id, ["dose"]),
        (1, okafor_id, sorted(created["content"])),
    ]

    # Dr. Okafor retracts while a newer version lands: the reason is kept, and nothing is retracted
    # unseen (the question comes again for the version now current).
    page, card = pages["okafor"]
    card.get_by_test_id("record-retract").click()
    page.get_by_test_id("record-retract-reason").fill(f"Duplicate of another prescription {mark}")
    api(stack, "PUT", f"/cases/{case_id}/records/{entry_id}", chen_token,
        {"expectedVersion": 3, "content": {**final["content"], "status": "active"}})
    page.get_by_test_id("record-retract-confirm").click()
    page.get_by_test_id("record-retract-newer").wait_for(timeout=WAIT_MS)
    assert "version 4" in page.get_by_test_id("record-retract-newer").inner_text()
    assert page.get_by_test_id("record-retract-reason").input_value() == f"Duplicate of another prescription {mark}"
    card.locator("[data-testid=record-entry-version]:text-is('Version 4')").wait_for(timeout=WAIT_MS)
    page.get_by_test_id("record-retract-confirm").click()
    card.locator("[data-testid=record-entry-status]:text-is('Entered in error')").wait_for(timeout=WAIT_MS)
    retracted = api(stack, "GET", f"/cases/{case_id}/records/{entry_id}", chen_token)
    assert (retracted["version"], retracted["status"], retracted["retraction"]["reason"]) == (
        5, "entered-in-error", f"Duplicate of another prescription {mark}")
    chen.close()
    okafor.close()
