"""Lesion measurement routes: a doctor sets a lesion's baseline outline; the case's people read the
measured series. (The measuring itself runs in the photo pipeline, not behind a route.)"""

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
BASELINE_BODY = strict_object(
    {"photoId": ID_SCHEMA, "outline": {"type": "array", "items": POINT, "minItems": 3, "maxItems": 400}},
    ["photoId", "outline"],
)


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
