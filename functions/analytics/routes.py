"""Analytics routes (doctors): a case's cohort reference, and the clinic's analytics page."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.validation import CASE_PATH

analytics = Blueprint(__name__)


@analytics.route("/cases/{case_id}/cohort-reference", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,), path=CASE_PATH)
def cohort_reference(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.cohort_reference(request.require_principal(), request.path["case_id"])


@analytics.route("/analytics/clinic", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(analytics, roles=(Role.DOCTOR,))
def clinic_analytics(request: ApiRequest) -> dict[str, Any]:
    return get_container().analytics.clinic()
