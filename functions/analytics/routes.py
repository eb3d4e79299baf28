"""Analytics routes (doctors): a case's cohort reference, and the clinic's analytics page."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.analytics.vocabulary import BAND_LABELS
from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.scores.instruments import Instrument
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import (
    BOOLEAN,
    CASE_PATH,
    INTEGER,
    NUMBER,
    STRING,
    answer_object,
    array_of,
    nullable,
)

analytics = Blueprint(__name__)

# Answer (functions.analytics.service.AnalyticsService.cohort_reference): what the case matched, as far
# as it got; `status` says where it stopped (no diagnosis of a followed condition, no treatment, no
# baseline score) or whether the matched cell's weeks show figures.
_COHORT_FIELDS = ("condition", "treatment", "instrument", "responder", "baseline", "weeks", "computedAt")
COHORT_WEEK = answer_object("CohortWeek", {
    "week": INTEGER, "suppressed": BOOLEAN,  # fewer persons than minCell: no figures
    "n": INTEGER, "medianChangePercent": nullable(NUMBER), "q1ChangePercent": nullable(NUMBER),
    "q3ChangePercent": nullable(NUMBER), "responderShare": nullable(NUMBER),
}, optional=("n", "medianChangePercent", "q1ChangePercent", "q3ChangePercent", "responderShare"))
COHORT_REFERENCE = answer_object("CohortReference", {
    "caseId": STRING,
    "status": {"type": "string", "title": "CohortStatus",
               "enum": ["available", "suppressed", "no_diagnosis", "no_treatment", "no_baseline"]},
    "observational": {"const": True}, "note": STRING, "minCell": INTEGER,
    "condition": answer_object(None, {"code": STRING, "label": STRING}),
    "treatment": STRING,
    "instrument": {"type": "string", "enum": [instrument.value for instrument in Instrument],
                   "title": "ScoreInstrument"},
    "responder": STRING,  # the responder rule, in words
    "baseline": answer_object(None, {"total": NUMBER, "band": {"type": "string", "enum": list(BAND_LABELS)},
                                     "bandLabel": STRING}),
    "weeks": array_of(COHORT_WEEK),
    "computedAt": nullable(STRING),  # when the nightly table was computed
}, optional=_COHORT_FIELDS)


@analytics.route("/cases/{case_id}/cohort-reference", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,), path=CASE_PATH, answer=COHORT_REFERENCE)
def cohort_reference(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.cohort_reference(request.require_principal(), request.path["case_id"])


@analytics.route("/analytics/clinic", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,))
def clinic_analytics(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.clinic()
