"""Stored lesion measurements: a lesion's baseline (the photo and the doctor's outline on it) and one
measurement per later photo of the lesion. No OpenCV here: the REST API imports this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

Outline = list[list[float]]  # [[x, y], ...] in the baseline photo's full-resolution px


@dataclass(frozen=True)
class LesionBaseline:
    case_id: str
    lesion_id: str
    photo_id: str
    outline: Outline  # sealed
    set_by: str
    set_at: str


class OutlineSource:
    """Where a follow-up's measured outline came from."""

    PROPOSED = "proposed"  # the measuring step's proposal, seeded from the last accepted outline
    CONFIRMED = "confirmed"  # a doctor looked at the proposal and kept it
    CORRECTED = "corrected"  # a doctor drew it over; the figures are of the doctor's outline


@dataclass(frozen=True)
class LesionMeasurement:
    case_id: str
    lesion_id: str
    photo_id: str
    baseline_photo_id: str
    measured_at: str
    aligned: bool
    flagged: bool  # a meaningful change: what the worklist shows (plain, like a score's flags)
    figures: dict[str, Any] = field(default_factory=dict)  # sealed: area, redness, change, outline
    # Which baseline it was measured against (its set time: a baseline redrawn on the same photo is
    # another baseline), and whose outline the figures are of. Readable, like `setBy` of a baseline.
    baseline_set_at: str = ""
    outline_source: str = OutlineSource.PROPOSED
    outline_by: str | None = None
    outline_at: str | None = None


@dataclass(frozen=True)
class AcceptedOutline:
    """A doctor's confirmed or corrected outline of a follow-up photo, in the baseline photo's px (the
    frame every outline of the lesion is kept in); it holds for the baseline it was drawn against."""

    case_id: str
    lesion_id: str
    photo_id: str
    baseline_set_at: str
    outline: Outline  # sealed
    source: str  # OutlineSource.CONFIRMED or CORRECTED
    by: str
    at: str


class MetricsStore(Protocol):
    def put_baseline(self, baseline: LesionBaseline) -> None: ...

    def baseline(self, case_id: str, lesion_id: str) -> LesionBaseline | None: ...

    def put_measurement(self, measurement: LesionMeasurement) -> None:
        """Write (or replace: a new baseline, a doctor's outline) the photo's measurement."""
        ...

    def measurement(self, case_id: str, lesion_id: str, photo_id: str) -> LesionMeasurement | None: ...

    def put_outline(self, outline: AcceptedOutline) -> None: ...

    def outlines(self, case_id: str, lesion_id: str) -> list[AcceptedOutline]:
        """The lesion's accepted follow-up outlines (any baseline), oldest photo first."""
        ...

    def measurements(self, case_id: str, lesion_id: str, limit: int,
                     cursor: str | None) -> tuple[list[LesionMeasurement], str | None]: ...

    def flagged_since(self, case_id: str, since: str) -> list[str]:
        """The lesions of the case with a meaningful change measured after `since` (the worklist)."""
        ...


class Measurer(Protocol):
    """The measuring function (functions/lesionmetrics/handler.py, behind its own layer)."""

    def measure(self, request: dict[str, Any]) -> dict[str, Any]: ...


class SeriesMeasuring(Protocol):
    """Measures a lesion's photos against its (new) baseline later, off the caller's request: a
    baseline set on a lesion with many photos must not hold the doctor's request for their measuring.
    It calls `LesionMetricsService.measure_lesion` (locally a worker thread of the stack; in AWS the
    measuring trigger's function, invoked asynchronously)."""

    def measure_lesion(self, case_id: str, lesion_id: str) -> None: ...
