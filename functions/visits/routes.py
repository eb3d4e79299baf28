"""Video visit routes: request, waiting room, admit/decline/cancel/end, quality, ICE servers."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import BODYLESS_CONTENT_TYPES, ApiRequest, Reply
from functions.shared.validation import (
    BOOLEAN,
    CASE_PATH,
    ID_SCHEMA,
    INTEGER,
    LIMIT_SCHEMA,
    STRING,
    answer_object,
    array_of,
    nullable,
    strict_object,
)
from functions.visits.ports import RoomStatus

visits = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
ROOM_PATH = strict_object({"room_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{22,64}$"}}, ["room_id"])
REQUEST_BODY = strict_object({"caseId": ID_SCHEMA}, ["caseId"])
_METRIC = {"type": "number", "minimum": 0, "maximum": 1e7}
QUALITY_BODY = strict_object(
    {
        "rttMs": _METRIC,
        "jitterMs": _METRIC,
        "lossPct": {"type": "number", "minimum": 0, "maximum": 100},
        "bitrateKbps": _METRIC,
        "framesPerSecond": {"type": "number", "minimum": 0, "maximum": 240},
        "reconnects": {"type": "integer", "minimum": 0, "maximum": 10000},
        "durationSeconds": {"type": "integer", "minimum": 0, "maximum": 86400},
        "worstQuality": {"enum": ["good", "fair", "poor"]},
        "audioOnlySeconds": {"type": "integer", "minimum": 0, "maximum": 86400},
        # From joining the room to the first connected peer; absent when the call never connected.
        "setupMs": {"type": "integer", "minimum": 0, "maximum": 600_000},
    },
    ["rttMs", "lossPct", "bitrateKbps", "reconnects"],
)

# Answers (functions.visits.service: VisitsService.view, record, waiting_queue, active_for_doctor;
# functions.visits.ice.IceServers.for_caller).
VISIT_ROLE = {"type": "string", "enum": ["patient", "doctor"], "title": "VisitRole"}
PARTICIPANT = answer_object("VisitParticipant", {"participantId": STRING, "username": STRING, "role": VISIT_ROLE})
VISIT = answer_object("Visit", {
    "roomId": STRING, "caseId": STRING,
    "status": {"type": "string", "enum": [status.value for status in RoomStatus], "title": "VisitStatus"},
    "requestedAt": STRING, "admittedAt": nullable(STRING), "endedAt": nullable(STRING),
    "endReason": nullable(STRING), "participants": array_of(PARTICIPANT),
    # While waiting: the place in the queue of the doctor who would see it soonest.
    "position": INTEGER, "estimatedWaitSeconds": INTEGER, "waitedSeconds": INTEGER,
}, optional=("position", "estimatedWaitSeconds", "waitedSeconds"))
QUEUE_ITEM = answer_object("VisitQueueItem", {
    "roomId": STRING, "caseId": STRING, "patientId": STRING, "patient": STRING, "requestedAt": STRING,
    "position": INTEGER, "waitedSeconds": INTEGER,
})
ACTIVE_VISIT = answer_object("ActiveVisit", {
    "roomId": STRING, "caseId": STRING, "patientId": STRING, "patient": STRING, "admittedAt": nullable(STRING),
    "joined": BOOLEAN,  # the doctor already holds a place in it (a dropped socket may resume)
    "participants": array_of(PARTICIPANT),
})
ICE_SERVERS = answer_object("IceServersResponse", {
    "iceServers": array_of(answer_object(None, {"urls": array_of(STRING), "username": STRING, "credential": STRING},
                                         optional=("username", "credential"))),
    "ttlSeconds": INTEGER, "expiresAt": STRING,
})
QUALITY_RECORDED = answer_object(None, {"status": {"const": "recorded"}})
ATTENDANCE = {  # one join or leave, in order (functions.visits.adapters)
    "title": "VisitAttendance", "type": "object", "required": ["event", "userId", "at"],
    "properties": {"event": {"type": "string", "enum": ["joined", "left"]}, "userId": STRING, "at": STRING,
                   "username": STRING, "role": VISIT_ROLE, "reason": STRING},
    "additionalProperties": False,
}
VISIT_RECORD = answer_object("VisitRecord", {
    "roomId": STRING, "caseId": STRING, "requestedAt": STRING, "startedAt": nullable(STRING),
    "endedAt": nullable(STRING), "durationSeconds": nullable(INTEGER), "endReason": nullable(STRING),
    "participants": array_of(answer_object("VisitRecordParticipant", {
        **PARTICIPANT["properties"], "joinedAt": nullable(STRING), "leftAt": nullable(STRING),
    })),
    "attendance": array_of(ATTENDANCE),
    # Each participant's own report (POST /visits/{room_id}/quality), by participant id.
    "quality": {"type": "object", "additionalProperties": {
        **QUALITY_BODY, "title": "VisitQualityReport",
        "properties": {**QUALITY_BODY["properties"], "reportedAt": STRING},
        "required": [*QUALITY_BODY["required"], "reportedAt"],
    }},
})


@visits.route("/visits", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.PATIENT,), body=REQUEST_BODY, answer=VISIT)
def request_visit(request: ApiRequest) -> Reply:
    return Reply(get_container().visits.request(request.require_principal(), request.body["caseId"]), status=201)


@visits.route("/visits/queue", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.DOCTOR,), answer=answer_object("VisitQueue", {"items": array_of(QUEUE_ITEM)}))
def waiting_queue(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.waiting_queue(request.require_principal())


@visits.route("/visits/active", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.DOCTOR,), answer=answer_object("ActiveVisits", {"items": array_of(ACTIVE_VISIT)}))
def active_visits(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.active_for_doctor(request.require_principal())


@visits.route("/visits/ice-servers", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, answer=ICE_SERVERS)
def ice_servers(request: ApiRequest) -> dict[str, Any]:
    return get_container().ice_servers.for_caller(request.require_principal())


@visits.route("/visits/{room_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH, answer=VISIT)
def get_visit(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.get(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/admit", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.DOCTOR,), path=ROOM_PATH, answer=VISIT)
def admit(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.admit(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/decline", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.DOCTOR,), path=ROOM_PATH, answer=VISIT)
def decline(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.decline(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/cancel", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.PATIENT,), path=ROOM_PATH, answer=VISIT)
def cancel(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.cancel(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/end", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH, answer=VISIT)
def end(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.end(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/quality", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH, body=QUALITY_BODY, answer=QUALITY_RECORDED)
def report_quality(request: ApiRequest) -> Reply:
    get_container().visits.report_quality(request.require_principal(), request.path["room_id"], request.body)
    return Reply({"status": "recorded"}, status=202)


@visits.route("/cases/{case_id}/visits", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=CASE_PATH, query=strict_object({"limit": LIMIT_SCHEMA}),
          answer=answer_object("VisitRecordList", {"items": array_of(VISIT_RECORD)}))
def case_visits(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.history(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20)
    )
