"""Consultation rounds (doctors of the case only): open a round, read it blinded, see the reads once
allowed, close it with the consensus; and the agreement figures (the clinic's, and the caller's own)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.emr.kinds import ICD10_PATTERN
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.request_context import RequestSource
from functions.shared.validation import CASE_PATH, ID_PATTERN, PAGE_QUERY, Schema, id_path, strict_object

consultation = Blueprint(__name__)

DOCTORS = (Role.DOCTOR,)
ROUND_PATH = id_path("case_id", "round_id")
USER_ID = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}


def _text(max_length: int) -> Schema:
    return {"type": "string", "minLength": 1, "maxLength": max_length}


def _ids(items: Schema, min_items: int, max_items: int) -> Schema:
    return {"type": "array", "items": items, "minItems": min_items, "maxItems": max_items, "uniqueItems": True}


CODE = {"type": "string", "pattern": ICD10_PATTERN}
IGA = {"type": "integer", "minimum": 0, "maximum": 4}
OPEN_BODY = strict_object(
    {"question": _text(2000), "photoIds": _ids({"type": "string", "pattern": ID_PATTERN}, 0, 20),
     "scoreIds": _ids({"type": "string", "pattern": ID_PATTERN}, 0, 20), "readerIds": _ids(USER_ID, 1, 8)},
    ["question", "readerIds"],
)
READ_BODY = strict_object(
    {"code": CODE, "label": _text(500), "iga": IGA, "pasi": {"type": "number", "minimum": 0, "maximum": 72},
     "treatment": _text(2000), "confidence": {"type": "integer", "minimum": 1, "maximum": 5},
     "comment": {"type": "string", "maxLength": 2000}},
    ["code", "label", "iga", "treatment", "confidence"],
)
CLOSE_BODY = strict_object({"code": CODE, "label": _text(500), "iga": IGA, "plan": _text(1800)},
                           ["code", "label", "plan"])


def _source(request: ApiRequest) -> RequestSource:
    return RequestSource(request.request_id, request.source_ip)


@consultation.route("/cases/{case_id}/consultations", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=CASE_PATH, body=OPEN_BODY)
def open_consultation_round(request: ApiRequest) -> Reply:
    body = request.body
    opened = get_container().consultation.open(
        request.require_principal(), request.path["case_id"], body["question"], body.get("photoIds", []),
        body.get("scoreIds", []), body["readerIds"], _source(request))
    return Reply(opened, status=201)


@consultation.route("/cases/{case_id}/consultations", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=CASE_PATH, query=PAGE_QUERY)
def list_consultation_rounds(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.list_rounds(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"), _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH)
def get_consultation_round(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.get(request.require_principal(), request.path["case_id"],
                                            request.path["round_id"], _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}/reads", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, body=READ_BODY)
def submit_consultation_read(request: ApiRequest) -> Reply:
    body = request.body
    submitted = get_container().consultation.submit_read(
        request.require_principal(), request.path["case_id"], request.path["round_id"], body["code"], body["label"],
        body["iga"], body.get("pasi"), body["treatment"], body["confidence"], body.get("comment", ""),
        _source(request))
    return Reply(submitted, status=201)


@consultation.route("/cases/{case_id}/consultations/{round_id}/reads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH)
def list_consultation_reads(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.list_reads(request.require_principal(), request.path["case_id"],
                                                   request.path["round_id"], _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}/close", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, body=CLOSE_BODY)
def close_consultation_round(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().consultation.close(
        request.require_principal(), request.path["case_id"], request.path["round_id"], body["code"], body["label"],
        body.get("iga"), body["plan"], _source(request))


@consultation.route("/analytics/agreement", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS)
def clinic_agreement(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.clinic_agreement()


@consultation.route("/doctors/me/agreement", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS)
def my_agreement(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.my_agreement(request.require_principal())
