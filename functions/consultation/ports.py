"""Consultation rounds: several doctors of a case read the same material independently (blinded),
then the lead doctor records the consensus. What the service stores and what it reads elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal, Protocol

from functions.audit.chain import AuditEvent
from functions.shared.auth import Principal
from functions.shared.request_context import RequestSource
from functions.shared.transact import TransactItem

# Labels of the items a round's writes stage into their audit transaction.
ROUND_ITEM = "consultation.round"
READ_ITEM = "consultation.read"


class RoundStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# Why a doctor may not see a round's reads now: a reader must read first; anyone else waits until
# every reader has read (the lead) or the round is closed.
HiddenReason = Literal["read_first", "reads_hidden"]


@dataclass(frozen=True)
class Read:
    """One reader's independent read. `treatment` and `comment` are free text (sealed at rest)."""

    round_id: str
    reader_id: str
    code: str  # ICD-10-CM, as the record's diagnosis
    label: str  # the code set's label, stored with the code (as the record does)
    iga: int  # 0-4
    pasi: float | None
    treatment: str
    confidence: int  # 1-5
    comment: str
    submitted_at: str


@dataclass(frozen=True)
class Consensus:
    code: str
    label: str
    iga: int | None
    plan: str  # free text (sealed)
    closed_by: str
    closed_at: str
    record_entry_id: str


@dataclass(frozen=True)
class ReadFacts:
    """A read as the agreement figures need it: who, which code, which grade (no free text)."""

    reader_id: str
    code: str
    iga: int


@dataclass(frozen=True)
class Round:
    case_id: str
    round_id: str
    patient_id: str
    lead_id: str
    question: str  # free text (sealed)
    photo_ids: tuple[str, ...]
    score_ids: tuple[str, ...]
    reader_ids: tuple[str, ...]
    status: RoundStatus
    opened_at: str
    reads_in: tuple[str, ...] = ()  # who has read so far (ids only)
    consensus: Consensus | None = None
    # At closing, each read's code and grade, so the clinic's figures read rounds only.
    read_facts: tuple[ReadFacts, ...] = ()


@dataclass(frozen=True)
class RoundPage:
    rounds: list[Round]
    cursor: str | None


class RoundStore(Protocol):
    def stage_create(self, round_: Round) -> list[TransactItem]:
        """Items that write a new round (committed with its audit entry)."""
        ...

    def get(self, case_id: str, round_id: str) -> Round | None: ...

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> RoundPage:
        """A case's rounds, newest first."""
        ...

    def stage_read(self, round_: Round, read: Read) -> list[TransactItem]:
        """Items that store the read and mark its reader as read on the round, only while the round is
        open and the reader has not read yet (labels READ_ITEM, ROUND_ITEM)."""
        ...

    def reads(self, round_id: str) -> list[Read]: ...

    def stage_close(self, round_: Round, consensus: Consensus, facts: tuple[ReadFacts, ...]) -> list[TransactItem]:
        """Items that close the round with its consensus, only while it is open (label ROUND_ITEM)."""
        ...

    def closed_in_months(self, months: list[str]) -> list[Round]:
        """Every round closed in these months (YYYY-MM), free text left sealed (empty)."""
        ...

    def awaiting(self, case_id: str, reader_id: str) -> list[Round]:
        """The case's open rounds that name `reader_id` as a reader who has not read yet, newest first
        (only those rounds' question is opened)."""
        ...


class Audit(Protocol):
    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> Any:
        """Append an audit entry, committing `staged` in the same transaction (StagedWriteRejected if
        one of their conditions failed: nothing was written)."""
        ...


class CaseMaterial(Protocol):
    """The case's own photos and scores, to check what a round asks its readers to judge."""

    def existing_photos(self, case_id: str, photo_ids: tuple[str, ...]) -> set[str]: ...

    def existing_scores(self, case_id: str, score_ids: tuple[str, ...]) -> set[str]: ...


class DiagnosisWriter(Protocol):
    """The medical record's create path: the consensus becomes a diagnosis entry."""

    def create(self, doctor: Principal, case_id: str, kind: str, content: dict[str, Any],
               links: dict[str, Any] | None, source: RequestSource) -> dict[str, Any]: ...
