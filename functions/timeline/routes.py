"""GET /cases/{case_id}/timeline: the course of disease, newest first, cursor-paginated."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import CASE_PATH, PAGE_QUERY

timeline = Blueprint(__name__)


@timeline.route("/cases/{case_id}/timeline", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(timeline, roles=(Role.PATIENT, Role.DOCTOR), path=CASE_PATH, query=PAGE_QUERY)
def case_timeline(request: ApiRequest) -> dict[str, Any]:
    return get_container().timeline.page(
        request.require_principal(), request.path["case_id"], request.query.get("limit", 50),
        request.query.get("cursor"),
    )
