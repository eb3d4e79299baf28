"""Full-mesh video visits of 2, 3 and 4 Chromium participants through the local stack.

Each participant is its own Chromium (the fake camera plays its own known colour, 320x240 at 10 fps)
signed in once: pat.alex, dr.chen (who admits), then dr.okafor and dr.rao (invited to the case). Each
run: the patient asks for a visit and dr.chen admits it (REST); the first n-1 participants open the
call page and connect; then the clock starts as the LAST participant opens the call page (page load,
camera, join, negotiation with everyone present), and stops at the latest first decoded video frame
over every peer connection of every page (each page polls its own connections' video receivers every
20 ms and keeps the time the first decoded frame reached the track: that is the resolution). The pictures' colours
are checked by tests/e2e/test_mesh_call_browser.py; here a cheap in-page probe keeps the measurement
from competing with the browsers for the two cores. Then a steady 4 s window measures the CPU of all
Chromium processes (utime + stime from /proc; the idle browsers of people not in this room, on
about:blank, included), divided by the participants and the window: the share of one core each
participant costs.
The visit ends and every page leaves the call before the next run.

Baseline: the 2-participant room (a plain 1:1 call, the same pages and machinery) in the same run.
Target: set-up p50 <= 3.0 s for 4 participants. Progress lines, then one JSON line last.
A room not connected within RUN_WAIT_S is a failed run: it counts as slower than any measured run in
the percentiles (null when it decides one) and in `failed_runs_<n>`; the JSON line is printed anyway.
BENCH_MESH_RUNS overrides the runs per room size (5).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import requests

from bench.signaling_setup import quiet_app_logs
from bench.ws_clients import percentile
from local.seed import DR_CHEN, DR_OKAFOR, DR_RAO, PAT_ALEX
from local.stack import LocalStack
from tests.e2e.test_mesh_call_browser import BLUE, YELLOW, Person, write_solid_clip
from tests.e2e.video_call import CYAN, MAGENTA, require_built_app, wait_until

# Per page: for each live peer connection, when its first inbound video frame was decoded (ms epoch).
# A video receiver lists a synchronization source once the decoder has delivered a frame to its track
# (WebRTC updates the list on each decoded frame); reading it is a cheap synchronous call, where
# getStats is a round of the browser's threads: polling getStats every 50 ms on each new connection
# cost the four busy pages CPU inside the very window being measured, and answered 2-48 ms later
# than this list for the same frames (8 connections over 4 calls compared, both polled every 5 ms).
FIRST_DECODED_JS = """
() => {
  const probe = window.__meshProbe || (window.__meshProbe = { first: new Map(), timer: null });
  if (probe.timer === null) {
    probe.timer = setInterval(() => {
      for (const pc of window.__df.pcs) {
        if (pc.connectionState === 'closed' || probe.first.has(pc)) continue;
        const decoded = pc.getReceivers().some(
          (receiver) => receiver.track.kind === 'video' && receiver.getSynchronizationSources().length > 0);
        if (decoded) probe.first.set(pc, Date.now());
      }
    }, 20);
  }
  const live = window.__df.pcs.filter((pc) => pc.connectionState !== 'closed');
  return live.map((pc) => probe.first.get(pc) ?? null);
}
"""

RUNS = int(os.environ.get("BENCH_MESH_RUNS", "5"))
SIZES = (2, 3, 4)
STEADY_SECONDS = 4.0
SETUP_TARGET_S = 3.0
CLIP = "320x240@10fps"
# Ten times the target: a room that has not connected by then counts as a failed run.
RUN_WAIT_S = 30.0


def token(stack: LocalStack, username: str, password: str) -> str:
    response = requests.post(stack.api_url + "/auth/login", json={"username": username, "password": password},
                             timeout=30)
    response.raise_for_status()
    return str(response.json()["accessToken"])


def call(stack: LocalStack, method: str, path: str, bearer: str, body: Any = None) -> Any:
    response = requests.request(method, stack.api_url + path, json=body, timeout=30,
                                headers={"Authorization": f"Bearer {bearer}"})
    assert response.status_code < 400, (path, response.status_code, response.text)
    return response.json()


def chromium_cpu_seconds() -> float:
    """utime + stime of every Chromium process below this one (/proc; Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        pid = int(entry)
        parents[pid] = int(fields[1])
        times[pid] = (int(fields[11]) + int(fields[12])) / tick
        names[pid] = name
    me = os.getpid()

    def below_me(pid: int) -> bool:
        seen = 0
        while pid > 1 and seen < 64:
            pid = parents.get(pid, 0)
            if pid == me:
                return True
            seen += 1
        return False

    return sum(t for pid, t in times.items() if "chrom" in names[pid].lower() and below_me(pid))


def one_run(stack: LocalStack, people: list[Person], case_id: str,
            tokens: dict[str, str]) -> tuple[float | None, float | None]:
    visit = call(stack, "POST", "/visits", tokens[PAT_ALEX.username], {"caseId": case_id})
    room_id = visit["roomId"]
    call(stack, "POST", f"/visits/{room_id}/admit", tokens[DR_CHEN.username], {})
    url = f"{stack.base_url}/visits/{room_id}"

    def decoded(group: list[Person]) -> list[int] | None:
        """Every page's first-decoded times, once each page decodes all the others; else None."""
        times: list[int] = []
        for person in group:
            firsts = person.page.evaluate(FIRST_DECODED_JS)
            if len(firsts) != len(group) - 1 or None in firsts:
                return None
            times.extend(firsts)
        return times

    earlier, last = people[:-1], people[-1]
    try:
        earlier[0].page.goto(url)
        earlier[0].page.get_by_test_id("call-page").wait_for(timeout=15000)
        # One at a time, each connected before the next, as people arrive in a real visit.
        for count in range(2, len(earlier) + 1):
            earlier[count - 1].page.goto(url)
            wait_until(partial(decoded, earlier[:count]), RUN_WAIT_S, "the first participants connected",
                       interval=0.25)
        started_ms = time.time() * 1000
        last.page.goto(url)
        times = wait_until(lambda: decoded(people), RUN_WAIT_S, "every page decoding every other participant",
                           interval=0.25)
        setup: float | None = (max(times) - started_ms) / 1000

        before = chromium_cpu_seconds()
        time.sleep(STEADY_SECONDS)
        cpu: float | None = (chromium_cpu_seconds() - before) / STEADY_SECONDS / len(people)
    except AssertionError as failure:
        # A room that did not connect within the wait is a result too (counted as failed, slower than
        # any measured run), not the end of the benchmark.
        print(f"  run failed: {failure}")
        for person in people:
            print("    " + person.report()[-3000:].replace("\n", "\n    "))
        setup = cpu = None
    finally:
        call(stack, "POST", f"/visits/{room_id}/end", tokens[DR_CHEN.username], {})
        for person in people:
            person.page.goto("about:blank")  # leaves the call: camera and peer connections released
    return setup, cpu


def main() -> None:
    require_built_app()
    setups: dict[int, list[float]] = {n: [] for n in SIZES}  # failed runs as +inf (slower than any)
    cpus: dict[int, list[float]] = {n: [] for n in SIZES}  # measured runs only
    with tempfile.TemporaryDirectory(prefix="mesh-") as folder, ExitStack() as exits:
        root = Path(folder)
        stack = exits.enter_context(LocalStack(port=0, moto_port=0, data_dir=root / "data"))
        quiet_app_logs()
        accounts = (PAT_ALEX, DR_CHEN, DR_OKAFOR, DR_RAO)
        tokens = {a.username: token(stack, a.username, a.password) for a in accounts}
        case_id = str(call(stack, "GET", "/cases", tokens[PAT_ALEX.username])["items"][0]["caseId"])
        for colleague in (DR_OKAFOR, DR_RAO):
            doctor_id = call(stack, "GET", "/me", tokens[colleague.username])["userId"]
            call(stack, "POST", f"/cases/{case_id}/invitations", tokens[DR_CHEN.username],
                 {"doctorId": doctor_id, "expiresInHours": 2})
        palette = (MAGENTA, CYAN, YELLOW, BLUE)
        people: list[Person] = []
        for account, colour in zip(accounts, palette, strict=True):
            clip = write_solid_clip(root / f"{account.username}.y4m", colour)
            person = Person(exits, clip, account, stack, people[0] if people else None)
            person.sign_in()
            people.append(person)
        print(f"mesh set-up, {RUNS} runs per room size {SIZES}, clips {CLIP}, {os.cpu_count()} cores")
        for size in SIZES:
            for run in range(1, RUNS + 1):
                setup, cpu = one_run(stack, people[:size], case_id, tokens)
                setups[size].append(math.inf if setup is None else setup)
                if cpu is not None:
                    cpus[size].append(cpu)
                if setup is not None and cpu is not None:
                    print(f"  {size} participants, run {run}: set-up {setup:.3f} s, CPU {cpu:.2f} core/participant")
    result: dict[str, Any] = {}
    for size in SIZES:
        # null: more than half (p50) or a tenth (p90) of the runs did not connect within RUN_WAIT_S.
        result[f"setup_p50_s_{size}"] = _seconds(percentile(setups[size], 0.5))
        result[f"setup_p90_s_{size}"] = _seconds(percentile(setups[size], 0.9))
        result[f"failed_runs_{size}"] = sum(1 for s in setups[size] if math.isinf(s))
        result[f"cpu_per_participant_{size}"] = round(percentile(cpus[size], 0.5), 3) if cpus[size] else None
    result.update({
        "baseline": "2 participants (a 1:1 call through the same pages)",
        "targets_met": percentile(setups[4], 0.5) <= SETUP_TARGET_S,
        "parameters": {"runs_per_size": RUNS, "sizes": list(SIZES), "clip": CLIP, "steady_window_s": STEADY_SECONDS,
                       "setup_target_p50_s_4": SETUP_TARGET_S, "run_wait_s": RUN_WAIT_S,
                       "cpu_unit": "cores per participant (median)",
                       "cores": os.cpu_count()},
    })
    print(json.dumps(result))


def _seconds(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 3)


if __name__ == "__main__":
    main()
