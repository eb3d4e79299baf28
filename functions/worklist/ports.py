"""A doctor's worklist: what arrived on their cases since they last reviewed each one.

The review mark is the doctor's own bookkeeping (ids and a time, no clinical content): one item per
doctor and case in `case_reviews`.
"""

from __future__ import annotations

from typing import Protocol

from functions.timeline.ports import TimelineEvent


class ReviewMarks(Protocol):
    def marks_of(self, doctor_id: str) -> dict[str, str]:
        """caseId -> when the doctor last marked it reviewed (ISO, UTC)."""
        ...

    def mark(self, doctor_id: str, case_id: str, at: str) -> None: ...


class RecentEvents(Protocol):
    def after(self, case_id: str, after_key: str, limit: int) -> list[TimelineEvent]: ...
