"""Video visits end to end: real WebRTC (aiortc) through the real local stack's REST API and
WebSocket signaling, and through a real coturn with the TURN credentials our API hands out.

Host candidates are 127.0.0.1 only (aioice leaves loopback out unless told otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import aioice.ice
import pytest

from functions.bootstrap import reset_container
from functions.visits.ice import turn_credentials
from local.seed import DR_CHEN, DR_OKAFOR, PAT_ALEX, PAT_BLAIR, DemoAccount
from local.stack import LocalStack
from tests.e2e.conftest import Api, run
from tests.e2e.peers import (
    RELAYED_TYPES,
    ColourTrack,
    Peer,
    Signaling,
    candidate_types,
    ice_servers_from,
    loopback_host_addresses,
    negotiate,
    round_trip_ms,
    sdp_candidates,
)
from tests.e2e.turn import turn_server

# aiortc's stock VideoStreamTrack sends green frames: orange cannot be matched by accident.
COLOUR = (255, 128, 0)
COLOUR_TOLERANCE = 16  # per channel, after VP8 and RGB <-> YUV 4:2:0 both ways
CONNECT_TIMEOUT = 15.0
FRAME_TIMEOUT = 15.0
EXPIRED_WAIT_SECONDS = 8.0


@pytest.fixture(autouse=True)
def loopback_ice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aioice.ice, "get_host_addresses", loopback_host_addresses)


# --- the visit around a call -------------------------------------------------------------------------
@dataclass
class User:
    account: DemoAccount
    token: str
    user_id: str
    socket: Signaling | None = None

    @property
    def ws(self) -> Signaling:
        assert self.socket is not None
        return self.socket


@dataclass
class Clinic:
    api: Api
    stack: LocalStack
    users: list[User] = field(default_factory=list)
    gateway_connections: list[Any] = field(default_factory=list)  # the stack's side of our sockets

    async def sign_in(self, account: DemoAccount) -> User:
        session = await self.api.login(account.username, account.password)
        user = User(account, str(session["accessToken"]), str(session["me"]["userId"]))
        self.users.append(user)
        gateway = self.stack.ws
        assert gateway is not None
        before = set(gateway.connections)
        ticket = await self.api.ticket(user.token)
        user.socket = await Signaling.open(account.username, self.api.session, self.stack.ws_url, ticket)
        for _ in range(250):
            fresh = set(gateway.connections) - before
            if fresh:
                self.gateway_connections.append(gateway.connections[fresh.pop()])
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"the gateway never registered {account.username}'s socket")
        return user

    async def close(self) -> None:
        for user in self.users:
            if user.socket is not None:
                await user.socket.close()
        # Wait for the $disconnect handlers: nothing of this test may still run in the app when the
        # next one starts (or when a test puts the app's settings back and rebuilds its container).
        deadline = time.monotonic() + 10
        while not all(c.done.is_set() for c in self.gateway_connections):
            assert time.monotonic() < deadline, "the $disconnect handlers did not finish"
            await asyncio.sleep(0.02)


@dataclass
class Visit:
    clinic: Clinic
    patient: User
    doctor: User
    case_id: str
    room_id: str

    @property
    def api(self) -> Api:
        return self.clinic.api


async def request_fresh_visit(api: Api, patient: User, case_id: str) -> dict[str, Any]:
    """POST /visits; a visit left open by an earlier failed run is closed first (asking twice
    returns the open one instead of queueing again)."""
    started = datetime.now(UTC).replace(microsecond=0)
    for _ in range(3):
        status, view = await api.call("POST", "/visits", token=patient.token, body={"caseId": case_id})
        assert status == 201, (status, view)
        if view["status"] == "waiting" and datetime.fromisoformat(view["requestedAt"]) >= started:
            return dict(view)
        verb = "end" if view["status"] == "active" else "cancel"
        status, _ = await api.call("POST", f"/visits/{view['roomId']}/{verb}", token=patient.token, body={})
        assert status == 200, (verb, status)
    raise AssertionError("could not open a fresh visit")


@contextlib.asynccontextmanager
async def visit(stack: LocalStack, *outsiders: DemoAccount) -> AsyncIterator[Visit]:
    """Patient pat.alex asks for a visit on her case, dr.chen admits her live, both join the room.

    `outsiders` sign in and connect before the request (so they would see anything broadcast)."""
    async with aiohttp.ClientSession() as session:
        clinic = Clinic(Api(session, stack), stack)
        api = clinic.api
        room_id: str | None = None
        patient: User | None = None
        try:
            for account in outsiders:
                await clinic.sign_in(account)
            doctor = await clinic.sign_in(DR_CHEN)
            patient = await clinic.sign_in(PAT_ALEX)

            status, cases = await api.call("GET", "/cases", token=patient.token)
            assert status == 200 and len(cases["items"]) == 1, cases
            case_id = str(cases["items"][0]["caseId"])

            view = await request_fresh_visit(api, patient, case_id)
            room_id = str(view["roomId"])
            assert view["caseId"] == case_id and view["position"] == 1, view

            waiting = await doctor.ws.expect("visit.waiting", roomId=room_id)
            assert (waiting["caseId"], waiting["patient"]) == (case_id, PAT_ALEX.username)

            status, admitted = await api.call("POST", f"/visits/{room_id}/admit", token=doctor.token, body={})
            assert status == 200 and admitted["status"] == "active", (status, admitted)
            frame = await patient.ws.expect("visit.admitted", roomId=room_id)
            assert frame["admittedBy"] == DR_CHEN.username

            await patient.ws.send("join", roomId=room_id, ref="join-patient")
            patient_joined = await patient.ws.expect("joined", roomId=room_id)
            assert patient_joined["participantId"] == patient.user_id and patient_joined["resumed"] is False
            await doctor.ws.send("join", roomId=room_id, ref="join-doctor")
            doctor_joined = await doctor.ws.expect("joined", roomId=room_id)
            assert doctor_joined["participantId"] == doctor.user_id
            assert doctor_joined["participants"] == [
                {"participantId": patient.user_id, "username": PAT_ALEX.username, "role": "patient"}]
            arrived = await patient.ws.expect("participant.joined", participantId=doctor.user_id)
            assert arrived["role"] == "doctor"

            yield Visit(clinic, patient, doctor, case_id, room_id)
        finally:
            if room_id is not None and patient is not None:
                # Leave no open visit behind for the next test: end it if active, cancel it if still
                # waiting (both answer an error for a visit that is already over: fine).
                status, _ = await api.call("POST", f"/visits/{room_id}/end", token=patient.token, body={})
                if status != 200:
                    await api.call("POST", f"/visits/{room_id}/cancel", token=patient.token, body={})
            await clinic.close()


def assert_colour(frames: list[Any]) -> None:
    assert frames, "no video frame was decoded"
    for frame in frames:
        assert (frame.width, frame.height) == (320, 240), frame
        assert all(abs(got - want) <= COLOUR_TOLERANCE for got, want in zip(frame.mean_rgb, COLOUR, strict=True)), (
            f"decoded colour {frame.mean_rgb} is not {COLOUR}")
        assert frame.max_spread < 8, f"the picture is not one solid colour: {frame}"


async def exchange_messages(doctor: Peer, patient: Peer) -> None:
    """A message each way on the doctor's DataChannel (the patient got it via `datachannel`)."""
    await asyncio.wait_for(doctor.channel_open.wait(), CONNECT_TIMEOUT)
    assert doctor.channel is not None
    doctor.channel.send("hello from the doctor")
    assert await patient.next_message() == "hello from the doctor"
    assert patient.channel is not None and patient.channel.label == "consultation"
    patient.channel.send("hello from the patient")
    assert await doctor.next_message() == "hello from the patient"


# --- 1. a whole visit --------------------------------------------------------------------------------
def test_a_full_video_visit_through_the_local_stack(stack: LocalStack) -> None:
    timings: dict[str, float] = {}

    async def scenario() -> None:
        async with visit(stack) as v:
            doctor = Peer("doctor")
            patient = Peer("patient", wanted_frames=15)
            try:
                doctor.pc.addTrack(ColourTrack(COLOUR))
                doctor.open_channel("consultation")
                started = time.monotonic()
                call = await negotiate(doctor, v.doctor.ws, v.doctor.user_id, patient, v.patient.ws,
                                       v.patient.user_id, trickle=True)

                # The offer arrived from the doctor without candidates; they came as `ice` frames.
                assert call.offer_frame["from"] == v.doctor.user_id and "to" not in call.offer_frame
                assert call.offer_frame["sdp"]["type"] == "offer"
                assert "a=candidate:" not in call.offer_frame["sdp"]["sdp"]
                sent = [c.frame() for c in sdp_candidates(call.offer_sdp)]
                assert sent, "the doctor gathered no candidate"
                assert [f["candidate"] for f in call.ice_frames] == [*sent, None]
                assert {f["from"] for f in call.ice_frames} == {v.doctor.user_id}
                assert call.answer_frame["from"] == v.patient.user_id
                assert call.answer_frame["sdp"]["type"] == "answer"

                await asyncio.gather(doctor.wait_connected(CONNECT_TIMEOUT), patient.wait_connected(CONNECT_TIMEOUT))
                timings["connected_ms"] = (time.monotonic() - started) * 1000
                await exchange_messages(doctor, patient)
                rtt_ms = await round_trip_ms(patient, doctor)

                await asyncio.wait_for(patient.enough_frames.wait(), FRAME_TIMEOUT)
                assert patient.first_frame_at is not None
                timings["first_frame_ms"] = (patient.first_frame_at - started) * 1000
                assert_colour(patient.frames)
                video_seconds = time.monotonic() - patient.first_frame_at

                status, live = await v.api.call("GET", f"/visits/{v.room_id}", token=v.doctor.token)
                assert status == 200 and live["status"] == "active"
                assert {p["participantId"] for p in live["participants"]} == {v.patient.user_id, v.doctor.user_id}

                # Call quality as the patient measured it.
                stats = await patient.pc.getStats()
                transport = next(s for s in stats.values() if s.type == "transport")
                inbound = next(s for s in stats.values() if s.type == "inbound-rtp" and s.kind == "video")
                assert transport.bytesReceived > 0 and inbound.packetsReceived > 0
                seconds = max(time.monotonic() - started, 0.001)
                quality = {
                    "rttMs": round(rtt_ms, 2),
                    "lossPct": round(100 * max(inbound.packetsLost, 0) / inbound.packetsReceived, 2),
                    "bitrateKbps": round(transport.bytesReceived * 8 / seconds / 1000, 1),
                    # Over at least a second: a decoder stalled by a busy machine can hand over its
                    # frames in one burst (seen: more than the 240 per second the API accepts).
                    "framesPerSecond": round(len(patient.frames) / max(video_seconds, 1.0), 1),
                    "reconnects": 0,
                    "durationSeconds": int(seconds),
                    "worstQuality": "good",
                }
                status, body = await v.api.call("POST", f"/visits/{v.room_id}/quality", token=v.patient.token,
                                                body=quality)
                assert (status, body) == (202, {"status": "recorded"})
            finally:
                await doctor.close()
                await patient.close()

            status, ended = await v.api.call("POST", f"/visits/{v.room_id}/end", token=v.doctor.token, body={})
            assert status == 200 and (ended["status"], ended["endReason"]) == ("ended", "completed"), ended
            for user in (v.patient, v.doctor):
                assert (await user.ws.expect("visit.ended", roomId=v.room_id))["reason"] == "completed"

            for user in (v.patient, v.doctor):
                status, history = await v.api.call("GET", f"/cases/{v.case_id}/visits", token=user.token)
                assert status == 200
                record = next(r for r in history["items"] if r["roomId"] == v.room_id)
                assert (record["caseId"], record["endReason"]) == (v.case_id, "completed")
                assert record["startedAt"] and record["endedAt"] and record["durationSeconds"] >= 0
                assert {(p["participantId"], p["role"]) for p in record["participants"]} == {
                    (v.patient.user_id, "patient"), (v.doctor.user_id, "doctor")}
                assert all(p["joinedAt"] for p in record["participants"])
                reported = record["quality"][v.patient.user_id]
                assert {k: reported[k] for k in quality} == quality
                assert reported["reportedAt"]

    run(scenario())
    print(f"\nfull visit: connected {timings['connected_ms']:.0f} ms, "
          f"first frame {timings['first_frame_ms']:.0f} ms after the offer")


# --- 2. someone outside the room ---------------------------------------------------------------------
def test_an_outsider_can_neither_join_nor_overhear_a_call(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with visit(stack, PAT_BLAIR, DR_OKAFOR) as v:
            blair, okafor = v.clinic.users[0], v.clinic.users[1]
            assert (blair.account, okafor.account) == (PAT_BLAIR, DR_OKAFOR)

            # Another patient, and a doctor not on this case: the room does not exist for them.
            for outsider in (blair, okafor):
                await outsider.ws.send("join", roomId=v.room_id, ref="sneak-in")
                error = await outsider.ws.expect("error", ref="sneak-in")
                assert error["code"] == "visit_not_found", error
                status, body = await v.api.call("GET", f"/visits/{v.room_id}", token=outsider.token)
                assert (status, body["error"]["code"]) == (404, "visit_not_found")
            # Signaling without a room reaches nobody, even when addressed to a participant.
            await blair.ws.send("offer", to=v.patient.user_id, ref="forged-offer",
                                sdp={"type": "offer", "sdp": "v=0\r\n"})
            assert (await blair.ws.expect("error", ref="forged-offer"))["code"] == "not_in_room"
            await blair.ws.send("ice", to=v.doctor.user_id, ref="forged-ice", candidate=None)
            assert (await blair.ws.expect("error", ref="forged-ice"))["code"] == "not_in_room"

            doctor, patient = Peer("doctor"), Peer("patient")
            try:
                doctor.pc.addTrack(ColourTrack(COLOUR))
                doctor.open_channel("consultation")
                call = await negotiate(doctor, v.doctor.ws, v.doctor.user_id, patient, v.patient.ws,
                                       v.patient.user_id, trickle=True)
                await asyncio.gather(doctor.wait_connected(CONNECT_TIMEOUT), patient.wait_connected(CONNECT_TIMEOUT))
                await exchange_messages(doctor, patient)
                await asyncio.wait_for(patient.enough_frames.wait(), FRAME_TIMEOUT)
                assert len(call.ice_frames) >= 2
            finally:
                await doctor.close()
                await patient.close()

            status, live = await v.api.call("GET", f"/visits/{v.room_id}", token=v.patient.token)
            assert status == 200
            assert {p["participantId"] for p in live["participants"]} == {v.patient.user_id, v.doctor.user_id}
            await asyncio.sleep(0.3)  # anything misrouted during the call has arrived by now

        # Everything the outsiders' sockets received: their own error frames, nothing else.
        for outsider, expected in ((blair, ["error"] * 3), (okafor, ["error"])):
            assert outsider.ws.types() == expected, (outsider.account.username, outsider.ws.received)
            assert not [f for f in outsider.ws.received if f.get("type") in RELAYED_TYPES or "sdp" in f]
        outsider_ids = {blair.user_id, okafor.user_id}
        for insider in (v.patient, v.doctor):
            assert not [f for f in insider.ws.received if f.get("from") in outsider_ids]
        # The call itself did go through signaling while they watched.
        assert "offer" in v.patient.ws.types() and "answer" in v.doctor.ws.types()
        assert v.patient.ws.types().count("ice") == len(call.ice_frames)

    run(scenario())


# --- 3. relay only, through coturn --------------------------------------------------------------------
@contextlib.contextmanager
def app_environment(**values: str) -> Iterator[None]:
    """Change the in-process app's settings for one test; put them back (and rebuild) after."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    reset_container()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        reset_container()


def relay_ports(sdp: str) -> list[tuple[str, int]]:
    found = []
    for candidate in sdp_candidates(sdp):
        words = candidate.line.split()
        found.append((words[4], int(words[5])))
    return found


def test_relay_only_calls_through_coturn_with_our_credentials(stack: LocalStack, tmp_path: Path) -> None:
    with turn_server(tmp_path / "coturn") as turn, app_environment(
        ICE_STUN_URLS="", ICE_TURN_URLS=turn.url, TURN_SHARED_SECRET=turn.secret, TURN_TTL_SECONDS="600",
    ):
        async def scenario() -> None:
            async with visit(stack) as v:
                servers: dict[str, list[Any]] = {}
                for user in (v.patient, v.doctor):
                    status, answer = await v.api.call("GET", "/visits/ice-servers", token=user.token)
                    assert status == 200, answer
                    assert answer["ttlSeconds"] == 600
                    [entry] = answer["iceServers"]
                    assert entry["urls"] == [turn.url]
                    expiry, _, owner = entry["username"].partition(":")
                    assert owner == user.user_id
                    assert 590 <= int(expiry) - time.time() <= 610
                    assert datetime.fromisoformat(answer["expiresAt"]).timestamp() == int(expiry)
                    # Exactly the coturn REST scheme with the server's secret (coturn will check it too).
                    assert (entry["username"], entry["credential"]) == turn_credentials(
                        turn.secret, user.user_id, int(expiry))
                    servers[user.user_id] = ice_servers_from(answer)

                # A: the credentials from our API, relay candidates only -> the call connects via coturn.
                doctor = Peer("doctor", servers[v.doctor.user_id], relay_only=True)
                patient = Peer("patient", servers[v.patient.user_id], relay_only=True)
                try:
                    doctor.open_channel("consultation")
                    call = await negotiate(doctor, v.doctor.ws, v.doctor.user_id, patient, v.patient.ws,
                                           v.patient.user_id, trickle=False)
                    for sdp in (call.offer_sdp, call.answer_sdp):
                        assert candidate_types(sdp) == {"relay"}, sdp
                        assert all(host == "127.0.0.1" and turn.min_port <= port <= turn.max_port
                                   for host, port in relay_ports(sdp)), sdp
                    await asyncio.gather(doctor.wait_connected(CONNECT_TIMEOUT),
                                         patient.wait_connected(CONNECT_TIMEOUT))
                    await exchange_messages(doctor, patient)
                finally:
                    await doctor.close()
                    await patient.close()
                log = turn.log()
                for user in (v.patient, v.doctor):
                    name = re.escape(next(s.username for s in servers[user.user_id]))
                    assert re.search(rf"user <{name}>: incoming packet ALLOCATE processed, success", log), log
                    assert re.search(rf"user <{name}>: incoming packet (CHANNEL_BIND|CREATE_PERMISSION) "
                                     r"processed, success", log), log
                # Each side's allocation was opened towards the other side's relayed address.
                for sdp in (call.offer_sdp, call.answer_sdp):
                    for host, port in relay_ports(sdp):
                        assert re.search(rf"peer {re.escape(host)}:{port} lifetime updated", log), (port, log)

                # B: same scheme and secret, but expired an hour ago -> coturn refuses, nothing connects.
                expired_at = int(time.time()) - 3600
                expired: dict[str, str] = {}
                peers = []
                for user in (v.patient, v.doctor):
                    username, credential = turn_credentials(turn.secret, user.user_id, expired_at)
                    expired[user.user_id] = username
                    peers.append(Peer(user.account.username, [turn_server_entry(turn.url, username, credential)],
                                      relay_only=True))
                patient, doctor = peers
                try:
                    doctor.open_channel("consultation")
                    # Trickled: an offer carrying end-of-candidates and no candidate would make the
                    # answerer's aioice drop its only component and never ask coturn at all.
                    call = await negotiate(doctor, v.doctor.ws, v.doctor.user_id, patient, v.patient.ws,
                                           v.patient.user_id, trickle=True)
                    assert [f["candidate"] for f in call.ice_frames] == [None]
                    assert sdp_candidates(call.offer_sdp) == [] and sdp_candidates(call.answer_sdp) == []
                    # Until either side connects, both have failed, or the deadline passes. (aiortc with
                    # no local candidate never starts ICE: it stays "new" rather than going "failed".)
                    deadline = time.monotonic() + EXPIRED_WAIT_SECONDS
                    while time.monotonic() < deadline and not (doctor.connected.is_set() or patient.connected.is_set()):
                        if doctor.failed.is_set() and patient.failed.is_set():
                            break
                        await asyncio.sleep(0.1)
                    for peer in (doctor, patient):
                        assert peer.pc.connectionState != "connected" and "connected" not in peer.states, peer.states
                    assert not doctor.channel_open.is_set()
                finally:
                    await doctor.close()
                    await patient.close()
                log = turn.log()
                for username in expired.values():
                    name = re.escape(username)
                    assert re.search(rf"user <{name}>: incoming packet \w+ processed, error 401", log), log
                    assert not re.search(rf"user <{name}>: incoming packet ALLOCATE processed, success", log)

        run(scenario())


def turn_server_entry(url: str, username: str, credential: str) -> Any:
    return ice_servers_from({"iceServers": [{"urls": [url], "username": username, "credential": credential}]})[0]
