"""Photo routes: upload intents (presigned POST), upload verdicts, photos with short-lived GET URLs."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.images.ports import PhotoSource, RemovalReason
from functions.images.rules import FORMATS, MAX_UPLOAD_BYTES
from functions.lesions.body_sites import site_schema
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    CASE_PATH,
    CURSOR_SCHEMA,
    ID_SCHEMA,
    LIMIT_SCHEMA,
    PAGE_QUERY,
    id_path,
    strict_object,
)

images = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
PHOTO_PATH = id_path("case_id", "photo_id")
LESION_PATH = id_path("case_id", "lesion_id")
UPLOAD_BODY = strict_object(
    {
        "bodySite": site_schema(),
        "lesionId": ID_SCHEMA,
        "contentType": {"type": "string", "enum": sorted(FORMATS)},
        "sizeBytes": {"type": "integer", "minimum": 1, "maximum": MAX_UPLOAD_BYTES},
        # Parsed and range-checked by the service (time zone required, not in the future).
        "capturedAt": {"type": "string", "minLength": 20, "maxLength": 40},
        "source": {"type": "string", "enum": [source.value for source in PhotoSource]},
    },
    ["bodySite", "contentType", "sizeBytes", "source"],
)
PHOTOS_QUERY = strict_object(
    {"limit": LIMIT_SCHEMA, "cursor": CURSOR_SCHEMA, "bodySite": site_schema(), "lesionId": ID_SCHEMA}
)


@images.route("/cases/{case_id}/photos/uploads", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, body=UPLOAD_BODY)
def create_photo_upload(request: ApiRequest) -> Reply:
    created = get_container().images.create_upload(request.require_principal(), request.path["case_id"], request.body)
    return Reply(created, status=201)


@images.route("/cases/{case_id}/photos/uploads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, query=PAGE_QUERY)
def list_photo_uploads(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.list_uploads(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"),
    )


@images.route("/cases/{case_id}/photos/uploads/{photo_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH)
def get_photo_upload(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.upload_status(
        request.require_principal(), request.path["case_id"], request.path["photo_id"]
    )


@images.route("/cases/{case_id}/photos", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, query=PHOTOS_QUERY)
def list_photos(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    return get_container().images.list_photos(
        request.require_principal(), request.path["case_id"], query.get("limit", 20), query.get("cursor"),
        body_site=query.get("bodySite"), lesion_id=query.get("lesionId"),
    )


@images.route("/cases/{case_id}/photos/{photo_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH)
def get_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.get_photo(request.require_principal(), request.path["case_id"],
                                            request.path["photo_id"])


REMOVE_BODY = strict_object({"reason": {"type": "string", "enum": [r.value for r in RemovalReason]}}, ["reason"])


@images.route("/cases/{case_id}/photos/{photo_id}/remove", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH, body=REMOVE_BODY)
def remove_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.remove_photo(request.require_principal(), request.path["case_id"],
                                               request.path["photo_id"], RemovalReason(request.body["reason"]))


@images.route("/cases/{case_id}/lesions/{lesion_id}/latest-photo", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=LESION_PATH)
def latest_lesion_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.latest_for_lesion(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"]
    )
