"""Score routes: record a measurement, read the trend series."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.scores.instruments import BANDS, FLAG_CODES, Instrument
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    ANY_OBJECT,
    BOOLEAN,
    CASE_PATH,
    CURSOR_SCHEMA,
    ID_SCHEMA,
    NUMBER,
    STRING,
    answer_object,
    array_of,
    nullable,
    page_of,
    strict_object,
)

scores = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
INSTRUMENT = {"type": "string", "enum": [instrument.value for instrument in Instrument]}
# The named component every answer that names an instrument uses (scores, cohort reference, worklist).
SCORE_INSTRUMENT = {**INSTRUMENT, "title": "ScoreInstrument"}
# The components' own strict schema depends on the instrument; the service applies it. Declared open
# (additionalProperties) so the generated client type is any object, not an empty one.
RECORD_BODY = strict_object(
    {"instrument": INSTRUMENT, "components": {"type": "object", "additionalProperties": True}, "visitId": ID_SCHEMA},
    ["instrument", "components"],
)
SERIES_QUERY = strict_object(
    {
        "instrument": INSTRUMENT,
        "order": {"type": "string", "enum": ["asc", "desc"]},
        "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        "cursor": CURSOR_SCHEMA,
    }
)

# Answers (functions.scores.service.score_view).
SCORE = answer_object("Score", {
    "scoreId": STRING, "caseId": STRING, "instrument": SCORE_INSTRUMENT,
    "recordedAt": STRING, "recordedBy": STRING,
    "recorderRole": {"type": "string", "enum": ["patient", "doctor"]},
    "onBehalfOfPatient": BOOLEAN,  # a patient-reported outcome a doctor entered
    "visitId": nullable(STRING),
    "total": NUMBER,
    "band": nullable({"type": "string", "enum": list(BANDS), "title": "ScoreBand"}),  # PASI has none
    "components": ANY_OBJECT,  # the answers, normalised; by instrument (functions.scores.instruments)
    "details": ANY_OBJECT,  # e.g. PASI's region subtotals, POEM's unanswered items
    # Against the previous score and the first (baseline) score of the instrument on the case.
    "change": answer_object("ScoreChange", {
        "previousScoreId": nullable(STRING), "previousTotal": nullable(NUMBER), "delta": nullable(NUMBER),
        "baselineTotal": nullable(NUMBER), "improvementPercent": nullable(NUMBER),
    }),
    "flags": array_of(answer_object("ScoreFlag", {
        "code": {"type": "string", "enum": list(FLAG_CODES), "title": "ScoreFlagCode"}, "message": STRING})),
})
SCORE_LIST = page_of("ScoreListResponse", SCORE)


@scores.route("/cases/{case_id}/scores", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(scores, roles=CLINICAL, path=CASE_PATH, body=RECORD_BODY, answer=SCORE)
def record_score(request: ApiRequest) -> Reply:
    body = request.body
    recorded = get_container().scores.record(
        request.require_principal(), request.path["case_id"], Instrument(body["instrument"]), body["components"],
        body.get("visitId"),
    )
    return Reply(recorded, status=201)


@scores.route("/cases/{case_id}/scores", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(scores, roles=CLINICAL, path=CASE_PATH, query=SERIES_QUERY, answer=SCORE_LIST)
def score_series(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    instrument = Instrument(query["instrument"]) if "instrument" in query else None
    return get_container().scores.series(
        request.require_principal(), request.path["case_id"], instrument, query.get("limit", 100),
        query.get("cursor"), newest_first=query.get("order") == "desc",
    )
