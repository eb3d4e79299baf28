"""Ports of the medical record: entries and their versions, and what the record reads elsewhere."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.emr.kinds import EntryKind, EntryStatus, VersionAction
from functions.shared.transact import TransactItem

# Labels of the items a record write stages into its audit transaction.
ENTRY_ITEM = "records.entry"
VERSION_ITEM = "records.version"


@dataclass(frozen=True)
class Links:
    visit_ids: tuple[str, ...] = ()
    photo_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordVersion:
    """One immutable version of an entry. `content` and `reason` are protected (sealed at rest)."""

    case_id: str
    entry_id: str
    patient_id: str
    kind: EntryKind
    version: int
    status: EntryStatus
    action: VersionAction
    content: dict[str, Any]
    links: Links
    author_id: str
    author_role: str
    at: str
    changed_fields: tuple[str, ...] = ()
    reason: str | None = None  # why it was retracted


@dataclass(frozen=True)
class RecordEntry:
    """An entry at its current version, and when and by whom it was created."""

    current: RecordVersion
    created_at: str
    created_by: str

    @property
    def version(self) -> int:
        return self.current.version


@dataclass(frozen=True)
class RecordPage:
    entries: list[RecordEntry]
    cursor: str | None


@dataclass(frozen=True)
class VersionPage:
    versions: list[RecordVersion]
    cursor: str | None


class RecordStore(Protocol):
    def stage_create(self, entry: RecordEntry) -> list[TransactItem]:
        """Items that write a new entry and its version 1 (conditional on the entry not existing)."""
        ...

    def stage_version(self, entry: RecordEntry, expected_version: int) -> list[TransactItem]:
        """Items that add `entry.current` as a new version, if the entry is still at `expected_version`."""
        ...

    def get(self, case_id: str, entry_id: str) -> RecordEntry | None: ...

    def exists(self, case_id: str, entry_id: str) -> bool:
        """Whether the case has the entry (reads keys only: nothing is decrypted)."""
        ...

    def for_case(self, case_id: str, kinds: Collection[EntryKind] | None, include_retracted: bool, limit: int,
                 cursor: str | None) -> RecordPage:
        """A case's entries grouped by kind, newest first within a kind; one Query page."""
        ...

    def history(self, entry_id: str, limit: int, cursor: str | None) -> VersionPage:
        """An entry's versions, newest first."""
        ...


class CaseDirectory(Protocol):
    def patient_of(self, case_id: str) -> str | None:
        """The patient a case belongs to (None if there is no such case)."""
        ...


class VisitDirectory(Protocol):
    def case_of(self, visit_id: str) -> str | None:
        """The case a video visit belongs to (None if there is no such visit)."""
        ...


@dataclass(frozen=True)
class Demographics:
    patient_id: str
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class VisitFacts:
    visit_id: str
    case_id: str
    status: str  # waiting | active | ended
    end_reason: str | None
    requested_at: str
    started_at: str | None
    ended_at: str | None
    participant_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhotoFacts:
    photo_id: str
    case_id: str
    taken_at: str
    body_site: str | None = None
    content_type: str = "image/jpeg"
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ScoreFacts:
    score_id: str
    case_id: str
    at: str
    instrument: str
    value: float | None = None


@dataclass
class ClinicalFacts:
    """What the FHIR export gathers from other capabilities for one case."""

    visits: list[VisitFacts] = field(default_factory=list)
    photos: list[PhotoFacts] = field(default_factory=list)
    scores: list[ScoreFacts] = field(default_factory=list)


class ClinicalSources(Protocol):
    def facts_for_case(self, case_id: str) -> ClinicalFacts:
        """Visits, photos and scores of a case (each source may be empty where not available)."""
        ...

    def demographics(self, patient_id: str) -> Demographics: ...
