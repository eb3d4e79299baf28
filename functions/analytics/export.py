"""The incremental, de-identified export of the case data into the lake (OMOP CDM v5.4 shape).

A run reads only what changed since the previous run: the timeline's change index (`byChangeDay`:
one partition per day of writing, sorted by write time) from the stored watermark to a cutoff a few
minutes back (a global index is eventually consistent; 5 minutes is far beyond its usual lag), then
the items behind those changes (a case's patient once per run, a record entry's current version).
Its cost follows the changes, never the history. Rows are de-identified here (see `deid`), written
as one Parquet file per table and batch, and the watermark moves on only after every file is written:
a failed run is repeated whole, and a repeated run over the same changes writes the same files.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from functions.analytics.deid import Deidentifier
from functions.analytics.omop import EHR, EHR_PRESCRIPTION, TABLES, object_key, parquet_bytes
from functions.analytics.ports import (
    Change,
    ChangeFeed,
    ExportState,
    LakeStore,
    PersonDirectory,
    RecordFacts,
    SourceReader,
)
from functions.analytics.vocabulary import INSTRUMENTS, treatment_of

STATE_KEY = "state/export.json"
CUTOFF_LAG = timedelta(minutes=5)
ROUTES = ("topical", "oral", "subcutaneous", "intramuscular", "intravenous", "intralesional", "transdermal")
MODALITIES = ("video", "in-person", "photo-review", "scores")
CLINICAL_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved")
DURATION_DAYS = {"day": 1, "week": 7, "month": 30}
EXPORTED_KINDS = ("diagnosis", "prescription", "followup")  # notes and plans are free text only


@dataclass
class ExportReport:
    batch: int | None  # None: nothing changed
    changes: int
    items_read: int
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class LakeExport:
    def __init__(self, feed: ChangeFeed, sources: SourceReader, people: PersonDirectory, lake: LakeStore,
                 deid: Deidentifier, first_day: str, clock: Callable[[], float]) -> None:
        self._feed = feed
        self._sources = sources
        self._people = people
        self._lake = lake
        self._deid = deid
        self._first_day = first_day
        self._clock = clock

    # --- state ------------------------------------------------------------------------------
    def state(self) -> ExportState:
        raw = self._lake.get(STATE_KEY)
        return ExportState(**json.loads(raw)) if raw else ExportState()

    def _save(self, state: ExportState) -> None:
        self._lake.put(STATE_KEY, json.dumps(asdict(state), sort_keys=True).encode())

    # --- the run ----------------------------------------------------------------------------
    def run(self, lag_seconds: float = CUTOFF_LAG.total_seconds()) -> ExportReport:
        """Export every change written since the last run, up to a cutoff `lag_seconds` back (5 minutes:
        a global index is eventually consistent; an import with nothing else writing may pass 0)."""
        state = self.state()
        cutoff = datetime.fromtimestamp(self._clock() - lag_seconds, UTC)
        until = cutoff.strftime("%Y-%m-%dT%H:%M:%S.") + f"{cutoff.microsecond // 1000:03d}Z#~"
        day = date.fromisoformat(state.day or self._first_day)
        changes: list[Change] = []
        items_read = 0
        while day <= cutoff.date():
            page = self._feed.changes(day.isoformat(), state.after if day.isoformat() == state.day else None, until)
            changes.extend(page.changes)
            items_read += page.items_read
            day += timedelta(days=1)
        if not changes:  # the next run starts where this one looked
            self._save(ExportState(day=cutoff.date().isoformat(), after=until, batch=state.batch))
            return ExportReport(None, 0, items_read)
        rows = self._rows(changes)
        batch = state.batch + 1
        report = ExportReport(batch, len(changes), items_read + self._sources.items_read)
        for table, table_rows in rows.items():
            if not table_rows:
                continue
            key = object_key(table, batch)
            self._lake.put(key, parquet_bytes(table, table_rows))
            report.files.append(key)
            report.rows[table] = len(table_rows)
        last = changes[-1].change_key
        self._save(ExportState(day=last[:10], after=last, batch=batch))
        return report

    def _rows(self, changes: list[Change]) -> dict[str, list[dict[str, Any]]]:
        rows: dict[str, dict[int, dict[str, Any]]] = {table: {} for table in TABLES}
        seen: dict[str, list[date]] = {}  # patient -> real dates of their changes (for person rows)
        patients = self._sources.patients_of([change.case_id for change in changes])
        records = self._sources.records([
            (change.case_id, change.ref_id) for change in changes
            if change.type == "record" and change.summary.get("kind") in EXPORTED_KINDS and change.case_id in patients
        ])
        for change in changes:
            patient = patients.get(change.case_id)
            if patient is None:
                continue
            made = self._row(change, patient, records)
            if made is None:
                continue
            table, row = made
            rows[table][row[TABLES[table][0][0]]] = row  # a later change of the same row wins
            seen.setdefault(patient, []).append(date.fromisoformat(change.occurred_at[:10]))
        for patient, days in seen.items():
            person_id = self._deid.pseudonym("person", patient)
            facts = self._people.person(patient)
            rows["person"][person_id] = {
                "person_id": person_id, "gender_concept_id": 0,
                "year_of_birth": self._deid.year_of_birth(facts.birth_date, max(days)),
                "race_concept_id": 0, "ethnicity_concept_id": 0,
                "gender_source_value": facts.sex if facts.sex in ("F", "M") else None,
            }
            period_id = self._deid.pseudonym("observation_period", patient)
            rows["observation_period"][period_id] = {
                "observation_period_id": period_id, "person_id": person_id,
                "observation_period_start_date": self._deid.shifted(patient, min(days).isoformat()),
                "observation_period_end_date": self._deid.shifted(patient, max(days).isoformat()),
                "period_type_concept_id": EHR,
            }
        return {table: list(by_id.values()) for table, by_id in rows.items()}

    def _row(self, change: Change, patient: str,
             records: dict[tuple[str, str], RecordFacts]) -> tuple[str, dict[str, Any]] | None:
        deid = self._deid
        person_id = deid.pseudonym("person", patient)
        summary = change.summary
        when = deid.shifted(patient, change.occurred_at)
        ref = f"{change.case_id}/{change.ref_id}"
        if change.type == "score":
            instrument, total = summary.get("instrument"), summary.get("total")
            if instrument not in INSTRUMENTS or not isinstance(total, int | float):
                return None
            row_id = deid.pseudonym("measurement", ref)
            return "measurement", {
                "measurement_id": row_id, "person_id": person_id, "measurement_concept_id": 0,
                "measurement_date": when, "measurement_type_concept_id": EHR, "value_as_number": float(total),
                "measurement_source_value": instrument, "measurement_source_concept_id": 0,
            }
        if change.type == "visit":
            row_id = deid.pseudonym("visit", ref)
            return "visit_occurrence", {
                "visit_occurrence_id": row_id, "person_id": person_id, "visit_concept_id": 0,
                "visit_start_date": when, "visit_end_date": when, "visit_type_concept_id": EHR,
                "visit_source_value": "video",
            }
        if change.type == "photo":
            from functions.lesions.body_sites import body_sites

            site = summary.get("bodySite")
            return "photo_series", {
                "photo_id": deid.pseudonym("photo", ref), "person_id": person_id, "photo_date": when,
                "body_site": site if isinstance(site, str) and site in body_sites() else "other",
                "removed": bool(summary.get("removed")),
            }
        if change.type == "record" and summary.get("kind") in EXPORTED_KINDS:
            facts = records.get((change.case_id, change.ref_id))
            return None if facts is None else self._record_row(facts, patient, person_id, ref)
        return None  # notes, plans, consultations: free text only, never exported

    def _record_row(self, facts: RecordFacts, patient: str, person_id: int,
                    ref: str) -> tuple[str, dict[str, Any]] | None:
        deid = self._deid
        content = facts.content
        retracted = facts.status != "active"
        started = deid.shifted(patient, facts.created_at)
        if facts.kind == "diagnosis":
            code = content.get("code")
            if not isinstance(code, str):
                return None
            status = content.get("clinicalStatus")
            onset = content.get("onsetDate")
            return "condition_occurrence", {
                "condition_occurrence_id": deid.pseudonym("condition", ref), "person_id": person_id,
                "condition_concept_id": 0,
                "condition_start_date": deid.shifted(patient, onset) if isinstance(onset, str) else started,
                "condition_type_concept_id": EHR,
                "condition_status_source_value": "entered-in-error" if retracted else (
                    status if status in CLINICAL_STATUSES else None),
                "condition_source_value": code, "condition_source_concept_id": 0,
            }
        if facts.kind == "prescription":
            duration = content.get("duration") or {}
            days = int(duration.get("value", 1)) * DURATION_DAYS.get(str(duration.get("unit")), 1)
            status = content.get("status")
            route = content.get("route")
            return "drug_exposure", {
                "drug_exposure_id": deid.pseudonym("drug", ref), "person_id": person_id, "drug_concept_id": 0,
                "drug_exposure_start_date": started, "drug_exposure_end_date": started + timedelta(days=days),
                "drug_type_concept_id": EHR_PRESCRIPTION,
                "stop_reason": "entered-in-error" if retracted else (
                    status if status in ("stopped", "completed") else None),
                "route_source_value": route if route in ROUTES else "other",
                "drug_source_value": treatment_of(str(content.get("drug", ""))), "drug_source_concept_id": 0,
            }
        if facts.kind == "followup":
            due = content.get("dueDate")
            if not isinstance(due, str):
                return None
            modality = content.get("modality")
            status = content.get("status")
            return "followup_adherence", {
                "followup_id": deid.pseudonym("followup", ref), "person_id": person_id,
                "due_date": deid.shifted(patient, due),
                "modality": modality if modality in MODALITIES else "unspecified",
                "status": "cancelled" if retracted else (status if status in ("planned", "completed", "cancelled")
                                                         else "planned"),
            }
        return None
