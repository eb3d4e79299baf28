"""Signaling over the WebSocket events: join rules, addressed relay, bad frames, rate budget, Gone,
leave, disconnect and resume."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from functions.bootstrap import get_container, reset_container
from functions.signaling.adapters import BURST_SECONDS, EMISSION_INTERVAL
from functions.signaling.messages import MAX_FRAME_BYTES
from functions.signaling.service import RESUME_GRACE_SECONDS
from tests.functional.conftest import PASSWORD, REGION, World, create_user
from tests.support.ws import Sockets

SDP = {"type": "offer", "sdp": "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
ANSWER = {"type": "answer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"}
CANDIDATE = {"candidate": "candidate:1 1 udp 2122260223 127.0.0.1 54400 typ host", "sdpMid": "0",
             "sdpMLineIndex": 0}


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    # moto server mode serves the management API only at its root endpoint.
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return Sockets(world, REGION)


def uid(world: World, user: str) -> str:
    return world.users[user].user_id


def invite(world: World, case: str, inviter: str, doctor: str) -> None:
    response = world.request("POST", f"/cases/{world.cases[case]}/invitations", user=inviter,
                             body={"doctorId": uid(world, doctor), "expiresInHours": 2})
    assert response.status_code == 201, response.body


def waiting_room(world: World, patient: str = "pat.a", case: str = "a") -> str:
    response = world.request("POST", "/visits", user=patient, body={"caseId": world.cases[case]})
    assert response.status_code == 201, response.body
    return str(response.json_body["roomId"])


def active_room(world: World, patient: str = "pat.a", case: str = "a", doctor: str = "dr.one") -> str:
    room_id = waiting_room(world, patient, case)
    admitted = world.request("POST", f"/visits/{room_id}/admit", user=doctor, body={})
    assert admitted.status_code == 200, admitted.body
    return room_id


def join(ws: Sockets, connection: str, room_id: str) -> dict[str, Any]:
    ws.send(connection, {"action": "join", "roomId": room_id})
    reply = ws.last(connection)
    assert reply["type"] == "joined", reply
    return reply


def error_of(ws: Sockets, connection: str) -> str:
    frames = ws.new(connection)
    assert len(frames) == 1 and frames[0]["type"] == "error", frames
    assert frames[0]["message"]
    return str(frames[0]["code"])


def still_works(ws: Sockets, connection: str) -> None:
    ws.send(connection, {"action": "ping", "ts": 7})
    assert ws.new(connection) == [{"type": "pong", "ts": 7, "serverTime": ws.all(connection)[-1]["serverTime"]}]


def add_doctor(world: World, username: str) -> None:
    from tests.functional.conftest import User

    user_id = create_user(world.endpoint, world.pool_id, username, ["doctor"])
    login = world.request("POST", "/auth/login", body={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.body
    world.users[username] = User(username, user_id, ["doctor"], login.json_body["accessToken"])


def use_signaling_clock(clock: Callable[[], float]) -> None:
    """Swap the container's SignalingService for one on `clock` (same tables and notifier)."""
    from functions.signaling.service import SignalingService

    container = get_container()
    container.__dict__["signaling"] = SignalingService(
        container.connections, container.peer_notifier, container.visits, container.visit_store, clock=clock,
    )


# --- join ------------------------------------------------------------------------------------------

def test_join_needs_a_right_to_the_case(world: World, ws: Sockets) -> None:
    room_id = active_room(world)
    patient = ws.connect("pat.a", "c-pat-a")
    join(ws, patient, room_id)
    strangers = [ws.connect("pat.b", "c-pat-b"), ws.connect("dr.two", "c-dr-two"), ws.connect("ops", "c-ops")]
    ws.drain(patient, *strangers)
    for stranger in strangers:
        ws.send(stranger, {"action": "join", "roomId": room_id})
        assert error_of(ws, stranger) == "visit_not_found"
        ws.send(stranger, {"action": "ice", "candidate": CANDIDATE})  # and cannot relay into it either
        assert error_of(ws, stranger) == "not_in_room"
    ws.send(strangers[0], {"action": "join", "roomId": "A" * 22})
    assert error_of(ws, strangers[0]) == "visit_not_found"
    assert ws.new(patient) == []
    members = world.request("GET", f"/visits/{room_id}", user="pat.a").json_body["participants"]
    assert [m["username"] for m in members] == ["pat.a"]
    # Each refused join is in the patient's audit trail, the socket standing for the request.
    trail = world.request("GET", f"/admin/audit?patientId={world.users['pat.a'].user_id}&limit=100", user="ops")
    refused = {(e["actorId"], e["source"]["requestId"]) for e in trail.json_body["items"]
               if e["action"] == "visit.access" and e["outcome"] == "denied"}
    assert refused == {(world.users["pat.b"].user_id, "c-pat-b"), (world.users["dr.two"].user_id, "c-dr-two"),
                       (world.users["ops"].user_id, "c-ops")}


def test_join_before_admit_is_refused_as_not_active(world: World, ws: Sockets) -> None:
    room_id = waiting_room(world)
    patient = ws.connect("pat.a", "c-pat-a")
    doctor = ws.connect("dr.one", "c-dr-one")
    ws.drain(patient, doctor)
    for connection in (patient, doctor):
        ws.send(connection, {"action": "join", "roomId": room_id, "ref": "j1"})
        frames = ws.new(connection)
        assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "room_not_active", "j1")]
    ended = world.request("POST", f"/visits/{room_id}/cancel", user="pat.a", body={})
    assert ended.status_code == 200
    ws.send(patient, {"action": "join", "roomId": room_id})
    assert error_of(ws, patient) == "room_not_active"


def test_room_holds_four_and_refuses_a_fifth(world: World, ws: Sockets) -> None:
    add_doctor(world, "dr.four")
    for doctor in ("dr.two", "dr.three", "dr.four"):
        invite(world, "a", "dr.one", doctor)
    room_id = active_room(world)
    order = ["pat.a", "dr.one", "dr.two", "dr.three"]
    connections = {user: ws.connect(user, f"c-{user}") for user in [*order, "dr.four"]}
    ws.drain(*connections.values())

    for index, user in enumerate(order):
        reply = join(ws, connections[user], room_id)
        assert reply["roomId"] == room_id and reply["participantId"] == uid(world, user)
        assert reply["resumed"] is False
        assert sorted((p["participantId"], p["username"], p["role"]) for p in reply["participants"]) == sorted(
            (uid(world, u), u, "patient" if u == "pat.a" else "doctor") for u in order[:index]
        )
        for earlier in order[:index]:
            assert ws.new(connections[earlier]) == [{
                "type": "participant.joined", "participantId": uid(world, user), "username": user,
                "role": "patient" if user == "pat.a" else "doctor", "resumed": False,
            }]

    ws.send(connections["dr.four"], {"action": "join", "roomId": room_id})
    assert error_of(ws, connections["dr.four"]) == "room_full"
    assert all(ws.new(connections[user]) == [] for user in order)
    ws.send(connections["dr.four"], {"action": "offer", "sdp": SDP})
    assert error_of(ws, connections["dr.four"]) == "not_in_room"
    members = world.request("GET", f"/visits/{room_id}", user="pat.a").json_body["participants"]
    assert sorted(m["username"] for m in members) == sorted(order)


# --- relay -----------------------------------------------------------------------------------------

@pytest.fixture
def trio(world: World, ws: Sockets) -> dict[str, str]:
    """pat.a, dr.one and an invited dr.three in one active room; pat.b connected but elsewhere."""
    invite(world, "a", "dr.one", "dr.three")
    room_id = active_room(world)
    people = {user: ws.connect(user, f"c-{user}") for user in ("pat.a", "dr.one", "dr.three", "pat.b")}
    for user in ("pat.a", "dr.one", "dr.three"):
        join(ws, people[user], room_id)
    ws.drain(*people.values())
    return {**people, "room": room_id}


def test_offer_answer_ice_reach_only_the_addressed_participant(world: World, ws: Sockets,
                                                               trio: dict[str, str]) -> None:
    patient, doctor, colleague, outsider = trio["pat.a"], trio["dr.one"], trio["dr.three"], trio["pat.b"]

    ws.send(doctor, {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP, "ref": "o1"})
    assert ws.new(patient) == [{"type": "offer", "from": uid(world, "dr.one"), "sdp": SDP}]
    ws.send(patient, {"action": "answer", "to": uid(world, "dr.one"), "sdp": ANSWER})
    assert ws.new(doctor) == [{"type": "answer", "from": uid(world, "pat.a"), "sdp": ANSWER}]
    ws.send(patient, {"action": "ice", "to": uid(world, "dr.one"), "candidate": CANDIDATE})
    ws.send(patient, {"action": "ice", "to": uid(world, "dr.one"), "candidate": None})  # end of candidates
    assert ws.new(doctor) == [{"type": "ice", "from": uid(world, "pat.a"), "candidate": CANDIDATE},
                              {"type": "ice", "from": uid(world, "pat.a"), "candidate": None}]
    ws.send(colleague, {"action": "iceRestart", "to": uid(world, "pat.a")})
    assert ws.new(patient) == [{"type": "iceRestart", "from": uid(world, "dr.three")}]
    # Nobody else saw any of it; the senders got no echo.
    assert ws.new(colleague) == [] and ws.new(outsider) == [] and ws.new(doctor) == []

    # Without `to`, a frame goes to every other member (never back to the sender, never outside).
    ws.send(colleague, {"action": "ice", "candidate": CANDIDATE})
    expected = [{"type": "ice", "from": uid(world, "dr.three"), "candidate": CANDIDATE}]
    assert ws.new(patient) == expected and ws.new(doctor) == expected
    assert ws.new(colleague) == [] and ws.new(outsider) == []


def test_to_an_absent_participant_is_peer_not_found(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    for absent in (uid(world, "pat.b"), uid(world, "dr.two"), "nobody-here", uid(world, "dr.one")):
        ws.send(trio["dr.one"], {"action": "offer", "to": absent, "sdp": SDP, "ref": "x"})
        frames = ws.new(trio["dr.one"])
        assert [(f["type"], f["code"], f["ref"]) for f in frames] == [("error", "peer_not_found", "x")], absent
    assert all(ws.new(trio[u]) == [] for u in ("pat.a", "dr.three", "pat.b"))


def test_relay_without_joining_is_not_in_room(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    loner = ws.connect("dr.two", "c-dr-two-loner")
    ws.drain(loner)
    for frame in ({"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP},
                  {"action": "answer", "sdp": ANSWER}, {"action": "ice", "candidate": CANDIDATE},
                  {"action": "iceRestart"}, {"action": "leave"}):
        ws.send(loner, frame)
        assert error_of(ws, loner) == "not_in_room"
    # The same user on a second socket that has not joined cannot relay through the first one's room.
    second_tab = ws.connect("pat.a", "c-pat-a-tab2")
    ws.drain(second_tab)
    ws.send(second_tab, {"action": "offer", "to": uid(world, "dr.one"), "sdp": SDP})
    assert error_of(ws, second_tab) == "not_in_room"
    assert all(ws.new(trio[u]) == [] for u in ("pat.a", "dr.one", "dr.three", "pat.b"))


def test_frame_naming_another_room_is_refused_and_delivered_nowhere(world: World, ws: Sockets,
                                                                    trio: dict[str, str]) -> None:
    other_room = active_room(world, "pat.b", "b", "dr.two")
    join(ws, trio["pat.b"], other_room)
    other_doctor = ws.connect("dr.two", "c-dr-two")
    join(ws, other_doctor, other_room)
    ws.drain(trio["pat.b"], other_doctor)
    for frame in ({"action": "offer", "roomId": other_room, "sdp": SDP},
                  {"action": "ice", "roomId": other_room, "to": uid(world, "pat.b"), "candidate": CANDIDATE},
                  {"action": "iceRestart", "room": other_room}):
        ws.send(trio["dr.one"], frame)
        assert error_of(ws, trio["dr.one"]) == "validation_error"
    assert ws.new(trio["pat.b"]) == [] and ws.new(other_doctor) == []
    assert ws.new(trio["pat.a"]) == [] and ws.new(trio["dr.three"]) == []
    # Joining the other room is refused too (no right to case b); dr.one stays where it was.
    ws.send(trio["dr.one"], {"action": "join", "roomId": other_room})
    assert error_of(ws, trio["dr.one"]) == "visit_not_found"
    ws.send(trio["dr.one"], {"action": "iceRestart", "to": uid(world, "pat.a")})
    assert ws.new(trio["pat.a"]) == [{"type": "iceRestart", "from": uid(world, "dr.one")}]


BAD_FRAMES: list[tuple[str, str]] = [
    ("{not json", "malformed_json"),
    ("", "malformed_json"),
    ("[1, 2]", "validation_error"),
    ('"offer"', "validation_error"),
    ("42", "validation_error"),
    ("null", "validation_error"),
    ('{"to": "x"}', "validation_error"),
    ('{"action": 5}', "validation_error"),
    ('{"action": "Offer"}', "validation_error"),
    ('{"action": "teleport"}', "unknown_action"),
    ('{"action": "broadcast", "sdp": {}}', "unknown_action"),
    ('{"action": "offer"}', "validation_error"),
    ('{"action": "offer", "sdp": {"type": "pranswer", "sdp": "v=0"}}', "validation_error"),
    ('{"action": "offer", "sdp": {"type": "offer", "sdp": ""}}', "validation_error"),
    ('{"action": "offer", "sdp": {"type": "offer", "sdp": "v=0", "extra": 1}}', "validation_error"),
    ('{"action": "offer", "to": "../../x", "sdp": {"type": "offer", "sdp": "v=0"}}', "validation_error"),
    ('{"action": "answer", "sdp": "v=0"}', "validation_error"),
    ('{"action": "ice", "candidate": {"sdpMid": "0"}}', "validation_error"),
    ('{"action": "ice", "candidate": {"candidate": "c", "sdpMLineIndex": 65}}', "validation_error"),
    ('{"action": "ice"}', "validation_error"),
    ('{"action": "ice", "candidate": null, "from": "someone-else"}', "validation_error"),
    ('{"action": "iceRestart", "type": "offer"}', "validation_error"),
    ('{"action": "join"}', "validation_error"),
    ('{"action": "join", "roomId": "short"}', "validation_error"),
    ('{"action": "ping", "ts": "soon"}', "validation_error"),
    ('{"action": "ping", "ref": "' + "r" * 65 + '"}', "validation_error"),
    ('{"action": "ice", "candidate": {"candidate": "' + "c" * 1025 + '"}}', "validation_error"),
    ('{"action": "offer", "sdp": {"type": "offer", "sdp": "' + "s" * 28001 + '"}}', "validation_error"),
    ('{"action": "offer", "sdp": {"type": "offer", "sdp": "' + "s" * MAX_FRAME_BYTES + '"}}', "frame_too_large"),
    ('{"action": "ping", "ref": "r", "pad": "' + "\u00e9" * (MAX_FRAME_BYTES // 2) + '"}', "frame_too_large"),
]


def test_every_bad_frame_gets_an_error_relays_nothing_and_the_socket_keeps_working(
        world: World, ws: Sockets, trio: dict[str, str]) -> None:
    sender = trio["dr.one"]
    for body, code in BAD_FRAMES:
        ws.send(sender, body)
        frames = ws.new(sender)
        assert len(frames) == 1 and (frames[0]["type"], frames[0]["code"]) == ("error", code), (body[:80], frames)
        assert set(frames[0]) <= {"type", "code", "message", "ref"}
        assert all(ws.new(trio[u]) == [] for u in ("pat.a", "dr.three", "pat.b")), body[:80]
    # A readable `ref` comes back on the error so the client can match it.
    ws.send(sender, {"action": "offer", "ref": "mine-1", "sdp": {"type": "offer"}})
    assert ws.new(sender)[0]["ref"] == "mine-1"
    still_works(ws, sender)
    ws.send(sender, {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert ws.new(trio["pat.a"]) == [{"type": "offer", "from": uid(world, "dr.one"), "sdp": SDP}]


def test_burst_beyond_the_rate_budget_is_refused_and_not_relayed(world: World, ws: Sockets) -> None:
    now = [float(int(time.time()))]
    use_signaling_clock(lambda: now[0])  # frozen: the budget does not refill during the burst
    room_id = active_room(world)
    patient = ws.connect("pat.a", "c-pat-a")
    doctor = ws.connect("dr.one", "c-dr-one")
    join(ws, patient, room_id)
    join(ws, doctor, room_id)  # one message of the doctor's budget
    ws.drain(patient, doctor)

    budget = round(BURST_SECONDS / EMISSION_INTERVAL) + 1  # allowed while tat <= now + BURST_SECONDS
    burst = budget + 15
    for index in range(burst):
        ws.send(doctor, {"action": "ice", "to": uid(world, "pat.a"), "candidate": CANDIDATE, "ref": f"b{index}"})
    relayed = ws.new(patient)
    refused = ws.new(doctor)
    assert len(relayed) == budget - 1 and all(f["type"] == "ice" for f in relayed)
    assert len(refused) == burst - (budget - 1)
    assert all((f["type"], f["code"]) == ("error", "rate_limited") for f in refused)
    assert [f["ref"] for f in refused] == [f"b{i}" for i in range(budget - 1, burst)]
    # Nothing more arrives until the budget refills; then the socket works again.
    ws.send(doctor, {"action": "ping"})
    assert error_of(ws, doctor) == "rate_limited"
    now[0] += 1.0  # 1 s refills 20 messages
    still_works(ws, doctor)
    ws.send(doctor, {"action": "ice", "to": uid(world, "pat.a"), "candidate": CANDIDATE})
    assert len(ws.new(patient)) == 1


# --- Gone, leave, disconnect, resume ---------------------------------------------------------------

def test_gone_peer_connection_is_removed_and_the_sender_is_kept(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = active_room(world)
    # Members come back in connectionId order (the byRoom index's range key): c1 < c2 < c3.
    sender = ws.connect("dr.one", "c1-sender")
    alive = ws.connect("pat.a", "c2-alive")
    gone = ws.connect("dr.three", "c3-gone")
    for connection in (sender, alive, gone):
        join(ws, connection, room_id)
    registry = get_container().connections
    frame = {"type": "ice", "from": uid(world, "dr.one"), "candidate": CANDIDATE}

    client = get_container().peer_notifier._api()
    with Stubber(client) as stub:
        stub.add_response("post_to_connection", {},
                          {"ConnectionId": alive, "Data": json.dumps(frame, separators=(",", ":")).encode()})
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410,
                              expected_params={"ConnectionId": gone, "Data": ANY})
        ws.send(sender, {"action": "ice", "candidate": CANDIDATE})
        stub.assert_no_pending_responses()
        assert registry.get(gone) is None
        assert registry.get(alive) is not None and registry.get(sender) is not None

        # Addressed to the gone peer only: nothing delivered, so the sender is told peer_not_found.
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410,
                              expected_params={"ConnectionId": alive, "Data": ANY})
        stub.add_response("post_to_connection", {}, {"ConnectionId": sender, "Data": ANY})
        ws.send(sender, {"action": "ice", "to": uid(world, "pat.a"), "candidate": CANDIDATE})
        stub.assert_no_pending_responses()

    assert registry.get(gone) is None and registry.get(alive) is None
    assert registry.get(sender) is not None and registry.get(sender).room_id == room_id  # type: ignore[union-attr]
    assert registry.in_room(room_id) == [sender]


def test_gone_connection_removal_touches_only_that_row(world: World, ws: Sockets) -> None:
    room_id = active_room(world)
    sender = ws.connect("dr.one", "c1-sender")
    target = ws.connect("pat.a", "c2-target")
    join(ws, sender, room_id)
    join(ws, target, room_id)
    registry = get_container().connections
    notifier = get_container().peer_notifier
    with Stubber(notifier._api()) as stub:
        stub.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410,
                              expected_params={"ConnectionId": target, "Data": ANY})
        assert notifier.send(target, {"type": "pong"}) is False
        stub.add_client_error("post_to_connection", service_error_code="ThrottlingException",
                              http_status_code=429, expected_params={"ConnectionId": sender, "Data": ANY})
        from functions.shared.errors import DependencyUnavailable

        with pytest.raises(DependencyUnavailable):
            notifier.send(sender, {"type": "pong"})  # other failures are not "gone": the row stays
    assert registry.get(target) is None
    assert registry.get(sender) is not None


def test_leave_tells_the_others_and_stops_relaying(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    leaver = trio["dr.three"]
    ws.send(leaver, {"action": "leave"})
    assert ws.new(leaver) == [{"type": "left", "roomId": trio["room"]}]
    gone_frame = {"type": "participant.left", "participantId": uid(world, "dr.three"), "reason": "left"}
    assert ws.new(trio["pat.a"]) == [gone_frame] and ws.new(trio["dr.one"]) == [gone_frame]
    assert ws.new(trio["pat.b"]) == []
    ws.send(trio["dr.one"], {"action": "ice", "candidate": CANDIDATE})
    assert ws.new(leaver) == [] and len(ws.new(trio["pat.a"])) == 1
    ws.send(leaver, {"action": "ice", "candidate": CANDIDATE})
    assert error_of(ws, leaver) == "not_in_room"
    ws.send(leaver, {"action": "leave"})
    assert error_of(ws, leaver) == "not_in_room"
    # Leaving frees the place: joining again is a fresh join.
    again = join(ws, leaver, trio["room"])
    assert again["resumed"] is False


def test_disconnect_then_reconnect_resumes_and_relays_reach_the_new_socket_only(
        world: World, ws: Sockets, trio: dict[str, str]) -> None:
    old = trio["pat.a"]
    ws.disconnect(old)
    dropped = {"type": "participant.left", "participantId": uid(world, "pat.a"), "reason": "disconnected",
               "resumableForSeconds": RESUME_GRACE_SECONDS}
    assert ws.new(trio["dr.one"]) == [dropped] and ws.new(trio["dr.three"]) == [dropped]
    assert ws.new(old) == [] and ws.new(trio["pat.b"]) == []
    assert RESUME_GRACE_SECONDS == 60

    new = ws.connect("pat.a", "c-pat-a-again")
    ws.drain(new)
    reply = join(ws, new, trio["room"])
    assert reply["resumed"] is True
    assert sorted(p["username"] for p in reply["participants"]) == ["dr.one", "dr.three"]
    back = {"type": "participant.joined", "participantId": uid(world, "pat.a"), "username": "pat.a",
            "role": "patient", "resumed": True}
    assert ws.new(trio["dr.one"]) == [back] and ws.new(trio["dr.three"]) == [back]

    before = len(ws.all(old))
    ws.send(trio["dr.one"], {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    ws.send(trio["dr.three"], {"action": "ice", "candidate": CANDIDATE})
    assert [f["type"] for f in ws.new(new)] == ["offer", "ice"]
    assert len(ws.all(old)) == before


def test_second_socket_joining_replaces_the_first(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    first = trio["dr.one"]
    second = ws.connect("dr.one", "c-dr-one-tab2")
    reply = join(ws, second, trio["room"])
    assert reply["resumed"] is True
    assert ws.new(first) == [{"type": "session.replaced"}]
    ws.send(trio["pat.a"], {"action": "answer", "to": uid(world, "dr.one"), "sdp": ANSWER})
    assert [f["type"] for f in ws.new(second)] == ["answer"]
    assert ws.new(first) == []
    ws.send(first, {"action": "ice", "candidate": CANDIDATE})
    assert error_of(ws, first) == "not_in_room"
    still_works(ws, first)


# --- budget for bad frames, ended rooms, attendance ------------------------------------------------

DEEPLY_NESTED = '{"action": "ping", "pad": ' + "[" * 5000 + "]" * 5000 + "}"  # 10 kB, past the decoder's depth


@pytest.mark.parametrize("frame", ["{not json", DEEPLY_NESTED], ids=["not-json", "nested-5000-deep"])
def test_malformed_frames_spend_the_rate_budget_too(world: World, ws: Sockets, frame: str) -> None:
    now = [float(int(time.time()))]
    use_signaling_clock(lambda: now[0])
    doctor = ws.connect("dr.one", "c-dr-one")
    budget = round(BURST_SECONDS / EMISSION_INTERVAL) + 1
    for _ in range(budget + 5):
        ws.send(doctor, frame)
    codes = [f["code"] for f in ws.new(doctor)]
    assert codes[:budget] == ["malformed_json"] * budget
    assert codes[budget:] == ["rate_limited"] * 5


def test_nothing_is_relayed_in_an_ended_visit(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    ended = world.request("POST", f"/visits/{trio['room']}/end", user="dr.one", body={})
    assert ended.status_code == 200, ended.body
    ws.drain(trio["pat.a"], trio["dr.one"], trio["dr.three"])
    ws.send(trio["dr.one"], {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert error_of(ws, trio["dr.one"]) == "not_in_room"
    assert ws.new(trio["pat.a"]) == []


def test_a_doctor_who_leaves_early_stays_in_the_consultation_record(world: World, ws: Sockets,
                                                                     trio: dict[str, str]) -> None:
    ws.send(trio["dr.three"], {"action": "leave"})
    assert world.request("POST", f"/visits/{trio['room']}/end", user="dr.one", body={}).status_code == 200
    records = world.request("GET", f"/cases/{world.cases['a']}/visits", user="dr.one").json_body["items"]
    record = next(r for r in records if r["roomId"] == trio["room"])
    events = [(e["event"], e["userId"]) for e in record["attendance"]]
    colleague = uid(world, "dr.three")
    assert ("joined", colleague) in events and ("left", colleague) in events
    assert colleague not in [p["participantId"] for p in record["participants"]]


def test_a_server_fault_on_a_frame_answers_its_code_and_never_names_the_table_or_field(
        world: World, ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.crypto.envelope import FieldContext
    from functions.crypto.ports import DecryptError

    room_id = active_room(world)
    doctor = ws.connect("dr.one", "c-dr-one")
    ws.drain(doctor)
    context = FieldContext("discussion", "case-1/m-1", "text")

    def refuse(connection_id: str, frame: Any) -> None:
        raise DecryptError(f"A protected value of {context.describe()} failed authentication.")

    monkeypatch.setattr(get_container().signaling, "receive", refuse)
    ws.send(doctor, {"action": "join", "roomId": room_id, "ref": "j-1"})
    frames = ws.new(doctor)
    assert len(frames) == 1 and (frames[0]["type"], frames[0]["code"], frames[0]["ref"]) == (
        "error", "decryption_failed", "j-1"), frames
    assert "discussion" not in frames[0]["message"] and "text" not in frames[0]["message"]
    assert "/" not in frames[0]["message"], frames[0]["message"]


def test_a_relay_is_one_dynamodb_request_that_writes_no_index(world: World, ws: Sockets,
                                                              trio: dict[str, str]) -> None:
    from bench.dynamo_meter import DynamoMeter
    from functions.shared.dynamo import shared_connection
    from functions.shared.settings import get_settings

    shadow = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    meter = DynamoMeter(shared_connection(get_settings()).client, shadow=shadow)
    with meter.measure() as tally:
        ws.send(trio["pat.a"], {"action": "ice", "candidate": CANDIDATE})
    assert (tally.requests, tally.operations["UpdateItem"], tally.gsi_writes, tally.billed_writes) == (1, 1, 0, 1.0)
    assert [len(ws.new(trio[user])) for user in ("dr.one", "dr.three")] == [1, 1]
    stored = get_container().connections.get(trio["pat.a"])
    assert stored is not None and {m.connection_id for m in stored.members} == {
        trio["pat.a"], trio["dr.one"], trio["dr.three"]}


def test_the_adapter_refuses_an_older_member_list(world: World, ws: Sockets, trio: dict[str, str]) -> None:
    from functions.signaling.ports import Member

    registry = get_container().connections
    patient = trio["pat.a"]
    before = registry.get(patient)
    assert before is not None
    version = len(get_container().visit_store.get(trio["room"]).attendance)  # type: ignore[union-attr]
    assert not registry.publish_members(patient, trio["room"], version - 1, [Member(patient, "x")])
    assert not registry.publish_members(patient, "another-room", version + 5, [Member(patient, "x")])
    assert registry.get(patient).members == before.members  # type: ignore[union-attr]
    assert registry.publish_members(patient, trio["room"], version, [Member(patient, uid(world, "pat.a"))])
    registry.drop_member(patient, trio["room"], patient)
    assert registry.get(patient).members == ()  # type: ignore[union-attr]
