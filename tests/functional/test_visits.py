"""Video visits through REST: waiting room, live notices, admit/decline/cancel/end, the record, ICE."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time
from datetime import datetime
from typing import Any

import pytest

from functions.bootstrap import get_container, reset_container
from tests.functional.conftest import REGION, World
from tests.support.ws import Sockets

ROOM_ID = re.compile(r"^[A-Za-z0-9_-]{22,}$")  # secrets.token_urlsafe(16): 128 bits in 22 characters
WAITING_TTL_SECONDS = 30 * 60


@pytest.fixture
def ws(world: World, monkeypatch: pytest.MonkeyPatch) -> Sockets:
    # moto server mode serves the management API only at its root endpoint.
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    reset_container()
    return Sockets(world, REGION)


class Clock:
    """Frozen at the test's start; only the test moves it (so durations are exact)."""

    def __init__(self) -> None:
        self.start = self.now = time.time()

    def __call__(self) -> float:
        return self.now


def use_visit_clock(clock: Clock) -> None:
    """Swap the container's VisitService for one on `clock` (same tables, notifier and timeline)."""
    from functions.signaling.service import UserFanout
    from functions.visits.adapters import DynamoQueueStore
    from functions.visits.service import VisitService

    container = get_container()
    _ = container.visits  # binds the waiting-room table
    container.__dict__["visits"] = VisitService(
        container.visit_store, DynamoQueueStore(container.field_sealer), container.access,
        UserFanout(container.connections, container.peer_notifier), clock=clock,
        timeline=container.timeline_store,
    )


def uid(world: World, user: str) -> str:
    return world.users[user].user_id


def request_visit(world: World, user: str = "pat.a", case: str = "a") -> dict[str, Any]:
    response = world.request("POST", "/visits", user=user, body={"caseId": world.cases[case]})
    assert response.status_code == 201, response.body
    return dict(response.json_body)


def post(world: World, path: str, user: str, body: Any = None) -> Any:
    return world.request("POST", path, user=user, body=body if body is not None else {})


def invite(world: World, case: str, inviter: str, doctor: str) -> None:
    response = post(world, f"/cases/{world.cases[case]}/invitations", inviter,
                    {"doctorId": uid(world, doctor), "expiresInHours": 2})
    assert response.status_code == 201, response.body


def error_code(response: Any) -> str:
    return str(response.json_body["error"]["code"])


# --- request and queue -----------------------------------------------------------------------------

def test_patient_request_opens_a_waiting_room_with_a_128_bit_id(world: World) -> None:
    body = request_visit(world)
    assert body["status"] == "waiting" and body["caseId"] == world.cases["a"]
    assert ROOM_ID.match(body["roomId"]), body["roomId"]
    assert body["position"] == 1 and body["estimatedWaitSeconds"] == 0 and body["waitedSeconds"] >= 0
    assert body["participants"] == [] and body["admittedAt"] is None and body["endedAt"] is None


def test_asking_twice_returns_the_same_room_and_queues_once(world: World) -> None:
    first = request_visit(world)
    second = request_visit(world)
    assert second["roomId"] == first["roomId"]
    assert [i["roomId"] for i in world.request("GET", "/visits/queue", user="dr.one").json_body["items"]] == [
        first["roomId"]
    ]


def test_doctor_queue_lists_waiting_patients_oldest_first(world: World) -> None:
    invite(world, "b", "dr.two", "dr.one")  # dr.one now consults on pat.b's case too
    room_a = request_visit(world, "pat.a", "a")
    time.sleep(0.01)
    room_b = request_visit(world, "pat.b", "b")
    response = world.request("GET", "/visits/queue", user="dr.one")
    assert response.status_code == 200
    items = response.json_body["items"]
    assert [(i["roomId"], i["caseId"], i["patientId"], i["patient"], i["position"]) for i in items] == [
        (room_a["roomId"], world.cases["a"], uid(world, "pat.a"), "pat.a", 1),
        (room_b["roomId"], world.cases["b"], uid(world, "pat.b"), "pat.b", 2),
    ]
    assert all(isinstance(i["waitedSeconds"], int) and 0 <= i["waitedSeconds"] < 60 for i in items)
    assert all(i["requestedAt"] for i in items)
    # dr.two only has case b; dr.three has nothing.
    assert [i["roomId"] for i in world.request("GET", "/visits/queue", user="dr.two").json_body["items"]] == [
        room_b["roomId"]
    ]
    assert world.request("GET", "/visits/queue", user="dr.three").json_body["items"] == []


def test_connected_doctor_is_told_live_when_a_patient_asks(world: World, ws: Sockets) -> None:
    desk = ws.connect("dr.one", "desk-dr-one")
    elsewhere = ws.connect("dr.two", "desk-dr-two")
    ws.drain(desk, elsewhere)
    room = request_visit(world)
    notices = ws.new(desk)
    assert len(notices) == 1
    notice = notices[0]
    assert notice == {"type": "visit.waiting", "roomId": room["roomId"], "caseId": world.cases["a"],
                      "patient": "pat.a", "requestedAt": notice["requestedAt"]}
    assert datetime.fromisoformat(notice["requestedAt"]).tzinfo is not None
    assert ws.new(elsewhere) == []  # not dr.two's case


# --- admit / decline / cancel ----------------------------------------------------------------------

def test_admit_activates_the_room_empties_the_queue_and_tells_the_patient(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    phone = ws.connect("pat.a", "phone-pat-a")
    colleague = ws.connect("dr.three", "desk-dr-three")
    room = request_visit(world)
    ws.drain(phone, colleague)

    response = post(world, f"/visits/{room['roomId']}/admit", "dr.one")
    assert response.status_code == 200, response.body
    assert response.json_body["status"] == "active" and response.json_body["admittedAt"]
    assert "position" not in response.json_body
    assert world.request("GET", "/visits/queue", user="dr.one").json_body["items"] == []
    assert world.request("GET", "/visits/queue", user="dr.three").json_body["items"] == []
    assert ws.new(phone) == [{"type": "visit.admitted", "roomId": room["roomId"], "admittedBy": "dr.one"}]
    assert ws.new(colleague) == [{"type": "queue.changed", "roomId": room["roomId"]}]
    seen_by_patient = world.request("GET", f"/visits/{room['roomId']}", user="pat.a").json_body
    assert seen_by_patient["status"] == "active" and seen_by_patient["admittedAt"] == response.json_body["admittedAt"]


def test_admitting_twice_is_a_conflict(world: World) -> None:
    room = request_visit(world)
    assert post(world, f"/visits/{room['roomId']}/admit", "dr.one").status_code == 200
    again = post(world, f"/visits/{room['roomId']}/admit", "dr.one")
    assert again.status_code == 409 and error_code(again) == "visit_state_changed"


def test_only_a_doctor_with_a_right_may_admit_and_an_invited_one_can(world: World) -> None:
    room = request_visit(world)
    for stranger in ("dr.two", "dr.three"):
        refused = post(world, f"/visits/{room['roomId']}/admit", stranger)
        assert refused.status_code == 404 and error_code(refused) == "visit_not_found"
    assert world.request("GET", f"/visits/{room['roomId']}", user="pat.a").json_body["status"] == "waiting"
    invite(world, "a", "dr.one", "dr.three")
    admitted = post(world, f"/visits/{room['roomId']}/admit", "dr.three")
    assert admitted.status_code == 200 and admitted.json_body["status"] == "active"


def test_decline_ends_the_request_and_tells_the_patient(world: World, ws: Sockets) -> None:
    phone = ws.connect("pat.a", "phone-pat-a")
    room = request_visit(world)
    ws.drain(phone)
    response = post(world, f"/visits/{room['roomId']}/decline", "dr.one")
    assert response.status_code == 200
    assert (response.json_body["status"], response.json_body["endReason"]) == ("ended", "declined")
    assert ws.new(phone) == [{"type": "visit.declined", "roomId": room["roomId"]}]
    assert world.request("GET", "/visits/queue", user="dr.one").json_body["items"] == []
    late = post(world, f"/visits/{room['roomId']}/admit", "dr.one")
    assert late.status_code == 409 and error_code(late) == "visit_state_changed"
    assert request_visit(world)["roomId"] != room["roomId"]  # a new request opens a new room


def test_patient_cancels_a_waiting_request_and_doctors_are_told(world: World, ws: Sockets) -> None:
    desk = ws.connect("dr.one", "desk-dr-one")
    room = request_visit(world)
    ws.drain(desk)
    response = post(world, f"/visits/{room['roomId']}/cancel", "pat.a")
    assert response.status_code == 200
    assert (response.json_body["status"], response.json_body["endReason"]) == ("ended", "cancelled")
    assert ws.new(desk) == [{"type": "visit.cancelled", "roomId": room["roomId"]}]
    assert world.request("GET", "/visits/queue", user="dr.one").json_body["items"] == []
    again = post(world, f"/visits/{room['roomId']}/cancel", "pat.a")
    assert again.status_code == 409 and error_code(again) == "visit_state_changed"


def test_another_patient_cannot_cancel(world: World) -> None:
    room = request_visit(world)
    refused = post(world, f"/visits/{room['roomId']}/cancel", "pat.b")
    assert refused.status_code == 404 and error_code(refused) == "visit_not_found"
    assert world.request("GET", f"/visits/{room['roomId']}", user="pat.a").json_body["status"] == "waiting"


def test_waiting_room_older_than_30_minutes_is_gone(world: World) -> None:
    clock = Clock()
    use_visit_clock(clock)
    room = request_visit(world)
    clock.now = clock.start + WAITING_TTL_SECONDS - 5
    assert world.request("GET", f"/visits/{room['roomId']}", user="pat.a").status_code == 200
    clock.now = clock.start + WAITING_TTL_SECONDS + 1  # DynamoDB TTL has not deleted the items yet
    for user, method, path in [
        ("pat.a", "GET", f"/visits/{room['roomId']}"),
        ("dr.one", "POST", f"/visits/{room['roomId']}/admit"),
        ("pat.a", "POST", f"/visits/{room['roomId']}/cancel"),
    ]:
        gone = world.request(method, path, user=user, body={} if method == "POST" else None)
        assert gone.status_code == 404 and error_code(gone) == "visit_not_found", (method, path)
    assert world.request("GET", "/visits/queue", user="dr.one").json_body["items"] == []
    fresh = request_visit(world)
    assert fresh["roomId"] != room["roomId"] and fresh["position"] == 1 and fresh["estimatedWaitSeconds"] == 0


# --- end and the consultation record ---------------------------------------------------------------

GOOD_QUALITY = {"rttMs": 42.5, "jitterMs": 3, "lossPct": 0.4, "bitrateKbps": 850, "framesPerSecond": 29.5,
                "reconnects": 1, "durationSeconds": 120, "worstQuality": "fair", "audioOnlySeconds": 0,
                "setupMs": 1850}


def test_ended_visit_is_kept_as_the_consultation_record(world: World, ws: Sockets) -> None:
    clock = Clock()
    use_visit_clock(clock)
    room_id = request_visit(world)["roomId"]
    assert post(world, f"/visits/{room_id}/admit", "dr.one").status_code == 200
    phone = ws.connect("pat.a", "phone-pat-a")
    desk = ws.connect("dr.one", "desk-dr-one")
    for connection in (phone, desk):
        ws.send(connection, {"action": "join", "roomId": room_id})
        assert ws.last(connection)["type"] == "joined"
    assert ws.new(phone) == [{"type": "participant.joined", "participantId": uid(world, "dr.one"),
                              "username": "dr.one", "role": "doctor", "resumed": False}]
    live = world.request("GET", f"/visits/{room_id}", user="dr.one").json_body
    assert {p["username"] for p in live["participants"]} == {"pat.a", "dr.one"}

    clock.now += 125
    ended = post(world, f"/visits/{room_id}/end", "dr.one")
    assert ended.status_code == 200
    assert (ended.json_body["status"], ended.json_body["endReason"]) == ("ended", "completed")
    for connection in (phone, desk):
        assert ws.new(connection) == [{"type": "visit.ended", "roomId": room_id, "reason": "completed"}]
    again = post(world, f"/visits/{room_id}/end", "pat.a")
    assert again.status_code == 409 and error_code(again) == "visit_state_changed"

    assert post(world, f"/visits/{room_id}/quality", "pat.a", GOOD_QUALITY).status_code == 202
    assert post(world, f"/visits/{room_id}/quality", "dr.one",
                {"rttMs": 40, "lossPct": 0, "bitrateKbps": 900, "reconnects": 0}).status_code == 202
    outsider = post(world, f"/visits/{room_id}/quality", "dr.three", GOOD_QUALITY)
    assert outsider.status_code == 404

    for reader in ("pat.a", "dr.one"):
        history = world.request("GET", f"/cases/{world.cases['a']}/visits", user=reader)
        assert history.status_code == 200
        (record,) = history.json_body["items"]
        assert record["roomId"] == room_id and record["caseId"] == world.cases["a"]
        assert record["endReason"] == "completed" and record["durationSeconds"] == 125
        assert record["startedAt"] == ended.json_body["admittedAt"] and record["endedAt"] == ended.json_body["endedAt"]
        started, finished = (datetime.fromisoformat(record[k]) for k in ("startedAt", "endedAt"))
        assert (finished - started).total_seconds() in (124, 125, 126)  # ISO times are whole seconds
        people = {p["participantId"]: p for p in record["participants"]}
        assert set(people) == {uid(world, "pat.a"), uid(world, "dr.one")}
        assert people[uid(world, "pat.a")]["role"] == "patient" and people[uid(world, "dr.one")]["role"] == "doctor"
        assert all(p["joinedAt"] for p in people.values())
        quality = record["quality"]
        assert set(quality) == {uid(world, "pat.a"), uid(world, "dr.one")}
        assert {k: v for k, v in quality[uid(world, "pat.a")].items() if k != "reportedAt"} == GOOD_QUALITY
        assert quality[uid(world, "dr.one")]["bitrateKbps"] == 900 and quality[uid(world, "dr.one")]["reportedAt"]
    assert world.request("GET", f"/cases/{world.cases['a']}/visits", user="pat.b").status_code == 404


def _emf_documents(out: str) -> list[dict[str, Any]]:
    documents = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [document for document in documents if "_aws" in document]


def test_each_quality_report_becomes_call_metrics(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    room_id = request_visit(world)["roomId"]
    assert post(world, f"/visits/{room_id}/admit", "dr.one").status_code == 200
    capsys.readouterr()
    poor = {**GOOD_QUALITY, "worstQuality": "poor", "reconnects": 3, "audioOnlySeconds": 95}
    assert post(world, f"/visits/{room_id}/quality", "pat.a", poor).status_code == 202
    (document,) = _emf_documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "DermaFollow" and directive["Dimensions"] == [["service", "stage"]]
    units = {metric["Name"]: metric["Unit"] for metric in directive["Metrics"]}
    assert units == {"CallsReported": "Count", "PoorCalls": "Count", "CallReconnects": "Count",
                     "CallSetupMs": "Milliseconds", "AudioOnlySeconds": "Seconds"}
    assert {name: document[name] for name in units} == {
        "CallsReported": 1, "PoorCalls": 1, "CallReconnects": 3, "CallSetupMs": 1850, "AudioOnlySeconds": 95}
    # A call that never connected has no setup time (nor does an older client's summary): no figure, not 0.
    assert post(world, f"/visits/{room_id}/quality", "pat.a",
                {"rttMs": 40, "lossPct": 0, "bitrateKbps": 900, "reconnects": 0}).status_code == 202
    (document,) = _emf_documents(capsys.readouterr().out)
    assert {m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]} == {
        "CallsReported", "PoorCalls", "CallReconnects"}
    assert document["PoorCalls"] == 0
    too_slow = post(world, f"/visits/{room_id}/quality", "pat.a", {**GOOD_QUALITY, "setupMs": 600_001})
    assert too_slow.status_code == 400 and error_code(too_slow) == "validation_error"


def test_a_refused_requests_log_line_names_its_code(world: World, caplog: pytest.LogCaptureFixture) -> None:
    """docs/ops.md's `server-errors-by-route` groups by it: which dependency a 503 was is in the code."""
    room_id = request_visit(world)["roomId"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="dermafollow"):
        assert post(world, f"/visits/{room_id}/quality", "pat.b", GOOD_QUALITY).status_code == 404
        assert world.request("GET", f"/visits/{room_id}", user="pat.a").status_code == 200
    refused, answered = [record for record in caplog.records if record.getMessage() == "request"]
    assert (getattr(refused, "status", None), getattr(refused, "code", None)) == (404, "visit_not_found")
    assert getattr(answered, "status", None) == 200 and not hasattr(answered, "code")


def test_only_participants_report_quality(world: World) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = request_visit(world)["roomId"]
    assert post(world, f"/visits/{room_id}/admit", "dr.one").status_code == 200
    refused = post(world, f"/visits/{room_id}/quality", "dr.three", GOOD_QUALITY)  # a right, but never joined
    assert refused.status_code == 403 and error_code(refused) == "not_a_participant"
    assert post(world, f"/visits/{room_id}/quality", "pat.a", GOOD_QUALITY).status_code == 202


def test_only_the_patient_the_admitting_doctor_or_a_participant_ends_a_visit(world: World, ws: Sockets) -> None:
    invite(world, "a", "dr.one", "dr.three")
    room_id = request_visit(world)["roomId"]
    assert post(world, f"/visits/{room_id}/admit", "dr.one").status_code == 200
    # dr.three has a right to the case (invited) but is not in this visit.
    refused = post(world, f"/visits/{room_id}/end", "dr.three")
    assert refused.status_code == 403 and error_code(refused) == "not_a_participant"
    assert world.request("GET", f"/visits/{room_id}", user="dr.one").json_body["status"] == "active"
    # Once dr.three has joined, they may end it for everyone.
    desk = ws.connect("dr.three", "desk-dr-three")
    ws.send(desk, {"action": "join", "roomId": room_id})
    assert ws.last(desk)["type"] == "joined"
    assert post(world, f"/visits/{room_id}/end", "dr.three").status_code == 200


def test_the_admitting_doctor_ends_a_visit_without_joining(world: World) -> None:
    room_id = request_visit(world)["roomId"]
    assert post(world, f"/visits/{room_id}/admit", "dr.one").status_code == 200
    assert post(world, f"/visits/{room_id}/end", "dr.one").status_code == 200


def test_quality_body_is_validated(world: World) -> None:
    room_id = request_visit(world)["roomId"]
    bad_bodies: list[Any] = [
        {**GOOD_QUALITY, "mos": 4.1},  # unknown field
        {**GOOD_QUALITY, "lossPct": 100.5},
        {**GOOD_QUALITY, "lossPct": -1},
        {**GOOD_QUALITY, "rttMs": -0.1},
        {**GOOD_QUALITY, "rttMs": 1e8},
        {**GOOD_QUALITY, "framesPerSecond": 241},
        {**GOOD_QUALITY, "reconnects": 1.5},
        {**GOOD_QUALITY, "reconnects": 10001},
        {**GOOD_QUALITY, "durationSeconds": 86401},
        {**GOOD_QUALITY, "worstQuality": "awful"},
        {**GOOD_QUALITY, "bitrateKbps": "850"},
        {k: v for k, v in GOOD_QUALITY.items() if k != "rttMs"},  # required
        [GOOD_QUALITY],
    ]
    for body in bad_bodies:
        response = post(world, f"/visits/{room_id}/quality", "pat.a", body)
        assert response.status_code == 400, body
        assert error_code(response) == "validation_error", body
    malformed = world.request("POST", f"/visits/{room_id}/quality", user="pat.a", raw=b"{rtt")
    assert malformed.status_code == 400 and error_code(malformed) == "malformed_json"
    assert post(world, f"/visits/{room_id}/quality", "pat.a", GOOD_QUALITY).status_code == 202


# --- who may call what -----------------------------------------------------------------------------

def test_every_visits_route_answers_by_role_and_ownership(world: World) -> None:
    room = request_visit(world)["roomId"]
    case_a = world.cases["a"]
    routes = [
        ("POST", "/visits", {"caseId": case_a}),
        ("GET", "/visits/queue", None),
        ("GET", "/visits/ice-servers", None),
        ("GET", f"/visits/{room}", None),
        ("POST", f"/visits/{room}/admit", {}),
        ("POST", f"/visits/{room}/decline", {}),
        ("POST", f"/visits/{room}/cancel", {}),
        ("POST", f"/visits/{room}/end", {}),
        ("POST", f"/visits/{room}/quality", GOOD_QUALITY),
        ("GET", f"/cases/{case_a}/visits", None),
    ]
    patient_only = {"/visits", f"/visits/{room}/cancel"}
    doctor_only = {"/visits/queue", f"/visits/{room}/admit", f"/visits/{room}/decline"}
    sees_the_room = {f"/visits/{room}", f"/visits/{room}/admit", f"/visits/{room}/decline",
                     f"/visits/{room}/cancel", f"/visits/{room}/end", f"/visits/{room}/quality",
                     f"/cases/{case_a}/visits"}
    failures = []
    for method, path, body in routes:
        expected: dict[str | None, tuple[int, str | None]] = {
            None: (401, None),
            "ops": (403, "wrong_role"),
            "nobody": (403, None),
        }
        if path in patient_only:
            expected.update({"dr.one": (403, "wrong_role"), "dr.two": (403, "wrong_role")})
            if path in sees_the_room:
                expected["pat.b"] = (404, "visit_not_found")
        elif path in doctor_only:
            expected.update({"pat.a": (403, "wrong_role"), "pat.b": (403, "wrong_role")})
            if path in sees_the_room:
                expected["dr.two"] = (404, "visit_not_found")
        elif path in sees_the_room:
            code = "case_not_found" if path.startswith("/cases/") else "visit_not_found"
            expected.update({"pat.b": (404, code), "dr.two": (404, code)})
        if path == "/visits":
            expected["pat.b"] = (404, "case_not_found")  # pat.b asking for a visit on pat.a's case
        for user, (status, expected_code) in expected.items():
            response = world.request(method, path, user=user, body=body)
            got = (response.status_code, error_code(response) if expected_code else None)
            if got != (status, expected_code):
                failures.append((method, path, user, got, (status, expected_code)))
    assert failures == []
    # Nothing above changed the room.
    assert world.request("GET", f"/visits/{room}", user="pat.a").json_body["status"] == "waiting"


def test_allowed_callers_read_what_is_theirs(world: World) -> None:
    room = request_visit(world)["roomId"]
    for user in ("pat.a", "dr.one"):
        assert world.request("GET", f"/visits/{room}", user=user).json_body["roomId"] == room
        assert world.request("GET", f"/cases/{world.cases['a']}/visits", user=user).json_body == {"items": []}
        assert world.request("GET", "/visits/ice-servers", user=user).status_code == 200
    assert world.request("GET", "/visits/queue", user="dr.one").status_code == 200
    ended_early = post(world, f"/visits/{room}/end", "pat.a")  # end is for active visits only
    assert ended_early.status_code == 409 and error_code(ended_early) == "visit_state_changed"


def test_malformed_ids_are_refused_before_any_lookup(world: World) -> None:
    for path in ("/visits/short", "/visits/" + "x" * 65, "/visits/bad$chars-but-long-enough-xxxxx/admit"):
        response = world.request("GET" if path.count("/") == 2 else "POST", path, user="dr.one", body=None)
        assert response.status_code == 400 and error_code(response) == "validation_error", path
    unknown = world.request("GET", "/visits/" + "A" * 22, user="pat.a")
    assert unknown.status_code == 404 and error_code(unknown) == "visit_not_found"
    bad_case = post(world, "/visits", "pat.a", {"caseId": "../etc"})
    assert bad_case.status_code == 400
    extra = post(world, "/visits", "pat.a", {"caseId": world.cases["a"], "doctorId": "x"})
    assert extra.status_code == 400


# --- ICE servers -----------------------------------------------------------------------------------

def test_ice_servers_give_stun_and_time_limited_turn_credentials(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "turn-shared-secret-for-tests"
    monkeypatch.setenv("ICE_STUN_URLS", "stun:stun.example.org:3478, stun:stun2.example.org:19302")
    monkeypatch.setenv("ICE_TURN_URLS", "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349")
    monkeypatch.setenv("TURN_SHARED_SECRET", secret)
    monkeypatch.setenv("TURN_TTL_SECONDS", "900")
    reset_container()
    _ = get_container().ice_servers  # built now, from this environment

    before = int(time.time())
    response = world.request("GET", "/visits/ice-servers", user="pat.a")
    after = int(time.time())
    assert response.status_code == 200, response.body
    body = response.json_body
    assert body["ttlSeconds"] == 900
    servers = body["iceServers"]
    assert servers[:2] == [{"urls": ["stun:stun.example.org:3478"]}, {"urls": ["stun:stun2.example.org:19302"]}]
    turn = servers[2:]
    assert [s["urls"] for s in turn] == [["turn:turn.example.org:3478?transport=udp"],
                                         ["turns:turn.example.org:5349"]]
    username = turn[0]["username"]
    expiry, _, user_id = username.partition(":")
    assert user_id == uid(world, "pat.a")
    assert before + 900 <= int(expiry) <= after + 900
    assert datetime.fromisoformat(body["expiresAt"]).timestamp() == int(expiry)
    expected = base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()
    assert all(s["username"] == username and s["credential"] == expected for s in turn)

    doctor = world.request("GET", "/visits/ice-servers", user="dr.one").json_body["iceServers"][2]
    assert doctor["username"].endswith(":" + uid(world, "dr.one")) and doctor["credential"] != expected
    refused = world.request("GET", "/visits/ice-servers", user="ops")
    assert refused.status_code == 403 and error_code(refused) == "wrong_role"


def test_ice_servers_without_turn_configured_are_stun_only(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICE_STUN_URLS", "stun:stun.example.org:3478")
    monkeypatch.delenv("ICE_TURN_URLS", raising=False)
    monkeypatch.setenv("TURN_TTL_SECONDS", "5")  # below the floor: clamped to 60 s
    reset_container()
    _ = get_container().ice_servers
    body = world.request("GET", "/visits/ice-servers", user="dr.one").json_body
    assert body["iceServers"] == [{"urls": ["stun:stun.example.org:3478"]}]
    assert body["ttlSeconds"] == 60
