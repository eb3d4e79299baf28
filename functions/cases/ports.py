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
