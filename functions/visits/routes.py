"""Video visit routes: request, waiting room, admit/decline/cancel/end, quality, ICE servers."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import BODYLESS_CONTENT_TYPES, ApiRequest, Reply
from functions.shared.validation import CASE_PATH, ID_SCHEMA, LIMIT_SCHEMA, strict_object

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


@visits.route("/visits", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.PATIENT,), body=REQUEST_BODY)
def request_visit(request: ApiRequest) -> Reply:
    return Reply(get_container().visits.request(request.require_principal(), request.body["caseId"]), status=201)


@visits.route("/visits/queue", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.DOCTOR,))
def waiting_queue(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.waiting_queue(request.require_principal())


@visits.route("/visits/active", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=(Role.DOCTOR,))
def active_visits(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.active_for_doctor(request.require_principal())


@visits.route("/visits/ice-servers", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL)
def ice_servers(request: ApiRequest) -> dict[str, Any]:
    return get_container().ice_servers.for_caller(request.require_principal())


@visits.route("/visits/{room_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH)
def get_visit(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.get(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/admit", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.DOCTOR,), path=ROOM_PATH)
def admit(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.admit(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/decline", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.DOCTOR,), path=ROOM_PATH)
def decline(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.decline(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/cancel", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=(Role.PATIENT,), path=ROOM_PATH)
def cancel(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.cancel(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/end", methods=["POST"], authorizer=jwt_authorizer,
              content_types=BODYLESS_CONTENT_TYPES)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH)
def end(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.end(request.require_principal(), request.path["room_id"])


@visits.route("/visits/{room_id}/quality", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=ROOM_PATH, body=QUALITY_BODY)
def report_quality(request: ApiRequest) -> Reply:
    get_container().visits.report_quality(request.require_principal(), request.path["room_id"], request.body)
    return Reply({"status": "recorded"}, status=202)


@visits.route("/cases/{case_id}/visits", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(visits, roles=CLINICAL, path=CASE_PATH, query=strict_object({"limit": LIMIT_SCHEMA}))
def case_visits(request: ApiRequest) -> dict[str, Any]:
    return get_container().visits.history(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20)
    )
