"""Body map routes: the site vocabulary and a case's lesions."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.lesions.body_sites import VIEWS, site_schema, vocabulary
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import CASE_PATH, PAGE_QUERY, id_path, strict_object

lesions = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
LESION_PATH = id_path("case_id", "lesion_id")
UNIT = {"type": "number", "minimum": 0, "maximum": 1}
CREATE_BODY = strict_object(
    {
        "bodySite": site_schema(),
        "view": {"type": "string", "enum": list(VIEWS)},
        "x": UNIT,
        "y": UNIT,
        "label": {"type": "string", "minLength": 1, "maxLength": 80},
    },
    ["bodySite", "view", "x", "y", "label"],
)


@lesions.route("/body-sites", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL)
def list_body_sites(request: ApiRequest) -> dict[str, Any]:
    return vocabulary()


@lesions.route("/cases/{case_id}/lesions", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=CASE_PATH, body=CREATE_BODY)
def create_lesion(request: ApiRequest) -> Reply:
    body = request.body
    created = get_container().lesions.create(
        request.require_principal(), request.path["case_id"], body["bodySite"], body["view"], body["x"], body["y"],
        body["label"],
    )
    return Reply(created, status=201)


@lesions.route("/cases/{case_id}/lesions", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=CASE_PATH, query=PAGE_QUERY)
def list_lesions(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesions.list(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 100),
        request.query.get("cursor"),
    )


@lesions.route("/cases/{case_id}/lesions/{lesion_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=LESION_PATH)
def get_lesion(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesions.get(request.require_principal(), request.path["case_id"], request.path["lesion_id"])
