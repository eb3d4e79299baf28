"""Lesion measurement routes: a doctor sets a lesion's baseline outline, and confirms or corrects a
follow-up's proposed outline; the case's people read the measured series. (The measuring itself runs in
the photo pipeline, not behind a route; a corrected outline is measured again on the doctor's request.)"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import ID_SCHEMA, PAGE_QUERY, id_path, strict_object

lesion_metrics = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
LESION_PATH = id_path("case_id", "lesion_id")
POINT = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 20000}, "minItems": 2, "maxItems": 2}
OUTLINE = {"type": "array", "items": POINT, "minItems": 3, "maxItems": 400}
BASELINE_BODY = strict_object({"photoId": ID_SCHEMA, "outline": OUTLINE}, ["photoId", "outline"])
PHOTO_OUTLINE_PATH = id_path("case_id", "lesion_id", "photo_id")
PHOTO_OUTLINE_BODY = strict_object({"outline": OUTLINE}, ["outline"])


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/baseline", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=(Role.DOCTOR,), path=LESION_PATH, body=BASELINE_BODY)
def set_lesion_baseline(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesion_metrics.set_baseline(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"], request.body["photoId"],
        request.body["outline"],
    )


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/measurements", methods=["GET"],
                      authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=CLINICAL, path=LESION_PATH, query=PAGE_QUERY)
def lesion_measurements(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesion_metrics.series(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"],
        request.query.get("limit", 100), request.query.get("cursor"),
    )


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/measurements/{photo_id}/outline", methods=["PUT"],
                      authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=(Role.DOCTOR,), path=PHOTO_OUTLINE_PATH, body=PHOTO_OUTLINE_BODY)
def accept_lesion_outline(request: ApiRequest) -> dict[str, Any]:
    """The outline in the follow-up photo's own px: the proposal unchanged confirms it; another corrects it."""
    return get_container().lesion_metrics.accept_outline(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"], request.path["photo_id"],
        request.body["outline"],
    )
