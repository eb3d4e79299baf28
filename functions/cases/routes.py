"""Case routes: list, open, read, close and reopen; invite a consulting doctor and end the invitation."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.cases.service import CLOSED, OPEN
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    CASE_PATH,
    EMPTY_OBJECT,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    id_path,
    nullable,
    page_of,
    strict_object,
)

cases = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
SITE = {"type": "string", "pattern": "^[a-z][a-z0-9_-]{1,47}$"}
OPEN_BODY = strict_object(
    {
        "patientId": {"type": "string", "minLength": 1, "maxLength": 64},
        "condition": {"type": "string", "minLength": 1, "maxLength": 200},
        "bodySites": {"type": "array", "items": SITE, "maxItems": 50, "uniqueItems": True},
        "followUpPlan": {"type": "string", "maxLength": 2000},
        "assignedDoctorIds": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
                              "maxItems": 5, "uniqueItems": True},
    },
    ["patientId", "condition"],
)
INVITE_BODY = strict_object(
    {
        "doctorId": {"type": "string", "minLength": 1, "maxLength": 64},
        "expiresInHours": {"type": "integer", "minimum": 1, "maximum": 720},
        # What the colleague is asked to look at; clinical free text, sealed at rest.
        "question": {"type": "string", "maxLength": 1000},
    },
    ["doctorId", "expiresInHours"],
)
ANSWER_BODY = strict_object({"answer": {"type": "string", "enum": ["accepted", "declined"]}}, ["answer"])

# Answers (functions.cases.service.case_summary, CasesService.get; functions.access.service.grant_view).
CASE_STATUS = {"type": "string", "enum": [OPEN, CLOSED]}
CASE_SUMMARY = answer_object("CaseSummary", {
    "caseId": STRING, "patientId": STRING, "condition": STRING, "status": CASE_STATUS,
    "openedAt": STRING, "updatedAt": STRING,
})
GRANT = answer_object("Grant", {
    "doctorId": STRING,
    "kind": {"type": "string", "enum": ["assigned", "invited"]},
    "expiresAt": STRING,  # time-limited (invited) access only
    "answer": {"type": "string", "enum": ["pending", "accepted", "declined"]},  # invited only
}, optional=("expiresAt", "answer"))
CASE = answer_object("Case", {
    **CASE_SUMMARY["properties"],
    "bodySites": array_of(STRING), "followUpPlan": nullable(STRING), "doctors": array_of(GRANT),
})
CASE_LIST = page_of("CaseListResponse", CASE_SUMMARY)


@cases.route("/cases", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(cases, roles=CLINICAL, query=PAGE_QUERY, answer=CASE_LIST)
def list_cases(request: ApiRequest) -> dict[str, Any]:
    return get_container().cases.list_visible(
        request.require_principal(), request.query.get("limit", 20), request.query.get("cursor"),
        request_id=request.request_id, source_ip=request.source_ip,
    )


@cases.route("/cases", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), body=OPEN_BODY, answer=CASE)
def open_case(request: ApiRequest) -> Reply:
    body = request.body
    created = get_container().cases.open_case(
        request.require_principal(), body["patientId"], body["condition"], body.get("bodySites", []),
        body.get("followUpPlan"), assigned=body.get("assignedDoctorIds", []), request_id=request.request_id,
        source_ip=request.source_ip,
    )
    return Reply(created, status=201)


@cases.route("/cases/{case_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(cases, roles=CLINICAL, path=CASE_PATH, answer=CASE)
def get_case(request: ApiRequest) -> dict[str, Any]:
    return get_container().cases.get(request.require_principal(), request.path["case_id"],
                                     request_id=request.request_id, source_ip=request.source_ip)


@cases.route("/cases/{case_id}/invitations", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), path=CASE_PATH, body=INVITE_BODY, answer=GRANT)
def invite_doctor(request: ApiRequest) -> Reply:
    invited = get_container().cases.invite(
        request.require_principal(), request.path["case_id"], request.body["doctorId"], request.body["expiresInHours"],
        question=request.body.get("question", ""), request_id=request.request_id, source_ip=request.source_ip,
    )
    return Reply(invited, status=201)


@cases.route("/cases/{case_id}/invitation/answer", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), path=CASE_PATH, body=ANSWER_BODY, answer=GRANT)
def answer_invitation(request: ApiRequest) -> dict[str, Any]:
    """The invited colleague's own answer (the caller's invitation on this case; nobody else's)."""
    return get_container().cases.answer_invitation(
        request.require_principal(), request.path["case_id"], request.body["answer"] == "accepted",
        request_id=request.request_id, source_ip=request.source_ip,
    )


INVITATION_PATH = id_path("case_id", "doctor_id")


@cases.route("/cases/{case_id}/invitations/{doctor_id}", methods=["DELETE"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), path=INVITATION_PATH, answer=GRANT)
def revoke_invitation(request: ApiRequest) -> dict[str, Any]:
    return get_container().cases.revoke(request.require_principal(), request.path["case_id"],
                                        request.path["doctor_id"], request_id=request.request_id,
                                        source_ip=request.source_ip)


@cases.route("/cases/{case_id}/close", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), path=CASE_PATH, body=EMPTY_OBJECT, answer=CASE)
def close_case(request: ApiRequest) -> dict[str, Any]:
    return get_container().cases.set_status(request.require_principal(), request.path["case_id"], CLOSED,
                                            request_id=request.request_id, source_ip=request.source_ip)


@cases.route("/cases/{case_id}/reopen", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(cases, roles=(Role.DOCTOR,), path=CASE_PATH, body=EMPTY_OBJECT, answer=CASE)
def reopen_case(request: ApiRequest) -> dict[str, Any]:
    return get_container().cases.set_status(request.require_principal(), request.path["case_id"], OPEN,
                                            request_id=request.request_id, source_ip=request.source_ip)
