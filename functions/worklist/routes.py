"""The doctor's worklist of new activity, and the review mark on a case."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import CASE_PATH, EMPTY_OBJECT, PAGE_QUERY, STRING, answer_object

worklist = Blueprint(__name__)


@worklist.route("/worklist/activity", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,))
def worklist_activity(request: ApiRequest) -> dict[str, Any]:
    return get_container().worklist.activity(request.require_principal(), request_id=request.request_id,
                                             source_ip=request.source_ip)


@worklist.route("/worklist/consults", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,))
def worklist_consults(request: ApiRequest) -> dict[str, Any]:
    """The cases colleagues asked this doctor to look at (live invitations), by name; audited."""
    return get_container().worklist.consults(request.require_principal(), request_id=request.request_id,
                                             source_ip=request.source_ip)


@worklist.route("/worklist/reads", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(worklist, roles=(Role.DOCTOR,), query=PAGE_QUERY)
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
