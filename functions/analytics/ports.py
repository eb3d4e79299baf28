"""Ports of the analytics capability: where changes come from, where the lake and its state live,
and where the reference tables the API reads are kept."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Change:
    """One change of a case, as the timeline's change index lists it (ids, type and a safe summary)."""

    case_id: str
    change_key: str  # "<written at ISO>#<eventId>": orders changes by when they were written
    type: str  # photo | visit | score | record | ...
    occurred_at: str
    ref_id: str
    summary: dict[str, Any]


@dataclass(frozen=True)
class ChangePage:
    changes: list[Change]
    items_read: int


class ChangeFeed(Protocol):
    def changes(self, day: str, after: str | None, until: str) -> ChangePage:
        """Changes written on `day` (YYYY-MM-DD) with after < change_key <= until, oldest first."""
        ...


@dataclass(frozen=True)
class RecordFacts:
    """A record entry's current version, opened: only what the lake may derive from."""

    entry_id: str
    kind: str
    status: str
    created_at: str
    content: dict[str, Any]


class SourceReader(Protocol):
    """Reads behind changes, in batches: cases' patients, and record entries' current versions."""

    def patients_of(self, case_ids: list[str]) -> dict[str, str]:
        """caseId -> patient id, for the cases that exist."""
        ...

    def records(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], RecordFacts]:
        """(caseId, entryId) -> the entry's current version, opened, for the entries that exist."""
        ...

    @property
    def items_read(self) -> int: ...


@dataclass(frozen=True)
class PersonFacts:
    birth_date: str | None = None  # ISO date
    sex: str | None = None  # "F" | "M" | None


class PersonDirectory(Protocol):
    def person(self, patient_id: str) -> PersonFacts: ...


@dataclass
class ExportState:
    """Where the last run stopped: the last change key per day read, and the last batch written."""

    day: str | None = None
    after: str | None = None
    batch: int = 0


class LakeStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def keys(self, prefix: str) -> list[str]: ...


@dataclass(frozen=True)
class ReferenceCell:
    """One row of a reference table: `analysis` (outcomes | adherence | response), a cell key, figures."""

    analysis: str
    cell: str
    figures: dict[str, Any] = field(default_factory=dict)


class ReferenceStore(Protocol):
    def replace(self, analysis: str, cells: list[ReferenceCell], computed_at: str) -> None:
        """Write the analysis's cells (a nightly run replaces the previous run's)."""
        ...

    def cells(self, analysis: str, prefix: str = "") -> list[ReferenceCell]: ...
