"""Rating a visit (its patient, once, after it took place), the case's ratings for its doctors, and
the clinic's figures by month."""

from __future__ import annotations

import statistics
import time
from typing import Any, Protocol

from functions.access.service import AccessPolicy
from functions.audit.chain import AuditEvent, Outcome
from functions.feedback.ports import SCORES, Rating, RatingStore
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso, last_months
from functions.shared.errors import Conflict, NotFound
from functions.visits.ports import RoomStatus

MONTHS_SHOWN = 12


class Visits(Protocol):
    def get(self, room_id: str) -> Any: ...

    def for_case(self, case_id: str, limit: int) -> list[Any]: ...


class Audit(Protocol):
    def record(self, event: AuditEvent) -> Any: ...


def visit_not_found() -> NotFound:
    return NotFound("No such visit.", code="visit_not_found")


def rating_view(rating: Rating, *, with_comment: bool) -> dict[str, Any]:
    view: dict[str, Any] = {"roomId": rating.room_id, "caseId": rating.case_id, "callQuality": rating.call_quality,
                            "care": rating.care, "ratedAt": rating.rated_at}
    if with_comment:
        view["comment"] = rating.comment or None
    return view


def _summary(ratings: list[Rating]) -> dict[str, Any]:
    if not ratings:
        return {"n": 0, "callQualityMean": None, "careMean": None}
    return {"n": len(ratings),
            "callQualityMean": round(statistics.fmean(r.call_quality for r in ratings), 2),
            "careMean": round(statistics.fmean(r.care for r in ratings), 2)}


class FeedbackService:
    def __init__(self, ratings: RatingStore, visits: Visits, access: AccessPolicy, audit: Audit,
                 clock: Clock = time.time) -> None:
        self._ratings = ratings
        self._visits = visits
        self._access = access
        self._audit = audit
        self._clock = clock

    def rate(self, patient: Principal, room_id: str, call_quality: int, care: int, comment: str, *,
             request_id: str = "", source_ip: str = "") -> dict[str, Any]:
        """Its patient rates a visit that took place, once. Anyone else: 404 (as for any visit not theirs)."""
        room = self._visits.get(room_id)
        if room is None or room.patient_id != patient.user_id:
            raise visit_not_found()
        if room.status is not RoomStatus.ENDED or not room.duration_seconds:
            raise Conflict("A visit can be rated once it has taken place.", code="visit_not_over")
        rating = Rating(room_id=room_id, case_id=room.case_id, patient_id=patient.user_id, call_quality=call_quality,
                        care=care, comment=comment.strip(), rated_at=iso(self._clock()))
        if not self._ratings.create(rating):
            raise Conflict("You have already rated this visit.", code="already_rated")
        self._audit.record(AuditEvent(
            actor_id=patient.user_id, role=patient.role.value, action="visit.rate", resource_type="visit",
            resource_id=room_id, outcome=Outcome.SUCCESS, patient_id=patient.user_id, case_id=room.case_id,
            request_id=request_id, source_ip=source_ip,
        ))
        return rating_view(rating, with_comment=True)

    def for_case(self, principal: Principal, case_id: str, *, request_id: str = "",
                 source_ip: str = "") -> dict[str, Any]:
        """The case's visit ratings: its patient sees their own, its doctors see them with comments."""
        self._access.require_case(principal, case_id, action="visit.ratings")
        rooms = [room.room_id for room in self._visits.for_case(case_id, 100)]
        patient_id = self._access.owner_of(case_id) or ""
        ratings = self._ratings.for_rooms(rooms, patient_id) if rooms and patient_id else []
        if ratings:
            self._audit.record(AuditEvent(
                actor_id=principal.user_id, role=principal.role.value, action="visit.ratings", resource_type="visit",
                resource_id=case_id, outcome=Outcome.SUCCESS, patient_id=ratings[0].patient_id, case_id=case_id,
                resource_ids=tuple(r.room_id for r in ratings), request_id=request_id, source_ip=source_ip,
            ))
        return {"items": [rating_view(r, with_comment=True) for r in sorted(ratings, key=lambda r: r.rated_at)]}

    def clinic(self) -> dict[str, Any]:
        """The last 12 months of ratings: counts and means, no comment, no patient."""
        months = last_months(self._clock(), MONTHS_SHOWN)
        ratings = self._ratings.in_months(months)
        by_month = {month: [r for r in ratings if r.rated_at.startswith(month)] for month in months}
        return {"months": [{"month": m, **_summary(rs)} for m, rs in by_month.items()], "overall": _summary(ratings),
                "distribution": {dimension: {str(score): sum(1 for r in ratings if getattr(r, attr) == score)
                                             for score in SCORES}
                                 for dimension, attr in (("callQuality", "call_quality"), ("care", "care"))}}
