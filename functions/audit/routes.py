"""Audit trail entrypoints: the operations query per patient, and the scheduled anchoring job."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Rate

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.observability import log_info, start_invocation
from functions.shared.request_context import RequestSource
from functions.shared.validation import CURSOR_SCHEMA, LIMIT_SCHEMA, strict_object

audit = Blueprint(__name__)

# How often the chain heads are written to the Object Lock bucket: tampering with entries newer
# than the last anchor is still caught by their links, but only anchored heads prove a chain was
# not rewritten or cut short as a whole.
ANCHOR_EVERY_MINUTES = 15

AUDIT_QUERY = strict_object(
    {
        "patientId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "limit": LIMIT_SCHEMA,
        "cursor": CURSOR_SCHEMA,
    },
    ["patientId"],
)


@audit.route("/admin/audit", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(audit, roles=(Role.ADMIN,), query=AUDIT_QUERY)
def audit_for_patient(request: ApiRequest) -> dict[str, Any]:
    return get_container().audit.for_patient(
        request.require_principal(), request.query["patientId"], request.query.get("limit", 50),
        request.query.get("cursor"), RequestSource(request.request_id, request.source_ip),
    )


@audit.schedule(Rate(ANCHOR_EVERY_MINUTES, unit=Rate.MINUTES), name="anchor_audit_chains")
def anchor_audit_chains(event: Any) -> dict[str, Any]:
    start_invocation(job="anchor_audit_chains")
    anchor = get_container().audit.anchor()
    log_info("audit chains anchored", job="anchor_audit_chains", count=len(anchor.heads))
    return {"key": anchor.key, "chains": len(anchor.heads)}
