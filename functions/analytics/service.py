"""What doctors read: a case's cohort reference, and the clinic's analytics page.

The cohort reference matches the case to a cell of the nightly outcome table: its diagnosis (the
newest active diagnosis of a followed condition), its treatment (the newest active prescription, in
the lake's vocabulary) and the baseline band of the condition's instrument (the case's first score).
Reading those is a read of the case: the case's doctors only (anyone else: 404), and audited.
Figures are observational, from the de-identified lake; a cell of fewer than 11 persons shows none.
"""

from __future__ import annotations

from typing import Any, Protocol

from functions.access.service import AccessPolicy
from functions.analytics.analyses import MIN_CELL
from functions.analytics.ports import ReferenceCell, ReferenceStore
from functions.analytics.vocabulary import (
    BAND_LABELS,
    MCID,
    OTHER,
    baseline_band,
    condition_group,
    treatment_of,
)
from functions.audit.chain import AuditEvent, Outcome
from functions.emr.kinds import EntryKind
from functions.shared.auth import Principal
from functions.shared.request_context import request_source

ACTION = "analytics.cohort_reference"
WEEKS = (4, 8, 12, 24)
NOTE = ("Observational data from this clinic's de-identified records, not a trial: patients were not "
        "randomised, and a cohort's course does not predict one patient's.")


class _Records(Protocol):
    def for_case(self, case_id: str, kinds: Any, include_retracted: bool, limit: int, cursor: str | None) -> Any: ...


class _Scores(Protocol):
    def first(self, case_id: str, instrument: str) -> Any: ...


class _Audit(Protocol):
    def record(self, event: AuditEvent) -> Any: ...


def responder_rule(instrument: str) -> str:
    return "PASI75" if instrument == "PASI" else f"improvement of at least {MCID.get(instrument, 0):g} points (MCID)"


class AnalyticsService:
    def __init__(self, access: AccessPolicy, records: _Records, scores: _Scores, reference: ReferenceStore,
                 audit: _Audit) -> None:
        self._access = access
        self._records = records
        self._scores = scores
        self._reference = reference
        self._audit = audit

    def cohort_reference(self, principal: Principal, case_id: str) -> dict[str, Any]:
        self._access.require_case(principal, case_id, ACTION)
        source = request_source()
        self._audit.record(AuditEvent(
            actor_id=principal.user_id, role=principal.role.value, action=ACTION, resource_type="case",
            resource_id=case_id, outcome=Outcome.SUCCESS, patient_id=self._access.owner_of(case_id) or "",
            case_id=case_id, request_id=source.request_id, source_ip=source.source_ip,
        ))
        answer: dict[str, Any] = {"caseId": case_id, "observational": True, "note": NOTE, "minCell": MIN_CELL}
        diagnosis = self._newest(case_id, EntryKind.DIAGNOSIS,
                                 lambda content: condition_group(str(content.get("code", ""))) is not None)
        if diagnosis is None:
            return {**answer, "status": "no_diagnosis"}
        code = str(diagnosis["code"]).upper()
        group = condition_group(code)
        assert group is not None
        answer["condition"] = {"code": code, "label": str(diagnosis.get("text", group.name))}
        prescription = self._newest(case_id, EntryKind.PRESCRIPTION,
                                    lambda content: content.get("status", "active") in ("active", "on-hold"))
        treatment = treatment_of(str(prescription.get("drug", ""))) if prescription else None
        if treatment is None or treatment == OTHER:
            return {**answer, "status": "no_treatment"}
        answer["treatment"] = treatment
        instrument = group.instrument
        answer["instrument"] = instrument
        answer["responder"] = responder_rule(instrument)
        baseline = self._scores.first(case_id, instrument)
        if baseline is None:
            return {**answer, "status": "no_baseline"}
        band = baseline_band(instrument, float(baseline.total))
        answer["baseline"] = {"total": float(baseline.total), "band": band, "bandLabel": BAND_LABELS[band]}
        prefix = f"{code}#{treatment}#{instrument}#{band}#"
        by_week = {int(cell.figures.get("week", 0)): cell for cell in self._reference.cells("outcomes", prefix)}
        weeks = [_week(week, by_week.get(week)) for week in WEEKS]
        answer["weeks"] = weeks
        answer["computedAt"] = next((cell.figures.get("computedAt") for cell in by_week.values()), None)
        shown = [week for week in weeks if not week["suppressed"]]
        answer["status"] = "available" if shown else "suppressed"
        return answer

    def _newest(self, case_id: str, kind: EntryKind, accept: Any) -> dict[str, Any] | None:
        page = self._records.for_case(case_id, {kind}, False, 50, None)
        entries = sorted(page.entries, key=lambda entry: entry.current.at, reverse=True)
        for entry in entries:
            content = dict(entry.current.content)
            if accept(content):
                return content
        return None

    def clinic(self) -> dict[str, Any]:
        """The clinic's outcome, response and adherence tables (aggregates only, small cells hidden)."""
        def shown(cells: list[ReferenceCell]) -> list[dict[str, Any]]:
            return [cell.figures for cell in cells if not cell.figures.get("suppressed")]

        outcomes = self._reference.cells("outcomes")
        computed = next((cell.figures.get("computedAt") for cell in outcomes), None)
        return {
            "observational": True, "note": NOTE, "minCell": MIN_CELL, "computedAt": computed,
            "outcomes": shown(outcomes),
            "response": shown(self._reference.cells("response")),
            "adherence": shown(self._reference.cells("adherence")),
            "suppressedCells": sum(1 for cell in outcomes if cell.figures.get("suppressed")),
        }


def _week(week: int, cell: ReferenceCell | None) -> dict[str, Any]:
    if cell is None or cell.figures.get("suppressed"):
        return {"week": week, "suppressed": True}
    figures = cell.figures
    return {
        "week": week, "suppressed": False, "n": figures["n"],
        "medianChangePercent": figures.get("median_change_pct"), "q1ChangePercent": figures.get("q1_change_pct"),
        "q3ChangePercent": figures.get("q3_change_pct"), "responderShare": figures.get("responder_share"),
    }
