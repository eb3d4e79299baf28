"""In-memory ports for the lake export, fed by the synthetic clinic: the export's rows and the
analyses' figures can be checked fast, without DynamoDB (the functional tests cover that path)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from functions.analytics.deid import Deidentifier
from functions.analytics.export import LakeExport
from functions.analytics.ports import Change, ChangePage, PersonFacts, RecordFacts
from functions.analytics.synthetic import SyntheticPatient, cohort

KEY = b"lake-test-key-0123456789abcdef"
END = date(2026, 11, 30)


@dataclass
class MemoryLake:
    objects: dict[str, bytes] = field(default_factory=dict)

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def get(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self.objects if key.startswith(prefix))

    def write_to(self, root: Path) -> None:
        for key, data in self.objects.items():
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


@dataclass
class MemorySources:
    """The clinic's changes on one write day, with the cases, records and people behind them."""

    changes: list[Change] = field(default_factory=list)
    case_patients: dict[str, str] = field(default_factory=dict)
    entries: dict[tuple[str, str], RecordFacts] = field(default_factory=dict)
    people: dict[str, PersonFacts] = field(default_factory=dict)
    read: int = 0

    # ChangeFeed
    def changes_of(self, day: str, after: str | None, until: str) -> ChangePage:
        found = [c for c in self.changes if c.change_key[:10] == day and (after is None or c.change_key > after)
                 and c.change_key <= until]
        return ChangePage(found, len(found))

    # SourceReader
    def patients_of(self, case_ids: list[str]) -> dict[str, str]:
        found = {case: self.case_patients[case] for case in set(case_ids) if case in self.case_patients}
        self.read += len(found)
        return found

    def records(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], RecordFacts]:
        found = {key: self.entries[key] for key in set(keys) if key in self.entries}
        self.read += len(found)
        return found

    @property
    def items_read(self) -> int:
        return self.read

    # PersonDirectory
    def person(self, patient_id: str) -> PersonFacts:
        return self.people.get(patient_id, PersonFacts())


class Feed:
    def __init__(self, sources: MemorySources) -> None:
        self._sources = sources

    def changes(self, day: str, after: str | None, until: str) -> ChangePage:
        return self._sources.changes_of(day, after, until)


def add_patient(sources: MemorySources, patient: SyntheticPatient, written: str) -> None:
    """The patient's history as the loader writes it (local/cohort.py), all written on `written` day."""
    case_id, patient_id = f"case{patient.number:04d}", f"user-{patient.number:04d}"
    sources.case_patients[case_id] = patient_id
    sources.people[patient_id] = PersonFacts(patient.birth_date, patient.sex)
    seq = len(sources.changes)

    def change(kind: str, occurred: str, ref: str, summary: dict[str, object]) -> None:
        nonlocal seq
        seq += 1
        sources.changes.append(Change(case_id, f"{written}T10:00:00.000Z#{seq:08d}", kind, occurred, ref, summary))

    def record(kind: str, content: dict[str, object], ref: str) -> None:
        sources.entries[(case_id, ref)] = RecordFacts(ref, kind, "active", patient.started, content)
        change("record", patient.started, ref, {"kind": kind, "version": 1, "status": "active"})

    record("diagnosis", {"code": patient.code, "text": patient.condition_text, "clinicalStatus": "active"}, "dx")
    record("prescription", {"drug": patient.regimen.drug_text, "dose": "x", "route": patient.regimen.route,
                            "frequency": "daily", "duration": {"value": 12, "unit": "week"}}, "rx")
    record("note", {"subjective": patient.note}, "nt")
    for index, follow_up in enumerate(patient.follow_ups):
        record("followup", {"description": f"Follow-up for {patient.name}", "dueDate": follow_up.due,
                            "modality": follow_up.modality, "status": follow_up.status}, f"fu{index}")
    for index, score in enumerate(patient.scores):
        change("score", score.at, f"s{index}", {"instrument": score.instrument, "total": score.total})
    for index, (at, site) in enumerate(patient.photos):
        change("photo", at, f"p{index}", {"bodySite": site})
    for index, at in enumerate(patient.visits):
        change("visit", at, f"v{index}", {"durationSeconds": 600})


def synthetic_export(patients: int = 400, written: str = "2026-11-30") -> tuple[LakeExport, MemorySources,
                                                                                 MemoryLake, list[SyntheticPatient]]:
    clinic = cohort(END, patients)
    sources = MemorySources()
    for patient in clinic:
        add_patient(sources, patient, written)
    lake = MemoryLake()
    clock = date.fromisoformat(written).toordinal()
    epoch = (clock - date(1970, 1, 1).toordinal() + 1) * 86400.0 - 1  # the end of the written day
    export = LakeExport(Feed(sources), sources, sources, lake, Deidentifier(KEY), written, lambda: epoch)
    return export, sources, lake, clinic
