"""Visit ratings: after a video visit its patient may rate the call and the care (1-5 each) and add a
comment; the comment is the patient's own words, sealed with the field encryption. The clinic sees the
figures (the seed system's "user feedback" loop); only the case's doctors read a comment."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

SCORES = range(1, 6)  # each dimension's scale: 1 (poor) to 5


@dataclass(frozen=True)
class Rating:
    room_id: str
    case_id: str
    patient_id: str
    call_quality: int
    care: int
    comment: str
    rated_at: str


class RatingStore(Protocol):
    def create(self, rating: Rating) -> bool:
        """Write it unless the visit is rated already (False then)."""
        ...

    def for_rooms(self, room_ids: list[str], rater_id: str) -> list[Rating]:
        """The ratings `rater_id` gave these visits."""
        ...

    def in_months(self, months: list[str]) -> list[Rating]:
        """Every rating given in these months (YYYY-MM), comments left sealed (empty)."""
        ...
