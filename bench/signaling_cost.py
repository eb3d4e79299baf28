"""Signaling cost: DynamoDB work per relayed message as the connections table grows.

A patient and a doctor are in an ACTIVE room made through the app's services (visit requested,
admitted, both joined over the signaling service). The connections table also holds 10, 1,000 and
10,000 OTHER connections, bulk-loaded two per room into other rooms. At each size the patient and
the doctor relay offers to each other through `get_container().signaling.handle` (our relay: one
conditional UpdateItem that spends the rate budget and returns the sender's item with the room's
member list, then one post per member) and every DynamoDB call is counted from botocore's events.
Billed units come from the meter's shadow reads (bench/dynamo_meter.py): base and index write units
by DynamoDB's rules, read units in 4 KB units next to item counts.

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

Index projections, in the same run: the one budget write on the app's connections table (byRoom
keys only, byUser projecting roomId) and the same write on a copy of the table as it was (both
indexes projecting ALL), holding the same item. Heartbeats: a ping every 30 s is one write; its
billed units times 120 is the cost of keeping one connection open for an hour.

Items read are the items DynamoDB bills a read for: ScannedCount of a Query/Scan, one per GetItem.
Last line: {"requests_per_message", "writes_per_message", "billed_writes_per_message",
"items_read_per_message", "read_units_per_message", "heartbeat_per_connection_hour",
"cost_ratio_10000_vs_10", "scan_cost_ratio_10000_vs_10", ...}.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench.backend import seeded_backend
from bench.dynamo_meter import DynamoMeter, Tally, item_size
from bench.scan_relay import batch_put, chat_items, chat_table_name, create_chat_table, on_connect, send_message
from bench.signaling_setup import other_connection_id, other_connection_rows, sign_in
from local.moto_aws import aws_client
from local.seed import DR_CHEN, PAT_ALEX

SIZES = tuple(int(n) for n in os.environ.get("BENCH_SIZES", "10,1000,10000").split(","))
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "20"))
# The Scan baseline reads the same items every time: a few messages give its exact average.
BASELINE_MESSAGES = int(os.environ.get("BENCH_BASELINE_MESSAGES", "5"))
PATIENT_CONNECTION = "bench-patient-connection="
DOCTOR_CONNECTION = "bench-doctor-connection=="

TARGET_REQUESTS = 1
TARGET_WRITES = 1
TARGET_BILLED_WRITES = 1
TARGET_COST_RATIO = 1.1
HEARTBEAT_SECONDS = 30  # the web client's ping interval


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


def projection_arms(meter: DynamoMeter, loader: Any, table: str) -> dict[str, Any]:
    """The budget write (the statement the adapter sends) on the app's table and on a copy whose
    indexes project ALL, both holding the doctor's item: billed writes per budget write."""
    import dataclasses

    from functions.shared.tables import CONNECTIONS, Index

    as_it_was = dataclasses.replace(CONNECTIONS, indexes=tuple(
        Index(index.name, index.hash_key, index.range_key) for index in CONNECTIONS.indexes))
    copy = table + "_all_projection"
    loader.create_table(**as_it_was.create_table_kwargs(copy))
    loader.get_waiter("table_exists").wait(TableName=copy)
    item = loader.get_item(TableName=table, Key={"connectionId": {"S": DOCTOR_CONNECTION}}, ConsistentRead=True)["Item"]
    loader.put_item(TableName=copy, Item=item)
    arms: dict[str, Any] = {}
    for name, target in (("narrow", table), ("all", copy)):
        with meter.measure() as tally:
            loader.update_item(TableName=target, Key={"connectionId": {"S": DOCTOR_CONNECTION}},
                               UpdateExpression="ADD tat :d", ExpressionAttributeValues={":d": {"N": "0.05"}},
                               ConditionExpression="attribute_exists(connectionId)", ReturnValues="ALL_NEW")
        arms[name] = {key: tally.per(1)[key] for key in ("billed_writes", "gsi_writes", "gsi_writes_by_index")}
    arms["item_bytes"] = item_size(item)
    return arms


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

        ours_meter = DynamoMeter(shared_connection(settings).client, shadow=aws_client("dynamodb", endpoint))
        posts = {"count": 0}

        def count_post(**_: Any) -> None:
            posts["count"] += 1

        container.peer_notifier._api().meta.events.register(
            "before-call.apigatewaymanagementapi.PostToConnection", count_post)

        loader = aws_client("dynamodb", endpoint)
        baseline_client = aws_client("dynamodb", endpoint)
        baseline_meter = DynamoMeter(baseline_client, shadow=aws_client("dynamodb", endpoint))
        projections = projection_arms(DynamoMeter(loader, shadow=aws_client("dynamodb", endpoint)), loader,
                                      settings.table_name("connections"))
        print(f"one budget write: {projections['narrow']['billed_writes']} billed writes with narrow index "
              f"projections, {projections['all']['billed_writes']} with ALL ({projections['item_bytes']} B item)")
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
                  f"ours {ours[str(size)]['requests']} requests, {ours[str(size)]['writes']} writes "
                  f"({ours[str(size)]['billed_writes']} billed), "
                  f"{ours[str(size)]['items_read']} items read ({ours[str(size)]['read_units']} RU), "
                  f"{ours_ms:.0f} ms/message "
                  f"(burst opener {ours[str(size)]['first_of_burst_requests']} requests) | "
                  f"scan {scan[str(size)]['requests']} requests, {scan[str(size)]['items_read']} items read "
                  f"({scan[str(size)]['read_units']} RU), "
                  f"{scan[str(size)]['posts']} posts, {scan_ms:.0f} ms/message")

        heartbeat = Tally()
        pings = 4
        for n in range(pings):
            time.sleep(0.06)  # a ping pulls a lagging budget up to now: the budget must lag a little
            with ours_meter.measure() as one:
                signaling.receive(PATIENT_CONNECTION, json.dumps({"action": "ping", "ts": n}))
            heartbeat.add(one)
        ping = heartbeat.per(pings)
        per_hour = 3600 // HEARTBEAT_SECONDS
        heartbeat_hour = {"pings": per_hour, "requests": round(ping["requests"] * per_hour, 1),
                          "billed_writes": round(ping["billed_writes"] * per_hour, 1),
                          "read_units": round(ping["read_units"] * per_hour, 1),
                          "per_ping": {key: ping[key] for key in ("requests", "billed_writes", "read_units")}}
        rare = rare_paths(ours_meter, seq, connected_at)
        quiet = rare["after_quiet"]
        print(f"off the steady path: first message after > {quiet['quiet_over_seconds']:.0f} s quiet "
              f"{quiet['requests']} requests / {quiet['writes']} writes; "
              f"over budget (refused) {rare['over_budget']['requests']} requests")

    smallest, largest = str(SIZES[0]), str(SIZES[-1])
    # Cost of a message: billed write units plus read units (the relay reads nothing now, so a ratio
    # of items read alone would divide by zero).
    def cost(figures: dict[str, Any]) -> float:
        return float(figures["billed_writes"] + figures["read_units"])

    cost_ratio = cost(ours[largest]) / cost(ours[smallest])
    scan_ratio = cost(scan[largest]) / cost(scan[smallest])
    requests = {size: figures["requests"] for size, figures in ours.items()}
    writes = {size: figures["writes"] for size, figures in ours.items()}
    billed = {size: figures["billed_writes"] for size, figures in ours.items()}
    # A burst of MESSAGES signals that opens after a quiet spell (a renegotiation mid-call).
    steady = ours[largest]
    burst = {key: round((rare["after_quiet"][key] + (MESSAGES - 1) * steady[key]) / MESSAGES, 3)
             for key in ("requests", "writes", "billed_writes")}
    print(json.dumps({
        "requests_per_message": requests,
        "writes_per_message": writes,
        "billed_writes_per_message": billed,
        "items_read_per_message": {size: figures["items_read"] for size, figures in ours.items()},
        "read_units_per_message": {size: figures["read_units"] for size, figures in ours.items()},
        "heartbeat_per_connection_hour": heartbeat_hour,
        "budget_write_by_projection": projections,
        "cost_ratio_10000_vs_10": round(cost_ratio, 3),
        "scan_requests_per_message": {size: figures["requests"] for size, figures in scan.items()},
        "scan_items_read_per_message": {size: figures["items_read"] for size, figures in scan.items()},
        "scan_read_units_per_message": {size: figures["read_units"] for size, figures in scan.items()},
        "scan_cost_ratio_10000_vs_10": round(scan_ratio, 3),
        "targets_met": {
            "requests_per_message": max(requests.values()) <= TARGET_REQUESTS,
            "writes_per_message": max(writes.values()) <= TARGET_WRITES,
            "billed_writes_per_message": max(billed.values()) <= TARGET_BILLED_WRITES,
            "cost_ratio_10000_vs_10": cost_ratio <= TARGET_COST_RATIO,
        },
        "burst_after_quiet_per_message": {**burst, "messages": MESSAGES},
        "parameters": {"sizes": list(SIZES), "messages": MESSAGES, "baseline_messages": BASELINE_MESSAGES,
                       "heartbeat_seconds": HEARTBEAT_SECONDS, "cost": "billed write units + read units"},
        "ours": ours,
        "ours_off_path": rare,
        "scan_baseline": scan,
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
