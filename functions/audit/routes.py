"""Audit trail entrypoints: the operations query per patient, and the scheduled anchoring job."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions.audit.chain import Outcome
from functions.audit.ports import AuditFilter
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
        "actorId": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "action": {"type": "string", "pattern": "^[a-z][a-z0-9_.]{0,63}$"},
        "outcome": {"type": "string", "enum": [outcome.value for outcome in Outcome]},
    },
    ["patientId"],
)

# Hourly: a rewritten or cut trail is found within the hour; a run reads every chain (about 1 s per
# 10,000 entries locally), cheap beside the 96 anchoring runs a day.
VERIFY_EVERY_MINUTES = 60


@audit.route("/admin/audit", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(audit, roles=(Role.ADMIN,), query=AUDIT_QUERY)
def audit_for_patient(request: ApiRequest) -> dict[str, Any]:
    """A page of the patient's entries (filtered by actor, action and outcome when asked) and what the
    last scheduled verification found for the chain holding them."""
    container = get_container()
    query = request.query
    only = AuditFilter(query.get("actorId"), query.get("action"), query.get("outcome"))
    page = container.audit.for_patient(
        request.require_principal(), query["patientId"], query.get("limit", 50), query.get("cursor"),
        RequestSource(request.request_id, request.source_ip), only,
    )
    return {**page, "verification": container.audit_checks.status_of_patient(query["patientId"])}


@audit.schedule(Rate(ANCHOR_EVERY_MINUTES, unit=Rate.MINUTES), name="anchor_audit_chains")
def anchor_audit_chains(event: CloudWatchEvent) -> dict[str, Any]:
    start_invocation(job="anchor_audit_chains")
    anchor = get_container().audit.anchor()
    log_info("audit chains anchored", job="anchor_audit_chains", count=len(anchor.heads))
    return {"key": anchor.key, "chains": len(anchor.heads)}


@audit.schedule(Rate(VERIFY_EVERY_MINUTES, unit=Rate.MINUTES), name="verify_audit_chains")
def verify_audit_chains(event: CloudWatchEvent) -> dict[str, Any]:
    start_invocation(job="verify_audit_chains")
    report = get_container().audit_checks.run()
    log_info("audit chains verified", job="verify_audit_chains", count=report["entries"],
             outcome="ok" if report["ok"] else "failed")
    return {"ok": report["ok"], "entries": report["entries"], "chains": len(report["chains"])}
