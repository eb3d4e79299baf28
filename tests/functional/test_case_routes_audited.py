"""Every route that touches a case (derived from the app's route table: a `{case_id}` or `{room_id}` in
its path, or a visit asked for a case) leaves an audit entry naming the caller and the case when it
answers 2xx (HIPAA 164.312(b)): photos, lesions, scores, the timeline, visits, grants, the record.

The walk below calls each such route once, in an order that builds what the next one needs; a route
added to the app without a step here fails `test_the_walk_covers_every_case_route`.

The same walk is the access matrix of the case routes: before each step, the same call (same ids,
same body) is made by everyone who has no part in the case: another patient, another case's
doctor, the clinic's admin, and the invited colleague outside the time their invitation stood. Each
must be refused without learning whether the case exists (404, or 403 `wrong_role` for a route that
is not for their role on any case) and without changing anything (the owner's step that follows
finds the state it expects)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from functions.images.ports import upload_key
from functions.shared.settings import get_settings
from tests.functional.conftest import REGION, World
from tests.functional.emr_support import SAMPLES, provision_emr
from tests.functional.test_photos import ask_upload, deliver, post_file
from tests.functional.test_visit_ratings import a_visit
from tests.support.images import phone_jpeg


def case_routes() -> set[tuple[str, str]]:
    from app import app

    found = set()
    for path, methods in app.routes.items():
        for method in methods:
            if "{case_id}" in path or "{room_id}" in path or (method, path) == ("POST", "/visits"):
                found.add((method, path))
    return found


Step = tuple[str, str, str, Callable[[dict[str, Any]], Any] | None, str | None]
"""(method, route, user, body from the ids so far or None, the id the answer gives and its field)."""


def _due(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def _steps(world: World) -> list[Step]:
    dr_three = world.users["dr.three"].user_id
    dr_one = world.users["dr.one"].user_id
    return [
        ("GET", "/cases/{case_id}", "dr.one", None, None),
        ("GET", "/cases/{case_id}/fhir", "pat.a", None, None),
        ("GET", "/cases/{case_id}/cohort-reference", "dr.one", None, None),
        ("POST", "/cases/{case_id}/invitations", "dr.one",
         lambda _: {"doctorId": dr_three, "expiresInHours": 24}, None),
        ("POST", "/cases/{case_id}/invitation/answer", "dr.three", lambda _: {"answer": "accepted"}, None),
        ("DELETE", "/cases/{case_id}/invitations/{doctor_id}", "dr.one", None, None),
        ("POST", "/cases/{case_id}/followups", "dr.one",
         lambda _: {"dueDate": _due(3), "modality": "photo-review", "asks": ["photos"],
                    "repeat": {"everyDays": 7, "count": 2}}, "followup_id"),
        ("GET", "/cases/{case_id}/followups", "pat.a", None, None),
        ("POST", "/cases/{case_id}/followups/{followup_id}/complete", "dr.one", lambda _: {}, None),
        ("POST", "/cases/{case_id}/followups/{followup_id}/cancel", "dr.one", lambda _: {}, None),
        ("POST", "/cases/{case_id}/lesions", "pat.a",
         lambda _: {"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.45, "label": "Plaque"}, "lesion_id"),
        ("GET", "/cases/{case_id}/lesions", "dr.one", None, None),
        ("GET", "/cases/{case_id}/lesions/{lesion_id}", "dr.one", None, None),
        ("POST", "/cases/{case_id}/photos/uploads", "pat.a", None, "photo_id"),
        ("GET", "/cases/{case_id}/photos/uploads", "pat.a", None, None),
        ("GET", "/cases/{case_id}/photos/uploads/{photo_id}", "pat.a", None, None),
        ("GET", "/cases/{case_id}/photos", "dr.one", None, None),
        ("GET", "/cases/{case_id}/photos/{photo_id}", "dr.one", None, None),
        ("GET", "/cases/{case_id}/lesions/{lesion_id}/latest-photo", "pat.a", None, None),
        ("PUT", "/cases/{case_id}/lesions/{lesion_id}/baseline", "dr.one",
         lambda ids: {"photoId": ids["photo_id"], "outline": [[100, 100], [300, 100], [200, 300]]}, None),
        ("GET", "/cases/{case_id}/lesions/{lesion_id}/measurements", "pat.a", None, None),
        # A follow-up measured (see `_a_measured_followup`): the doctor confirms its proposed outline.
        ("PUT", "/cases/{case_id}/lesions/{lesion_id}/measurements/{photo_id}/outline", "dr.one",
         lambda _: {"outline": FOLLOWUP_OUTLINE}, None),
        ("POST", "/cases/{case_id}/scores", "pat.a",
         lambda _: {"instrument": "ITCH_NRS", "components": {"score": 4}}, None),
        ("GET", "/cases/{case_id}/scores", "dr.one", None, None),
        ("GET", "/cases/{case_id}/timeline", "dr.one", None, None),
        ("POST", "/cases/{case_id}/reviewed", "dr.one", lambda _: {}, None),
        ("POST", "/cases/{case_id}/records", "dr.one",
         lambda _: {"kind": "diagnosis", "content": SAMPLES["diagnosis"]}, "entry_id"),
        ("GET", "/cases/{case_id}/records", "dr.one", None, None),
        ("GET", "/cases/{case_id}/records/{entry_id}", "dr.one", None, None),
        ("PUT", "/cases/{case_id}/records/{entry_id}", "dr.one",
         lambda ids: {"expectedVersion": 1, "content": SAMPLES["diagnosis"] | {"note": "Checked again"}}, None),
        ("GET", "/cases/{case_id}/records/{entry_id}/history", "dr.one", None, None),
        ("POST", "/cases/{case_id}/records/{entry_id}/retract", "dr.one",
         lambda _: {"expectedVersion": 2, "reason": "Entered on the wrong case"}, None),
        ("POST", "/cases/{case_id}/consultations", "dr.one",
         lambda _: {"question": "Psoriasis or eczema?", "readerIds": [dr_one]}, "round_id"),
        ("GET", "/cases/{case_id}/consultations", "dr.one", None, None),
        ("GET", "/cases/{case_id}/consultations/{round_id}", "dr.one", None, None),
        ("POST", "/cases/{case_id}/consultations/{round_id}/reads", "dr.one",
         lambda _: {"code": "L40.0", "label": "Psoriasis vulgaris", "iga": 3, "treatment": "Topicals",
                    "confidence": 4}, None),
        ("GET", "/cases/{case_id}/consultations/{round_id}/reads", "dr.one", None, None),
        ("POST", "/cases/{case_id}/consultations/{round_id}/close", "dr.one",
         lambda _: {"code": "L40.0", "label": "Psoriasis vulgaris", "plan": "Topicals"}, None),
        ("POST", "/cases/{case_id}/discussion", "dr.one",
         lambda ids: {"text": "Worse on the left elbow?", "refs": [{"kind": "photo", "id": ids["photo_id"]}]},
         "message_id"),
        ("GET", "/cases/{case_id}/discussion", "dr.one", None, None),
        ("POST", "/cases/{case_id}/discussion/read", "dr.one", lambda ids: {"messageId": ids["message_id"]}, None),
        ("POST", "/cases/{case_id}/discussion/{message_id}/retract", "dr.one", lambda _: {}, None),
        ("POST", "/cases/{case_id}/photos/{photo_id}/remove", "pat.a", lambda _: {"reason": "wrong_photo"}, None),
        ("POST", "/visits", "pat.a", lambda ids: {"caseId": ids["case_id"]}, "room_id"),
        ("GET", "/visits/{room_id}", "dr.one", None, None),
        ("POST", "/visits/{room_id}/decline", "dr.one", lambda _: {}, None),
        ("POST", "/visits", "pat.a", lambda ids: {"caseId": ids["case_id"]}, "room_id"),
        ("POST", "/visits/{room_id}/cancel", "pat.a", lambda _: {}, None),
        ("POST", "/visits", "pat.a", lambda ids: {"caseId": ids["case_id"]}, "room_id"),
        ("POST", "/visits/{room_id}/admit", "dr.one", lambda _: {}, None),
        ("POST", "/visits/{room_id}/end", "dr.one", lambda _: {}, None),
        ("POST", "/visits/{room_id}/quality", "pat.a",
         lambda _: {"rttMs": 42.5, "lossPct": 0.4, "bitrateKbps": 850, "reconnects": 0}, None),
        ("POST", "/visits/{room_id}/rating", "pat.a", lambda _: {"callQuality": 4, "care": 5}, None),
        ("GET", "/cases/{case_id}/visits", "dr.one", None, None),
        ("GET", "/cases/{case_id}/visit-ratings", "dr.one", None, None),
        ("POST", "/cases/{case_id}/close", "dr.one", lambda _: {}, None),
        ("POST", "/cases/{case_id}/reopen", "dr.one", lambda _: {}, None),
    ]


@pytest.fixture
def walk_world(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    provision_emr(world, monkeypatch)
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
    bucket = get_settings().image_bucket
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    yield world


def _entries_about(world: World, user: str, case_id: str) -> int:
    """How many audit entries name `user` as the actor and `case_id` as the case (the ops view)."""
    patient_id = world.users["pat.a"].user_id
    count, cursor = 0, ""
    while True:
        query = f"patientId={patient_id}&limit=100" + (f"&cursor={cursor}" if cursor else "")
        page = world.request("GET", f"/admin/audit?{query}", user="ops")
        assert page.status_code == 200, page.json_body
        count += sum(1 for item in page.json_body["items"]
                     if item["actorId"] == world.users[user].user_id and item["resource"]["caseId"] == case_id)
        cursor = page.json_body["nextCursor"] or ""
        if not cursor:
            return count


def test_the_walk_covers_every_case_route(world: World) -> None:
    walked = {(method, route) for method, route, *_ in _steps(world)}
    assert case_routes() - walked == set(), "add a step for each new route that touches a case"
    assert walked - case_routes() == set()


def test_every_route_that_touches_a_case_is_audited(walk_world: World) -> None:
    world = walk_world
    ids: dict[str, Any] = {"case_id": world.cases["a"], "doctor_id": world.users["dr.three"].user_id}
    unaudited: list[str] = []
    invited = False  # dr.three's invitation stands (from the invitation to its ending)
    leaks: list[str] = []
    for method, route, user, make_body, gives in _steps(world):
        if route.endswith("/{followup_id}/cancel"):
            ids["followup_id"] = ids["second_followup_id"]  # the first one is done
        if route.endswith("/measurements/{photo_id}/outline"):
            ids["followup_photo_id"] = _a_measured_followup(world, ids)
        if route.endswith("/rating"):
            # A visit that took place (two people were in it): the admitted one above had nobody.
            ids["room_id"] = a_visit(world)
        # The outline step is about the follow-up photo, not the first (baseline) one.
        in_path = ids | ({"photo_id": ids["followup_photo_id"]} if route.endswith("/{photo_id}/outline") else {})
        path = route.format(**{name: in_path[name] for name in re.findall(r"{(\w+)}", route)})
        outsiders = [*OUTSIDERS, *(() if invited else ("dr.three",))]
        leaks += _outsiders_refused(world, outsiders, method, route, path, make_body, ids)
        invited = {"POST /cases/{case_id}/invitations": True,
                   "DELETE /cases/{case_id}/invitations/{doctor_id}": False}.get(f"{method} {route}", invited)
        before = _entries_about(world, user, ids["case_id"])
        if route == "/cases/{case_id}/photos/uploads" and method == "POST":
            data = phone_jpeg()
            response = ask_upload(world, user, ids["case_id"], len(data), lesionId=ids["lesion_id"])
            assert response.status_code == 201, (route, response.json_body)
            post_file(response.json_body, data)
            assert deliver(world, _s3(world), upload_key(ids["case_id"], response.json_body["photoId"])) == "accepted"
        else:
            body = make_body(ids) if make_body is not None else None
            response = world.request(method, path, user=user, body=body)
        assert 200 <= response.status_code < 300, (method, route, response.status_code, response.json_body)
        if gives is not None:
            answer = response.json_body
            ids[gives] = answer["items"][0]["followupId"] if gives == "followup_id" else answer[_field(gives)]
            if gives == "followup_id":
                ids["second_followup_id"] = answer["items"][1]["followupId"]
        if _entries_about(world, user, ids["case_id"]) <= before:
            unaudited.append(f"{method} {route}")
    assert unaudited == []
    assert leaks == []


FOLLOWUP_OUTLINE = [[110.0, 120.0], [310.0, 120.0], [210.0, 320.0]]


def _a_measured_followup(world: World, ids: dict[str, Any]) -> str:
    """A second photo of the lesion, with the measurement the measuring function would store (it is not
    run here: this walk is about access and audit); the follow-up lies 10 px right, 20 px down."""
    from dataclasses import replace

    from functions.bootstrap import get_container
    from functions.lesionmetrics.ports import LesionMeasurement

    data = phone_jpeg()
    response = ask_upload(world, "pat.a", ids["case_id"], len(data), lesionId=ids["lesion_id"])
    post_file(response.json_body, data)
    photo_id = str(response.json_body["photoId"])
    assert deliver(world, _s3(world), upload_key(ids["case_id"], photo_id)) == "accepted"
    store = get_container().lesion_metrics_store
    baseline = store.baseline(ids["case_id"], ids["lesion_id"])
    assert baseline is not None
    # The photo's figures as functions.lesionmetrics.handler.measurement_view gives them (no card: no mm2).
    figures = {"photo": {"aligned": True, "method": "features", "similarity": 0.9, "reason": None,
                         "homography": [[1, 0, -10], [0, 1, -20], [0, 0, 1]],
                         "outline": [[x - 10, y - 20] for x, y in FOLLOWUP_OUTLINE], "areaPx": 20000.0,
                         "areaMm2": None, "erythemaIndex": None, "erythemaContrast": 4.2, "needsReview": False},
               "baseline": {}, "change": None}
    measurement = LesionMeasurement(ids["case_id"], ids["lesion_id"], photo_id, baseline.photo_id,
                                    "2026-01-01T00:00:00.000+00:00", True, False, figures)
    store.put_measurement(replace(measurement, baseline_set_at=baseline.set_at))
    return photo_id


# Nobody here has a part in pat.a's case: another patient, the doctor of another patient's case,
# the admin (who never sees clinical content).
OUTSIDERS = ("pat.b", "dr.two", "ops")


def _outsiders_refused(world: World, outsiders: list[str], method: str, route: str, path: str,
                       make_body: Callable[[dict[str, Any]], Any] | None, ids: dict[str, Any]) -> list[str]:
    """The calls of `outsiders` on the step's route that were not refused as they must be."""
    leaks = []
    for outsider in outsiders:
        if route == "/cases/{case_id}/photos/uploads" and method == "POST":
            response = ask_upload(world, outsider, ids["case_id"], 1000, lesionId=ids["lesion_id"])
        else:
            response = world.request(method, path, user=outsider,
                                     body=make_body(ids) if make_body is not None else None)
        code = (response.json_body or {}).get("error", {}).get("code") if response.status_code >= 400 else None
        if not (response.status_code == 404 or (response.status_code, code) == (403, "wrong_role")):
            leaks.append(f"{outsider}: {method} {route} -> {response.status_code} {code}")
    return leaks


def _field(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _s3(world: World) -> Any:
    return boto3.client("s3", region_name=REGION, endpoint_url=world.endpoint)
