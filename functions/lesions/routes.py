"""Body map routes: the site vocabulary and a case's lesions."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.lesions.body_sites import VIEWS, site_schema, vocabulary
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    CASE_PATH,
    INTEGER,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    id_path,
    page_of,
    strict_object,
)

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

# Answers (functions.lesions.body_sites.vocabulary, the file itself; functions.lesions.service.lesion_view).
# A stored site id is one of the vocabulary's (ids are only ever added), typed as a string in answers.
BODY_VIEW = {"type": "string", "enum": list(VIEWS), "title": "BodyView"}
_REGIONS = list(vocabulary()["regions"])
BODY_SITE = answer_object("BodySite", {
    "id": STRING, "label": STRING, "views": array_of(BODY_VIEW), "region": {"type": "string", "enum": _REGIONS},
})
BODY_SITE_VOCABULARY = answer_object("BodySiteVocabulary", {
    "version": INTEGER, "views": array_of(BODY_VIEW),
    "regions": answer_object(None, dict.fromkeys(_REGIONS, STRING)),  # region id -> its English label
    "sites": array_of(BODY_SITE),
})
LESION = answer_object("Lesion", {
    "lesionId": STRING, "caseId": STRING, "bodySite": STRING, "view": BODY_VIEW,
    "x": UNIT, "y": UNIT,  # across and down the figure
    "label": STRING, "createdAt": STRING, "createdBy": STRING,
})
LESION_LIST = page_of("LesionListResponse", LESION)


@lesions.route("/body-sites", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, answer=BODY_SITE_VOCABULARY)
def list_body_sites(request: ApiRequest) -> dict[str, Any]:
    return vocabulary()


@lesions.route("/cases/{case_id}/lesions", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=CASE_PATH, body=CREATE_BODY, answer=LESION)
def create_lesion(request: ApiRequest) -> Reply:
    body = request.body
    created = get_container().lesions.create(
        request.require_principal(), request.path["case_id"], body["bodySite"], body["view"], body["x"], body["y"],
        body["label"],
    )
    return Reply(created, status=201)


@lesions.route("/cases/{case_id}/lesions", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=CASE_PATH, query=PAGE_QUERY, answer=LESION_LIST)
def list_lesions(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesions.list(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 100),
        request.query.get("cursor"),
    )


@lesions.route("/cases/{case_id}/lesions/{lesion_id}", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(lesions, roles=CLINICAL, path=LESION_PATH, answer=LESION)
def get_lesion(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesions.get(request.require_principal(), request.path["case_id"], request.path["lesion_id"])
