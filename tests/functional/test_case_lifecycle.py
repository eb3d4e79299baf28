"""A case's lifecycle through the API: a doctor finds a patient by name and opens a case with
colleagues assigned; closing refuses new uploads, visits and scores with 409 case_closed while the
record stays readable; reopening lets them in again. Each step is audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import World

UPLOAD = {"bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": 200_000, "source": "camera"}
ITCH = {"instrument": "ITCH_NRS", "components": {"score": 6}}


def audit_actions(world: World, patient: str) -> list[str]:
    answer = world.request("GET", f"/admin/audit?patientId={world.users[patient].user_id}&limit=100", user="ops")
    assert answer.status_code == 200, answer.json_body
    return [item["action"] for item in answer.json_body["items"]]


def writes(world: World, case: str) -> dict[str, Any]:
    """The three ways a patient adds to a case, each tried once."""
    return {
        "upload": world.request("POST", f"/cases/{case}/photos/uploads", user="pat.a", body=UPLOAD),
        "visit": world.request("POST", "/visits", user="pat.a", body={"caseId": case}),
        "score": world.request("POST", f"/cases/{case}/scores", user="pat.a", body=ITCH),
    }


def test_a_doctor_finds_a_patient_by_name_and_opens_a_case_with_a_colleague(world: World) -> None:
    found = world.request("GET", "/people/search?role=patient&q=PAT.B", user="dr.three")
    assert found.status_code == 200, found.json_body
    assert [p["userId"] for p in found.json_body["items"]] == [world.users["pat.b"].user_id]
    assert found.json_body["items"][0]["role"] == "patient"
    doctors = world.request("GET", "/people/search?role=doctor&q=dr", user="dr.three").json_body["items"]
    assert {p["userId"] for p in doctors} == {world.users["dr.one"].user_id, world.users["dr.two"].user_id}

    body = {"patientId": world.users["pat.b"].user_id, "condition": "Vitiligo", "bodySites": ["face"],
            "assignedDoctorIds": [world.users["dr.one"].user_id]}
    opened = world.request("POST", "/cases", user="dr.three", body=body)
    assert opened.status_code == 201, opened.json_body
    case = opened.json_body["caseId"]
    assert {(d["doctorId"], d["kind"]) for d in opened.json_body["doctors"]} == {
        (world.users["dr.three"].user_id, "assigned"), (world.users["dr.one"].user_id, "assigned")}
    assert world.request("GET", f"/cases/{case}", user="dr.one").status_code == 200
    assert world.request("GET", f"/cases/{case}", user="dr.two").status_code == 404
    assert "case.open" in audit_actions(world, "pat.b")
    assert "people.search" in audit_actions(world, "pat.b")


def test_only_doctors_search_and_the_query_must_say_something(world: World) -> None:
    for user in ("pat.a", "ops"):
        response = world.request("GET", "/people/search?role=patient&q=pat", user=user)
        assert (response.status_code, response.json_body["error"]["code"]) == (403, "wrong_role")
    for query in ("role=patient&q=%20%20", "role=admin&q=ops", "q=pat", "role=patient"):
        response = world.request("GET", f"/people/search?{query}", user="dr.one")
        assert response.status_code == 400, (query, response.json_body)


def test_assigning_someone_who_is_not_a_doctor_is_refused(world: World) -> None:
    body = {"patientId": world.users["pat.b"].user_id, "condition": "Vitiligo",
            "assignedDoctorIds": [world.users["pat.a"].user_id]}
    response = world.request("POST", "/cases", user="dr.three", body=body)
    assert (response.status_code, response.json_body["error"]["code"]) == (400, "unknown_doctor")
    assert world.request("GET", "/cases", user="pat.b").json_body["items"][0]["condition"] == "Atopic dermatitis"
    assert len(world.request("GET", "/cases", user="pat.b").json_body["items"]) == 1


def test_a_closed_case_refuses_uploads_visits_and_scores_and_reopens(world: World) -> None:
    case = world.cases["a"]
    note = world.request("POST", f"/cases/{case}/records", user="dr.one", body={
        "kind": "note", "content": {"subjective": "Itchy at night"}})
    assert note.status_code == 201, note.json_body

    closed = world.request("POST", f"/cases/{case}/close", user="dr.one", body={})
    assert closed.status_code == 200 and closed.json_body["status"] == "closed", closed.json_body
    for name, response in writes(world, case).items():
        assert response.status_code == 409, (name, response.json_body)
        assert response.json_body["error"]["code"] == "case_closed", name
        assert "closed" in response.json_body["error"]["message"]
    # Nothing was half-written: no upload intent, no waiting room, no score.
    assert world.request("GET", f"/cases/{case}/scores", user="pat.a").json_body["items"] == []
    assert world.request("GET", "/visits/queue", user="dr.one").json_body["items"] == []
    # The record stays readable, and the case shows as closed to its patient.
    assert world.request("GET", f"/cases/{case}/records", user="dr.one").status_code == 200
    assert world.request("GET", f"/cases/{case}", user="pat.a").json_body["status"] == "closed"
    again = world.request("POST", f"/cases/{case}/close", user="dr.one", body={})
    assert (again.status_code, again.json_body["status"]) == (200, "closed")

    reopened = world.request("POST", f"/cases/{case}/reopen", user="dr.one", body={})
    assert reopened.status_code == 200 and reopened.json_body["status"] == "open"
    answers = writes(world, case)
    assert {name: r.status_code for name, r in answers.items()} == {"upload": 201, "visit": 201, "score": 201}
    actions = audit_actions(world, "pat.a")
    assert actions.count("case.close") == 1 and actions.count("case.reopen") == 1


@pytest.mark.parametrize("action", ["close", "reopen"])
def test_only_the_cases_assigned_doctors_close_or_reopen_it(world: World, action: str) -> None:
    case = world.cases["a"]
    world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                  body={"doctorId": world.users["dr.three"].user_id, "expiresInHours": 2})
    invited = world.request("POST", f"/cases/{case}/{action}", user="dr.three", body={})
    assert (invited.status_code, invited.json_body["error"]["code"]) == (403, "not_assigned")
    stranger = world.request("POST", f"/cases/{case}/{action}", user="dr.two", body={})
    assert (stranger.status_code, stranger.json_body["error"]["code"]) == (404, "case_not_found")
    for user in ("pat.a", "ops"):
        assert world.request("POST", f"/cases/{case}/{action}", user=user, body={}).status_code == 403
    missing = world.request("POST", f"/cases/case_doesnotexist00/{action}", user="dr.one", body={})
    assert missing.status_code == 404
    odd = world.request("POST", f"/cases/{case}/{action}", user="dr.one", body={"status": "closed"})
    assert odd.status_code == 400
    assert world.request("GET", f"/cases/{case}", user="pat.a").json_body["status"] == "open"


def test_letting_a_colleague_in_and_out_is_audited_with_who_was_let_in(world: World) -> None:
    case = world.cases["a"]
    colleague = world.users["dr.three"].user_id
    world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                  body={"doctorId": colleague, "expiresInHours": 2})
    world.request("DELETE", f"/cases/{case}/invitations/{colleague}", user="dr.one")
    answer = world.request("GET", f"/admin/audit?patientId={world.users['pat.a'].user_id}&limit=100", user="ops")
    entries = [e for e in answer.json_body["items"] if e["action"] in ("case.invite", "case.revoke")]
    assert sorted((e["action"], e["resource"]["type"], e["resource"]["id"], e["resource"]["caseId"], e["actorId"])
                  for e in entries) == [
        (action, "grant", colleague, case, world.users["dr.one"].user_id) for action in ("case.invite", "case.revoke")
    ], entries
