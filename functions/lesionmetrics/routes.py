"""Lesion measurement routes: a doctor sets a lesion's baseline outline, and confirms or corrects a
follow-up's proposed outline; the case's people read the measured series. (The measuring itself runs in
the photo pipeline, not behind a route; a corrected outline is measured again on the doctor's request.)"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.lesionmetrics.ports import OutlineSource
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import (
    BOOLEAN,
    ID_SCHEMA,
    NUMBER,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    id_path,
    nullable,
    strict_object,
)

lesion_metrics = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
LESION_PATH = id_path("case_id", "lesion_id")
POINT = {"type": "array", "items": {"type": "number", "minimum": 0, "maximum": 20000}, "minItems": 2, "maxItems": 2}
OUTLINE = {"type": "array", "items": POINT, "minItems": 3, "maxItems": 400}
BASELINE_BODY = strict_object({"photoId": ID_SCHEMA, "outline": OUTLINE}, ["photoId", "outline"])
PHOTO_OUTLINE_PATH = id_path("case_id", "lesion_id", "photo_id")
PHOTO_OUTLINE_BODY = strict_object({"outline": OUTLINE}, ["outline"])

# Answers (functions.lesionmetrics.service: baseline_view, measurement_view; the figures are the measuring
# function's, functions.lesionmetrics.handler.measure_request).
# [x, y] in full-resolution px: a pair (prefixItems types it as one; items keeps draft-7 validators checking).
OUTLINE_POINT = {"type": "array", "prefixItems": [NUMBER, NUMBER], "items": NUMBER, "minItems": 2, "maxItems": 2}
OUTLINE_ANSWER = {"title": "Outline", **array_of(OUTLINE_POINT)}
LESION_BASELINE = answer_object("LesionBaseline", {
    "photoId": STRING, "outline": OUTLINE_ANSWER, "setBy": STRING, "setAt": STRING,
})
LESION_CHANGE = answer_object("LesionChange", {
    "areaPct": NUMBER,
    "erythemaChange": nullable(NUMBER),  # neither photo has a reliable card nor a skin contrast
    "erythemaBasis": {"type": "string", "enum": ["calibrated", "contrast"]},
    "areaChanged": BOOLEAN, "rednessChanged": BOOLEAN, "meaningful": BOOLEAN,
    "reasons": array_of({"type": "string", "title": "LesionChangeReason",
                         "enum": ["area_increase", "area_decrease", "redness_increase", "redness_decrease"]}),
})
LESION_MEASUREMENT = answer_object("LesionMeasurement", {
    "photoId": STRING, "baselinePhotoId": STRING, "measuredAt": STRING,
    "aligned": BOOLEAN,  # false: the view was too different from the baseline's; nothing measured
    "flagged": BOOLEAN,
    "alignment": answer_object(None, {
        "method": {"type": "string", "enum": ["features", "card", "none"]},
        # Why nothing was measured: the views too different, or no lesion found where the outline fell.
        "reason": {"type": ["string", "null"], "enum": ["too_different", "no_lesion", None]},
        # 3x3, this photo's full-resolution px -> the baseline's; null when alignment failed.
        "homography": nullable(array_of(array_of(NUMBER))),
    }),
    "areaMm2": nullable(NUMBER),  # null without the reference card
    "erythemaIndex": nullable(NUMBER),  # null without a reliable card
    "erythemaContrast": nullable(NUMBER),
    "needsReview": BOOLEAN,
    "outline": nullable(OUTLINE_ANSWER),  # in the baseline photo's px
    "photoOutline": nullable(OUTLINE_ANSWER),  # in this photo's own px: what a doctor confirms or corrects
    "outlineSource": {"type": "string", "title": "LesionOutlineSource",
                      "enum": [OutlineSource.PROPOSED, OutlineSource.CONFIRMED, OutlineSource.CORRECTED]},
    "outlineAt": nullable(STRING),  # when a doctor confirmed or corrected it
    "remeasuring": BOOLEAN,  # a doctor corrected the outline since: to be measured again from it
    "baselineSetAt": nullable(STRING),  # the baseline measured against (a redrawn one is another)
    "change": nullable(LESION_CHANGE),  # null when nothing could be compared
    # The baseline as measured with this photo.
    "baseline": answer_object(None, {"areaMm2": nullable(NUMBER), "erythemaIndex": nullable(NUMBER)}),
})
LESION_SERIES = answer_object("LesionSeries", {
    "baseline": nullable(LESION_BASELINE), "items": array_of(LESION_MEASUREMENT), "nextCursor": nullable(STRING),
})


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/baseline", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=(Role.DOCTOR,), path=LESION_PATH, body=BASELINE_BODY,
          answer=LESION_BASELINE)
def set_lesion_baseline(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesion_metrics.set_baseline(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"], request.body["photoId"],
        request.body["outline"],
    )


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/measurements", methods=["GET"],
                      authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=CLINICAL, path=LESION_PATH, query=PAGE_QUERY, answer=LESION_SERIES)
def lesion_measurements(request: ApiRequest) -> dict[str, Any]:
    return get_container().lesion_metrics.series(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"],
        request.query.get("limit", 100), request.query.get("cursor"),
    )


@lesion_metrics.route("/cases/{case_id}/lesions/{lesion_id}/measurements/{photo_id}/outline", methods=["PUT"],
                      authorizer=jwt_authorizer)
@endpoint(lesion_metrics, roles=(Role.DOCTOR,), path=PHOTO_OUTLINE_PATH, body=PHOTO_OUTLINE_BODY,
          answer=LESION_MEASUREMENT)
def accept_lesion_outline(request: ApiRequest) -> dict[str, Any]:
    """The outline in the follow-up photo's own px: the proposal unchanged confirms it; another corrects it."""
    return get_container().lesion_metrics.accept_outline(
        request.require_principal(), request.path["case_id"], request.path["lesion_id"], request.path["photo_id"],
        request.body["outline"],
    )
