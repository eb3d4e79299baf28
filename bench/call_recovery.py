"""Video-call recovery after network breaks of 3 s, 12 s and 35 s, in two real Chromium browsers.

Same set-up as bench/call_setup.py (tests/e2e/video_call.py machinery, the local stack): the patient
asks for a visit, the doctor admits it, both decode each other's picture. Then, in that call, the
patient's network is cut (DevTools `Network.emulateNetworkConditions` offline, which reaches WebRTC's
UDP sockets and the signaling WebSocket) for each break length in turn, shortest first:

- 3 s: ICE consent survives; the media path simply comes back;
- 12 s: ICE goes `disconnected` and the app restarts it; the signaling socket is found dead (probe);
- 35 s: past libwebrtc's ~30 s consent timeout: the peer connection is `failed` on both sides and the
  patient's socket is gone; the app must rejoin the room and renegotiate as soon as the network is back.

For each break:
- the cut must really cut: getStats framesDecoded does not advance on EITHER side from 1 s after the
  cut (frames in flight and the jitter buffer drain) to the network's return, else the run is not counted as
  verified (`cuts_verified`);
- recovery = from the network's return to the first newly decoded video frame on BOTH sides (the
  later of the two; decoded-frame counts from getStats polled every 25 ms in each page);
- whether ICE restarted: either side's local ICE ufrag differs after the recovery from before the
  cut (a restart offer/answer went through), or the peer connection was replaced; also whether the
  patient's signaling socket was replaced, and the ICE states at the network's return.

Baseline arm, in the same call before the first break: the same clock with no break at all (from an
arbitrary instant to the next decoded frame on both sides): the floor of the measurement itself.

Progress lines, then one JSON line last with the figures, the parameters and `targets_met` (recovery
p50 <= 5 s for each break length, every cut verified). BENCH_CALL_RUNS overrides the number of calls
(20); BENCH_CALL_BREAKS the break lengths (comma-separated seconds, default "3,12,35").
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench.call_setup import ask_and_admit, call_room, end_call
from bench.ws_clients import percentile
from local.stack import LocalStack
from tests.e2e.video_call import (
    Side,
    first_frame_after,
    require_built_app,
    wait_until,
)

RUNS = int(os.environ.get("BENCH_CALL_RUNS", "20"))
BREAKS = [int(value) for value in os.environ.get("BENCH_CALL_BREAKS", "3,12,35").split(",") if value.strip()]
RECOVERY_TARGET_S = 5.0
# Settled media before each cut (and after each recovery: the next break starts from a steady call).
STEADY_SECONDS = 3.0
# Frames already in flight or in the jitter buffer may still be decoded just after the cut.
DRAIN_SECONDS = 1.0
# Past this without frames on both sides the break counts as not recovered (recorded as this value).
RECOVERY_TIMEOUT_S = 60.0

ICE_JS = """
async () => {
  const ufrag = (d) => { const m = d ? /a=ice-ufrag:(\\S+)/.exec(d.sdp) : null; return m ? m[1] : null; };
  const open = window.__df.pcs.filter((p) => p.connectionState !== 'closed');
  const pc = open.at(-1);
  let decoded = 0;
  if (pc) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0;
    });
  }
  return {
    decoded,
    pcs: window.__df.pcs.length,
    local: pc ? ufrag(pc.localDescription) : null,
    remote: pc ? ufrag(pc.remoteDescription) : null,
    ice: pc ? pc.iceConnectionState : null,
    online: navigator.onLine,
  };
}
"""


def ice_of(side: Side) -> dict[str, Any]:
    result: dict[str, Any] = side.page.evaluate(ICE_JS)
    return result


def decoded(side: Side) -> int:
    """Video frames decoded so far by the side's open peer connection (getStats framesDecoded)."""
    return int(ice_of(side)["decoded"])


def firsts_after(patient: Side, doctor: Side, moment_ms: int, timeout: float, what: str) -> tuple[int, int]:
    """Each side's first decoded frame after `moment_ms` (ms since epoch): (patient, doctor)."""
    firsts = wait_until(lambda: (p := first_frame_after(patient, moment_ms))
                        and (d := first_frame_after(doctor, moment_ms)) and (p, d), timeout, what, interval=0.02)
    return int(firsts[0]), int(firsts[1])


def both_after(patient: Side, doctor: Side, moment_ms: int, timeout: float, what: str) -> int:
    """The later of the two sides' first decoded frame after `moment_ms` (ms since epoch)."""
    return max(firsts_after(patient, doctor, moment_ms, timeout, what))


def start_call(stack: LocalStack, patient: Side, doctor: Side, case_id: str) -> float:
    """Patient asks, doctor admits; returns the set-up time (admit click to frames on both sides)."""
    clicked = ask_and_admit(stack, patient, doctor, case_id)
    first = both_after(patient, doctor, clicked - 1, 30, "the first decoded frame on both sides")
    return (first - clicked) / 1000


def one_break(stack: LocalStack, patient: Side, doctor: Side, seconds: int) -> dict[str, Any]:
    gateway = stack.ws
    assert gateway is not None
    for side in (patient, doctor):
        side.reset_frames()  # (the page keeps a bounded list of frame times)
    before = (ice_of(patient), ice_of(doctor))
    sockets_before = set(gateway.connections)
    patient.emulate(offline=True)
    cut = time.monotonic()
    time.sleep(DRAIN_SECONDS)
    drained = (decoded(patient), decoded(doctor))
    time.sleep(max(0.0, seconds - (time.monotonic() - cut)))
    at_return = (ice_of(patient), ice_of(doctor))
    # The cut really cut: nothing decoded on either side once the frames in flight have drained.
    leaked = (at_return[0]["decoded"] - drained[0], at_return[1]["decoded"] - drained[1])
    patient.emulate()
    back = int(time.time() * 1000)
    try:
        sides = firsts_after(patient, doctor, back, RECOVERY_TIMEOUT_S, f"frames on both sides after {seconds} s")
        recovery = (max(sides) - back) / 1000
        per_side = [round((first - back) / 1000, 3) for first in sides]
        recovered = True
    except AssertionError:
        recovery, recovered, per_side = RECOVERY_TIMEOUT_S, False, []
    time.sleep(STEADY_SECONDS)  # also lets a restart that follows the first frames show up
    after = (ice_of(patient), ice_of(doctor))
    restarted = any(b["local"] != a["local"] or b["pcs"] != a["pcs"] for b, a in zip(before, after, strict=True))
    return {
        "break_s": seconds,
        "recovery_s": round(recovery, 3),
        "recovered": recovered,
        "patient_doctor_s": per_side,
        "cut_verified": leaked == (0, 0),
        "frames_leaked": leaked,
        "ice_restarted": restarted,
        "pc_replaced": any(b["pcs"] != a["pcs"] for b, a in zip(before, after, strict=True)),
        "ws_replaced": bool(sockets_before - set(gateway.connections)),
        "ice_at_return": (at_return[0]["ice"], at_return[1]["ice"]),
    }


def baseline(patient: Side, doctor: Side) -> float:
    """No break: from now to the next decoded frame on both sides (the measurement's own floor)."""
    now = int(time.time() * 1000)
    return (both_after(patient, doctor, now, 10, "frames on both sides (baseline)") - now) / 1000


def main() -> None:
    require_built_app()
    setups: list[float] = []
    baselines: list[float] = []
    results: dict[int, list[dict[str, Any]]] = {seconds: [] for seconds in BREAKS}
    with call_room("call-recovery-") as (stack, patient, doctor, case_id):
        print(f"call recovery, {RUNS} calls, breaks of {', '.join(map(str, BREAKS))} s in each")
        for run in range(1, RUNS + 1):
            setups.append(start_call(stack, patient, doctor, case_id))
            time.sleep(STEADY_SECONDS)
            baselines.append(baseline(patient, doctor))
            line = [f"run {run:2d}: set-up {setups[-1]:.2f} s, no-break {baselines[-1]:.3f} s"]
            for seconds in BREAKS:
                outcome = one_break(stack, patient, doctor, seconds)
                results[seconds].append(outcome)
                cut = "ok" if outcome["cut_verified"] else f"LEAKED {outcome['frames_leaked']}"
                line.append(f"{seconds} s -> {outcome['recovery_s']:.2f} s"
                            f" {outcome['patient_doctor_s']} (cut {cut},"
                            f" ice {'/'.join(outcome['ice_at_return'])},"
                            f" restart {'yes' if outcome['ice_restarted'] else 'no'},"
                            f" ws {'new' if outcome['ws_replaced'] else 'kept'})")
            print("  " + "; ".join(line), flush=True)
            end_call(patient, doctor)
    result: dict[str, Any] = {}
    targets_met = True
    for seconds, outcomes in results.items():
        times = [outcome["recovery_s"] for outcome in outcomes]
        verified = sum(1 for outcome in outcomes if outcome["cut_verified"])
        p50 = percentile(times, 0.5)
        result[f"recovery_p50_s_{seconds}"] = round(p50, 3)
        result[f"recovery_p90_s_{seconds}"] = round(percentile(times, 0.9), 3)
        result[f"recovery_max_s_{seconds}"] = round(max(times), 3)
        result[f"recovered_{seconds}"] = sum(1 for outcome in outcomes if outcome["recovered"])
        result[f"cuts_verified_{seconds}"] = verified
        result[f"ice_restarts_{seconds}"] = sum(1 for outcome in outcomes if outcome["ice_restarted"])
        result[f"pc_replaced_{seconds}"] = sum(1 for outcome in outcomes if outcome["pc_replaced"])
        result[f"ws_replaced_{seconds}"] = sum(1 for outcome in outcomes if outcome["ws_replaced"])
        targets_met = targets_met and p50 <= RECOVERY_TARGET_S and verified == len(outcomes)
    result.update({
        "baseline_no_break_p50_s": round(percentile(baselines, 0.5), 3),
        "setup_p50_s": round(percentile(setups, 0.5), 3),
        "runs": RUNS,
        "breaks_s": BREAKS,
        "recovery_target_s": RECOVERY_TARGET_S,
        "steady_s": STEADY_SECONDS,
        "drain_s": DRAIN_SECONDS,
        "recovery_timeout_s": RECOVERY_TIMEOUT_S,
        "targets_met": targets_met,
    })
    print(json.dumps(result))


if __name__ == "__main__":
    main()
