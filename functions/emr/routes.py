"""Medical-record routes: entries per case (write, read, amend, retract, history) and FHIR export."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.emr.kinds import LINKS_SCHEMA, EntryKind
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.request_context import RequestSource
from functions.shared.validation import CASE_PATH, CURSOR_SCHEMA, LIMIT_SCHEMA, PAGE_QUERY, id_path, strict_object

emr = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
DOCTORS = (Role.DOCTOR,)
FHIR_HEADERS = {"Content-Type": "application/fhir+json"}
ENTRY_PATH = id_path("case_id", "entry_id")
PATIENT_PATH = strict_object(
    {"patient_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}, ["patient_id"]
)
KIND = {"enum": [kind.value for kind in EntryKind]}
# Content is checked against its kind's schema in the service (one schema per kind).
CONTENT = {"type": "object"}
VERSION = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
CREATE_BODY = strict_object({"kind": KIND, "content": CONTENT, "links": LINKS_SCHEMA}, ["kind", "content"])
AMEND_BODY = strict_object({"expectedVersion": VERSION, "content": CONTENT, "links": LINKS_SCHEMA},
                           ["expectedVersion", "content"])
RETRACT_BODY = strict_object(
    {"expectedVersion": VERSION, "reason": {"type": "string", "minLength": 3, "maxLength": 1000}},
    ["expectedVersion", "reason"],
)
LIST_QUERY = strict_object({"kind": KIND, "limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA})


def _source(request: ApiRequest) -> RequestSource:
    return RequestSource(request.request_id, request.source_ip)


@emr.route("/cases/{case_id}/records", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=CASE_PATH, body=CREATE_BODY)
def create_record_entry(request: ApiRequest) -> Reply:
    body = request.body
    created = get_container().emr.create(
        request.require_principal(), request.path["case_id"], body["kind"], body["content"], body.get("links"),
        _source(request),
    )
    return Reply(created, status=201)


@emr.route("/cases/{case_id}/records", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=CASE_PATH, query=LIST_QUERY)
def list_record_entries(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    return get_container().emr.list_entries(
        request.require_principal(), request.path["case_id"], query.get("kind"), query.get("limit", 50),
        query.get("cursor"), _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=ENTRY_PATH)
def get_record_entry(request: ApiRequest) -> dict[str, Any]:
    return get_container().emr.get(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], _source(request)
    )


@emr.route("/cases/{case_id}/records/{entry_id}", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, body=AMEND_BODY)
def amend_record_entry(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().emr.amend(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], body["expectedVersion"],
        body["content"], body.get("links"), _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}/retract", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, body=RETRACT_BODY)
def retract_record_entry(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().emr.retract(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], body["expectedVersion"],
        body["reason"], _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}/history", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, query=PAGE_QUERY)
def record_entry_history(request: ApiRequest) -> dict[str, Any]:
    return get_container().emr.history(
        request.require_principal(), request.path["case_id"], request.path["entry_id"],
        request.query.get("limit", 50), request.query.get("cursor"), _source(request),
    )


@emr.route("/cases/{case_id}/fhir", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=CASE_PATH)
def export_case_fhir(request: ApiRequest) -> Reply:
    bundle = get_container().emr.export_case(request.require_principal(), request.path["case_id"],
                                                 _source(request))
    return Reply(bundle, headers=FHIR_HEADERS)


@emr.route("/patients/{patient_id}/fhir", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=PATIENT_PATH)
def export_patient_fhir(request: ApiRequest) -> Reply:
    bundle = get_container().emr.export_patient(request.require_principal(), request.path["patient_id"],
                                                    _source(request))
    return Reply(bundle, headers=FHIR_HEADERS)
