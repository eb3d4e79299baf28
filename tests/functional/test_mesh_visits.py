"""Several doctors in one visit through the WebSocket handlers and moto: joining a visit in progress,
who may end it, visits in progress on a doctor's home page, and an invitation that ends mid-visit
(revoked: detached at once; expired: detached on the socket's next frame, nothing relayed to it)."""

from __future__ import annotations

import time

import pytest

from functions.bootstrap import get_container, reset_container
from tests.functional.conftest import REGION, World
from tests.functional.test_signaling import (
    CANDIDATE,
    SDP,
    active_room,
    error_of,
    invite,
    join,
    uid,
)
from tests.support.ws import MOTO_ACCOUNT, Sockets


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    # moto server mode serves the management API only at its root endpoint.
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return Sockets(world, REGION)


@pytest.fixture
def closed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Connection ids the app closed through DeleteConnection. moto forgets a deleted connection's
    frames; here it records the id and keeps the transcript, so a test reads the last frame too."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

    backend = apigatewaymanagementapi_backends[MOTO_ACCOUNT][REGION]
    ids: list[str] = []
    monkeypatch.setattr(backend, "delete_connection", lambda connection_id: ids.append(connection_id))
    return ids


def test_an_invited_doctor_joins_a_visit_in_progress_without_a_waiting_room(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = active_room(world)  # dr.one admitted it; dr.three never saw it queued
    people = {u: ws.connect(u, f"c-{u}") for u in ("pat.a", "dr.one", "dr.three")}
    join(ws, people["pat.a"], room_id)
    join(ws, people["dr.one"], room_id)
    ws.drain(*people.values())
    reply = join(ws, people["dr.three"], room_id)
    assert sorted((p["username"], p["role"]) for p in reply["participants"]) == [
        ("dr.one", "doctor"), ("pat.a", "patient")]
    for user in ("pat.a", "dr.one"):
        assert ws.new(people[user]) == [{"type": "participant.joined", "participantId": uid(world, "dr.three"),
                                         "username": "dr.three", "role": "doctor", "resumed": False}]


def test_visits_in_progress_are_listed_for_the_case_doctors_only(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = active_room(world)
    join(ws, ws.connect("pat.a", "c-pat-a"), room_id)
    seen = world.request("GET", "/visits/active", user="dr.three")
    assert seen.status_code == 200, seen.body
    assert [(i["roomId"], i["patient"], i["joined"]) for i in seen.json_body["items"]] == [(room_id, "pat.a", False)]
    assert [p["username"] for p in seen.json_body["items"][0]["participants"]] == ["pat.a"]
    assert world.request("GET", "/visits/active", user="dr.two").json_body["items"] == []  # not on the case
    for refused in ("pat.a", "ops"):
        answer = world.request("GET", "/visits/active", user=refused)
        assert answer.status_code == 403 and answer.json_body["error"]["code"]
    revoked = world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{uid(world, 'dr.three')}",
                            user="dr.one")
    assert revoked.status_code == 200, revoked.body
    assert world.request("GET", "/visits/active", user="dr.three").json_body["items"] == []


def test_only_a_doctor_who_joined_or_admitted_ends_the_visit_and_anyone_may_leave(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    invite(world, "a", "dr.one", "dr.two")
    room_id = active_room(world)
    people = {u: ws.connect(u, f"c-{u}") for u in ("pat.a", "dr.three", "dr.two")}
    for user in people:
        join(ws, people[user], room_id)
    ws.drain(*people.values())
    ws.send(people["dr.two"], {"action": "leave"})  # leaving ends nothing for the others
    assert ws.new(people["pat.a"]) == [{"type": "participant.left", "participantId": uid(world, "dr.two"),
                                        "reason": "left"}]
    assert world.request("GET", f"/visits/{room_id}", user="pat.a").json_body["status"] == "active"
    refused = world.request("POST", f"/visits/{room_id}/end", user="dr.two", body={})
    assert refused.status_code == 403 and refused.json_body["error"]["code"] == "not_a_participant"
    assert world.request("POST", f"/visits/{room_id}/end", user="ops", body={}).status_code == 403
    assert world.request("POST", f"/visits/{room_id}/end", user="pat.b", body={}).status_code == 404
    ended = world.request("POST", f"/visits/{room_id}/end", user="dr.three", body={})
    assert ended.status_code == 200 and ended.json_body["status"] == "ended"


def test_revoking_an_invitation_detaches_that_doctor_from_the_visit_at_once(world: World, ws: Sockets,
                                                                           closed: list[str]) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = active_room(world)
    people = {u: ws.connect(u, f"c-{u}") for u in ("pat.a", "dr.one", "dr.three")}
    for user in people:
        join(ws, people[user], room_id)
    ws.drain(*people.values())
    revoked = world.request("DELETE", f"/cases/{world.cases['a']}/invitations/{uid(world, 'dr.three')}",
                            user="dr.one")
    assert revoked.status_code == 200, revoked.body
    assert error_of(ws, people["dr.three"]) == "grant_ended"
    assert closed == [people["dr.three"]]  # and the socket is closed by the server
    ws.disconnect(people["dr.three"])  # API Gateway then runs $disconnect, as for any closed socket
    for user in ("pat.a", "dr.one"):
        assert ws.new(people[user]) == [{"type": "participant.left", "participantId": uid(world, "dr.three"),
                                         "reason": "grant_ended"}]
    members = world.request("GET", f"/visits/{room_id}", user="pat.a").json_body["participants"]
    assert sorted(m["username"] for m in members) == ["dr.one", "pat.a"]
    # Relays to and from them are refused: nothing reaches them, and they are in no room.
    ws.send(people["pat.a"], {"action": "ice", "candidate": CANDIDATE})
    assert ws.new(people["dr.three"]) == []
    ws.send(people["dr.three"], {"action": "offer", "to": uid(world, "pat.a"), "sdp": SDP})
    assert ws.new(people["pat.a"]) == []
    assert error_of(ws, people["dr.three"]) == "unknown_connection"
    again = ws.connect("dr.three", "c-dr.three-again")  # a new socket cannot get back in either
    ws.send(again, {"action": "join", "roomId": room_id})
    assert error_of(ws, again) == "visit_not_found"


def test_an_invitation_that_expires_mid_visit_detaches_the_socket(world: World, ws: Sockets,
                                                                  closed: list[str]) -> None:
    from functions.access.adapters import DynamoGrantStore
    from functions.access.service import AccessPolicy
    from functions.signaling.service import SignalingService, UserFanout
    from functions.visits.adapters import DynamoQueueStore
    from functions.visits.service import VisitService

    invite(world, "a", "dr.one", "dr.three")  # 2 hours
    room_id = active_room(world)
    people = {u: ws.connect(u, f"c-{u}") for u in ("pat.a", "dr.three")}
    for user in people:
        join(ws, people[user], room_id)
    ws.drain(*people.values())

    def later() -> float:
        return time.time() + 3 * 3600

    container = get_container()
    visits = VisitService(container.visit_store, DynamoQueueStore(container.field_sealer),
                          AccessPolicy(DynamoGrantStore(), clock=later),
                          UserFanout(container.connections, container.peer_notifier), clock=later)
    container.__dict__["signaling"] = SignalingService(container.connections, container.peer_notifier, visits,
                                                       container.visit_store, clock=later)
    ws.send(people["pat.a"], {"action": "offer", "to": uid(world, "dr.three"), "sdp": SDP})
    assert [(f["type"], f.get("reason") or f.get("code")) for f in ws.new(people["pat.a"])] == [
        ("participant.left", "grant_ended"), ("error", "peer_not_found")]  # the offer went nowhere...
    assert error_of(ws, people["dr.three"]) == "grant_ended"  # ...and dr.three was detached instead
    assert closed == [people["dr.three"]]
    members = world.request("GET", f"/visits/{room_id}", user="pat.a").json_body["participants"]
    assert [m["username"] for m in members] == ["pat.a"]
