"""Visit ratings: the patient rates a visit; the case's people read its ratings; doctors see the
clinic's figures."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.feedback.ports import SCORES
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    CASE_PATH,
    INTEGER,
    NUMBER,
    STRING,
    answer_object,
    array_of,
    nullable,
    strict_object,
)
from functions.visits.routes import ROOM_PATH

feedback = Blueprint(__name__)

SCALE = {"type": "integer", "minimum": SCORES[0], "maximum": SCORES[-1]}
RATING_BODY = strict_object(
    {"callQuality": SCALE, "care": SCALE, "comment": {"type": "string", "maxLength": 1000}},
    ["callQuality", "care"],
)
# Answer (functions.feedback.service.rating_view, with the comment: the case's people read it).
VISIT_RATING = answer_object("VisitRating", {
    "roomId": STRING, "caseId": STRING, "callQuality": SCALE, "care": SCALE,
    "comment": nullable(STRING),  # null: none written
    "ratedAt": STRING,
})

# The clinic's figures (functions.feedback.service.FeedbackService.clinic): no comment, no patient.
RATING_SUMMARY = answer_object("RatingSummary", {
    "n": INTEGER, "callQualityMean": nullable(NUMBER), "careMean": nullable(NUMBER),  # null: no ratings
})
RATING_DISTRIBUTION = answer_object("RatingDistribution", {  # how many ratings gave each score
    str(score): INTEGER for score in SCORES
})
CLINIC_FEEDBACK = answer_object("ClinicFeedback", {
    "months": array_of(answer_object("MonthlyRatings", {"month": STRING, **RATING_SUMMARY["properties"]})),
    "overall": RATING_SUMMARY,
    "distribution": answer_object(None, {"callQuality": RATING_DISTRIBUTION, "care": RATING_DISTRIBUTION}),
})


@feedback.route("/visits/{room_id}/rating", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(feedback, roles=(Role.PATIENT,), path=ROOM_PATH, body=RATING_BODY, answer=VISIT_RATING)
def rate_visit(request: ApiRequest) -> Reply:
    body = request.body
    rated = get_container().feedback.rate(request.require_principal(), request.path["room_id"], body["callQuality"],
                                          body["care"], body.get("comment", ""), request_id=request.request_id,
                                          source_ip=request.source_ip)
    return Reply(rated, status=201)


@feedback.route("/cases/{case_id}/visit-ratings", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(feedback, roles=(Role.PATIENT, Role.DOCTOR), path=CASE_PATH,
          answer=answer_object("VisitRatingList", {"items": array_of(VISIT_RATING)}))
def case_visit_ratings(request: ApiRequest) -> dict[str, Any]:
    return get_container().feedback.for_case(request.require_principal(), request.path["case_id"],
                                             request_id=request.request_id, source_ip=request.source_ip)


@feedback.route("/analytics/feedback", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(feedback, roles=(Role.DOCTOR,), answer=CLINIC_FEEDBACK)
def clinic_feedback(request: ApiRequest) -> dict[str, Any]:
    return get_container().feedback.clinic()
