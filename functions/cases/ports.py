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
