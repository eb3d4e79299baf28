"""Score routes: record a measurement, read the trend series."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.scores.instruments import Instrument
from functions.shared.auth import Role
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import CASE_PATH, CURSOR_SCHEMA, ID_SCHEMA, strict_object

scores = Blueprint(__name__)

CLINICAL = (Role.PATIENT, Role.DOCTOR)
INSTRUMENT = {"type": "string", "enum": [instrument.value for instrument in Instrument]}
# The components' own strict schema depends on the instrument; the service applies it.
RECORD_BODY = strict_object(
    {"instrument": INSTRUMENT, "components": {"type": "object"}, "visitId": ID_SCHEMA},
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


@scores.route("/cases/{case_id}/scores", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(scores, roles=CLINICAL, path=CASE_PATH, body=RECORD_BODY)
def record_score(request: ApiRequest) -> Reply:
    body = request.body
    recorded = get_container().scores.record(
        request.require_principal(), request.path["case_id"], Instrument(body["instrument"]), body["components"],
        body.get("visitId"),
    )
    return Reply(recorded, status=201)


@scores.route("/cases/{case_id}/scores", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(scores, roles=CLINICAL, path=CASE_PATH, query=SERIES_QUERY)
def score_series(request: ApiRequest) -> dict[str, Any]:
    query = request.query
    instrument = Instrument(query["instrument"]) if "instrument" in query else None
    return get_container().scores.series(
        request.require_principal(), request.path["case_id"], instrument, query.get("limit", 100),
        query.get("cursor"), newest_first=query.get("order") == "desc",
    )
