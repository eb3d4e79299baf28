"""Analytics routes (doctors): a case's cohort reference, and the clinic's analytics page."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.analytics.vocabulary import BAND_LABELS
from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.scores.routes import SCORE_INSTRUMENT
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
    "instrument": SCORE_INSTRUMENT,
    "responder": STRING,  # the responder rule, in words
    "baseline": answer_object(None, {"total": NUMBER, "band": {"type": "string", "enum": list(BAND_LABELS)},
                                     "bandLabel": STRING}),
    "weeks": array_of(COHORT_WEEK),
    "computedAt": nullable(STRING),  # when the nightly table was computed
}, optional=_COHORT_FIELDS)


# Answer (functions.analytics.service.AnalyticsService.clinic): the reference tables' cells that show
# figures, as the nightly analyses wrote them (functions/analytics/sql; functions.analytics.analyses.cells_of:
# a figure the SQL left null is absent), each with the run's time.
_SHOWN = {"suppressed": {"const": False}, "computedAt": STRING}
OUTCOME_CELL = answer_object("OutcomeCell", {
    "condition_code": STRING, "treatment": STRING, "instrument": COHORT_REFERENCE["properties"]["instrument"],
    "baseline_band": {"type": "string", "enum": list(BAND_LABELS)}, "week": INTEGER, "n": INTEGER,
    "median_change_pct": NUMBER, "q1_change_pct": NUMBER, "q3_change_pct": NUMBER, "responder_share": NUMBER,
    **_SHOWN,
})
RESPONSE_CELL = answer_object("ResponseCell", {
    "condition_code": STRING, "treatment": STRING, "instrument": COHORT_REFERENCE["properties"]["instrument"],
    "n": INTEGER, "responders": INTEGER, "responder_share": NUMBER,
    "median_days_to_response": NUMBER,  # absent with fewer responders than the smallest cell shown
    **_SHOWN,
}, optional=("median_days_to_response",))
ADHERENCE_CELL = answer_object("AdherenceCell", {
    "condition_code": STRING, "persons": INTEGER, "followups_due": INTEGER, "kept_on_time_share": NUMBER,
    "photo_intervals": INTEGER,
    "median_photo_interval_days": NUMBER,  # absent without two photos of one person
    **_SHOWN,
}, optional=("median_photo_interval_days",))
CLINIC_ANALYTICS = answer_object("ClinicAnalytics", {
    "observational": {"const": True}, "note": STRING, "minCell": INTEGER,
    "computedAt": nullable(STRING),  # null: no nightly run yet
    "outcomes": array_of(OUTCOME_CELL), "response": array_of(RESPONSE_CELL), "adherence": array_of(ADHERENCE_CELL),
    "suppressedCells": INTEGER,  # outcome cells hidden for fewer persons than minCell
})


@analytics.route("/cases/{case_id}/cohort-reference", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,), path=CASE_PATH, answer=COHORT_REFERENCE)
def cohort_reference(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.cohort_reference(request.require_principal(), request.path["case_id"])


@analytics.route("/analytics/clinic", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,), answer=CLINIC_ANALYTICS)
def clinic_analytics(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.clinic()
