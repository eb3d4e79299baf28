"""Role and ownership matrix for every case route."""

from __future__ import annotations

from typing import Any

import pytest

from tests.functional.conftest import World


def test_patient_lists_only_her_own_cases(world: World) -> None:
    response = world.request("GET", "/cases", user="pat.a")
    assert response.status_code == 200
    assert [c["caseId"] for c in response.json_body["items"]] == [world.cases["a"]]


def test_doctor_lists_assigned_cases(world: World) -> None:
    items = world.request("GET", "/cases", user="dr.one").json_body["items"]
    assert [c["caseId"] for c in items] == [world.cases["a"]]


def test_doctor_without_grants_lists_nothing(world: World) -> None:
    assert world.request("GET", "/cases", user="dr.three").json_body["items"] == []


@pytest.mark.parametrize("user", ["pat.a", "dr.one"])
def test_people_with_a_right_read_the_case(world: World, user: str) -> None:
    response = world.request("GET", f"/cases/{world.cases['a']}", user=user)
    assert response.status_code == 200
    assert response.json_body["condition"] == "Plaque psoriasis"
    assert response.json_body["doctors"] == [{"doctorId": world.users["dr.one"].user_id, "kind": "assigned"}]


@pytest.mark.parametrize("user", ["pat.b", "dr.two", "dr.three"])
def test_another_users_case_is_404(world: World, user: str) -> None:
    response = world.request("GET", f"/cases/{world.cases['a']}", user=user)
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "case_not_found"


def test_missing_case_looks_the_same_as_a_forbidden_one(world: World) -> None:
    response = world.request("GET", "/cases/case_doesnotexist00", user="pat.a")
    assert response.status_code == 404
    assert response.json_body["error"]["code"] == "case_not_found"


@pytest.mark.parametrize(("method", "path"), [("GET", "/cases"), ("GET", "/cases/{a}")])
def test_admin_is_refused_clinical_content_by_role(world: World, method: str, path: str) -> None:
    response = world.request(method, path.format(a=world.cases["a"]), user="ops")
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "wrong_role"


@pytest.mark.parametrize(("method", "path"), [("GET", "/cases"), ("GET", "/cases/{a}"), ("POST", "/cases"),
                                              ("POST", "/cases/{a}/invitations"), ("GET", "/admin/users"),
                                              ("POST", "/ws/tickets"), ("GET", "/me")])
def test_every_protected_route_needs_a_token(world: World, method: str, path: str) -> None:
    assert world.request(method, path.format(a=world.cases["a"]), body={}).status_code == 401


def test_doctor_opens_a_case_for_a_patient_and_is_assigned(world: World) -> None:
    body = {"patientId": world.users["pat.b"].user_id, "condition": "Vitiligo", "bodySites": ["face"]}
    response = world.request("POST", "/cases", user="dr.three", body=body)
    assert response.status_code == 201
    case_id = response.json_body["caseId"]
    assert world.request("GET", f"/cases/{case_id}", user="pat.b").status_code == 200
    assert world.request("GET", f"/cases/{case_id}", user="pat.a").status_code == 404


def test_patient_cannot_open_cases(world: World) -> None:
    body = {"patientId": world.users["pat.a"].user_id, "condition": "x"}
    assert world.request("POST", "/cases", user="pat.a", body=body).status_code == 403


def test_case_for_a_non_patient_is_refused(world: World) -> None:
    body = {"patientId": world.users["dr.two"].user_id, "condition": "x"}
    response = world.request("POST", "/cases", user="dr.one", body=body)
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "unknown_patient"


def test_assigned_doctor_invites_a_colleague_who_then_sees_the_case(world: World) -> None:
    case = world.cases["a"]
    invite = {"doctorId": world.users["dr.three"].user_id, "expiresInHours": 24}
    response = world.request("POST", f"/cases/{case}/invitations", user="dr.one", body=invite)
    assert response.status_code == 201
    assert response.json_body["kind"] == "invited" and "expiresAt" in response.json_body
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 200
    listed = world.request("GET", "/cases", user="dr.three").json_body["items"]
    assert [c["caseId"] for c in listed] == [case]


def test_invited_doctor_cannot_invite_further(world: World) -> None:
    case = world.cases["a"]
    world.request("POST", f"/cases/{case}/invitations", user="dr.one",
                  body={"doctorId": world.users["dr.three"].user_id, "expiresInHours": 1})
    response = world.request("POST", f"/cases/{case}/invitations", user="dr.three",
                             body={"doctorId": world.users["dr.two"].user_id, "expiresInHours": 1})
    assert response.status_code == 403
    assert response.json_body["error"]["code"] == "not_assigned"


def test_expired_invitation_gives_no_access(world: World) -> None:
    from functions.access.ports import Grant, GrantKind
    from functions.bootstrap import get_container

    case = world.cases["a"]
    doctor = world.users["dr.three"].user_id
    get_container().access._grants.put(
        Grant(case, doctor, GrantKind.INVITED, "seed", "2026-01-01T00:00:00+00:00", expires_at_epoch=1)
    )
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 404
    assert world.request("GET", "/cases", user="dr.three").json_body["items"] == []


def test_inviting_a_patient_is_refused(world: World) -> None:
    response = world.request("POST", f"/cases/{world.cases['a']}/invitations", user="dr.one",
                             body={"doctorId": world.users["pat.b"].user_id, "expiresInHours": 2})
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "unknown_doctor"


def test_other_doctor_cannot_invite_into_a_case_they_cannot_see(world: World) -> None:
    response = world.request("POST", f"/cases/{world.cases['a']}/invitations", user="dr.two",
                             body={"doctorId": world.users["dr.three"].user_id, "expiresInHours": 2})
    assert response.status_code == 404


@pytest.mark.parametrize("user", ["pat.a", "dr.one"])
def test_admin_routes_are_admin_only(world: World, user: str) -> None:
    assert world.request("GET", "/admin/users", user=user).status_code == 403


def test_admin_lists_accounts_without_clinical_content(world: World) -> None:
    response = world.request("GET", "/admin/users", user="ops")
    assert response.status_code == 200
    users = {u["username"]: u for u in response.json_body["items"]}
    assert users["dr.one"]["role"] == "doctor" and users["pat.a"]["role"] == "patient"
    assert "nobody" not in users
    assert all(set(u) == {"userId", "username", "role", "enabled", "createdAt"} for u in users.values())


def test_pagination_walks_all_cases_without_repeats(world: World) -> None:
    from functions.bootstrap import get_container

    container = get_container()
    patient = world.users["pat.a"].user_id
    for n in range(4):
        record = container.cases.create_record(patient, f"Lesion {n}", [], None)
        container.access.open_case(record.case_id, patient, [], "seed")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        path = "/cases?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = world.request("GET", path, user="pat.a").json_body
        seen += [c["caseId"] for c in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert len(seen) == 5 and len(set(seen)) == 5


def test_another_users_cursor_is_refused(world: World) -> None:
    from functions.shared.dynamo import encode_cursor

    forged = encode_cursor({"caseId": {"S": world.cases["b"]}, "principalId": {"S": world.users["pat.b"].user_id}})
    response = world.request("GET", f"/cases?cursor={forged}", user="pat.a")
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "invalid_cursor"


def test_condition_and_plan_are_sealed_at_rest(world: World) -> None:
    import boto3

    from functions.bootstrap import get_container

    container = get_container()
    record = container.cases.create_record(world.users["pat.a"].user_id, "Nummular eczema, left shin",
                                           ["leg_left_lower"], "Review in 4 weeks with photos")
    container.access.open_case(record.case_id, world.users["pat.a"].user_id, [world.users["dr.one"].user_id], "t")
    raw = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint).scan(
        TableName="dermafollow-local-cases")["Items"]
    dumped = repr(raw)
    assert "Nummular" not in dumped and "Review in 4 weeks" not in dumped and "Plaque psoriasis" not in dumped
    shown = world.request("GET", f"/cases/{record.case_id}", user="pat.a").json_body
    assert shown["condition"] == "Nummular eczema, left shin"
    assert shown["followUpPlan"] == "Review in 4 weeks with photos"


def test_case_reads_and_refusals_are_in_the_audit_trail(world: World) -> None:
    case = world.cases["a"]
    patient = world.users["pat.a"].user_id
    assert world.request("GET", f"/cases/{case}", user="dr.one").status_code == 200
    assert world.request("GET", "/cases", user="pat.a").status_code == 200
    assert world.request("GET", f"/cases/{case}", user="dr.two").status_code == 404
    answer = world.request("GET", f"/admin/audit?patientId={patient}", user="ops")
    assert answer.status_code == 200, answer.body
    seen = {(e["action"], e["actorId"], e["outcome"]) for e in answer.json_body["items"]}
    assert ("case.read", world.users["dr.one"].user_id, "success") in seen
    assert ("case.list", patient, "success") in seen
    assert ("case.read", world.users["dr.two"].user_id, "denied") in seen
    refused = world.request("GET", "/admin/audit?patientId=", user="ops")
    assert refused.status_code == 400


def patient_trail(world: World, patient: str = "pat.a") -> list[dict[str, Any]]:
    answer = world.request("GET", f"/admin/audit?patientId={world.users[patient].user_id}&limit=100", user="ops")
    assert answer.status_code == 200, answer.body
    return list(answer.json_body["items"])


@pytest.mark.parametrize(("path", "action"), [
    ("/cases/{case}/photos", "photo.list"),
    ("/cases/{case}/lesions", "lesion.list"),
    ("/cases/{case}/scores", "score.list"),
    ("/cases/{case}/timeline", "timeline.read"),
    ("/cases/{case}/visits", "visit.list"),
    ("/cases/{case}/records", "record.list"),
])
def test_a_refused_attempt_is_in_the_patients_trail_with_who_what_and_where_from(
        world: World, path: str, action: str) -> None:
    answer = world.request("GET", path.format(case=world.cases["a"]), user="dr.two")
    assert answer.status_code == 404
    (entry,) = [e for e in patient_trail(world) if e["action"] == action and e["outcome"] == "denied"]
    assert entry["actorId"] == world.users["dr.two"].user_id and entry["role"] == "doctor"
    assert entry["resource"] == {"type": "case", "id": world.cases["a"], "caseId": world.cases["a"]}
    assert entry["source"]["ip"] == "127.0.0.1"


def test_a_role_refusal_is_in_the_trail_of_the_case_it_named(world: World) -> None:
    assert world.request("GET", f"/cases/{world.cases['a']}", user="ops").status_code == 403
    (entry,) = [e for e in patient_trail(world) if e["action"] == "route.refused"]
    assert entry["actorId"] == world.users["ops"].user_id and entry["role"] == "admin"
    assert entry["resource"] == {"type": "route", "id": "GET /cases/{case_id}", "caseId": world.cases["a"]}
    assert entry["outcome"] == "denied"



def test_assigned_doctor_revokes_an_invitation_and_access_ends_at_once(world: World) -> None:
    case = world.cases["a"]
    doctor = world.users["dr.three"].user_id
    world.request("POST", f"/cases/{case}/invitations", user="dr.one", body={"doctorId": doctor, "expiresInHours": 24})
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 200

    # The invited doctor cannot end their own or anyone's invitation; a stranger learns nothing.
    assert world.request("DELETE", f"/cases/{case}/invitations/{doctor}", user="dr.three").status_code == 403
    stranger = world.request("DELETE", f"/cases/{case}/invitations/{doctor}", user="dr.two")
    assert (stranger.status_code, stranger.json_body["error"]["code"]) == (404, "case_not_found")
    assert world.request("DELETE", f"/cases/{case}/invitations/{doctor}", user="pat.a").status_code == 403

    response = world.request("DELETE", f"/cases/{case}/invitations/{doctor}", user="dr.one")
    assert response.status_code == 200, response.json_body
    assert response.json_body["doctorId"] == doctor and response.json_body["kind"] == "invited"
    assert world.request("GET", f"/cases/{case}", user="dr.three").status_code == 404
    assert world.request("GET", "/cases", user="dr.three").json_body["items"] == []

    again = world.request("DELETE", f"/cases/{case}/invitations/{doctor}", user="dr.one")
    assert (again.status_code, again.json_body["error"]["code"]) == (404, "invitation_not_found")
    assigned = world.users["dr.one"].user_id
    own = world.request("DELETE", f"/cases/{case}/invitations/{assigned}", user="dr.one")
    assert (own.status_code, own.json_body["error"]["code"]) == (404, "invitation_not_found")
