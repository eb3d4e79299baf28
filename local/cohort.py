"""Loads the synthetic clinic (functions/analytics/synthetic.py) into a stack, and gives the demo
cases a diagnosis, a prescription and scores so their cohort references show something.

Written straight through the capabilities' stores (sealed as the app seals them) and their timeline
events, like an import of a clinic's history: no audit entries for the import itself, no images
(photo and visit history are timeline events only), no access grants (nobody opens these cases;
they exist for the lake and its analyses). Writing 400 patients takes about 45 s on a first start
(2 cores), exporting and analysing them 30 s more; the data folder keeps it afterwards.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from functions.analytics.synthetic import Score, SyntheticPatient, cohort
from functions.cases.ports import CaseRecord
from functions.emr.kinds import KIND_PREFIX, EntryKind, EntryStatus, VersionAction
from functions.emr.ports import Links, RecordEntry, RecordVersion
from functions.scores.ports import ScoreRecord
from functions.timeline.ports import EventType, TimelineEvent

IMPORTER = "clinic-import"
log = logging.getLogger("local")


@dataclass(frozen=True)
class DemoHistory:
    """A demo case's treatment history (dates in days before today)."""

    code: str
    text: str
    drug: str
    route: str
    instrument: str
    totals: tuple[tuple[int, float], ...]  # (days ago, total)


DEMO_HISTORIES: dict[str, DemoHistory] = {
    # pat.alex: L40.0 with a baseline PASI of 10-20 on calcipotriol/betamethasone (a cell with n >= 11).
    "pat.alex": DemoHistory("L40.0", "Psoriasis vulgaris", "Calcipotriol/betamethasone gel", "topical", "PASI",
                            ((63, 14.2), (35, 9.8), (7, 6.1))),
    # pat.blair: atopic dermatitis on emollients alone, a rare choice here: the cell is suppressed.
    "pat.blair": DemoHistory("L20.9", "Atopic dermatitis", "Emollient cream", "topical", "EASI",
                             ((42, 12.5), (14, 10.0))),
}


def _id() -> str:
    return secrets.token_urlsafe(16)


def _entry_id(kind: EntryKind, at: str) -> str:
    epoch = datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()
    return f"{KIND_PREFIX[kind]}_{int(epoch * 1000):011x}{secrets.token_hex(8)}"


class Batch:
    """Record entries, scores and timeline events collected, then written 25 items per request."""

    def __init__(self, container: Any) -> None:
        from functions.shared.tables import RECORD_VERSIONS, RECORDS

        container.bind(RECORDS, RECORD_VERSIONS)
        self._container = container
        self.entries: list[RecordEntry] = []
        self.scores: list[ScoreRecord] = []
        self.events: list[TimelineEvent] = []

    def record(self, case_id: str, patient_id: str, kind: EntryKind, content: dict[str, Any], at: str,
               author: str) -> None:
        version = RecordVersion(case_id=case_id, entry_id=_entry_id(kind, at), patient_id=patient_id, kind=kind,
                                version=1, status=EntryStatus.ACTIVE, action=VersionAction.CREATE,
                                content=content, links=Links(), author_id=author, author_role="doctor", at=at)
        self.entries.append(RecordEntry(version, at, author))
        self.events.append(TimelineEvent(
            case_id=case_id, event_id=f"{version.entry_id}-v1", type=EventType.RECORD, occurred_at=at,
            actor_id=author, ref_id=version.entry_id,
            summary={"kind": kind.value, "version": 1, "status": "active", "action": "create"}))

    def score(self, case_id: str, score: Score, author: str) -> None:
        score_id = _id()
        self.scores.append(ScoreRecord(
            case_id=case_id, score_id=score_id, instrument=score.instrument, recorded_at=score.at,
            recorded_by=author, recorder_role="doctor", on_behalf_of_patient=False, visit_id=None,
            total=score.total, band=None, components={}))
        self.events.append(TimelineEvent(case_id=case_id, event_id=score_id, type=EventType.SCORE,
                                         occurred_at=score.at, actor_id=author, ref_id=score_id,
                                         summary={"instrument": score.instrument, "total": score.total,
                                                  "flags": []}))

    def write(self) -> None:
        from functions.emr.adapters import DynamoRecordStore

        container = self._container
        DynamoRecordStore(container.field_sealer).import_entries(self.entries)
        container.score_store.put_many(self.scores)
        container.timeline_store.append_many(self.events)  # last: the export follows the timeline
        self.entries, self.scores, self.events = [], [], []


def add_history(batch: Batch, case_id: str, patient_id: str, doctor_id: str, patient: SyntheticPatient) -> None:
    """A patient's diagnosis, prescription, follow-ups, a clinical note, scores, photos and visits."""
    regimen = patient.regimen
    batch.record(case_id, patient_id, EntryKind.DIAGNOSIS,
                 {"code": patient.code, "text": patient.condition_text, "clinicalStatus": "active"},
                 patient.started, doctor_id)
    batch.record(case_id, patient_id, EntryKind.PRESCRIPTION,
                 {"drug": regimen.drug_text, "dose": "as directed", "route": regimen.route, "frequency": "daily",
                  "duration": {"value": 12, "unit": "week"}, "status": "active"}, patient.started, doctor_id)
    batch.record(case_id, patient_id, EntryKind.NOTE, {"subjective": patient.note}, patient.started, doctor_id)
    for follow_up in patient.follow_ups:
        batch.record(case_id, patient_id, EntryKind.FOLLOWUP,
                     {"description": f"Follow-up for {patient.name}", "dueDate": follow_up.due,
                      "modality": follow_up.modality, "status": follow_up.status}, patient.started, doctor_id)
    for score in patient.scores:
        batch.score(case_id, score, doctor_id)
    for at, site in patient.photos:
        photo_id = _id()
        batch.events.append(TimelineEvent(case_id=case_id, event_id=photo_id, type=EventType.PHOTO,
                                          occurred_at=at, actor_id=patient_id, ref_id=photo_id,
                                          summary={"bodySite": site, "source": "upload"}))
    for at in patient.visits:
        room_id = _id()
        batch.events.append(TimelineEvent(case_id=case_id, event_id=room_id, type=EventType.VISIT, occurred_at=at,
                                          actor_id=doctor_id, ref_id=room_id,
                                          summary={"endReason": "completed", "durationSeconds": 600,
                                                   "participants": 2}))


def create_patient(cognito: Any, pool_id: str, patient: SyntheticPatient) -> str:
    created = cognito.admin_create_user(
        UserPoolId=pool_id, Username=patient.username, MessageAction="SUPPRESS",
        UserAttributes=[
            {"Name": "name", "Value": patient.name},
            {"Name": "email", "Value": f"{patient.username}@example.org"},
            {"Name": "birthdate", "Value": patient.birth_date},
            {"Name": "gender", "Value": "female" if patient.sex == "F" else "male"},
        ],
    )
    return next(str(a["Value"]) for a in created["User"]["Attributes"] if a["Name"] == "sub")


def load_cohort(cognito: Any, pool_id: str, container: Any, end: date | None = None,
                patients: int | None = None,
                stopping: Any = lambda: False) -> list[tuple[SyntheticPatient, str, str]]:
    """The synthetic clinic up to `end` (default today); returns (patient, user id, case id) each."""
    from functions.analytics.synthetic import PATIENTS

    loaded = []
    batch = Batch(container)
    for patient in cohort(end or datetime.now(UTC).date(), patients or PATIENTS):
        if stopping():
            break
        patient_id = create_patient(cognito, pool_id, patient)
        case = container.cases.create_record(patient_id, patient.condition_text, [], patient.note)
        add_history(batch, case.case_id, patient_id, IMPORTER, patient)
        loaded.append((patient, patient_id, case.case_id))
        if len(batch.events) > 500:
            batch.write()
    batch.write()
    return loaded


def demo_patient(history: DemoHistory, username: str, today: date) -> SyntheticPatient:
    from datetime import timedelta

    from functions.analytics.synthetic import Regimen

    def at(days_ago: int) -> str:
        return (today - timedelta(days=days_ago)).isoformat() + "T09:30:00.000Z"

    first = max(days for days, _ in history.totals)
    return SyntheticPatient(
        number=0, username=username, name=username, birth_date="1980-01-01", sex="F", code=history.code,
        condition_text=history.text, regimen=Regimen("", history.drug, history.route, 1, 0, 1),
        started=at(first), note="", scores=tuple(Score(history.instrument, at(days), total)
                                                 for days, total in history.totals),
        follow_ups=(),
    )


def give_demo_cases_history(container: Any, cases: list[CaseRecord], users: dict[str, str],
                            doctors: dict[str, str]) -> None:
    """Diagnosis, prescription and scores on the demo cases (by their patient's username)."""
    today = datetime.now(UTC).date()
    by_patient = {case.patient_id: case for case in cases}
    for username, history in DEMO_HISTORIES.items():
        case = by_patient.get(users.get(username, ""))
        if case is None:
            continue
        patient = demo_patient(history, username, today)
        # Only the clinical facts: a note or follow-ups would add nothing the demo needs.
        batch = Batch(container)
        batch.record(case.case_id, case.patient_id, EntryKind.DIAGNOSIS,
                     {"code": history.code, "text": history.text, "clinicalStatus": "active"}, patient.started,
                     doctors[username])
        batch.record(case.case_id, case.patient_id, EntryKind.PRESCRIPTION,
                     {"drug": history.drug, "dose": "thin layer", "route": history.route,
                      "frequency": "once daily", "duration": {"value": 8, "unit": "week"}, "status": "active"},
                     patient.started, doctors[username])
        for score in patient.scores:
            batch.score(case.case_id, score, doctors[username])
        batch.write()


def refresh_analytics(container: Any) -> dict[str, int]:
    """Export everything written so far (no cutoff lag: nothing else is writing) and analyse it."""
    container.lake_export.run(lag_seconds=0)
    return dict(container.nightly_analyses.run())


COHORT_PATIENTS = 400


def lake_environment(data_dir: Path) -> dict[str, str]:
    """The lake's local settings: the pseudonym key kept in the data folder (made once; like the
    local key-encryption key, it must survive restarts or pseudonyms would change), the DuckDB
    mirror folder, and today as the first day of changes (a fresh stack has none before)."""
    key_file = data_dir / "keys" / "lake-pseudonym.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return {
        "LAKE_PSEUDONYM_KEY": key_file.read_text().strip(),
        "LAKE_MIRROR_DIR": str(data_dir / "lake-mirror"),
        "LAKE_FIRST_DAY": datetime.now(UTC).date().isoformat(),
        # moto walks the whole timeline table for each index Query (the export's change feed).
        "DYNAMODB_READ_TIMEOUT_SECONDS": "60",
    }


class CohortLoader:
    """Loads the synthetic clinic in the background on a first start (the app is usable meanwhile),
    then exports and analyses it, so the analytics screens fill within a minute or two."""

    def __init__(self, cognito: Any, pool_id: str, patients: int) -> None:
        self._cognito = cognito
        self._pool = pool_id
        self._patients = patients
        self._stop = threading.Event()
        self.done = threading.Event()
        self.failed: str | None = None
        self._thread = threading.Thread(target=self._run, name="synthetic-cohort", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        from functions.bootstrap import get_container

        try:
            started = time.perf_counter()
            container = get_container()
            load_cohort(self._cognito, self._pool, container, patients=self._patients, stopping=self._stop.is_set)
            log.info("synthetic clinic written in %.0f s", time.perf_counter() - started)
            if not self._stop.is_set():
                cells = refresh_analytics(container)
                log.info("synthetic clinic loaded and analysed in %.0f s: %s", time.perf_counter() - started, cells)
        except Exception as error:  # the stack keeps running without the cohort; say why
            self.failed = type(error).__name__
            log.exception("loading the synthetic clinic failed")
        finally:
            self.done.set()
