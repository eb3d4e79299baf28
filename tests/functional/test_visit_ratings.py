"""Visit ratings: the visit's patient rates a visit that took place, once; the comment is sealed at rest;
the case's people read the ratings, strangers get 404; doctors see the clinic's figures (no comments)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import boto3

from functions.bootstrap import get_container
from functions.shared.clock import iso
from functions.visits.ports import Room, RoomStatus
from tests.functional.conftest import REGION, World

COMMENT = "zq-the picture froze twice but the advice was clear"


def a_visit(world: World, *, ended: bool = True, duration: int = 600, case: str = "a", patient: str = "pat.a") -> str:
    """A visit on the case, as the visit service leaves one (ended after `duration` seconds, or active)."""
    room_id = secrets.token_urlsafe(16)
    now = time.time()
    store = get_container().visit_store
    store.create(Room(room_id=room_id, case_id=world.cases[case], patient_id=world.users[patient].user_id,
                      patient_username=patient, status=RoomStatus.ACTIVE, requested_at=iso(now - duration - 60),
                      requested_at_epoch=now - duration - 60), int(now) + 86400)
    if ended:
        store.transition(room_id, RoomStatus.ACTIVE, {"status": RoomStatus.ENDED, "endedAt": iso(now),
                                                      "endReason": "completed", "durationSeconds": duration}, None)
    return room_id


def rate(world: World, room_id: str, user: str = "pat.a", **body: Any) -> Any:
    return world.request("POST", f"/visits/{room_id}/rating", user=user,
                         body={"callQuality": 3, "care": 5, **body})


def test_the_patient_rates_a_visit_once_and_the_comment_is_sealed(world: World) -> None:
    room_id = a_visit(world)
    rated = rate(world, room_id, comment=COMMENT)
    assert rated.status_code == 201, rated.json_body
    assert (rated.json_body["callQuality"], rated.json_body["care"]) == (3, 5)
    again = rate(world, room_id)
    assert (again.status_code, again.json_body["error"]["code"]) == (409, "already_rated")

    table = boto3.resource("dynamodb", region_name=REGION, endpoint_url=world.endpoint).Table(
        "dermafollow-local-visit_ratings")
    stored = table.get_item(Key={"roomId": room_id, "raterId": world.users["pat.a"].user_id})["Item"]
    assert COMMENT not in repr(stored) and "zq-" not in repr(stored)

    for reader in ("pat.a", "dr.one"):
        listed = world.request("GET", f"/cases/{world.cases['a']}/visit-ratings", user=reader)
        assert listed.status_code == 200, listed.json_body
        assert [(r["roomId"], r["comment"]) for r in listed.json_body["items"]] == [(room_id, COMMENT)]
    assert world.request("GET", f"/cases/{world.cases['a']}/visit-ratings", user="dr.two").status_code == 404
    actions = [i["action"] for i in world.request(
        "GET", f"/admin/audit?patientId={world.users['pat.a'].user_id}&limit=50", user="ops").json_body["items"]]
    assert "visit.rate" in actions and "visit.ratings" in actions


def test_only_its_patient_rates_only_a_visit_that_took_place(world: World) -> None:
    assert rate(world, a_visit(world), user="pat.b").status_code == 404
    assert rate(world, a_visit(world), user="dr.one").status_code == 403
    for room_id in (a_visit(world, ended=False), a_visit(world, duration=0)):
        refused = rate(world, room_id)
        assert (refused.status_code, refused.json_body["error"]["code"]) == (409, "visit_not_over")
    assert rate(world, secrets.token_urlsafe(16)).status_code == 404
    for body in ({"callQuality": 0}, {"care": 6}, {"comment": "x" * 1001}, {"stars": 5}):
        assert rate(world, a_visit(world), **body).status_code == 400, body


def test_doctors_see_the_clinics_figures_without_comments(world: World) -> None:
    for quality, care in ((5, 5), (4, 3), (2, 4)):
        assert rate(world, a_visit(world), callQuality=quality, care=care, comment=COMMENT).status_code == 201
    other = a_visit(world, case="b", patient="pat.b")
    assert rate(world, other, user="pat.b", callQuality=1, care=1).status_code == 201
    figures = world.request("GET", "/analytics/feedback", user="dr.two")
    assert figures.status_code == 200, figures.json_body
    body = figures.json_body
    assert body["overall"] == {"n": 4, "callQualityMean": 3.0, "careMean": 3.25}
    assert body["distribution"]["care"] == {"1": 1, "2": 0, "3": 1, "4": 1, "5": 1}
    assert len(body["months"]) == 12 and body["months"][-1]["n"] == 4
    assert "zq-" not in json.dumps(body)
    assert world.request("GET", "/analytics/feedback", user="pat.a").status_code == 403
