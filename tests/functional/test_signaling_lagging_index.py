"""Signaling when the byRoom index lags the table, as DynamoDB's GSIs do (eventually consistent;
moto's are not). bench/gsi_lag.py shows byRoom one second behind the table, on a clock that moves
only when a test moves it: a write is visible once the test has let the index catch up.

Joining, relaying, leaving and disconnecting never read byRoom (member lists ride on the sockets'
items, published from strongly consistent reads); ending a visit detaches the room's sockets, and
that must not depend on the index either, nor on the order in which a join and an end land."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.gsi_lag import LagLog, lagging_indexes
from functions.bootstrap import reset_container
from tests.functional.conftest import REGION, World
from tests.functional.test_mesh_visits import closed  # noqa: F401  (a fixture: the app's closes, recorded)
from tests.functional.test_signaling import CANDIDATE, SDP, active_room, error_of, invite, join, uid
from tests.support.ws import Sockets

LAG_SECONDS = 1.0


class IndexClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def catch_up(self) -> None:
        """Every write so far becomes visible on byRoom."""
        self.now += 2 * LAG_SECONDS


@pytest.fixture
def index_clock() -> IndexClock:
    return IndexClock()


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)  # moto serves it at its root
    reset_container()
    return Sockets(world, REGION)


@pytest.fixture
def lag(index_clock: IndexClock) -> Iterator[LagLog]:
    with lagging_indexes(LAG_SECONDS, LAG_SECONDS, clock=index_clock) as log:
        yield log


def test_joins_and_relays_do_not_read_by_room(world: World, ws: Sockets, lag: LagLog) -> None:
    room_id = active_room(world)
    patient, doctor = ws.connect("pat.a", "c-pat-a"), ws.connect("dr.one", "c-dr-one")
    join(ws, patient, room_id)
    joined = join(ws, doctor, room_id)
    assert [p["participantId"] for p in joined["participants"]] == [uid(world, "pat.a")]
    ws.new(patient)
    ws.send(doctor, {"action": "offer", "sdp": SDP})
    ws.send(patient, {"action": "ice", "candidate": CANDIDATE})
    assert [f["type"] for f in ws.new(patient)] == ["offer"]
    assert [f["type"] for f in ws.new(doctor)] == ["ice"]
    ws.send(doctor, {"action": "leave"})
    ws.disconnect(patient)
    assert lag.queries == 0


def test_a_visit_ended_right_after_the_joins_relays_nothing(world: World, ws: Sockets,
                                                             lag: LagLog) -> None:
    room_id = active_room(world)
    patient, doctor = ws.connect("pat.a", "c-pat-a"), ws.connect("dr.one", "c-dr-one")
    join(ws, patient, room_id)
    join(ws, doctor, room_id)
    ended = world.request("POST", f"/visits/{room_id}/end", user="dr.one", body={})
    assert ended.status_code == 200, ended.body
    assert lag.queries == 1 and lag.hidden >= 2  # byRoom did not list the two sockets yet
    ws.new(patient), ws.new(doctor)
    ws.send(doctor, {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert error_of(ws, doctor) == "not_in_room"
    ws.send(patient, {"action": "ice", "candidate": CANDIDATE})
    assert error_of(ws, patient) == "not_in_room"
    assert ws.new(doctor) == []


def test_ending_a_visit_leaves_a_socket_that_moved_on_in_its_new_room(world: World, ws: Sockets, lag: LagLog,
                                                                       index_clock: IndexClock) -> None:
    invite(world, "a", "dr.one", "dr.two")
    first_room = active_room(world)
    second_room = active_room(world, "pat.b", "b", "dr.two")
    colleague, patient_b = ws.connect("dr.two", "c-dr-two"), ws.connect("pat.b", "c-pat-b")
    join(ws, colleague, first_room)
    index_clock.catch_up()
    ws.send(colleague, {"action": "leave"})
    join(ws, patient_b, second_room)
    join(ws, colleague, second_room)
    # byRoom still lists the colleague's socket in the first room: ending it must not detach it.
    ended = world.request("POST", f"/visits/{first_room}/end", user="pat.a", body={})
    assert ended.status_code == 200, ended.body
    assert lag.hidden >= 1
    ws.new(patient_b), ws.new(colleague)
    ws.send(colleague, {"action": "offer", "to": uid(world, "pat.b"), "sdp": SDP})
    assert ws.new(colleague) == []
    assert [(f["type"], f["from"]) for f in ws.new(patient_b)] == [("offer", uid(world, "dr.two"))]


def test_a_visit_ended_while_a_join_is_taking_its_place_leaves_no_socket_in_it(
        world: World, ws: Sockets, monkeypatch: pytest.MonkeyPatch) -> None:
    """The join takes its place in the room (only while the room is active), then stores the room
    on its socket. An end landing between the two detaches the room's sockets before this one says
    it is in the room: the join must notice on its fresh read and not leave the socket attached to
    an ended visit (where it could relay to anyone who joins the same room id's record)."""
    from functions.visits.adapters import DynamoVisitStore

    room_id = active_room(world)
    patient, doctor = ws.connect("pat.a", "c-pat-a"), ws.connect("dr.one", "c-dr-one")
    join(ws, patient, room_id)
    taking_place = DynamoVisitStore.add_participant

    def then_the_visit_ends(self: DynamoVisitStore, *args: object, **kwargs: object) -> object:
        taken = taking_place(self, *args, **kwargs)  # type: ignore[arg-type]
        monkeypatch.setattr(DynamoVisitStore, "add_participant", taking_place)
        ended = world.request("POST", f"/visits/{room_id}/end", user="pat.a", body={})
        assert ended.status_code == 200, ended.body
        return taken

    monkeypatch.setattr(DynamoVisitStore, "add_participant", then_the_visit_ends)
    ws.new(doctor)
    ws.send(doctor, {"action": "join", "roomId": room_id})
    answers = ws.new(doctor)
    assert [f["type"] for f in answers] == ["visit.ended", "error"], answers  # the end's notice, no "joined"
    assert answers[-1]["code"] == "room_not_active"
    ws.send(doctor, {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert error_of(ws, doctor) == "not_in_room"
    # And the socket is free to join another visit.
    ws.send(doctor, {"action": "join", "roomId": active_room(world)})  # the next visit of the case
    assert ws.last(doctor)["type"] == "joined"


def test_a_revoked_invitation_detaches_a_socket_that_joined_within_the_indexs_lag(
        world: World, ws: Sockets, lag: LagLog, closed: list[str]) -> None:  # noqa: F811
    """Revoking reaches the colleague's sockets through byUser; one that joined a moment ago is not
    in that index yet (or shows no room): the room's own participant entry still names it."""
    invite(world, "a", "dr.one", "dr.two")
    room_id = active_room(world)
    patient, colleague = ws.connect("pat.a", "c-pat-a"), ws.connect("dr.two", "c-dr-two")
    join(ws, patient, room_id)
    join(ws, colleague, room_id)
    ws.new(patient)
    revoked = world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{uid(world, 'dr.two')}",
                            user="dr.one")
    assert revoked.status_code in (200, 204), revoked.body
    assert lag.user_queries >= 1 and lag.hidden >= 1  # byUser did not show the colleague in the room
    assert error_of(ws, colleague) == "grant_ended"
    assert closed == [colleague]
    assert [(f["type"], f.get("reason")) for f in ws.new(patient)
            if f["type"] == "participant.left"] == [("participant.left", "grant_ended")]
    ws.send(colleague, {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert ws.new(patient) == []
