"""Signaling under load: 200 WebSocket clients in 100 rooms (one patient and one doctor each) all
signaling at once through the local gateway (local/stack.py: the API Gateway WebSocket emulation
calling the real handlers in worker threads).

The gateway and the handlers run in this process; DynamoDB and Cognito run in a moto process of
their own (bench/backend.py), so the emulated AWS does not share one core with the gateway
(BENCH_MOTO=stack keeps the stack's in-process moto instead: about 20% fewer relays per second).

Setup goes through the app's services: 100 patients and 100 doctors are created in Cognito, each
pair gets a case (record + access grants) and an ACTIVE visit (requested by the patient, admitted
by the doctor); connect tickets are issued per client by the ticket service. Then all 200 sockets
connect and join together, and every client sends 50 `ice` signals at a steady pace (BENCH_RATE
per second, default 10: half the 20/s sustained budget, so the rate limit never bites and the run
measures routing). Each signal carries its sequence number and its sender's id.

Every client records what it receives:
- delivered: a signal from its own peer (relay's `from` and the payload's sender both the peer);
- misrouted: a signal from anyone else;
- lost: expected signals (each client's 50, to its peer) still missing when deliveries stall for
  BENCH_STALL seconds or BENCH_DEADLINE seconds after the last send;
- rate_limited and other errors are counted apart.
Latency is send -> peer's receipt. 200 clients at 10/s offer 2,000 signals/s, far more than this
single-process emulation relays (~70/s on 2 cores), so at the default pace p50/p99 measure how long
the backlog takes to drain; `relayed_per_s` is the emulation's throughput. A pace under that
(e.g. BENCH_RATE=0.25) measures latency without a backlog.

Join race (BENCH_JOIN_RACE=1): the two clients of a room join at the same moment and each sends its
first signal the instant it learns its peer is in the room (the peer is in its `joined` list, or a
`participant.joined` for the peer arrives), with no pause after joining. A relay reads the member
list stored on the sender's own item, so this checks that a client never learns of a peer before
its own list holds that peer (lists are published before anyone is told of a join).

Offer at join (BENCH_OFFER_AT_JOIN=1, implies the join race): each client's first frame is an
`offer`, sent the instant it learns its peer is in the room; the rest are `ice`.

Lagging indexes (BENCH_GSI_LAG=0.5,1): DynamoDB's GSIs are eventually consistent, moto's are not;
bench/gsi_lag.py makes a Query on byRoom or byUser miss writes younger than 0.5-1 s (drawn per write). The
figures count the byRoom Queries the run made (`by_room_queries`): which paths read the index.

Concurrent frames (BENCH_CONCURRENT=N): the gateway runs up to N frames of ONE connection at once
(API Gateway promises no order either) and every client sends its signals in bursts of N frames
back to back, so several frames of one connection are in flight together.

Last line: {"sent", "delivered", "lost", "misrouted", "p99_ms", "parameters", "targets_met", ...};
`targets_met.issue_parameters` holds only for the issue's run (200 clients, 100 rooms, 50 each).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.backend import moto_backend
from bench.gsi_lag import LagLog, lagging_indexes
from bench.signaling_setup import active_room, open_case, quiet_app_logs
from bench.ws_clients import (
    Client,
    connect,
    describe,
    ice_frame,
    join,
    offer_frame,
    percentile,
    read_signal,
    unlimited_session,
)
from functions.shared.auth import Principal, Role
from local.moto_aws import aws_client
from local.seed import DemoAccount, create_user
from local.stack import LocalStack

ROOMS = int(os.environ.get("BENCH_ROOMS", "100"))
MESSAGES_PER_CLIENT = int(os.environ.get("BENCH_MESSAGES", "50"))
RATE_PER_CLIENT = float(os.environ.get("BENCH_RATE", "10"))
# A signal is lost if it has not arrived once deliveries stop for STALL_SECONDS, or by
# DEADLINE_SECONDS after the last send, whichever comes first.
STALL_SECONDS = float(os.environ.get("BENCH_STALL", "10"))
DEADLINE_SECONDS = float(os.environ.get("BENCH_DEADLINE", "180"))
SETUP_THREADS = 8
# BENCH_MOTO=stack keeps DynamoDB/Cognito on the stack's own in-process moto (one core for everything).
MOTO_IN_STACK = os.environ.get("BENCH_MOTO", "process") == "stack"
OFFER_AT_JOIN = os.environ.get("BENCH_OFFER_AT_JOIN", "0") == "1"
JOIN_RACE = OFFER_AT_JOIN or os.environ.get("BENCH_JOIN_RACE", "0") == "1"
# "low,high" seconds of byRoom lag per write ("0": no lag, moto's own index).
GSI_LAG = tuple(float(x) for x in os.environ.get("BENCH_GSI_LAG", "0").split(","))
CONCURRENT = int(os.environ.get("BENCH_CONCURRENT", "1"))
# The run issue 17 asks for.
ISSUE_PARAMETERS = {"clients": 200, "rooms": 100, "messages_per_client": 50}


@dataclass
class Member:
    principal: Principal
    room_id: str
    peer_id: str
    ticket: str = ""


@dataclass
class Results:
    delivered: set[tuple[str, int]] = field(default_factory=set)
    latencies_ms: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    other_frames: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    duplicates: int = 0
    misrouted: int = 0


def create_people() -> list[tuple[Principal, Principal]]:
    """ROOMS (patient, doctor) pairs in the app's Cognito pool."""
    from functions.shared.settings import get_settings

    settings = get_settings()
    cognito = aws_client("cognito-idp", os.environ["AWS_ENDPOINT_URL"], settings.region)
    pool_id = settings.user_pool_id

    def make(index: int, role: Role) -> Principal:
        account = DemoAccount(f"load.{role.value}{index:03d}", role, f"Load {role.value} {index}")
        return Principal(create_user(cognito, pool_id, account), account.username, frozenset({role}))

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        patients = list(pool.map(lambda i: make(i, Role.PATIENT), range(ROOMS)))
        doctors = list(pool.map(lambda i: make(i, Role.DOCTOR), range(ROOMS)))
    return list(zip(patients, doctors, strict=True))


def open_rooms(pairs: list[tuple[Principal, Principal]]) -> list[Member]:
    """A case and an active visit per pair (through the services); two members per room."""

    def one(index: int) -> list[Member]:
        patient, doctor = pairs[index]
        case_id = open_case(patient.user_id, doctor.user_id)
        room_id = active_room(patient, doctor, case_id)
        return [Member(patient, room_id, doctor.user_id), Member(doctor, room_id, patient.user_id)]

    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        return [member for members in pool.map(one, range(ROOMS)) for member in members]


def wait_for_disconnects(timeout: float) -> int:
    """Let every $disconnect handler finish before the stack stops (it would cancel them)."""
    from functions.shared.settings import get_settings

    settings = get_settings()
    dynamodb = aws_client("dynamodb", os.environ["AWS_ENDPOINT_URL"], settings.region)
    deadline = time.monotonic() + timeout
    while True:
        left = int(dynamodb.scan(TableName=settings.table_name("connections"), Select="COUNT")["Count"])
        if left == 0 or time.monotonic() > deadline:
            return left
        time.sleep(0.5)


async def scenario(ws_url: str, members: list[Member]) -> dict[str, Any]:
    results = Results()
    latencies, errors, other_frames = results.latencies_ms, results.errors, results.other_frames
    sent_at: dict[tuple[str, int], float] = {}
    expected = len(members) * MESSAGES_PER_CLIENT
    all_delivered = asyncio.Event()

    peer_known = {member.principal.user_id: asyncio.Event() for member in members}
    learned: dict[str, str] = {}  # how each client learned of its peer (join race): "joined" or "participant.joined"
    got_joined: set[str] = set()

    def receiver(member: Member) -> Any:
        def on_text(arrived: float, text: str) -> None:
            signal = read_signal(text)
            if signal is None:
                frame = json.loads(text) if text.startswith("{") else {}
                me = member.principal.user_id
                if frame.get("type") == "joined":
                    got_joined.add(me)
                if frame.get("type") == "joined" and any(
                        p.get("participantId") == member.peer_id for p in frame.get("participants", [])):
                    learned.setdefault(me, "joined")
                    peer_known[me].set()
                    return
                if frame.get("type") == "participant.joined" and frame.get("participantId") == member.peer_id:
                    learned.setdefault(me, "participant.joined")
                    peer_known[me].set()
                    return
                if frame.get("type") == "joined":
                    return
                label = describe(text)
                (errors if label.startswith("error:") else other_frames)[label] += 1
                return
            if signal.relayed_from != member.peer_id or signal.sender != member.peer_id:
                results.misrouted += 1
                return
            key = (signal.sender, signal.seq)
            if key in results.delivered:
                results.duplicates += 1
                return
            results.delivered.add(key)
            results.kinds[signal.kind] += 1
            latencies.append((arrived - sent_at[key]) * 1000)
            if len(results.delivered) == expected:
                all_delivered.set()

        return on_text

    async with unlimited_session() as session:
        started = time.perf_counter()
        clients: list[Client] = list(await asyncio.gather(
            *(connect(session, f"{ws_url}?ticket={m.ticket}", m.principal.user_id) for m in members)))
        connected_s = time.perf_counter() - started
        print(f"{len(clients)} sockets connected in {connected_s:.1f} s")

        started = time.perf_counter()
        if JOIN_RACE:
            # Listen from the start: a peer's participant.joined may come before our own `joined`.
            for client, member in zip(clients, members, strict=True):
                client.listen(receiver(member))
            await asyncio.gather(*(client.send({"action": "join", "roomId": member.room_id})
                                   for client, member in zip(clients, members, strict=True)))
        else:
            await asyncio.gather(*(join(client, member.room_id, timeout=120)
                                   for client, member in zip(clients, members, strict=True)))
        joined_s = time.perf_counter() - started
        print(f"{len(clients)} clients {'sent join' if JOIN_RACE else 'joined their rooms'} in {joined_s:.1f} s")
        if not JOIN_RACE:
            for client, member in zip(clients, members, strict=True):
                client.listen(receiver(member))

        interval = 1.0 / RATE_PER_CLIENT
        burst = max(1, CONCURRENT)  # frames sent back to back, every `burst` intervals

        async def send_all(client: Client) -> None:
            me = client.name
            if JOIN_RACE:
                await asyncio.wait_for(peer_known[me].wait(), timeout=120)  # then at once: no pause
            else:
                await asyncio.sleep(random.uniform(0, interval))  # clients do not march in step
            first = time.perf_counter()
            for seq in range(1, MESSAGES_PER_CLIENT + 1):
                rest = first + ((seq - 1) // burst) * burst * interval - time.perf_counter()
                if rest > 0:
                    await asyncio.sleep(rest)
                sent_at[(me, seq)] = time.perf_counter()
                await client.send(offer_frame(seq, me) if OFFER_AT_JOIN and seq == 1 else ice_frame(seq, me))

        started = time.perf_counter()
        await asyncio.gather(*(send_all(client) for client in clients))
        sending_s = time.perf_counter() - started
        print(f"{len(sent_at)} signals sent in {sending_s:.1f} s ({len(results.delivered)} delivered so far)")
        deadline = time.perf_counter() + DEADLINE_SECONDS
        progress = (len(results.delivered), time.perf_counter())
        while not all_delivered.is_set():
            now = time.perf_counter()
            if now >= deadline or now - progress[1] >= STALL_SECONDS:
                break
            with suppress(TimeoutError):
                await asyncio.wait_for(all_delivered.wait(), timeout=min(5.0, deadline - now))
            if len(results.delivered) > progress[0]:
                progress = (len(results.delivered), time.perf_counter())
                print(f"  delivered {len(results.delivered)}/{expected}")
        drained_s = time.perf_counter() - started
        await asyncio.sleep(0.5)  # stragglers: duplicates or misrouted frames would land now
        await asyncio.gather(*(client.close() for client in clients))
        left = await asyncio.to_thread(wait_for_disconnects, 60.0)
        print(f"sockets closed; {left} connections left in the table")

    delivered = len(results.delivered)
    lost_by_sender = Counter(sender for sender, _ in sent_at if (sender, _) not in results.delivered)
    return {
        # Who lost what (at most 10 senders): how many, how the sender learned of its peer, whether its
        # own `joined` reply came.
        "lost_by_sender": [{"lost": n, "learned_from": learned.get(sender), "got_joined": sender in got_joined}
                           for sender, n in lost_by_sender.most_common(10)],
        "sent": len(sent_at),
        "expected": expected,
        "delivered": delivered,
        "lost": expected - delivered,
        "misrouted": results.misrouted,
        "duplicates": results.duplicates,
        "rate_limited": errors.get("error:rate_limited", 0),
        "errors": dict(errors),
        "delivered_by_kind": dict(results.kinds),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "connect_s": round(connected_s, 1),
        "join_s": round(joined_s, 1),
        "send_s": round(sending_s, 1),
        "all_delivered_s": round(drained_s, 1),
        "relayed_per_s": round(delivered / drained_s, 1) if drained_s else None,
        "other_frames": dict(other_frames),
    }


def main() -> None:
    from functions.bootstrap import get_container

    lag: LagLog | None = None
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp, \
            LocalStack(port=0, data_dir=Path(tmp), fresh=True, static_dir=None, seed=False) as stack, \
            ExitStack() as data:
        if not MOTO_IN_STACK:
            # The gateway and handlers stay in this process; DynamoDB and Cognito move to the other core.
            data.enter_context(moto_backend(seed_demo=False, management_endpoint=os.environ["WS_MANAGEMENT_ENDPOINT"],
                                            public_ws_url=os.environ["WS_PUBLIC_URL"]))
        print(f"local gateway up; moto {'in this process' if MOTO_IN_STACK else 'in its own process'}")
        quiet_app_logs()
        if max(GSI_LAG) > 0:
            lag = data.enter_context(lagging_indexes(min(GSI_LAG), max(GSI_LAG)))
            print(f"byRoom and byUser lag {min(GSI_LAG)}-{max(GSI_LAG)} s behind the table")
        assert stack.ws is not None
        stack.ws.concurrent_events = CONCURRENT  # applies to the sockets opened from now on
        started = time.perf_counter()
        pairs = create_people()
        print(f"{2 * len(pairs)} users created in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        members = open_rooms(pairs)
        print(f"{ROOMS} cases and active visits opened in {time.perf_counter() - started:.1f} s")
        tickets = get_container().connect_tickets
        for member in members:
            member.ticket = tickets.issue(member.principal).ticket
        figures = asyncio.run(scenario(stack.ws_url, members))
    parameters = {"clients": len(members), "rooms": ROOMS, "messages_per_client": MESSAGES_PER_CLIENT,
                  "rate_per_client": RATE_PER_CLIENT, "join_race": JOIN_RACE, "offer_at_join": OFFER_AT_JOIN,
                  "gsi_lag_s": list(GSI_LAG) if max(GSI_LAG) > 0 else None,
                  "concurrent_frames_per_connection": CONCURRENT,
                  "moto": "stack" if MOTO_IN_STACK else "process",
                  "stall_s": STALL_SECONDS, "deadline_s": DEADLINE_SECONDS}
    issue_run = all(parameters[key] == value for key, value in ISSUE_PARAMETERS.items())
    if not issue_run:
        print(f"note: not the issue's run {ISSUE_PARAMETERS}")
    print(json.dumps({
        **figures,
        "by_room_queries": lag.queries if lag else None,
        "by_room_entries_lagged": lag.hidden if lag else None,
        "clients": len(members),
        "rooms": ROOMS,
        "messages_per_client": MESSAGES_PER_CLIENT,
        "parameters": parameters,
        "targets_met": {"lost": figures["lost"] == 0, "misrouted": figures["misrouted"] == 0,
                        "issue_parameters": issue_run},
    }, separators=(",", ":")))


if __name__ == "__main__":
    main()
