"""Recording scores: who may record which instrument, totals, meaningful-change flags, the trend."""

from __future__ import annotations

import secrets
import time
from typing import Any

from functions.access.ports import GrantKind
from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.audit.ports import StagedWriteRejected
from functions.cases.ports import OpenCases
from functions.scores.instruments import (
    CLINICIAN_RATED,
    Instrument,
    ScoreError,
    change,
    component_schema,
    score,
)
from functions.scores.ports import Audit, ScoreRecord, ScoreStore, VisitLookup
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, DomainError, Forbidden, ValidationError
from functions.shared.observability import log_warning
from functions.shared.request_context import request_source
from functions.shared.validation import validate
from functions.timeline.ports import EventType, TimelineEvent, TimelineWriter


def new_score_id() -> str:
    return "sc_" + secrets.token_urlsafe(12)


def score_view(record: ScoreRecord) -> dict[str, Any]:
    return {
        "scoreId": record.score_id,
        "caseId": record.case_id,
        "instrument": record.instrument,
        "recordedAt": record.recorded_at,
        "recordedBy": record.recorded_by,
        "recorderRole": record.recorder_role,
        "onBehalfOfPatient": record.on_behalf_of_patient,
        "visitId": record.visit_id,
        "total": record.total,
        "band": record.band,
        "components": record.components,
        "details": record.details,
        "change": {
            "previousScoreId": record.previous_score_id,
            "previousTotal": record.previous_total,
            "delta": record.delta,
            "baselineTotal": record.baseline_total,
            "improvementPercent": record.improvement_percent,
        },
        "flags": record.flags,
    }


class ScoreService:
    def __init__(self, store: ScoreStore, access: AccessPolicy, timeline: TimelineWriter,
                 visits: VisitLookup | None = None, clock: Clock = time.time, *,
                 open_cases: OpenCases | None = None, audit: Audit | None = None) -> None:
        self._open_cases = open_cases
        self._audit = audit
        self._store = store
        self._access = access
        self._timeline = timeline
        self._visits = visits
        self._clock = clock

    def record(self, principal: Principal, case_id: str, instrument: Instrument, components: dict[str, Any],
               visit_id: str | None = None) -> dict[str, Any]:
        """Validate, total and store one measurement; flag a meaningful change; add it to the timeline."""
        grant = self._access.require_case(principal, case_id, action="score.record")
        if self._open_cases is not None:
            self._open_cases.require_open(case_id)
        is_patient = grant.kind is GrantKind.OWNER
        if instrument in CLINICIAN_RATED and is_patient:
            raise Forbidden(f"{instrument.value} is rated by a doctor at an examination.", code="clinician_rated")
        validate(components, component_schema(instrument), where="body.components")
        try:
            scored = score(instrument, components)
        except ScoreError as error:
            raise ValidationError(str(error), code=error.code) from None
        if visit_id is not None:
            room = self._visits.get(visit_id) if self._visits is not None else None
            if room is None or getattr(room, "case_id", None) != case_id:
                raise ValidationError("visitId is not a visit of this case.", code="unknown_visit")

        previous = self._store.latest(case_id, instrument.value)
        baseline = self._store.first(case_id, instrument.value) if previous is not None else None
        moved = change(instrument, scored.total, previous.total if previous else None,
                       baseline.total if baseline else None)
        now = self._clock()
        record = ScoreRecord(
            case_id=case_id,
            score_id=new_score_id(),
            instrument=instrument.value,
            recorded_at=iso(now, "milliseconds"),
            recorded_by=principal.user_id,
            recorder_role="patient" if is_patient else "doctor",
            on_behalf_of_patient=not is_patient and instrument not in CLINICIAN_RATED,
            visit_id=visit_id,
            total=scored.total,
            band=scored.band,
            components=scored.components,
            details=scored.details,
            previous_score_id=previous.score_id if previous else None,
            previous_total=moved.previous_total,
            delta=moved.delta,
            baseline_total=moved.baseline_total,
            improvement_percent=moved.improvement_percent,
            flags=[{"code": flag.code, "message": flag.message} for flag in moved.flags],
        )
        self._commit(principal, record)
        summary: dict[str, Any] = {"instrument": record.instrument, "total": record.total,
                                   "flags": [flag.code for flag in moved.flags]}
        if record.band:
            summary["band"] = record.band
        try:
            self._add_to_timeline(principal, record, now, summary)
        except DomainError as error:
            # The score and its audit entry are committed; the timeline is a projection of them.
            log_warning("timeline append failed", case_id=case_id, code=error.code)
        return score_view(record)

    def _commit(self, principal: Principal, record: ScoreRecord) -> None:
        """The score and its audit entry in one transaction: never one without the other, also when
        the database fails between them (tests/functional/test_fault_injection.py)."""
        if self._audit is None:
            self._store.put(record)
            return
        source = request_source()
        try:
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action="score.record",
                resource_type="score", resource_id=record.score_id, outcome=Outcome.SUCCESS,
                patient_id=self._access.owner_of(record.case_id) or "", case_id=record.case_id,
                request_id=source.request_id, source_ip=source.source_ip,
            ), staged=[self._store.stage_put(record)])
        except StagedWriteRejected:
            raise Conflict("That score was already recorded.", code="score_exists") from None

    def _add_to_timeline(self, principal: Principal, record: ScoreRecord, now: float,
                         summary: dict[str, Any]) -> None:
        self._timeline.append(TimelineEvent(
            case_id=record.case_id,
            event_id=record.score_id,
            type=EventType.SCORE,
            # Milliseconds: two scores saved within one second keep their order on the timeline.
            occurred_at=iso(now, "milliseconds"),
            actor_id=principal.user_id,
            ref_id=record.score_id,
            summary=summary,
        ))

    def series(self, principal: Principal, case_id: str, instrument: Instrument | None, limit: int,
               cursor: str | None, newest_first: bool = False) -> dict[str, Any]:
        """The trend: oldest first by default (chart order), one instrument or all (grouped by instrument)."""
        self._access.require_case(principal, case_id, action="score.list")
        records, next_cursor = self._store.series(case_id, instrument.value if instrument else None, limit, cursor,
                                                  newest_first)
        return {"items": [score_view(record) for record in records], "nextCursor": next_cursor}
