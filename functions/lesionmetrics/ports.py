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


class MetricsStore(Protocol):
    def put_baseline(self, baseline: LesionBaseline) -> None: ...

    def baseline(self, case_id: str, lesion_id: str) -> LesionBaseline | None: ...

    def put_measurement(self, measurement: LesionMeasurement) -> None:
        """Raise Conflict if this photo was measured already (a redelivered event changes nothing)."""
        ...

    def measurements(self, case_id: str, lesion_id: str, limit: int,
                     cursor: str | None) -> tuple[list[LesionMeasurement], str | None]: ...

    def flagged_since(self, case_id: str, since: str) -> list[str]:
        """The lesions of the case with a meaningful change measured after `since` (the worklist)."""
        ...


class Measurer(Protocol):
    """The measuring function (functions/lesionmetrics/handler.py, behind its own layer)."""

    def measure(self, request: dict[str, Any]) -> dict[str, Any]: ...
