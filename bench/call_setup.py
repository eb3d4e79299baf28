"""Video-call set-up and recovery times in two real Chromium browsers through the local stack.

Each run: the patient (phone-sized page, fake camera playing a known clip) asks for a visit from the
pre-call check; the doctor (desk page, its own Chromium and clip) admits it from the live waiting room.

- set-up: from the doctor's admit click to the first DECODED remote video frame on BOTH sides (the
  later of the two), read from each page's getStats (framesDecoded, polled every 25 ms);
- recovery: the patient's network is cut for 3 s (Chrome DevTools `Network.emulateNetworkConditions`
  offline, which reaches WebRTC's sockets too); from the moment it returns to the first decoded frame
  on both sides again, without any reload;
then the doctor hangs up and the next run starts from the patient's visit page.

Same machinery as tests/e2e/test_video_call_browser.py (tests/e2e/video_call.py). Progress lines, then
one JSON line last: {"setup_p50_s", "setup_p90_s", "recovery_p50_s", ...}. Targets: set-up p50 <= 1.0 s,
recovery p50 <= 5 s (`targets_met`: both). BENCH_CALL_RUNS overrides the number of runs (10). Recovery
after longer breaks (12 s, 35 s) is bench/call_recovery.py's.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from bench.signaling_setup import quiet_app_logs
from bench.ws_clients import percentile
from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.video_call import (
    Side,
    first_frame_after,
    open_sides,
    require_built_app,
    sign_in,
    wait_until,
    write_clips,
)

RUNS = int(os.environ.get("BENCH_CALL_RUNS", "10"))
BREAK_SECONDS = 3.0
STEADY_SECONDS = 2.0
SETUP_TARGET_S = 1.0
RECOVERY_TARGET_S = 5.0

ADMIT_JS = """
() => {
  const button = document.querySelector('[data-testid="visit-admit"]');
  if (!button) return null;
  const at = Date.now();
  button.click();
  return at;
}
"""


def case_id_of(stack: LocalStack) -> str:
    login = requests.post(stack.api_url + "/auth/login", timeout=30,
                          json={"username": PAT_ALEX.username, "password": PAT_ALEX.password})
    token = login.json()["accessToken"]
    cases = requests.get(stack.api_url + "/cases", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return str(cases.json()["items"][0]["caseId"])


@contextmanager
def call_room(prefix: str) -> Iterator[tuple[LocalStack, Side, Side, str]]:
    """A fresh local stack, the patient and the doctor signed in in their own Chromium (each playing
    its clip), the doctor on the visit queue: what every call benchmark starts from."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        root = Path(folder)
        patient_clip, doctor_clip = write_clips(root / "clips")
        with LocalStack(port=0, moto_port=0, data_dir=root / "data") as stack:
            quiet_app_logs()
            case_id = case_id_of(stack)
            with open_sides(patient_clip, doctor_clip) as (patient, doctor):
                sign_in(patient.page, stack.base_url, PAT_ALEX, "home-patient")
                sign_in(doctor.page, stack.base_url, DR_CHEN, "home-doctor")
                doctor.page.goto(stack.base_url + "/doctor/visits")
                doctor.page.get_by_test_id("visit-queue-page").wait_for(timeout=15000)
                yield stack, patient, doctor, case_id


def ask_and_admit(stack: LocalStack, patient: Side, doctor: Side, case_id: str) -> int:
    """The patient asks for a visit from the pre-call check (a reload each time: the call page starts
    from scratch); the doctor admits it from the live waiting room. Returns the admit click's time (ms),
    where a call's set-up clock starts."""
    patient.emulate()
    patient.page.goto(f"{stack.base_url}/cases/{case_id}/visit")
    patient.page.locator('[data-testid="precall-camera"][data-status="ok"]').wait_for(timeout=15000)
    patient.page.locator('[data-testid="visit-request"]:not([disabled])').wait_for(timeout=15000)
    patient.page.get_by_test_id("visit-request").click()
    patient.page.get_by_test_id("waiting-room").wait_for(timeout=15000)
    doctor.page.get_by_test_id("visit-admit").first.wait_for(timeout=15000)
    for side in (patient, doctor):
        side.reset_frames()
    clicked = doctor.page.evaluate(ADMIT_JS)
    assert clicked, "no admit button"
    return int(clicked)


def end_call(patient: Side, doctor: Side) -> None:
    """The doctor hangs up; both see the call ended; the doctor goes back to the waiting room."""
    doctor.page.get_by_test_id("call-hangup").click()
    doctor.page.get_by_test_id("call-ended").wait_for(timeout=15000)
    patient.page.get_by_test_id("call-ended").wait_for(timeout=15000)
    doctor.page.get_by_test_id("call-back-to-queue").click()
    doctor.page.get_by_test_id("visit-queue-page").wait_for(timeout=15000)


def one_run(stack: LocalStack, patient: Side, doctor: Side, case_id: str) -> tuple[float, float]:
    clicked = ask_and_admit(stack, patient, doctor, case_id)
    firsts = wait_until(lambda: (d := doctor.first_frame_at()) and (p := patient.first_frame_at()) and (d, p), 20,
                        "the first decoded frame on both sides", interval=0.02)
    setup = (max(firsts) - clicked) / 1000

    # A forced break of the patient's network.
    time.sleep(STEADY_SECONDS)
    patient.emulate(offline=True)
    time.sleep(BREAK_SECONDS)
    patient.emulate()
    back = int(time.time() * 1000)
    again = wait_until(lambda: (d := first_frame_after(doctor, back)) and (p := first_frame_after(patient, back))
                       and (d, p), 20, "decoded frames on both sides after the break", interval=0.02)
    recovery = (max(again) - back) / 1000

    end_call(patient, doctor)
    return setup, recovery


def main() -> None:
    require_built_app()
    setups: list[float] = []
    recoveries: list[float] = []
    with call_room("call-setup-") as (stack, patient, doctor, case_id):
        print(f"call set-up and recovery, {RUNS} runs (break of {BREAK_SECONDS:.0f} s each)")
        for run in range(1, RUNS + 1):
            setup, recovery = one_run(stack, patient, doctor, case_id)
            setups.append(setup)
            recoveries.append(recovery)
            print(f"  run {run:2d}: set-up {setup:.3f} s, recovery {recovery:.3f} s")
    result: dict[str, Any] = {
        "setup_p50_s": round(percentile(setups, 0.5), 3),
        "setup_p90_s": round(percentile(setups, 0.9), 3),
        "recovery_p50_s": round(percentile(recoveries, 0.5), 3),
        "recovery_p90_s": round(percentile(recoveries, 0.9), 3),
        "setup_max_s": round(max(setups), 3),
        "recovery_max_s": round(max(recoveries), 3),
        "runs": len(setups),
        "break_s": BREAK_SECONDS,
        "setup_target_met": percentile(setups, 0.5) <= SETUP_TARGET_S,
        "recovery_target_met": percentile(recoveries, 0.5) <= RECOVERY_TARGET_S,
        "setup_target_s": SETUP_TARGET_S,
        "recovery_target_s": RECOVERY_TARGET_S,
        "steady_s": STEADY_SECONDS,
    }
    result["targets_met"] = result["setup_target_met"] and result["recovery_target_met"]
    print(json.dumps(result))


if __name__ == "__main__":
    main()
