"""Photo routes: upload intents (presigned POST), upload verdicts, photos with short-lived GET URLs."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.images.ports import RENDITIONS, PhotoSource, RemovalReason, UploadStatus
from functions.images.rules import FORMATS, MAX_UPLOAD_BYTES
from functions.lesions.body_sites import site_schema
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    CASE_PATH,
    CURSOR_SCHEMA,
    ID_SCHEMA,
    INTEGER,
    LIMIT_SCHEMA,
    NUMBER,
    PAGE_QUERY,
    STRING,
    answer_object,
    id_path,
    nullable,
    page_of,
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
REMOVE_BODY = strict_object({"reason": {"type": "string", "enum": [r.value for r in RemovalReason]}}, ["reason"])

# Answers (functions.images.service: ImageService.photo_view, intent_view, create_upload, remove_photo).
PHOTO_SOURCE = {"type": "string", "enum": [source.value for source in PhotoSource], "title": "PhotoSource"}
_DETAIL_ONLY = ("processedAt", "sizeBytes", "sha256", "quality")
PHOTO = answer_object("Photo", {
    "photoId": STRING, "caseId": STRING, "bodySite": STRING, "lesionId": nullable(STRING),
    "capturedAt": STRING, "uploadedAt": STRING, "source": PHOTO_SOURCE, "uploadedBy": STRING,
    "uploaderRole": {"type": "string", "enum": ["patient", "doctor"]},
    "width": INTEGER, "height": INTEGER,
    # Presigned GETs, valid for 5 minutes (`urlsExpireAt`); `full` in the one-photo answers only.
    "urls": answer_object("PhotoUrls", dict.fromkeys(RENDITIONS, STRING), optional=("full",)),
    "urlsExpireAt": STRING,
    # The one-photo answers only (a photo, an accepted upload, a lesion's latest photo).
    "processedAt": STRING, "sizeBytes": INTEGER, "sha256": STRING,
    # The capture-quality figures (functions.images.processing.Quality); a photo stored without them has none.
    "quality": answer_object("PhotoQuality", dict.fromkeys(
        ("sharpness", "mean_luminance", "dark_fraction", "bright_fraction"), NUMBER),
        optional=("sharpness", "mean_luminance", "dark_fraction", "bright_fraction")),
}, optional=_DETAIL_ONLY)
PHOTO_LIST = page_of("PhotoListResponse", PHOTO)
_UPLOAD_PROPERTIES = {
    "photoId": STRING, "caseId": STRING,
    "status": {"type": "string", "enum": [status.value for status in UploadStatus], "title": "PhotoUploadStatus"},
    "bodySite": STRING, "lesionId": nullable(STRING), "contentType": STRING, "sizeBytes": INTEGER,
    "capturedAt": STRING, "source": PHOTO_SOURCE, "createdAt": STRING, "uploadedBy": STRING,
    "rejection": answer_object("PhotoRejection", {"code": STRING, "message": STRING}),  # rejected only
    "photo": PHOTO,  # accepted only, in the one-upload answer
}
PHOTO_UPLOAD = answer_object("PhotoUpload", _UPLOAD_PROPERTIES, optional=("rejection", "photo"))
PHOTO_UPLOAD_LIST = page_of("PhotoUploadList", answer_object("PhotoUploadSummary", {
    key: value for key, value in _UPLOAD_PROPERTIES.items() if key != "photo"}, optional=("rejection",)))
PHOTO_UPLOAD_INTENT = answer_object("PhotoUploadIntent", {
    **{key: value for key, value in _UPLOAD_PROPERTIES.items() if key not in ("rejection", "photo")},
    # The presigned POST: `fields` first, then the file under `fileField` (S3 ignores fields after it).
    "upload": answer_object("PresignedPost", {
        "method": {"const": "POST"}, "url": STRING, "fields": {"type": "object", "additionalProperties": STRING},
        "fileField": STRING, "expiresAt": STRING,
    }),
})
PHOTO_REMOVAL = answer_object("PhotoRemoval", {
    "photoId": STRING, "status": {"const": "removed"},
    "reason": {"type": "string", "enum": [r.value for r in RemovalReason], "title": "PhotoRemovalReason"},
    "removedAt": STRING,
})


@images.route("/cases/{case_id}/photos/uploads", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, body=UPLOAD_BODY, answer=PHOTO_UPLOAD_INTENT)
def create_photo_upload(request: ApiRequest) -> Reply:
    created = get_container().images.create_upload(request.require_principal(), request.path["case_id"], request.body)
    return Reply(created, status=201)


@images.route("/cases/{case_id}/photos/uploads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, query=PAGE_QUERY, answer=PHOTO_UPLOAD_LIST)
def list_photo_uploads(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.list_uploads(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 20),
        request.query.get("cursor"),
    )


@images.route("/cases/{case_id}/photos/uploads/{photo_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH, answer=PHOTO_UPLOAD)
def get_photo_upload(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.upload_status(
        request.require_principal(), request.path["case_id"], request.path["photo_id"]
    )


@images.route("/cases/{case_id}/photos", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=CASE_PATH, query=PHOTOS_QUERY, answer=PHOTO_LIST)
def list_photos(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    return get_container().images.list_photos(
        request.require_principal(), request.path["case_id"], query.get("limit", 20), query.get("cursor"),
        body_site=query.get("bodySite"), lesion_id=query.get("lesionId"),
    )


@images.route("/cases/{case_id}/photos/{photo_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH, answer=PHOTO)
def get_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.get_photo(request.require_principal(), request.path["case_id"],
                                            request.path["photo_id"])


@images.route("/cases/{case_id}/photos/{photo_id}/remove", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=PHOTO_PATH, body=REMOVE_BODY, answer=PHOTO_REMOVAL)
def remove_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.remove_photo(request.require_principal(), request.path["case_id"],
                                               request.path["photo_id"], RemovalReason(request.body["reason"]))


@images.route("/cases/{case_id}/lesions/{lesion_id}/latest-photo", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(images, roles=CLINICAL, path=LESION_PATH, answer=PHOTO)
def latest_lesion_photo(request: ApiRequest) -> dict[str, Any]:
    return get_container().images.latest_for_lesion(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"]
    )
