"""Usernames are sealed in what a visit stores: the room (its patient, participants and attendance
log), the waiting-room entries and the connect tickets; the API and the WebSocket answer them as
before. Rooms and queue entries stored the old way are refused until migrated, then read the same."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3
import pytest

from functions.bootstrap import reset_container
from functions.migrations import cli
from tests.functional.conftest import REGION, World
from tests.functional.test_signaling import join, waiting_room
from tests.support.ws import Sockets

PREFIX = "dermafollow-local-"
USERNAMES = ("pat.a", "dr.one")


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return Sockets(world, REGION)


def _scan(world: World, table: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    return list(client.scan(TableName=PREFIX + table)["Items"])


def _no_username_in(items: list[dict[str, Any]]) -> None:
    assert items
    for item in items:
        text = json.dumps(item, default=str)
        assert not any(name in text for name in USERNAMES), text
        assert '"username"' not in text and "patientUsername\"" not in text.replace("patientUsernameSealed", "")


def test_a_visit_keeps_no_username_in_plaintext_and_answers_them_as_before(world: World, ws: Sockets) -> None:
    room_id = waiting_room(world)
    queue = world.request("GET", "/visits/queue", user="dr.one").json_body["items"]
    assert [(e["roomId"], e["patient"]) for e in queue] == [(room_id, "pat.a")]
    _no_username_in(_scan(world, "waiting_room"))

    assert world.request("POST", f"/visits/{room_id}/admit", user="dr.one", body={}).status_code == 200
    people = {user: ws.connect(user, f"conn-{n}") for n, user in enumerate(USERNAMES)}
    join(ws, people["pat.a"], room_id)
    reply = join(ws, people["dr.one"], room_id)
    assert sorted(p["username"] for p in reply["participants"]) == ["pat.a"]
    _no_username_in(_scan(world, "connections"))  # sealed on $connect, opened on a join only
    ws.send(people["pat.a"], {"action": "leave"})
    assert ws.last(people["pat.a"])["type"] == "left"
    _no_username_in(_scan(world, "visits"))

    view = world.request("GET", f"/visits/{room_id}", user="dr.one").json_body
    assert [p["username"] for p in view["participants"]] == ["dr.one"]  # pat.a left
    (active,) = world.request("GET", "/visits/active", user="dr.one").json_body["items"]
    assert (active["patient"], [p["username"] for p in active["participants"]]) == ("pat.a", ["dr.one"])
    ended = world.request("POST", f"/visits/{room_id}/end", user="dr.one", body={})
    assert ended.status_code == 200, ended.body
    _no_username_in(_scan(world, "visits"))
    (record,) = world.request("GET", f"/cases/{world.cases['a']}/visits", user="dr.one").json_body["items"]
    assert [p["username"] for p in record["participants"]] == ["dr.one"]  # leaving frees the place
    # The consultation record's attendance log names each person as before, also one who left.
    assert [(e["event"], e.get("username")) for e in record["attendance"]] == [
        ("joined", "pat.a"), ("joined", "dr.one"), ("left", None)]


def test_a_connect_ticket_keeps_no_username_in_plaintext(world: World) -> None:
    issued = world.request("POST", "/ws/tickets", user="pat.a")
    assert issued.status_code in (200, 201), issued.body
    _no_username_in(_scan(world, "connect_tickets"))


def test_rooms_and_queue_entries_stored_the_old_way_are_migrated(world: World) -> None:
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    case, patient, doctor = world.cases["a"], world.users["pat.a"].user_id, world.users["dr.one"].user_id
    room = "legacyroom0000000000aa"
    joined = {"event": {"S": "joined"}, "userId": {"S": doctor}, "username": {"S": "dr.one"},
              "role": {"S": "doctor"}, "at": {"S": "2026-01-01T00:01:00+00:00"}}
    client.put_item(TableName=PREFIX + "visits", Item={
        "roomId": {"S": room}, "caseId": {"S": case}, "patientId": {"S": patient}, "patientUsername": {"S": "pat.a"},
        "status": {"S": "ended"}, "requestedAt": {"S": "2026-01-01T00:00:00+00:00"},
        "requestedAtEpoch": {"N": "1767225600"}, "endedAt": {"S": "2026-01-01T00:10:00+00:00"},
        "endReason": {"S": "completed"}, "durationSeconds": {"N": "540"}, "quality": {"M": {}},
        "participants": {"M": {doctor: {"M": {"username": {"S": "dr.one"}, "role": {"S": "doctor"},
                                               "joinedAt": {"S": "2026-01-01T00:01:00+00:00"}}}}},
        "doctorIds": {"L": [{"S": doctor}]}, "attendance": {"L": [{"M": joined}]}})
    client.put_item(TableName=PREFIX + "waiting_room", Item={
        "doctorId": {"S": doctor}, "queueKey": {"S": f"{9_999_999_999:017.6f}#{room}"}, "roomId": {"S": room},
        "caseId": {"S": case}, "patientId": {"S": patient}, "patientUsername": {"S": "pat.a"},
        "requestedAt": {"S": "2286-11-20T17:46:39+00:00"}, "requestedAtEpoch": {"N": "9999999999"},
        "expiresAtEpoch": {"N": "9999999999"}})
    assert world.request("GET", f"/cases/{case}/visits", user="dr.one").status_code == 503
    assert world.request("GET", "/visits/queue", user="dr.one").status_code == 503

    for _ in range(2):  # the second run finds nothing left to do
        out = io.StringIO()
        with redirect_stdout(out):
            assert cli.main(["seal-legacy", "--table", "visits", "--table", "waiting_room"]) == 0
        reports = {t["table"]: t for t in json.loads(out.getvalue())["tables"]}
        assert all(t["done"] for t in reports.values())
    assert {name: (t["sealed"], t["already_sealed"]) for name, t in reports.items()} == {
        "visits": (0, 1), "waiting_room": (0, 1)}
    _no_username_in(_scan(world, "visits"))
    _no_username_in(_scan(world, "waiting_room"))

    (record,) = world.request("GET", f"/cases/{case}/visits", user="dr.one").json_body["items"]
    assert [p["username"] for p in record["participants"]] == ["dr.one"]
    assert [e["username"] for e in record["attendance"]] == ["dr.one"]
    queue = world.request("GET", "/visits/queue", user="dr.one").json_body["items"]
    assert [(e["roomId"], e["patient"]) for e in queue] == [(room, "pat.a")]
