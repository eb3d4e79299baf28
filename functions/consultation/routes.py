"""Consultation rounds (doctors of the case only): open a round, read it blinded, see the reads once
allowed, close it with the consensus; and the agreement figures (the clinic's, and the caller's own)."""

from __future__ import annotations

from typing import Any, get_args

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.consultation.agreement import Method, Undefined
from functions.consultation.ports import HiddenReason, RoundStatus
from functions.emr.kinds import ICD10_PATTERN
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.request_context import RequestSource
from functions.shared.validation import (
    BOOLEAN,
    CASE_PATH,
    ID_PATTERN,
    INTEGER,
    NUMBER,
    PAGE_QUERY,
    STRING,
    Schema,
    answer_object,
    array_of,
    id_path,
    nullable,
    page_of,
    strict_object,
)

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

# Answers: a round as its viewer may see it (functions.consultation.service.round_view, read_view,
# round_agreement); the agreement figures (ConsultationService.clinic_agreement, my_agreement, built
# of agreement.Estimate.view).
CONSULTATION_READ = answer_object("ConsultationRead", {
    "readerId": STRING, "code": STRING, "label": STRING, "iga": INTEGER, "pasi": nullable(NUMBER),
    "treatment": STRING, "confidence": INTEGER, "comment": nullable(STRING), "submittedAt": STRING,
})
# Shares of agreeing pairs of reads: null under two reads; `withConsensus` once the round is closed.
ROUND_AGREEMENT = answer_object("RoundAgreement", {
    "reads": INTEGER, "pairs": INTEGER, "diagnosis": nullable(NUMBER), "severity": nullable(NUMBER),
    "withConsensus": NUMBER,
}, optional=("withConsensus",))
ROUND_CONSENSUS = answer_object("RoundConsensus", {
    "code": STRING, "label": STRING, "iga": nullable(INTEGER), "plan": STRING, "closedBy": STRING,
    "closedAt": STRING, "recordEntryId": STRING,
})
READS_HIDDEN_REASON = {"type": "string", "enum": list(get_args(HiddenReason)), "title": "ReadsHiddenReason"}
CONSULTATION_ROUND = answer_object("ConsultationRound", {
    "roundId": STRING, "caseId": STRING, "leadId": STRING, "question": STRING,
    "photoIds": array_of(STRING), "scoreIds": array_of(STRING), "readerIds": array_of(STRING),
    "status": {"type": "string", "enum": [s.value for s in RoundStatus], "title": "RoundStatus"},
    "openedAt": STRING,
    "me": answer_object("RoundViewer", {"lead": BOOLEAN, "reader": BOOLEAN, "submitted": BOOLEAN}),
    "myRead": nullable(CONSULTATION_READ),
    "readsVisible": BOOLEAN, "hiddenReason": nullable(READS_HIDDEN_REASON),
    # A reader who has not read is blinded: not even how many colleagues have (all four null).
    "readsIn": nullable(INTEGER),
    "readers": nullable(array_of(answer_object("RoundReader", {"doctorId": STRING, "read": BOOLEAN}))),
    "reads": nullable(array_of(CONSULTATION_READ)),  # null until the viewer may see them
    "agreement": nullable(ROUND_AGREEMENT),  # null while no read is visible
    "consensus": nullable(ROUND_CONSENSUS),  # null while open
})
CONSULTATION_ROUND_LIST = page_of("ConsultationRoundList", CONSULTATION_ROUND)
CONSULTATION_READS = answer_object("ConsultationReads", {
    "items": array_of(CONSULTATION_READ), "agreement": ROUND_AGREEMENT,
})
# A figure with its sample size and 95% interval; `undefined` (only when there is no value) says why.
ESTIMATE_FIELDS: dict[str, Schema] = {
    "value": nullable(NUMBER), "n": INTEGER, "ciLow": nullable(NUMBER), "ciHigh": nullable(NUMBER),
    "ciMethod": {"type": "string", "enum": list(get_args(Method)), "title": "AgreementCiMethod"},
    "undefined": {"type": "string", "enum": list(get_args(Undefined)), "title": "AgreementUndefined"},
}
OPTIONAL_ESTIMATE = ("undefined",)
AGREEMENT_ESTIMATE = answer_object("AgreementEstimate", ESTIMATE_FIELDS, optional=OPTIONAL_ESTIMATE)
CONSENSUS_FIELDS: dict[str, Schema] = {"diagnosis": AGREEMENT_ESTIMATE, "severity": AGREEMENT_ESTIMATE}
CLINIC_AGREEMENT = answer_object("ClinicAgreement", {
    "rounds": INTEGER,
    "rawAgreement": answer_object("RawAgreement", {
        "n": INTEGER, "diagnosis": nullable(NUMBER), "severity": nullable(NUMBER),
    }),
    "cohenPairs": array_of(answer_object("CohenPair", {
        # Two doctors: a tuple in OpenAPI 3.1 (prefixItems); `items` holds both for draft-07 validators.
        "doctorIds": {"type": "array", "prefixItems": [STRING, STRING], "items": STRING, "minItems": 2, "maxItems": 2},
        **ESTIMATE_FIELDS,
    }, optional=OPTIONAL_ESTIMATE)),
    "fleissDiagnosis": answer_object("FleissDiagnosis", {
        **ESTIMATE_FIELDS, "readsPerRound": nullable(INTEGER),  # the rounds' most common number of reads
    }, optional=OPTIONAL_ESTIMATE),
    "alphaSeverity": AGREEMENT_ESTIMATE,
    "withConsensus": array_of(answer_object("DoctorConsensus", {"doctorId": STRING, **CONSENSUS_FIELDS})),
})
MY_AGREEMENT = answer_object("MyAgreement", {
    "doctorId": STRING,
    "overall": answer_object("ConsensusFigure", CONSENSUS_FIELDS),
    "months": array_of(answer_object("MonthConsensus", {
        "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, **CONSENSUS_FIELDS,
    })),
})


def _source(request: ApiRequest) -> RequestSource:
    return RequestSource(request.request_id, request.source_ip)


@consultation.route("/cases/{case_id}/consultations", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=CASE_PATH, body=OPEN_BODY,
          answer=CONSULTATION_ROUND)
def open_consultation_round(request: ApiRequest) -> Reply:
    body = request.body
    opened = get_container().consultation.open(
        request.require_principal(), request.path["case_id"], body["question"], body.get("photoIds", []),
        body.get("scoreIds", []), body["readerIds"], _source(request))
    return Reply(opened, status=201)


@consultation.route("/cases/{case_id}/consultations", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=CASE_PATH, query=PAGE_QUERY,
          answer=CONSULTATION_ROUND_LIST)
def list_consultation_rounds(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.list_rounds(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"), _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, answer=CONSULTATION_ROUND)
def get_consultation_round(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.get(request.require_principal(), request.path["case_id"],
                                            request.path["round_id"], _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}/reads", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, body=READ_BODY,
          answer=CONSULTATION_ROUND)
def submit_consultation_read(request: ApiRequest) -> Reply:
    body = request.body
    submitted = get_container().consultation.submit_read(
        request.require_principal(), request.path["case_id"], request.path["round_id"], body["code"], body["label"],
        body["iga"], body.get("pasi"), body["treatment"], body["confidence"], body.get("comment", ""),
        _source(request))
    return Reply(submitted, status=201)


@consultation.route("/cases/{case_id}/consultations/{round_id}/reads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, answer=CONSULTATION_READS)
def list_consultation_reads(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.list_reads(request.require_principal(), request.path["case_id"],
                                                   request.path["round_id"], _source(request))


@consultation.route("/cases/{case_id}/consultations/{round_id}/close", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, path=ROUND_PATH, body=CLOSE_BODY,
          answer=CONSULTATION_ROUND)
def close_consultation_round(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().consultation.close(
        request.require_principal(), request.path["case_id"], request.path["round_id"], body["code"], body["label"],
        body.get("iga"), body["plan"], _source(request))


@consultation.route("/analytics/agreement", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, answer=CLINIC_AGREEMENT)
def clinic_agreement(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.clinic_agreement()


@consultation.route("/doctors/me/agreement", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(consultation, roles=DOCTORS, answer=MY_AGREEMENT)
def my_agreement(request: ApiRequest) -> dict[str, Any]:
    return get_container().consultation.my_agreement(request.require_principal())
