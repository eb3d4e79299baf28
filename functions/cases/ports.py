from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class CaseRecord:
    case_id: str
    patient_id: str
    condition: str
    status: str
    opened_at: str
    updated_at: str
    body_sites: list[str] = field(default_factory=list)
    follow_up_plan: str | None = None


class CaseStore(Protocol):
    def get(self, case_id: str) -> CaseRecord | None: ...

    def get_many(self, case_ids: list[str]) -> list[CaseRecord]: ...

    def create(self, record: CaseRecord) -> None:
        """Raise Conflict if the id is taken."""
        ...

    def set_status(self, case_id: str, status: str, updated_at: str) -> None:
        """Raise NotFound if there is no such case."""
        ...

    def status_of(self, case_id: str) -> str | None: ...


class OpenCases(Protocol):
    """What the capabilities that add to a case ask before they write: uploads, visits, scores."""

    def require_open(self, case_id: str) -> None:
        """Raise Conflict `case_closed` when the case was closed."""
        ...


class InvitationNotices(Protocol):
    """Tells an invited colleague: an in-app notice and, when they are online, a live `notice.new`
    frame on every socket they have open (their home page's "Asked to consult" reloads)."""

    def invited(self, doctor_id: str, case_id: str, notice_id: str, created_at: str) -> None: ...

    def answered(self, doctor_id: str, notice_id: str, at: str) -> None:
        """The invitation was answered: its notice is read."""
        ...


class ConsultQuestions(Protocol):
    """The consult question of an invitation, sealed for its case and colleague (clinical free text)."""

    def seal(self, case_id: str, doctor_id: str, question: str) -> bytes: ...

    def open(self, case_id: str, doctor_id: str, sealed: bytes) -> str: ...
