"""Signaling cost: DynamoDB work per relayed message as the connections table grows.

A patient and a doctor are in an ACTIVE room made through the app's services (visit requested,
admitted, both joined over the signaling service). The connections table also holds 10, 1,000 and
10,000 OTHER connections, bulk-loaded two per room into other rooms. At each size the patient and
the doctor relay offers to each other through `get_container().signaling.handle` (our relay: one
conditional UpdateItem that spends the rate budget and returns the sender's room, one Query on
byRoom, one post per member) and every DynamoDB call is counted from botocore's events.

Each size is one burst: a first message from each side, then 20 alternating messages (the
per-message figures). The first message of a burst is reported apart: once a connection's budget
has lagged the clock by more than MAX_IDLE_CREDIT_SECONDS it pays a reset (a failed update, a
read, a second update), and whether that happens here depends on how long the bulk load took.
The off-path costs are then measured deterministically with a shifted clock: the first message
after a quiet spell, and a message over the budget (refused).

Baseline, in the same run and against the same moto: the aws-samples simple-websockets-chat-app
relay (bench/scan_relay.py) over a table shaped like the sample's (key connectionId only) holding
the same connections. Its posts are counted, not sent (they are not DynamoDB requests, and at
10,000 connections a message would spend ~40 s posting to moto); our posts go to moto's management
API as they would in the app.

Items read are the items DynamoDB bills a read for: ScannedCount of a Query/Scan, one per GetItem.
Last line: {"requests_per_message", "writes_per_message", "items_read_per_message",
"cost_ratio_10000_vs_10", "scan_cost_ratio_10000_vs_10", ...}.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench.backend import seeded_backend
from bench.dynamo_meter import DynamoMeter, Tally
from bench.scan_relay import batch_put, chat_items, chat_table_name, create_chat_table, on_connect, send_message
from bench.signaling_setup import other_connection_id, other_connection_rows, sign_in
from local.moto_aws import aws_client
from local.seed import DR_CHEN, PAT_ALEX

SIZES = (10, 1_000, 10_000)
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20"))
# The Scan baseline reads the same items every time: a few messages give its exact average.
BASELINE_MESSAGES = int(os.environ.get("BENCH_BASELINE_MESSAGES", "5"))
PATIENT_CONNECTION = "bench-patient-connection="
DOCTOR_CONNECTION = "bench-doctor-connection=="

TARGET_REQUESTS = 2
TARGET_WRITES = 1
TARGET_COST_RATIO = 1.1


def offer(seq: int) -> dict[str, Any]:
    sdp = f"v=0\r\no=- {seq} 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    return {"action": "offer", "sdp": {"type": "offer", "sdp": sdp}}


def rare_paths(meter: DynamoMeter, seq: int, connected_at: float) -> dict[str, Any]:
    """What a relay costs off the steady path: a message over the rate budget (refused) and the
    first message after a quiet spell longer than MAX_IDLE_CREDIT_SECONDS (budget reset). Clocks are
    shifted, not waited for: a clock 10 s before the connection existed sees its budget far ahead
    of now; one a minute past the idle cap sees it far behind."""
    from functions.bootstrap import get_container
    from functions.shared.errors import RateLimited
    from functions.signaling.adapters import MAX_IDLE_CREDIT_SECONDS
    from functions.signaling.service import SignalingService

    container = get_container()

    def shifted(seconds: float) -> SignalingService:
        return SignalingService(container.connections, container.peer_notifier, container.visits, container.visit_store,
                                clock=lambda: time.time() + seconds)

    figures: dict[str, Any] = {}
    with meter.measure() as over_budget:
        try:
            shifted(connected_at - time.time() - 10.0).receive(DOCTOR_CONNECTION, json.dumps(offer(seq + 1)))
            refused = False
        except RateLimited:
            refused = True
    figures["over_budget"] = {**over_budget.per(1), "refused": refused}
    with meter.measure() as after_quiet:
        shifted(MAX_IDLE_CREDIT_SECONDS + 60.0).receive(DOCTOR_CONNECTION, json.dumps(offer(seq + 2)))
    figures["after_quiet"] = {**after_quiet.per(1), "quiet_over_seconds": MAX_IDLE_CREDIT_SECONDS}
    return figures


def main() -> None:
    from functions.bootstrap import get_container
    from functions.shared.dynamo import shared_connection
    from functions.shared.settings import get_settings

    with seeded_backend() as env:
        endpoint = env["AWS_ENDPOINT_URL"]
        container = get_container()
        settings = get_settings()
        patient, doctor = sign_in(PAT_ALEX), sign_in(DR_CHEN)
        case_id = container.cases.list_visible(patient, 10, None)["items"][0]["caseId"]
        room_id = container.visits.request(patient, case_id)["roomId"]
        container.visits.admit(doctor, room_id)
        signaling = container.signaling
        connected_at = time.time()
        signaling.connect(PATIENT_CONNECTION, patient)
        signaling.connect(DOCTOR_CONNECTION, doctor)
        for connection_id in (PATIENT_CONNECTION, DOCTOR_CONNECTION):
            signaling.receive(connection_id, json.dumps({"action": "join", "roomId": room_id}))
        members = container.connections.in_room(room_id)
        assert set(members) == {PATIENT_CONNECTION, DOCTOR_CONNECTION}, members
        print(f"room {room_id[:6]}... active with 2 members")

        ours_meter = DynamoMeter(shared_connection(settings).client)
        posts = {"count": 0}

        def count_post(**_: Any) -> None:
            posts["count"] += 1

        container.peer_notifier._api().meta.events.register(
            "before-call.apigatewaymanagementapi.PostToConnection", count_post)

        loader = aws_client("dynamodb", endpoint)
        baseline_client = aws_client("dynamodb", endpoint)
        baseline_meter = DynamoMeter(baseline_client)
        ours_table = settings.table_name("connections")
        chat_table = chat_table_name(settings.table_prefix)
        create_chat_table(loader, chat_table)
        for connection_id in (PATIENT_CONNECTION, DOCTOR_CONNECTION):
            on_connect(loader, chat_table, connection_id)

        baseline_posts = {"count": 0}

        def counted_post(connection_id: str, data: str) -> None:
            baseline_posts["count"] += 1

        ours: dict[str, dict[str, Any]] = {}
        scan: dict[str, dict[str, Any]] = {}
        loaded = 0
        seq = 0
        for size in SIZES:
            started = time.perf_counter()
            batch_put(loader, ours_table, other_connection_rows(loaded, size))
            batch_put(loader, chat_table, chat_items(other_connection_id(i) for i in range(loaded, size)))
            loaded = size
            load_s = time.perf_counter() - started

            first = Tally()
            for sender in (PATIENT_CONNECTION, DOCTOR_CONNECTION):
                seq += 1
                with ours_meter.measure() as one:
                    signaling.receive(sender, json.dumps(offer(seq)))
                first.add(one)

            tally = Tally()
            posts["count"] = 0
            started = time.perf_counter()
            for n in range(MESSAGES):
                sender = PATIENT_CONNECTION if n % 2 == 0 else DOCTOR_CONNECTION  # both stay within budget
                seq += 1
                with ours_meter.measure() as one:
                    signaling.receive(sender, json.dumps(offer(seq)))
                tally.add(one)
            ours_ms = (time.perf_counter() - started) * 1000 / MESSAGES
            ours[str(size)] = {**tally.per(MESSAGES), "posts": round(posts["count"] / MESSAGES, 3),
                               "moto_ms": round(ours_ms, 1), "messages": MESSAGES,
                               "first_of_burst_requests": first.per(2)["requests"]}

            baseline = Tally()
            baseline_posts["count"] = 0
            truncated = False
            started = time.perf_counter()
            for n in range(BASELINE_MESSAGES):
                sender = PATIENT_CONNECTION if n % 2 == 0 else DOCTOR_CONNECTION
                seq += 1
                body = json.dumps({"action": "sendmessage", "data": json.dumps(offer(seq))})
                with baseline_meter.measure() as one:
                    result = send_message(baseline_client, chat_table, sender, body, counted_post, ())
                truncated = truncated or result.truncated
                baseline.add(one)
            scan_ms = (time.perf_counter() - started) * 1000 / BASELINE_MESSAGES
            scan[str(size)] = {**baseline.per(BASELINE_MESSAGES),
                               "posts": round(baseline_posts["count"] / BASELINE_MESSAGES, 3),
                               "truncated": truncated, "moto_ms": round(scan_ms, 1), "messages": BASELINE_MESSAGES}
            print(f"{size:>6} other connections (loaded in {load_s:.1f} s): "
                  f"ours {ours[str(size)]['requests']} requests, {ours[str(size)]['writes']} writes, "
                  f"{ours[str(size)]['items_read']} items read, {ours_ms:.0f} ms/message "
                  f"(burst opener {ours[str(size)]['first_of_burst_requests']} requests) | "
                  f"scan {scan[str(size)]['requests']} requests, {scan[str(size)]['items_read']} items read, "
                  f"{scan[str(size)]['posts']} posts, {scan_ms:.0f} ms/message")

        rare = rare_paths(ours_meter, seq, connected_at)
        quiet = rare["after_quiet"]
        print(f"off the steady path: first message after > {quiet['quiet_over_seconds']:.0f} s quiet "
              f"{quiet['requests']} requests / {quiet['writes']} writes; "
              f"over budget (refused) {rare['over_budget']['requests']} requests")

    smallest, largest = str(SIZES[0]), str(SIZES[-1])
    cost_ratio = ours[largest]["items_read"] / ours[smallest]["items_read"]
    scan_ratio = scan[largest]["items_read"] / scan[smallest]["items_read"]
    requests = {size: figures["requests"] for size, figures in ours.items()}
    writes = {size: figures["writes"] for size, figures in ours.items()}
    # A burst of MESSAGES signals that opens after a quiet spell (a renegotiation mid-call).
    steady = ours[largest]
    burst = {key: round((rare["after_quiet"][key] + (MESSAGES - 1) * steady[key]) / MESSAGES, 3)
             for key in ("requests", "writes")}
    print(json.dumps({
        "requests_per_message": requests,
        "writes_per_message": writes,
        "items_read_per_message": {size: figures["items_read"] for size, figures in ours.items()},
        "cost_ratio_10000_vs_10": round(cost_ratio, 3),
        "scan_requests_per_message": {size: figures["requests"] for size, figures in scan.items()},
        "scan_items_read_per_message": {size: figures["items_read"] for size, figures in scan.items()},
        "scan_cost_ratio_10000_vs_10": round(scan_ratio, 3),
        "targets_met": {
            "requests_per_message": max(requests.values()) <= TARGET_REQUESTS,
            "writes_per_message": max(writes.values()) <= TARGET_WRITES,
            "cost_ratio_10000_vs_10": cost_ratio <= TARGET_COST_RATIO,
        },
        "burst_after_quiet_per_message": {**burst, "messages": MESSAGES},
        "ours": ours,
        "ours_off_path": rare,
        "scan_baseline": scan,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
