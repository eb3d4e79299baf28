"""Medical-record routes: entries per case (write, read, amend, retract, history) and FHIR export."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.emr.kinds import LINKS_SCHEMA, EntryKind, EntryStatus, VersionAction
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.request_context import RequestSource
from functions.shared.validation import (
    ANY_OBJECT,
    CASE_PATH,
    CURSOR_SCHEMA,
    INTEGER,
    LIMIT_SCHEMA,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    id_path,
    nullable,
    page_of,
    strict_object,
)

emr = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
DOCTORS = (Role.DOCTOR,)
FHIR_HEADERS = {"Content-Type": "application/fhir+json"}
ENTRY_PATH = id_path("case_id", "entry_id")
PATIENT_PATH = strict_object(
    {"patient_id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}, ["patient_id"]
)
KIND = {"enum": [kind.value for kind in EntryKind]}
# Content is checked against its kind's schema in the service (one schema per kind); declared open here
# (additionalProperties) so the generated client type is any object, not an empty one.
CONTENT = {"type": "object", "additionalProperties": True}
VERSION = {"type": "integer", "minimum": 1, "maximum": 1_000_000}
CREATE_BODY = strict_object({"kind": KIND, "content": CONTENT, "links": LINKS_SCHEMA}, ["kind", "content"])
AMEND_BODY = strict_object({"expectedVersion": VERSION, "content": CONTENT, "links": LINKS_SCHEMA},
                           ["expectedVersion", "content"])
RETRACT_BODY = strict_object(
    {"expectedVersion": VERSION, "reason": {"type": "string", "minLength": 3, "maxLength": 1000}},
    ["expectedVersion", "reason"],
)
LIST_QUERY = strict_object({"kind": KIND, "limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA})

# Answers (functions.emr.service.entry_view, version_view; the FHIR exports are FHIR R4 Bundles).
RECORD_KIND = {"type": "string", "enum": [kind.value for kind in EntryKind], "title": "RecordKind"}
RECORD_STATUS = {"type": "string", "enum": [status.value for status in EntryStatus], "title": "RecordStatus"}
RECORD_LINKS = answer_object("RecordLinks", {"visitIds": array_of(STRING), "photoIds": array_of(STRING)})
RECORD_ENTRY = answer_object("RecordEntry", {
    "entryId": STRING, "caseId": STRING, "patientId": STRING, "kind": RECORD_KIND, "status": RECORD_STATUS,
    "version": INTEGER,
    "content": ANY_OBJECT,  # by kind (functions.emr.kinds); strict on the way in
    "links": RECORD_LINKS, "createdAt": STRING, "createdBy": STRING, "updatedAt": STRING, "updatedBy": STRING,
    "retraction": answer_object(None, {"reason": STRING, "at": STRING, "by": STRING}),  # entered-in-error only
}, optional=("retraction",))
RECORD_VERSION = answer_object("RecordVersion", {
    "version": INTEGER,
    "action": {"type": "string", "enum": [action.value for action in VersionAction]},
    "status": RECORD_STATUS, "at": STRING, "authorId": STRING, "authorRole": STRING,
    "changedFields": array_of(STRING), "content": ANY_OBJECT, "links": RECORD_LINKS,
    "reason": STRING,  # retractions only
}, optional=("reason",))
RECORD_HISTORY = answer_object("RecordHistory", {
    "entryId": STRING, "items": array_of(RECORD_VERSION), "nextCursor": nullable(STRING),
})
FHIR_BUNDLE = {
    "title": "FhirBundle", "type": "object", "required": ["resourceType", "type", "entry"],
    "properties": {"resourceType": {"const": "Bundle"}, "type": STRING, "entry": array_of(ANY_OBJECT)},
}


def _source(request: ApiRequest) -> RequestSource:
    return RequestSource(request.request_id, request.source_ip)


@emr.route("/cases/{case_id}/records", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=CASE_PATH, body=CREATE_BODY, answer=RECORD_ENTRY)
def create_record_entry(request: ApiRequest) -> Reply:
    body = request.body
    created = get_container().emr.create(
        request.require_principal(), request.path["case_id"], body["kind"], body["content"], body.get("links"),
        _source(request),
    )
    return Reply(created, status=201)


@emr.route("/cases/{case_id}/records", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=CASE_PATH, query=LIST_QUERY, answer=page_of("RecordEntryList", RECORD_ENTRY))
def list_record_entries(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    return get_container().emr.list_entries(
        request.require_principal(), request.path["case_id"], query.get("kind"), query.get("limit", 50),
        query.get("cursor"), _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=ENTRY_PATH, answer=RECORD_ENTRY)
def get_record_entry(request: ApiRequest) -> dict[str, Any]:
    return get_container().emr.get(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], _source(request)
    )


@emr.route("/cases/{case_id}/records/{entry_id}", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, body=AMEND_BODY, answer=RECORD_ENTRY)
def amend_record_entry(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().emr.amend(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], body["expectedVersion"],
        body["content"], body.get("links"), _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}/retract", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, body=RETRACT_BODY, answer=RECORD_ENTRY)
def retract_record_entry(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().emr.retract(
        request.require_principal(), request.path["case_id"], request.path["entry_id"], body["expectedVersion"],
        body["reason"], _source(request),
    )


@emr.route("/cases/{case_id}/records/{entry_id}/history", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=DOCTORS, path=ENTRY_PATH, query=PAGE_QUERY, answer=RECORD_HISTORY)
def record_entry_history(request: ApiRequest) -> dict[str, Any]:
    return get_container().emr.history(
        request.require_principal(), request.path["case_id"], request.path["entry_id"],
        request.query.get("limit", 50), request.query.get("cursor"), _source(request),
    )


@emr.route("/cases/{case_id}/fhir", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=CASE_PATH, answer=FHIR_BUNDLE)
def export_case_fhir(request: ApiRequest) -> Reply:
    bundle = get_container().emr.export_case(request.require_principal(), request.path["case_id"],
                                                 _source(request))
    return Reply(bundle, headers=FHIR_HEADERS)


@emr.route("/patients/{patient_id}/fhir", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(emr, roles=CLINICAL, path=PATIENT_PATH, answer=FHIR_BUNDLE)
def export_patient_fhir(request: ApiRequest) -> Reply:
    bundle = get_container().emr.export_patient(request.require_principal(), request.path["patient_id"],
                                                    _source(request))
    return Reply(bundle, headers=FHIR_HEADERS)
