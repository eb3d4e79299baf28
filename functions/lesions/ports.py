"""Lesions on the body map: a lesion keeps its id across visits, so photos and scores of the same
spot can be followed over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from functions.audit.chain import AuditEvent
from functions.shared.transact import TransactItem


@dataclass(frozen=True)
class Lesion:
    case_id: str
    lesion_id: str
    body_site: str
    view: str  # "front" | "back": the figure the position refers to
    x: float  # 0..1 from the figure's left edge (the viewer's left)
    y: float  # 0..1 from the figure's top
    label: str
    created_at: str
    created_by: str


class LesionStore(Protocol):
    def get(self, case_id: str, lesion_id: str) -> Lesion | None: ...

    def for_case(self, case_id: str, limit: int, cursor: str | None) -> tuple[list[Lesion], str | None]:
        """The case's lesions in id order, one Query page at a time."""
        ...

    def stage_create(self, lesion: Lesion) -> TransactItem:
        """The new lesion's item (label sealed), for the transaction of its audit entry; its
        condition fails if the id is taken."""
        ...


class Audit(Protocol):
    def record(self, event: AuditEvent, staged: Sequence[TransactItem] = ()) -> Any: ...
