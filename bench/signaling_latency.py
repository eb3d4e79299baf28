"""Signaling latency: how long a relayed signal takes from one client's socket to its peer's,
through the local gateway (local/stack.py: the API Gateway WebSocket emulation calling the real
Chalice handlers, DynamoDB on moto), one signal at a time.

Our relay: a patient and a doctor in an ACTIVE room (visit requested, admitted, both joined), with
1,000 other connections (in other rooms) in the connections table; they send `ice` signals to each
other, alternating, paced so neither leaves its rate budget.

In the same run, with the same client code:
- floor: a bare aiohttp WebSocket relay on 127.0.0.1 that forwards frames to the other socket;
- baseline: the aws-samples simple-websockets-chat-app (bench/scan_chat_app.py: Scan the table,
  post to every connection) through the SAME gateway, with 1,000 other connected clients. They
  are live sockets that receive every message, as the sample's chat users would; the two measured
  clients connect between the first and second 500, so they sit mid-table (in a real Scan their
  place is random; moto returns insertion order). Each message's broadcast is let finish before
  the next is sent, so a message never waits behind the previous one's posts.
Only one local stack runs per process: ours runs, stops, then the baseline's starts.

Last line: {"p50_ms", "p99_ms", "bare_p50_ms", "scan_relay_p50_ms", "p50_ratio_vs_scan", ...}.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench import scan_chat_app
from bench.scan_relay import batch_put, create_chat_table
from bench.signaling_setup import active_room, other_connection_rows, quiet_app_logs, sign_in
from bench.ws_clients import (
    BareRelay,
    Client,
    connect,
    describe,
    join,
    percentile,
    read_signal,
    sequential_latency,
    unlimited_session,
)
from local.seed import DR_CHEN, PAT_ALEX
from local.stack import LocalStack

MESSAGES = int(os.environ.get("BENCH_MESSAGES", "200"))
SCAN_MESSAGES = int(os.environ.get("BENCH_SCAN_MESSAGES", "20"))
WARMUP = 10
SCAN_WARMUP = 2
OTHER_CONNECTIONS = 1_000
# 25 signals/s overall, 12.5/s per client: under the 20/s sustained budget of each connection.
INTERVAL_SECONDS = 0.04
TARGET_RATIO = 0.5


def compact(json_frame: dict[str, Any]) -> str:
    return json.dumps(json_frame, separators=(",", ":"))


def as_chat_message(json_frame: dict[str, Any]) -> str:
    """The chat sample's message shape: the payload travels as a string in `data`."""
    return compact({"action": "sendmessage", "data": compact(json_frame)})


def summary(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2),
        "max_ms": round(max(latencies), 2),
        "messages": len(latencies),
    }


def progress_printer(label: str, total: int) -> Any:
    step = max(1, total // 4)

    def report(done: int) -> None:
        if done % step == 0 or done == total:
            print(f"  {label}: {done}/{total} signals")

    return report


# --- floor ---------------------------------------------------------------------------------------
async def bare_scenario(url: str) -> list[float]:
    async with unlimited_session() as session:
        first = await connect(session, url, "patient")
        second = await connect(session, url, "doctor")
        latencies = await sequential_latency(first, second, MESSAGES, wrap=compact, interval=INTERVAL_SECONDS,
                                             warmup=WARMUP, progress=progress_printer("bare relay", MESSAGES))
        await first.close()
        await second.close()
    return latencies


def bare_arm() -> list[float]:
    with BareRelay() as relay:
        return asyncio.run(bare_scenario(relay.url))


# --- ours ----------------------------------------------------------------------------------------
async def ours_scenario(ws_url: str, tickets: dict[str, str], room_id: str) -> tuple[list[float], Counter[str]]:
    async with unlimited_session() as session:
        patient_id, doctor_id = list(tickets)
        patient = await connect(session, f"{ws_url}?ticket={tickets[patient_id]}", patient_id)
        doctor = await connect(session, f"{ws_url}?ticket={tickets[doctor_id]}", doctor_id)
        await join(patient, room_id)
        joined = await join(doctor, room_id)
        assert [p["participantId"] for p in joined["participants"]] == [patient_id], joined
        latencies = await sequential_latency(patient, doctor, MESSAGES, wrap=compact, interval=INTERVAL_SECONDS,
                                             warmup=WARMUP, progress=progress_printer("our relay", MESSAGES))
        await asyncio.sleep(0.2)
        # Whatever else arrived (an error such as rate_limited would show here).
        others: Counter[str] = patient.skipped + doctor.skipped
        for client in (patient, doctor):
            while not client.inbox.empty():
                others[describe(client.inbox.get_nowait()[1])] += 1
        await patient.close()
        await doctor.close()
    return latencies, others


def ours_arm(data_dir: Path) -> tuple[list[float], Counter[str]]:
    from functions.bootstrap import get_container
    from functions.shared.settings import get_settings

    with LocalStack(port=0, data_dir=data_dir, fresh=True, static_dir=None) as stack:
        quiet_app_logs()
        container = get_container()
        patient, doctor = sign_in(PAT_ALEX), sign_in(DR_CHEN)
        case_id = container.cases.list_visible(patient, 10, None)["items"][0]["caseId"]
        room_id = active_room(patient, doctor, case_id)
        batch_put(stack.client("dynamodb"), get_settings().table_name("connections"),
                  other_connection_rows(0, OTHER_CONNECTIONS))
        tickets = {p.user_id: container.connect_tickets.issue(p).ticket for p in (patient, doctor)}
        print(f"our stack up: room active, {OTHER_CONNECTIONS} other connections in the table")
        return asyncio.run(ours_scenario(stack.ws_url, tickets, room_id))


# --- baseline ------------------------------------------------------------------------------------
async def scan_scenario(ws_url: str) -> list[float]:
    copies: Counter[int] = Counter()

    def crowd_heard(_: float, text: str) -> None:
        signal = read_signal(text)
        if signal is not None:
            copies[signal.seq] += 1

    async def crowd(session: Any, start: int, stop: int) -> list[Client]:
        return list(await asyncio.gather(*(connect(session, ws_url, f"chat-user-{i}", crowd_heard)
                                           for i in range(start, stop))))

    async with unlimited_session() as session:
        half = OTHER_CONNECTIONS // 2
        started = time.perf_counter()
        others = await crowd(session, 0, half)
        first = await connect(session, ws_url, "patient")
        second = await connect(session, ws_url, "doctor")
        others += await crowd(session, half, OTHER_CONNECTIONS)
        print(f"  chat sample: {len(others)} other clients connected in {time.perf_counter() - started:.1f} s")

        async def broadcast_done(seq: int) -> None:
            deadline = time.monotonic() + 60
            while copies[seq] < len(others):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"signal {seq} reached {copies[seq]} of {len(others)} chat clients")
                await asyncio.sleep(0.005)

        latencies = await sequential_latency(first, second, SCAN_MESSAGES, wrap=as_chat_message,
                                             interval=INTERVAL_SECONDS, warmup=SCAN_WARMUP, settle=broadcast_done,
                                             progress=progress_printer("scan relay", SCAN_MESSAGES))
        await asyncio.gather(*(client.close() for client in [first, second, *others]))
    return latencies


def scan_arm(data_dir: Path) -> list[float]:
    scan_chat_app.reset()
    try:
        with LocalStack(port=0, data_dir=data_dir, fresh=True, static_dir=None, seed=False,
                        app=scan_chat_app.app) as stack:
            create_chat_table(stack.client("dynamodb"), scan_chat_app.table_name())
            print("chat sample stack up")
            return asyncio.run(scan_scenario(stack.ws_url))
    finally:
        scan_chat_app.reset()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-latency-") as tmp:
        print("floor: bare WebSocket relay")
        bare = bare_arm()
        print(f"  p50 {percentile(bare, 0.5):.2f} ms")
        print("ours: local gateway + app + moto")
        ours, leftovers = ours_arm(Path(tmp) / "ours")
        print(f"  p50 {percentile(ours, 0.5):.2f} ms, p99 {percentile(ours, 0.99):.2f} ms")
        print("baseline: chat sample (Scan + post to all) through the same gateway")
        scan = scan_arm(Path(tmp) / "scan")
        print(f"  p50 {percentile(scan, 0.5):.2f} ms")

    ours_figures, bare_figures, scan_figures = summary(ours), summary(bare), summary(scan)
    ratio = ours_figures["p50_ms"] / scan_figures["p50_ms"]
    print(json.dumps({
        "p50_ms": ours_figures["p50_ms"],
        "p99_ms": ours_figures["p99_ms"],
        "bare_p50_ms": bare_figures["p50_ms"],
        "bare_p99_ms": bare_figures["p99_ms"],
        "scan_relay_p50_ms": scan_figures["p50_ms"],
        "scan_relay_p99_ms": scan_figures["p99_ms"],
        "p50_ratio_vs_scan": round(ratio, 4),
        "p50_over_floor_ms": round(ours_figures["p50_ms"] - bare_figures["p50_ms"], 2),
        "targets_met": {"p50_ratio_vs_scan": ratio <= TARGET_RATIO},
        "other_connections": OTHER_CONNECTIONS,
        "ours": ours_figures,
        "ours_other_frames": dict(leftovers),
        "bare": bare_figures,
        "scan_relay": scan_figures,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
