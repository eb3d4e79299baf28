"""Audit trail entrypoints: the operations query per patient, and the scheduled anchoring job."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent, Rate

from functions.audit.chain import Outcome, Problem
from functions.audit.ports import AuditFilter
from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.http import ApiRequest
from functions.shared.observability import log_info, start_invocation
from functions.shared.request_context import RequestSource
from functions.shared.validation import (
    BOOLEAN,
    CURSOR_SCHEMA,
    INTEGER,
    LIMIT_SCHEMA,
    STRING,
    answer_object,
    array_of,
    nullable,
    strict_object,
)

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

# Answer (functions.audit.service.entry_view; functions.audit.checks.AuditChecks.status_of_patient, which
# holds the chain's ChainReport.view from the last run).
AUDIT_OUTCOME = {"type": "string", "enum": [outcome.value for outcome in Outcome], "title": "AuditOutcome"}
AUDIT_ENTRY = answer_object("AuditEntry", {
    "chain": STRING, "seq": INTEGER, "at": STRING, "actorId": STRING,
    "role": STRING,  # the actor's role then, or "none" for an account in no group
    "action": STRING,
    "resource": answer_object(None, {"type": STRING, "id": STRING, "caseId": nullable(STRING)}),
    "resourceIds": array_of(STRING),  # every record a list or an export disclosed
    "patientId": nullable(STRING),
    "source": answer_object(None, {"requestId": STRING, "ip": STRING}),
    "outcome": AUDIT_OUTCOME, "hash": STRING,
})
# Before the first run: the chain and a null checkedAt only. A run that did not see the chain: `ok` and
# no entries. Otherwise the chain's report: `legacyEntries` and `notes` when there are any, and the
# first bad entry, the problem and its detail when the chain is not intact.
CHAIN_VERIFICATION = answer_object("ChainVerification", {
    "chain": STRING, "checkedAt": nullable(STRING),
    "ok": BOOLEAN, "entries": INTEGER, "anchorsChecked": INTEGER, "legacyEntries": INTEGER,
    "notes": array_of(STRING), "firstBadSeq": nullable(INTEGER),
    "problem": {"type": "string", "enum": [problem.value for problem in Problem], "title": "ChainProblem"},
    "detail": STRING,
}, optional=("ok", "entries", "anchorsChecked", "legacyEntries", "notes", "firstBadSeq", "problem", "detail"))
AUDIT_PAGE = answer_object("AuditPage", {
    "items": array_of(AUDIT_ENTRY), "nextCursor": nullable(STRING), "verification": CHAIN_VERIFICATION,
})

# Hourly: a rewritten or cut trail is found within the hour; a run reads every chain (about 1 s per
# 10,000 entries locally), cheap beside the 96 anchoring runs a day.
VERIFY_EVERY_MINUTES = 60


@audit.route("/admin/audit", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(audit, roles=(Role.ADMIN,), query=AUDIT_QUERY, answer=AUDIT_PAGE)
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
