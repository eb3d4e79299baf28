"""The doctor's worklist of new activity, and the review mark on a case."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.cases.routes import GRANT
from functions.identity.authorizer import jwt_authorizer
from functions.scores.routes import SCORE_INSTRUMENT
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import (
    CASE_PATH,
    EMPTY_OBJECT,
    INTEGER,
    PAGE_QUERY,
    STRING,
    answer_object,
    array_of,
    nullable,
    page_of,
)

worklist = Blueprint(__name__)

# Answers (functions.worklist.service.WorklistService: activity, consults, reads_awaiting). A row names
# the patient and the case's condition; either is null when its record is gone, like a colleague's name.
NAMED_CASE = {"caseId": STRING, "patientId": STRING, "patientName": nullable(STRING), "condition": nullable(STRING)}
ACTIVITY = answer_object("WorklistActivity", {
    **NAMED_CASE,
    "newPhotos": INTEGER, "newScores": INTEGER,  # from others, since the doctor's review mark
    # Instruments whose new score worsened by a clinically meaningful amount.
    "worsened": array_of(SCORE_INSTRUMENT),
    "changedLesions": array_of(STRING),  # lesion ids whose new photo measured a meaningful change
    "latestAt": STRING,
    "reviewedAt": nullable(STRING),  # null: never marked reviewed
})
ACTIVITY_LIST = answer_object("WorklistActivityList", {"items": array_of(ACTIVITY)})
CONSULT_REQUEST = answer_object("ConsultRequest", {
    **NAMED_CASE,
    "invitedBy": STRING, "invitedByName": nullable(STRING), "invitedAt": STRING,
    "until": nullable(STRING),  # null: access without an end
    "question": nullable(STRING),  # null: none asked
    "answer": GRANT["properties"]["answer"],  # the invitation's, as the case's doctors list shows it
})
CONSULT_REQUEST_LIST = answer_object("ConsultRequestList", {"items": array_of(CONSULT_REQUEST)})
# Blinded: nothing of the other readers, as the round itself shows a reader.
AWAITING_READ = answer_object("AwaitingRead", {
    **NAMED_CASE, "roundId": STRING, "leadId": STRING, "leadName": nullable(STRING), "question": STRING,
    "openedAt": STRING,
})
AWAITING_READ_PAGE = page_of("AwaitingReadPage", AWAITING_READ)


@worklist.route("/worklist/activity", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,), answer=ACTIVITY_LIST)
def worklist_activity(request: ApiRequest) -> dict[str, Any]:
    return get_container().worklist.activity(request.require_principal(), request_id=request.request_id,
                                             source_ip=request.source_ip)


@worklist.route("/worklist/consults", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,), answer=CONSULT_REQUEST_LIST)
def worklist_consults(request: ApiRequest) -> dict[str, Any]:
    """The cases colleagues asked this doctor to look at (live invitations), by name; audited."""
    return get_container().worklist.consults(request.require_principal(), request_id=request.request_id,
                                             source_ip=request.source_ip)


@worklist.route("/worklist/reads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,), query=PAGE_QUERY, answer=AWAITING_READ_PAGE)
def worklist_reads(request: ApiRequest) -> dict[str, Any]:
    """The consultation rounds awaiting this doctor's read, by name, paged over their cases; audited."""
    return get_container().worklist.reads_awaiting(request.require_principal(), request.query.get("limit", 20),
                                                   request.query.get("cursor"), request_id=request.request_id,
                                                   source_ip=request.source_ip)


@worklist.route("/cases/{case_id}/reviewed", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,), path=CASE_PATH, body=EMPTY_OBJECT,
          answer=answer_object("CaseReviewed", {"caseId": STRING, "reviewedAt": STRING}))
def mark_case_reviewed(request: ApiRequest) -> dict[str, Any]:
    return get_container().worklist.mark_reviewed(request.require_principal(), request.path["case_id"])
