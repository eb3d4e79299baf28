"""Recorded scores: one item per measurement, ordered per instrument by time (the trend series)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from functions.audit.chain import AuditEvent
from functions.shared.transact import TransactItem


@dataclass(frozen=True)
class ScoreRecord:
    case_id: str
    score_id: str
    instrument: str
    recorded_at: str  # ISO-8601 UTC with milliseconds: orders the series
    recorded_by: str
    recorder_role: str  # patient | doctor
    on_behalf_of_patient: bool  # a patient-reported outcome entered by a doctor
    visit_id: str | None
    total: float
    band: str | None
    components: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    previous_score_id: str | None = None
    previous_total: float | None = None
    delta: float | None = None
    baseline_total: float | None = None
    improvement_percent: float | None = None
    flags: list[dict[str, str]] = field(default_factory=list)

    @property
    def score_key(self) -> str:
        return f"{self.instrument}#{self.recorded_at}#{self.score_id}"


class ScoreStore(Protocol):
    def put(self, record: ScoreRecord) -> None: ...

    def stage_put(self, record: ScoreRecord) -> TransactItem:
        """The new score's item (answers sealed), for the transaction of its audit entry."""
        ...

    def latest(self, case_id: str, instrument: str) -> ScoreRecord | None:
        """The newest score of the instrument on the case (one item read)."""
        ...

    def first(self, case_id: str, instrument: str) -> ScoreRecord | None:
        """The baseline: the oldest score of the instrument on the case (one item read)."""
        ...

    def series(self, case_id: str, instrument: str | None, limit: int, cursor: str | None,
               newest_first: bool) -> tuple[list[ScoreRecord], str | None]: ...


class VisitLookup(Protocol):
    """Where a score's visitId is checked (the visits capability's room store)."""

    def get(self, room_id: str) -> Any: ...


class Audit(Protocol):
    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> Any: ...
