"""Signaling and visit rules with in-memory ports: relay routing, room cap, resume grace, rate budget,
queue positions, frame parsing and TURN credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from functions.access.ports import Grant, GrantKind
from functions.access.service import AccessPolicy
from functions.shared.auth import Principal, Role
from functions.shared.errors import Conflict, Forbidden, NotFound, RateLimited, ValidationError
from functions.signaling.adapters import BURST_SECONDS, EMISSION_INTERVAL, MAX_IDLE_CREDIT_SECONDS
from functions.signaling.messages import MAX_FRAME_BYTES, Frame, max_participants, protocol
from functions.signaling.service import RESUME_GRACE_SECONDS, SignalingService
from functions.visits.ice import IceServerService, turn_credentials
from functions.visits.ports import Participant, RoomStatus
from functions.visits.service import AVERAGE_VISIT_SECONDS, WAITING_TTL_SECONDS, VisitService
from tests.support.fakes import (
    Clock,
    MemoryConnectionRegistry,
    MemoryGrants,
    MemoryQueueStore,
    MemoryVisitStore,
    RecordingNotifier,
    RecordingUserNotifier,
)

CASE = "case-aaaa-0001"
OTHER_CASE = "case-bbbb-0002"

PATIENT = Principal("pat-a", "pat.a", frozenset({Role.PATIENT}))
OTHER_PATIENT = Principal("pat-b", "pat.b", frozenset({Role.PATIENT}))
DOCTOR = Principal("dr-one", "dr.one", frozenset({Role.DOCTOR}))  # assigned to CASE
STRANGER = Principal("dr-two", "dr.two", frozenset({Role.DOCTOR}))  # assigned to OTHER_CASE only
INVITED = [Principal(f"dr-inv{i}", f"dr.inv{i}", frozenset({Role.DOCTOR})) for i in range(1, 5)]
ADMIN = Principal("ops", "ops", frozenset({Role.ADMIN}))

SDP = {"type": "offer", "sdp": "v=0"}
CANDIDATE = {"candidate": "candidate:1 1 udp 1 127.0.0.1 5000 typ host"}


@dataclass
class Rig:
    clock: Clock = field(default_factory=Clock)
    grants: MemoryGrants = field(default_factory=MemoryGrants)
    rooms: MemoryVisitStore = field(default_factory=MemoryVisitStore)
    queue: MemoryQueueStore = field(default_factory=MemoryQueueStore)
    registry: MemoryConnectionRegistry = field(default_factory=MemoryConnectionRegistry)
    told: RecordingUserNotifier = field(default_factory=RecordingUserNotifier)
    peers: RecordingNotifier = field(init=False)
    visits: VisitService = field(init=False)
    signaling: SignalingService = field(init=False)

    def __post_init__(self) -> None:
        self.peers = RecordingNotifier(self.registry)
        access = AccessPolicy(self.grants, clock=self.clock)
        self.visits = VisitService(self.rooms, self.queue, access, self.told, clock=self.clock)
        self.signaling = SignalingService(self.registry, self.peers, self.visits, self.rooms, clock=self.clock)
        self.grant(CASE, PATIENT, GrantKind.OWNER)
        self.grant(CASE, DOCTOR, GrantKind.ASSIGNED)
        self.grant(OTHER_CASE, OTHER_PATIENT, GrantKind.OWNER)
        self.grant(OTHER_CASE, STRANGER, GrantKind.ASSIGNED)

    def grant(self, case_id: str, who: Principal, kind: GrantKind) -> None:
        self.grants.put(Grant(case_id, who.user_id, kind, "seed", "2026-11-26T08:00:00+00:00"))

    def active_room(self, patient: Principal = PATIENT, case_id: str = CASE, doctor: Principal = DOCTOR) -> str:
        room_id = str(self.visits.request(patient, case_id)["roomId"])
        self.visits.admit(doctor, room_id)
        return room_id

    def connect(self, who: Principal, connection_id: str | None = None) -> str:
        connection_id = connection_id or f"conn-{who.user_id}"
        self.signaling.connect(connection_id, who)
        return connection_id

    def send(self, connection_id: str, action: str, **fields: Any) -> None:
        self.signaling.receive(connection_id, json.dumps({"action": action, **fields}))

    def joined(self, who: Principal, room_id: str, connection_id: str | None = None) -> str:
        connection_id = self.connect(who, connection_id)
        self.send(connection_id, "join", roomId=room_id)
        assert self.peers.to(connection_id)[-1]["type"] == "joined"
        return connection_id


def code_of(excinfo: pytest.ExceptionInfo[Any]) -> str:
    return str(excinfo.value.code)


# --- relay routing ---------------------------------------------------------------------------------

def test_relay_with_to_reaches_only_that_participant() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    patient, doctor, colleague = (rig.joined(p, room_id) for p in (PATIENT, DOCTOR, INVITED[0]))
    rig.peers.clear()
    rig.send(doctor, "offer", to=PATIENT.user_id, sdp=SDP, ref="r-1")
    assert rig.peers.sent == {patient: [{"type": "offer", "from": DOCTOR.user_id, "sdp": SDP}]}
    assert colleague not in rig.peers.sent


def test_relay_without_to_reaches_every_other_member_but_never_the_sender() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    patient, doctor, colleague = (rig.joined(p, room_id) for p in (PATIENT, DOCTOR, INVITED[0]))
    elsewhere = rig.joined(OTHER_PATIENT, rig.active_room(OTHER_PATIENT, OTHER_CASE, STRANGER))
    rig.peers.clear()
    rig.send(patient, "ice", candidate=CANDIDATE)
    frame = {"type": "ice", "from": PATIENT.user_id, "candidate": CANDIDATE}
    assert rig.peers.sent == {doctor: [frame], colleague: [frame]}
    assert elsewhere not in rig.peers.sent and patient not in rig.peers.sent


def test_room_comes_from_the_stored_connection_never_from_the_frame() -> None:
    rig = Rig()
    room_a = rig.active_room()
    room_b = rig.active_room(OTHER_PATIENT, OTHER_CASE, STRANGER)
    patient, doctor = rig.joined(PATIENT, room_a), rig.joined(DOCTOR, room_a)
    other = rig.joined(OTHER_PATIENT, room_b)
    rig.peers.clear()
    # A relay frame cannot name a room: the schema refuses the claim before anything is sent.
    with pytest.raises(ValidationError) as refused:
        rig.send(doctor, "iceRestart", roomId=room_b)
    assert code_of(refused) == "validation_error" and not rig.peers.sent
    rig.send(doctor, "iceRestart")
    assert list(rig.peers.sent) == [patient]
    assert rig.peers.to(patient)[0]["from"] == DOCTOR.user_id
    with pytest.raises(NotFound) as caught:
        rig.send(doctor, "iceRestart", to=OTHER_PATIENT.user_id)
    assert code_of(caught) == "peer_not_found" and other not in rig.peers.sent


def test_relay_before_join_is_not_in_room() -> None:
    rig = Rig()
    rig.active_room()
    loner = rig.connect(DOCTOR)
    frames: list[tuple[str, dict[str, Any]]] = [("offer", {"sdp": SDP}), ("answer", {"sdp": SDP}),
                                                ("ice", {"candidate": None}), ("iceRestart", {}), ("leave", {})]
    for action, fields in frames:
        with pytest.raises(Conflict) as caught:
            rig.send(loner, action, **fields)
        assert code_of(caught) == "not_in_room"
    assert rig.peers.sent == {}


def test_to_an_absent_peer_is_peer_not_found() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor = rig.joined(DOCTOR, room_id)
    rig.joined(PATIENT, room_id)
    rig.peers.clear()
    for target in (OTHER_PATIENT.user_id, DOCTOR.user_id, "no-such-user"):
        with pytest.raises(NotFound) as caught:
            rig.send(doctor, "offer", to=target, sdp=SDP)
        assert code_of(caught) == "peer_not_found"
    assert rig.peers.sent == {}


def test_gone_peer_is_removed_from_the_registry_and_counts_as_absent() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor, patient = rig.joined(DOCTOR, room_id), rig.joined(PATIENT, room_id)
    rig.peers.gone.add(patient)
    with pytest.raises(NotFound) as caught:
        rig.send(doctor, "answer", to=PATIENT.user_id, sdp=SDP)
    assert code_of(caught) == "peer_not_found"
    assert rig.registry.get(patient) is None and rig.registry.get(doctor) is not None


def test_broadcast_with_nobody_else_in_the_room_is_not_an_error() -> None:
    rig = Rig()
    doctor = rig.joined(DOCTOR, rig.active_room())
    rig.peers.clear()
    rig.send(doctor, "ice", candidate=CANDIDATE)
    assert rig.peers.sent == {}


# --- join, cap, resume -----------------------------------------------------------------------------

@pytest.mark.parametrize("who", [OTHER_PATIENT, STRANGER, ADMIN])
def test_join_needs_a_right_to_the_case(who: Principal) -> None:
    rig = Rig()
    room_id = rig.active_room()
    connection = rig.connect(who)
    with pytest.raises(NotFound) as caught:
        rig.send(connection, "join", roomId=room_id)
    assert code_of(caught) == "visit_not_found"
    assert rig.rooms.rooms[room_id].participants == {}
    assert rig.registry.get(connection).room_id is None  # type: ignore[union-attr]


def test_join_lists_the_others_and_tells_them() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor = rig.joined(DOCTOR, room_id)
    patient = rig.joined(PATIENT, room_id)
    assert rig.peers.to(patient)[-1] == {
        "type": "joined", "roomId": room_id, "participantId": PATIENT.user_id, "resumed": False,
        "participants": [{"participantId": DOCTOR.user_id, "username": "dr.one", "role": "doctor"}],
    }
    assert rig.peers.to(doctor)[-1] == {"type": "participant.joined", "participantId": PATIENT.user_id,
                                        "username": "pat.a", "role": "patient", "resumed": False}


def test_join_names_the_role_of_someone_joining_at_the_same_moment() -> None:
    # Two joins crossing: the patient's place is in the room but their socket has not stored the room
    # yet; the doctor still learns who the patient is, and the patient's item gets the list.
    rig = Rig()
    room_id = rig.active_room()
    patient = rig.connect(PATIENT)
    rig.rooms.add_participant(room_id, Participant(PATIENT.user_id, "pat.a", "patient", "t", patient), 4)
    doctor = rig.joined(DOCTOR, room_id)
    assert rig.peers.to(doctor)[-1]["participants"] == [
        {"participantId": PATIENT.user_id, "username": "pat.a", "role": "patient"}]
    rig.registry.set_room(patient, room_id)  # the patient's join goes on
    assert [m.connection_id for m in rig.registry.get(patient).members] == [doctor, patient]  # type: ignore[union-attr]


@pytest.mark.parametrize("state", ["waiting", "ended"])
def test_join_needs_an_active_room(state: str) -> None:
    rig = Rig()
    room_id = str(rig.visits.request(PATIENT, CASE)["roomId"])
    if state == "ended":
        rig.visits.admit(DOCTOR, room_id)
        rig.joined(PATIENT, room_id, "conn-early")
        rig.signaling.disconnect("conn-early")
        rig.clock.advance(RESUME_GRACE_SECONDS + 5)
        rig.visits.end(DOCTOR, room_id)
    record_before = rig.rooms.rooms[room_id].participants
    connection = rig.connect(DOCTOR)
    with pytest.raises(Conflict) as caught:
        rig.send(connection, "join", roomId=room_id)
    assert code_of(caught) == "room_not_active"
    assert rig.rooms.rooms[room_id].participants == record_before  # the record is left alone


def test_room_holds_at_most_four() -> None:
    rig = Rig()
    for doctor in INVITED:
        rig.grant(CASE, doctor, GrantKind.INVITED)
    room_id = rig.active_room()
    for who in (PATIENT, DOCTOR, INVITED[0], INVITED[1]):
        rig.joined(who, room_id)
    assert max_participants() == 4 and len(rig.rooms.rooms[room_id].participants) == 4
    fifth = rig.connect(INVITED[2])
    with pytest.raises(Conflict) as caught:
        rig.send(fifth, "join", roomId=room_id)
    assert code_of(caught) == "room_full"
    assert INVITED[2].user_id not in rig.rooms.rooms[room_id].participants
    assert rig.registry.get(fifth).room_id is None  # type: ignore[union-attr]


def _full_room_with_one_dropped(rig: Rig) -> str:
    for doctor in INVITED:
        rig.grant(CASE, doctor, GrantKind.INVITED)
    room_id = rig.active_room()
    for who in (PATIENT, DOCTOR, INVITED[0], INVITED[1]):
        rig.joined(who, room_id)
    rig.signaling.disconnect(f"conn-{INVITED[1].user_id}")  # drops at clock.now
    return room_id


@pytest.mark.parametrize("after", [1, RESUME_GRACE_SECONDS - 1, RESUME_GRACE_SECONDS])
def test_dropped_participant_keeps_the_place_within_the_grace(after: int) -> None:
    rig = Rig()
    room_id = _full_room_with_one_dropped(rig)
    rig.clock.advance(after)
    with pytest.raises(Conflict) as caught:
        rig.send(rig.connect(INVITED[2]), "join", roomId=room_id)
    assert code_of(caught) == "room_full"
    assert rig.rooms.rooms[room_id].participants[INVITED[1].user_id].left_at is not None


def test_dropped_participant_is_pruned_after_the_grace_to_make_room() -> None:
    rig = Rig()
    room_id = _full_room_with_one_dropped(rig)
    rig.clock.advance(RESUME_GRACE_SECONDS + 1)
    newcomer = rig.connect(INVITED[2])
    rig.send(newcomer, "join", roomId=room_id)
    assert rig.peers.to(newcomer)[-1]["type"] == "joined"
    assert set(rig.rooms.rooms[room_id].participants) == {
        PATIENT.user_id, DOCTOR.user_id, INVITED[0].user_id, INVITED[2].user_id
    }
    # Live participants are never pruned, however long they have been there.
    rig.clock.advance(3600)
    with pytest.raises(Conflict) as caught:
        rig.send(rig.connect(INVITED[3]), "join", roomId=room_id)
    assert code_of(caught) == "room_full"


def test_reconnect_within_the_grace_resumes_the_place() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor = rig.joined(DOCTOR, room_id)
    rig.joined(PATIENT, room_id, "old-socket")
    rig.peers.clear()
    rig.signaling.disconnect("old-socket")
    assert rig.peers.take(doctor) == [{"type": "participant.left", "participantId": PATIENT.user_id,
                                       "reason": "disconnected", "resumableForSeconds": RESUME_GRACE_SECONDS}]
    assert rig.rooms.rooms[room_id].participants[PATIENT.user_id].left_at is not None
    rig.clock.advance(30)
    new = rig.joined(PATIENT, room_id, "new-socket")
    assert rig.peers.to(new)[-1]["resumed"] is True
    assert rig.peers.take(doctor) == [{"type": "participant.joined", "participantId": PATIENT.user_id,
                                       "username": "pat.a", "role": "patient", "resumed": True}]
    assert rig.rooms.rooms[room_id].participants[PATIENT.user_id].left_at is None
    assert rig.rooms.rooms[room_id].participants[PATIENT.user_id].connection_id == "new-socket"
    rig.send(doctor, "offer", to=PATIENT.user_id, sdp=SDP)
    assert rig.peers.to(new)[-1]["type"] == "offer" and "old-socket" not in rig.peers.sent


def test_second_socket_of_the_same_person_replaces_the_first() -> None:
    rig = Rig()
    room_id = rig.active_room()
    first = rig.joined(DOCTOR, room_id, "tab-1")
    second = rig.joined(DOCTOR, room_id, "tab-2")
    assert rig.peers.to(first)[-1] == {"type": "session.replaced"}
    assert rig.registry.get(first).room_id is None  # type: ignore[union-attr]
    assert rig.registry.in_room(room_id) == [second]


def test_joining_a_second_room_needs_leaving_the_first() -> None:
    rig = Rig()
    rig.grant(OTHER_CASE, DOCTOR, GrantKind.INVITED)
    room_a = rig.active_room()
    room_b = rig.active_room(OTHER_PATIENT, OTHER_CASE, STRANGER)
    doctor = rig.joined(DOCTOR, room_a)
    with pytest.raises(Conflict) as caught:
        rig.send(doctor, "join", roomId=room_b)
    assert code_of(caught) == "already_in_room"
    rig.send(doctor, "leave")
    rig.send(doctor, "join", roomId=room_b)
    assert rig.peers.to(doctor)[-1]["roomId"] == room_b


def test_leave_frees_the_place_and_tells_the_others() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor, patient = rig.joined(DOCTOR, room_id), rig.joined(PATIENT, room_id)
    rig.peers.clear()
    rig.send(patient, "leave")
    assert rig.peers.sent == {
        patient: [{"type": "left", "roomId": room_id}],
        doctor: [{"type": "participant.left", "participantId": PATIENT.user_id, "reason": "left"}],
    }
    assert PATIENT.user_id not in rig.rooms.rooms[room_id].participants
    assert rig.registry.get(patient).room_id is None  # type: ignore[union-attr]


def test_disconnect_outside_a_room_tells_nobody() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor = rig.joined(DOCTOR, room_id)
    idle = rig.connect(PATIENT)
    rig.peers.clear()
    rig.signaling.disconnect(idle)
    rig.signaling.disconnect("never-connected")
    assert rig.peers.sent == {} and rig.registry.get(idle) is None and rig.registry.get(doctor) is not None


# --- rate budget and plumbing ----------------------------------------------------------------------

def test_rate_budget_allows_a_burst_then_refuses_until_it_refills() -> None:
    rig = Rig()
    connection = rig.connect(DOCTOR)
    budget = round(BURST_SECONDS / EMISSION_INTERVAL) + 1
    for _ in range(budget):
        rig.send(connection, "ping")
    with pytest.raises(RateLimited) as caught:
        rig.send(connection, "ping")
    assert code_of(caught) == "rate_limited" and len(rig.peers.to(connection)) == budget
    rig.clock.advance(1.0)  # 20 messages/s sustained
    for _ in range(round(1.0 / EMISSION_INTERVAL)):
        rig.send(connection, "ping")
    with pytest.raises(RateLimited):
        rig.send(connection, "ping")
    rig.clock.advance(MAX_IDLE_CREDIT_SECONDS + BURST_SECONDS + 10)  # long idle: the budget resets
    rig.send(connection, "ping")
    assert rig.peers.to(connection)[-1]["type"] == "pong"


def test_ping_answers_pong_with_ts_and_server_time() -> None:
    rig = Rig()
    connection = rig.connect(PATIENT)
    rig.send(connection, "ping", ts=12.5)
    rig.send(connection, "ping")
    assert rig.peers.to(connection) == [
        {"type": "pong", "serverTime": int(rig.clock.now * 1000), "ts": 12.5},
        {"type": "pong", "serverTime": int(rig.clock.now * 1000)},
    ]


def test_unknown_connection_is_refused() -> None:
    with pytest.raises(NotFound) as caught:
        Rig().send("never-connected", "ping")
    assert code_of(caught) == "unknown_connection"


# --- VisitService: request, queue, positions -------------------------------------------------------

def test_request_opens_a_room_queues_every_doctor_and_tells_them() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    view = rig.visits.request(PATIENT, CASE)
    room = rig.rooms.rooms[view["roomId"]]
    assert len(view["roomId"]) >= 22 and room.status is RoomStatus.WAITING
    assert set(room.doctor_ids) == {DOCTOR.user_id, INVITED[0].user_id}
    assert rig.rooms.ttl[room.room_id] == int(rig.clock.now) + WAITING_TTL_SECONDS
    for doctor in (DOCTOR, INVITED[0]):
        assert [e.room_id for e in rig.queue.for_doctor(doctor.user_id)] == [room.room_id]
        assert rig.told.of(doctor.user_id) == [{"type": "visit.waiting", "roomId": room.room_id, "caseId": CASE,
                                                "patient": "pat.a", "requestedAt": room.requested_at}]
    assert rig.told.of(STRANGER.user_id) == []
    assert rig.visits.request(PATIENT, CASE)["roomId"] == room.room_id  # asking twice: the same room
    assert len(rig.queue.entries) == 2 and len(rig.told.told) == 2


@pytest.mark.parametrize(("who", "code"), [(OTHER_PATIENT, "case_not_found"), (DOCTOR, "visit_not_found"),
                                           (ADMIN, "case_not_found")])
def test_only_the_cases_patient_may_request(who: Principal, code: str) -> None:
    rig = Rig()
    with pytest.raises(NotFound) as caught:
        rig.visits.request(who, CASE)
    assert code_of(caught) == code and rig.rooms.rooms == {}


def _three_waiting(rig: Rig) -> list[str]:
    """Three patients' cases all assigned to DOCTOR, requested 60 s apart."""
    rooms = []
    for index, patient in enumerate([PATIENT, *(Principal(f"pat-{i}", f"pat.{i}", frozenset({Role.PATIENT}))
                                                for i in (2, 3))]):
        case_id = CASE if index == 0 else f"case-extra-000{index}"
        if index:
            rig.grant(case_id, patient, GrantKind.OWNER)
            rig.grant(case_id, DOCTOR, GrantKind.ASSIGNED)
        rooms.append(str(rig.visits.request(patient, case_id)["roomId"]))
        rig.clock.advance(60)
    return rooms


def test_positions_and_estimated_waits_follow_the_queue() -> None:
    rig = Rig()
    rooms = _three_waiting(rig)
    queue = rig.visits.waiting_queue(DOCTOR)["items"]
    assert [(i["roomId"], i["position"], i["waitedSeconds"]) for i in queue] == [
        (rooms[0], 1, 180), (rooms[1], 2, 120), (rooms[2], 3, 60)
    ]
    views = [rig.visits.view(rig.rooms.rooms[r], PATIENT) for r in rooms]
    assert [(v["position"], v["estimatedWaitSeconds"], v["waitedSeconds"]) for v in views] == [
        (1, 0, 180), (2, AVERAGE_VISIT_SECONDS, 120), (3, 2 * AVERAGE_VISIT_SECONDS, 60)
    ]
    rig.visits.admit(DOCTOR, rooms[0])
    assert [i["position"] for i in rig.visits.waiting_queue(DOCTOR)["items"]] == [1, 2]
    assert rig.visits.view(rig.rooms.rooms[rooms[2]], PATIENT)["position"] == 2
    assert "position" not in rig.visits.view(rig.rooms.rooms[rooms[0]], PATIENT)


def test_expired_requests_neither_show_nor_count_ahead() -> None:
    rig = Rig()
    rooms = _three_waiting(rig)  # requested at t, t+60, t+120; now t+180
    rig.clock.advance(WAITING_TTL_SECONDS - 180 + 1)  # only the first one is past 30 minutes
    assert [i["roomId"] for i in rig.visits.waiting_queue(DOCTOR)["items"]] == rooms[1:]
    view = rig.visits.view(rig.rooms.rooms[rooms[1]], PATIENT)
    assert (view["position"], view["estimatedWaitSeconds"]) == (1, 0)


def test_waiting_room_is_gone_after_30_minutes() -> None:
    rig = Rig()
    room_id = str(rig.visits.request(PATIENT, CASE)["roomId"])
    rig.clock.advance(WAITING_TTL_SECONDS - 1)
    assert rig.visits.get(PATIENT, room_id)["status"] == "waiting"
    rig.clock.advance(1)
    calls: tuple[Callable[[], Any], ...] = (lambda: rig.visits.get(PATIENT, room_id),
                                            lambda: rig.visits.admit(DOCTOR, room_id),
                                            lambda: rig.visits.cancel(PATIENT, room_id))
    for call in calls:
        with pytest.raises(NotFound) as caught:
            call()
        assert code_of(caught) == "visit_not_found"
    assert rig.visits.request(PATIENT, CASE)["roomId"] != room_id


# --- VisitService: admit, decline, cancel, end, quality --------------------------------------------

def test_admit_needs_a_doctor_with_a_right_and_happens_once() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = str(rig.visits.request(PATIENT, CASE)["roomId"])
    for who in (STRANGER, PATIENT, ADMIN):
        with pytest.raises(NotFound):
            rig.visits.admit(who, room_id)
    rig.told.told.clear()
    assert rig.visits.admit(DOCTOR, room_id)["status"] == "active"
    assert rig.told.of(PATIENT.user_id) == [{"type": "visit.admitted", "roomId": room_id, "admittedBy": "dr.one"}]
    assert rig.told.of(INVITED[0].user_id) == [{"type": "queue.changed", "roomId": room_id}]
    assert rig.told.of(DOCTOR.user_id) == []
    assert rig.queue.entries == {}
    with pytest.raises(Conflict) as caught:
        rig.visits.admit(INVITED[0], room_id)
    assert code_of(caught) == "visit_state_changed"


def test_decline_and_cancel_end_the_request() -> None:
    rig = Rig()
    declined = str(rig.visits.request(PATIENT, CASE)["roomId"])
    assert rig.visits.decline(DOCTOR, declined)["endReason"] == "declined"
    assert {"type": "visit.declined", "roomId": declined} in rig.told.of(PATIENT.user_id)
    rig.clock.advance(5)
    cancelled = str(rig.visits.request(PATIENT, CASE)["roomId"])
    assert cancelled != declined
    with pytest.raises(NotFound):
        rig.visits.cancel(OTHER_PATIENT, cancelled)
    assert rig.visits.cancel(PATIENT, cancelled)["endReason"] == "cancelled"
    assert rig.told.of(DOCTOR.user_id)[-1] == {"type": "visit.cancelled", "roomId": cancelled}
    assert rig.queue.entries == {}
    assert [r["endReason"] for r in rig.visits.history(PATIENT, CASE, 10)["items"]] == ["cancelled", "declined"]


def test_end_keeps_the_record_with_duration_participants_and_quality() -> None:
    rig = Rig()
    room_id = rig.active_room()
    rig.joined(PATIENT, room_id)
    rig.joined(DOCTOR, room_id)
    assert rig.visits.history(DOCTOR, CASE, 10) == {"items": []}  # active visits are not records yet
    rig.clock.advance(754.9)
    ended = rig.visits.end(PATIENT, room_id)
    assert (ended["status"], ended["endReason"]) == ("ended", "completed")
    assert {"type": "visit.ended", "roomId": room_id, "reason": "completed"} in rig.told.of(DOCTOR.user_id)
    rig.visits.report_quality(PATIENT, room_id, {"rttMs": 40, "lossPct": 0.1, "bitrateKbps": 700, "reconnects": 0})
    (record,) = rig.visits.history(DOCTOR, CASE, 10)["items"]
    assert record["durationSeconds"] == 754 and record["endReason"] == "completed"
    assert {p["participantId"]: p["role"] for p in record["participants"]} == {
        PATIENT.user_id: "patient", DOCTOR.user_id: "doctor"
    }
    assert record["quality"][PATIENT.user_id]["bitrateKbps"] == 700
    assert record["quality"][PATIENT.user_id]["reportedAt"]
    with pytest.raises(Conflict) as caught:
        rig.visits.end(DOCTOR, room_id)
    assert code_of(caught) == "visit_state_changed"


def test_doctor_with_a_right_who_never_joined_may_not_report_quality() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    with pytest.raises(Forbidden) as caught:
        rig.visits.report_quality(INVITED[0], room_id, {"rttMs": 1})
    assert code_of(caught) == "not_a_participant"
    with pytest.raises(NotFound):
        rig.visits.report_quality(STRANGER, room_id, {"rttMs": 1})


# --- reading frames --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "code"),
    [
        pytest.param(None, "malformed_json", id="none"),
        pytest.param("", "malformed_json", id="empty"),
        pytest.param("{", "malformed_json", id="truncated"),
        pytest.param(b"\xff\xfe", "malformed_json", id="not-utf8"),
        pytest.param("[]", "validation_error", id="array"),
        pytest.param("42", "validation_error", id="number"),
        pytest.param('"ping"', "validation_error", id="string"),
        pytest.param("{}", "validation_error", id="no-action"),
        pytest.param('{"action": 1}', "validation_error", id="action-not-string"),
        pytest.param('{"action": "Ping"}', "validation_error", id="action-pattern"),
        pytest.param('{"action": "' + "a" * 33 + '"}', "validation_error", id="action-too-long"),
        pytest.param('{"action": "relay"}', "unknown_action", id="unknown-action"),
        pytest.param('{"action": "ping", "x": 1}', "validation_error", id="unknown-field"),
        pytest.param('{"action": "offer", "from": "dr-one", "sdp": {"type": "offer", "sdp": "v"}}',
                     "validation_error", id="spoofed-from"),
        pytest.param('{"action": "offer", "roomId": "' + "r" * 22 + '", "sdp": {"type": "offer", "sdp": "v"}}',
                     "validation_error", id="room-on-relay"),
        pytest.param('{"action": "offer"}', "validation_error", id="missing-sdp"),
        pytest.param('{"action": "offer", "sdp": {"type": "rollback", "sdp": "v"}}', "validation_error",
                     id="sdp-type"),
        pytest.param('{"action": "offer", "sdp": {"type": "offer", "sdp": ""}}', "validation_error", id="sdp-empty"),
        pytest.param('{"action": "offer", "to": "a b", "sdp": {"type": "offer", "sdp": "v"}}', "validation_error",
                     id="to-pattern"),
        pytest.param('{"action": "ice", "candidate": 5}', "validation_error", id="candidate-type"),
        pytest.param('{"action": "ice", "candidate": {"candidate": "c", "sdpMLineIndex": -1}}', "validation_error",
                     id="candidate-index"),
        pytest.param('{"action": "join", "roomId": "short"}', "validation_error", id="room-id-short"),
        pytest.param('{"action": "join", "roomId": "' + "r" * 21 + '/"}', "validation_error", id="room-id-chars"),
        pytest.param('{"action": "ping", "ref": 5}', "validation_error", id="ref-type"),
        pytest.param('{"action": "ping", "ts": "now"}', "validation_error", id="ts-type"),
        pytest.param('{"action": "leave", "roomId": "' + "r" * 22 + '"}', "validation_error", id="leave-extra"),
        pytest.param('{"action": "ping", "p": "' + "x" * MAX_FRAME_BYTES + '"}', "frame_too_large", id="too-large"),
        pytest.param(('{"action": "ping", "p": "' + "x" * MAX_FRAME_BYTES + '"}').encode(), "frame_too_large",
                     id="too-large-bytes"),
        pytest.param('{"action": "ping", "p": "' + "\u20ac" * (MAX_FRAME_BYTES // 3 + 1) + '"}', "frame_too_large",
                     id="too-large-in-bytes-not-chars"),
    ],
)
def test_reading_a_frame_refuses_each_bad_input(raw: Any, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Frame.read(raw).validated()
    assert code_of(caught) == code


@pytest.mark.parametrize(
    "message",
    [
        {"action": "ping"},
        {"action": "ping", "ts": 1.5, "ref": "r"},
        {"action": "join", "roomId": "A" * 22},
        {"action": "leave"},
        {"action": "offer", "to": "dr-one", "sdp": {"type": "offer", "sdp": "v=0"}},
        {"action": "answer", "sdp": {"type": "answer", "sdp": "v=0"}},
        {"action": "ice", "candidate": None},
        {"action": "ice", "to": "pat-a", "candidate": {"candidate": "c", "sdpMid": None, "sdpMLineIndex": 0,
                                                         "usernameFragment": "u"}},
        {"action": "iceRestart", "to": "pat-a"},
    ],
)
def test_reading_a_frame_accepts_every_action_of_the_protocol(message: dict[str, Any]) -> None:
    assert Frame.read(json.dumps(message)).validated() == (message["action"], message)


def test_protocol_declares_exactly_the_actions_the_service_handles() -> None:
    assert set(protocol()["actions"]) == {"ping", "join", "leave", "offer", "answer", "ice", "iceRestart"}
    assert protocol()["maxFrameBytes"] == MAX_FRAME_BYTES < 32 * 1024


def test_frame_just_under_the_cap_is_parsed() -> None:
    head, tail = '{"action": "offer", "sdp": {"type": "offer", "sdp": "', '"}}'
    sdp = "s" * min(28000, MAX_FRAME_BYTES - len(head) - len(tail))
    assert Frame.read(head + sdp + tail).validated()[0] == "offer"


# --- TURN credentials ------------------------------------------------------------------------------

def test_turn_credentials_match_a_known_vector() -> None:
    username, credential = turn_credentials("north-star", "user-42", 1_700_000_000)
    assert username == "1700000000:user-42"
    # Computed independently: printf '1700000000:user-42' | openssl dgst -sha1 -hmac north-star -binary | base64
    assert credential == "GSSV4Kx5Za3Bb4FULnqaZZx6cbo="
    recomputed = base64.b64encode(hmac.new(b"north-star", b"1700000000:user-42", hashlib.sha1).digest()).decode()
    assert credential == recomputed


def test_ice_servers_use_the_clock_and_clamp_the_ttl() -> None:
    reads: list[int] = []

    def secret() -> str:
        reads.append(1)
        return "s3cret"

    service = IceServerService(("stun:a:3478",), ("turn:b:3478",), secret, ttl_seconds=600, clock=lambda: 1000.9)
    body = service.for_caller(PATIENT)
    turn = body["iceServers"][1]
    assert turn["username"] == "1600:pat-a"
    assert turn["credential"] == turn_credentials("s3cret", "pat-a", 1600)[1]
    assert body["ttlSeconds"] == 600 and body["expiresAt"] == "1970-01-01T00:26:40+00:00"
    assert IceServerService((), ("turn:b",), secret, ttl_seconds=1).for_caller(PATIENT)["ttlSeconds"] == 60
    assert IceServerService((), ("turn:b",), secret, ttl_seconds=10**7).for_caller(PATIENT)["ttlSeconds"] == 86400
    reads.clear()
    stun_only = IceServerService(("stun:a",), (), secret, ttl_seconds=600).for_caller(PATIENT)
    assert stun_only["iceServers"] == [{"urls": ["stun:a"]}] and reads == []


def _connection(connection_id: str) -> Any:
    from functions.signaling.ports import Connection

    return Connection(connection_id, "u1", "pat", "patient", "2026-01-01T00:00:00+00:00")


def test_a_heartbeat_keeps_a_quiet_connection_on_the_one_write_path() -> None:
    from tests.support.fakes import MemoryConnectionRegistry as Registry

    registry = Registry()
    registry.add(_connection("c1"), now=0.0, ttl_epoch=10_000)
    registry.charge("c1", 1.0)
    # 30 s of quiet, then a ping: tat is pulled up to now instead of keeping 30 s of credit.
    registry.heartbeat("c1", 31.0)
    assert registry.tat["c1"] == pytest.approx(31.0 + EMISSION_INTERVAL)


def test_a_ping_flood_is_still_rate_limited() -> None:
    from tests.support.fakes import MemoryConnectionRegistry as Registry

    registry = Registry()
    registry.add(_connection("c1"), now=100.0, ttl_epoch=10_000)
    allowed = 0
    with pytest.raises(RateLimited):
        for _ in range(10_000):
            registry.heartbeat("c1", 100.0)
            allowed += 1
    assert allowed == round(BURST_SECONDS / EMISSION_INTERVAL) + 1


def test_a_frame_read_once_carries_its_ref_even_when_it_is_refused() -> None:
    refused = Frame.read('{"action": "relay", "ref": "r-9"}')
    assert refused.ref == "r-9"
    with pytest.raises(ValidationError) as caught:
        refused.validated()
    assert code_of(caught) == "unknown_action"
    assert Frame.read("{").ref is None and Frame.read('{"action": "ping", "ref": 5}').ref is None


def test_the_service_takes_the_frame_the_handler_read() -> None:
    rig = Rig()
    connection_id = rig.connect(PATIENT)
    # A Frame built from a value (never from text) can only be used as it is, not read again.
    rig.signaling.receive(connection_id, Frame({"action": "ping", "ref": "r-1"}))
    assert rig.peers.to(connection_id)[-1]["type"] == "pong"


# --- grants that end mid-visit -------------------------------------------------------------------

def _invited_until(rig: Rig, who: Principal, end: int) -> None:
    rig.grants.put(Grant(CASE, who.user_id, GrantKind.INVITED, DOCTOR.user_id, "2026-11-26T08:00:00+00:00",
                         expires_at_epoch=end))


def test_an_expired_invitation_detaches_the_socket_on_its_next_frame() -> None:
    rig = Rig()
    _invited_until(rig, INVITED[0], int(rig.clock()) + 60)
    room_id = rig.active_room()
    patient, colleague = rig.joined(PATIENT, room_id), rig.joined(INVITED[0], room_id)
    rig.peers.clear()
    rig.clock.advance(61)
    rig.send(colleague, "ping", ts=1)
    assert rig.peers.to(colleague)[-1]["code"] == "grant_ended"
    assert colleague in rig.peers.closed and rig.registry.get(colleague) is None
    assert INVITED[0].user_id not in rig.rooms.rooms[room_id].participants
    assert rig.peers.to(patient) == [{"type": "participant.left", "participantId": INVITED[0].user_id,
                                      "reason": "grant_ended"}]


def test_nothing_is_relayed_to_a_socket_whose_invitation_expired() -> None:
    rig = Rig()
    _invited_until(rig, INVITED[0], int(rig.clock()) + 60)
    room_id = rig.active_room()
    patient, colleague = rig.joined(PATIENT, room_id), rig.joined(INVITED[0], room_id)
    rig.clock.advance(61)
    rig.peers.clear()
    with pytest.raises(NotFound) as caught:
        rig.send(patient, "offer", to=INVITED[0].user_id, sdp=SDP)
    assert code_of(caught) == "peer_not_found"
    assert [f["type"] for f in rig.peers.to(colleague)] == ["error"]  # grant_ended, never the offer
    assert rig.peers.to(colleague)[0]["code"] == "grant_ended"


def test_an_extended_invitation_keeps_the_socket_and_stores_the_new_end() -> None:
    rig = Rig()
    _invited_until(rig, INVITED[0], int(rig.clock()) + 60)
    room_id = rig.active_room()
    colleague = rig.joined(INVITED[0], room_id)
    _invited_until(rig, INVITED[0], int(rig.clock()) + 3600)
    rig.clock.advance(61)
    rig.send(colleague, "ping", ts=1)
    assert rig.peers.to(colleague)[-1]["type"] == "pong"
    stored = rig.registry.get(colleague)
    assert stored is not None and stored.room_id == room_id
    assert stored.grant_expires_at_epoch == int(rig.clock()) - 61 + 3600


def test_revoking_detaches_that_doctor_from_the_case_visits_only() -> None:
    rig = Rig()
    _invited_until(rig, INVITED[0], int(rig.clock()) + 3600)
    rig.grants.put(Grant(OTHER_CASE, INVITED[0].user_id, GrantKind.INVITED, STRANGER.user_id,
                         "2026-11-26T08:00:00+00:00", expires_at_epoch=int(rig.clock()) + 3600))
    room_a = rig.active_room()
    room_b = rig.active_room(OTHER_PATIENT, OTHER_CASE, STRANGER)
    in_a = rig.joined(INVITED[0], room_a, "conn-a")
    in_b = rig.joined(INVITED[0], room_b, "conn-b")
    assert rig.signaling.end_case_access(CASE, INVITED[0].user_id) == 1
    assert rig.peers.closed == [in_a] and rig.registry.get(in_b) is not None
    assert rig.registry.get(in_b).room_id == room_b  # type: ignore[union-attr]


def test_a_doctor_without_an_end_is_never_detached() -> None:
    rig = Rig()
    room_id = rig.active_room()
    doctor = rig.joined(DOCTOR, room_id)
    rig.clock.advance(30 * 24 * 3600)
    rig.send(doctor, "ping", ts=1)
    assert rig.peers.to(doctor)[-1]["type"] == "pong" and not rig.peers.closed


# --- who may end, visits in progress -------------------------------------------------------------

def test_an_invited_doctor_who_never_joined_may_not_end_but_one_who_joined_may() -> None:
    rig = Rig()
    for doctor in INVITED[:2]:
        rig.grant(CASE, doctor, GrantKind.INVITED)
    room_id = rig.active_room()
    rig.joined(PATIENT, room_id)
    rig.joined(INVITED[0], room_id)
    with pytest.raises(Forbidden):
        rig.visits.end(INVITED[1], room_id)
    assert rig.visits.end(INVITED[0], room_id)["status"] == "ended"


def test_a_doctor_who_left_may_no_longer_end_the_visit_for_the_others() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    rig.joined(PATIENT, room_id)
    colleague = rig.joined(INVITED[0], room_id)
    rig.send(colleague, "leave")
    with pytest.raises(Forbidden):
        rig.visits.end(INVITED[0], room_id)
    assert rig.rooms.rooms[room_id].status is RoomStatus.ACTIVE


def test_visits_in_progress_list_the_case_doctors_rooms_only() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    rig.joined(PATIENT, room_id)
    rig.visits.request(OTHER_PATIENT, OTHER_CASE)  # waiting, not in progress
    items = rig.visits.active_for_doctor(INVITED[0])["items"]
    assert [(i["roomId"], i["patient"], i["joined"]) for i in items] == [(room_id, "pat.a", False)]
    assert items[0]["participants"] == [{"participantId": PATIENT.user_id, "username": "pat.a", "role": "patient"}]
    assert rig.visits.active_for_doctor(STRANGER)["items"] == []
    with pytest.raises(NotFound):
        rig.visits.active_for_doctor(PATIENT)


# --- member lists on the connection items ---------------------------------------------------------

def _lists(rig: Rig, *connection_ids: str) -> list[list[str]]:
    return [[m.connection_id for m in rig.registry.get(c).members] for c in connection_ids]  # type: ignore[union-attr]


def test_a_relay_spends_one_write_and_reads_nothing() -> None:
    rig = Rig()
    room_id = rig.active_room()
    patient, doctor = rig.joined(PATIENT, room_id), rig.joined(DOCTOR, room_id)
    writes = rig.registry.writes
    rig.signaling._registry = _NoReads(rig.registry)  # type: ignore[assignment]
    rig.send(patient, "offer", sdp=SDP)
    assert rig.registry.writes == writes + 1
    assert rig.peers.to(doctor)[-1] == {"type": "offer", "from": PATIENT.user_id, "sdp": SDP}


class _NoReads:
    """The registry with every read refused: a relay must get by on the budget write's answer."""

    def __init__(self, registry: MemoryConnectionRegistry) -> None:
        self._registry = registry

    def charge(self, connection_id: str, now: float) -> Any:
        return self._registry.charge(connection_id, now)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the relay called {name}")


def test_crossing_joins_leave_every_member_with_the_whole_room() -> None:
    # A doctor's place is taken but, before their socket stores the room and publishes, a colleague
    # joins from start to end: the colleague's newer list reaches the first doctor's item, the first
    # doctor's older list is refused where the newer one is, and a retry publishes the newest room.
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    patient = rig.joined(PATIENT, room_id)
    first, second = rig.connect(DOCTOR), rig.connect(INVITED[0])
    add = rig.rooms.add_participant
    crossing = {"done": False}

    def add_then_cross(room: str, participant: Participant, cap: int) -> Any:
        added = add(room, participant, cap)
        if participant.user_id == DOCTOR.user_id and not crossing["done"]:
            crossing["done"] = True
            rig.send(second, "join", roomId=room_id)
        return added

    rig.rooms.add_participant = add_then_cross  # type: ignore[method-assign, assignment]
    rig.send(first, "join", roomId=room_id)
    everyone = sorted([patient, first, second])
    assert _lists(rig, patient, first, second) == [everyone] * 3
    rig.peers.clear()
    rig.send(patient, "offer", sdp=SDP)
    assert [rig.peers.to(c)[-1]["type"] for c in (first, second)] == ["offer", "offer"]


def test_an_older_list_never_replaces_a_newer_one() -> None:
    rig = Rig()
    room_id = rig.active_room()
    patient = rig.joined(PATIENT, room_id)
    newest = rig.registry.lists[patient][1]
    assert not rig.registry.publish_members(patient, room_id, newest - 1, [])
    assert rig.registry.publish_members(patient, room_id, newest, rig.registry.get(patient).members)  # type: ignore[union-attr, arg-type]
    assert not rig.registry.publish_members(patient, "another-room", newest + 1, [])  # the socket is in room_id


def test_leaving_and_disconnecting_take_the_socket_off_every_list() -> None:
    rig = Rig()
    rig.grant(CASE, INVITED[0], GrantKind.INVITED)
    room_id = rig.active_room()
    patient, doctor, colleague = (rig.joined(PATIENT, room_id), rig.joined(DOCTOR, room_id),
                                  rig.joined(INVITED[0], room_id))
    rig.send(colleague, "leave")
    assert _lists(rig, patient, doctor) == [sorted([patient, doctor])] * 2
    assert rig.registry.get(colleague).members == ()  # type: ignore[union-attr]
    rig.signaling.disconnect(doctor)
    assert _lists(rig, patient) == [[patient]]
    rig.peers.clear()
    with pytest.raises(NotFound):
        rig.send(patient, "offer", to=INVITED[0].user_id, sdp=SDP)
    assert rig.peers.to(colleague) == []


def test_a_gone_peer_is_dropped_from_the_senders_list() -> None:
    rig = Rig()
    room_id = rig.active_room()
    patient, doctor = rig.joined(PATIENT, room_id), rig.joined(DOCTOR, room_id)
    rig.peers.gone.add(doctor)  # vanished without a $disconnect
    rig.send(patient, "offer", sdp=SDP)
    assert _lists(rig, patient) == [[patient]] and rig.registry.get(doctor) is None


def test_a_late_disconnect_of_a_replaced_socket_leaves_the_resumed_one_in_the_room() -> None:
    rig = Rig()
    room_id = rig.active_room()
    patient, doctor = rig.joined(PATIENT, room_id, "conn-old"), rig.joined(DOCTOR, room_id)
    resumed = rig.joined(PATIENT, room_id, "conn-new")  # reconnected before the old $disconnect ran
    rig.registry.set_room(patient, room_id)  # ...which deleted the old item before the join detached it
    rig.signaling.disconnect(patient)
    assert rig.rooms.rooms[room_id].participants[PATIENT.user_id].left_at is None
    assert _lists(rig, doctor, resumed) == [sorted([doctor, resumed])] * 2
    rig.peers.clear()
    rig.send(doctor, "offer", sdp=SDP)
    assert rig.peers.to(resumed)[-1]["type"] == "offer" and rig.peers.to(patient) == []
