"""Lesion measurements as clinical records: a doctor sets a lesion's baseline (a photo of it and the
outline drawn on it); each later photo of the lesion is measured against it by the measuring function
(handler.py, pure compute behind its own layer) and the figures are stored sealed; doctors and the
patient read the series. No OpenCV here: the REST API imports this module."""

from __future__ import annotations

import time
from typing import Any

from functions.access.service import AccessPolicy
from functions.images.ports import PhotoStore, rendition_key
from functions.lesionmetrics.ports import LesionBaseline, LesionMeasurement, Measurer, MetricsStore, Outline
from functions.lesions.ports import LesionStore
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, NotFound, ValidationError


def baseline_view(baseline: LesionBaseline) -> dict[str, Any]:
    return {"photoId": baseline.photo_id, "outline": baseline.outline, "setBy": baseline.set_by,
            "setAt": baseline.set_at}


def measurement_view(measurement: LesionMeasurement) -> dict[str, Any]:
    photo = measurement.figures.get("photo") or {}
    baseline = measurement.figures.get("baseline") or {}
    return {
        "photoId": measurement.photo_id,
        "baselinePhotoId": measurement.baseline_photo_id,
        "measuredAt": measurement.measured_at,
        "aligned": measurement.aligned,
        "flagged": measurement.flagged,
        "alignment": {"method": photo.get("method"), "reason": photo.get("reason"),
                      "homography": photo.get("homography")},
        "areaMm2": photo.get("areaMm2"),
        "erythemaIndex": photo.get("erythemaIndex"),
        "erythemaContrast": photo.get("erythemaContrast"),
        "needsReview": photo.get("needsReview"),
        "outline": photo.get("outline"),
        "change": measurement.figures.get("change"),
        # The baseline as measured with this photo (the screens show it as the series' first row).
        "baseline": {"areaMm2": baseline.get("areaMm2"), "erythemaIndex": baseline.get("erythemaIndex")},
    }


class LesionMetricsService:
    def __init__(self, store: MetricsStore, access: AccessPolicy, lesions: LesionStore, photos: PhotoStore,
                 bucket: str, measurer: Measurer | None = None, clock: Clock = time.time) -> None:
        self._store = store
        self._access = access
        self._lesions = lesions
        self._photos = photos
        self._bucket = bucket
        self._measurer = measurer
        self._clock = clock

    def _require_lesion(self, case_id: str, lesion_id: str) -> None:
        if self._lesions.get(case_id, lesion_id) is None:
            raise NotFound("No such lesion on this case.", code="lesion_not_found")

    def set_baseline(self, principal: Principal, case_id: str, lesion_id: str, photo_id: str,
                     outline: Outline) -> dict[str, Any]:
        """The doctor's outline on a photo of the lesion becomes what later photos are measured against.
        The route lets doctors only; the schema checked the outline's shape (3-400 points, x and y >= 0)."""
        self._access.require_case(principal, case_id, action="lesion.baseline")
        self._require_lesion(case_id, lesion_id)
        photo = self._photos.get(case_id, photo_id)
        if photo is None or photo.lesion_id != lesion_id:
            raise NotFound("No such photo of this lesion.", code="photo_not_found")
        if any(x > photo.width or y > photo.height for x, y in outline):
            raise ValidationError("The outline reaches outside the photo.", code="outline_outside_photo")
        baseline = LesionBaseline(case_id, lesion_id, photo_id, [[float(x), float(y)] for x, y in outline],
                                  principal.user_id, iso(self._clock(), "milliseconds"))
        self._store.put_baseline(baseline)
        return baseline_view(baseline)

    def series(self, principal: Principal, case_id: str, lesion_id: str, limit: int,
               cursor: str | None) -> dict[str, Any]:
        """The lesion's baseline and its measurements, oldest photo first (chart order)."""
        self._access.require_case(principal, case_id, action="lesion.measurements")
        self._require_lesion(case_id, lesion_id)
        baseline = self._store.baseline(case_id, lesion_id)
        items, next_cursor = self._store.measurements(case_id, lesion_id, limit, cursor)
        return {"baseline": baseline_view(baseline) if baseline else None,
                "items": [measurement_view(item) for item in items], "nextCursor": next_cursor}

    def measure_photo(self, case_id: str, photo_id: str) -> str:
        """The pipeline's step after a photo is accepted; returns the outcome (for logs and tests)."""
        photo = self._photos.get(case_id, photo_id)
        if photo is None or photo.lesion_id is None:
            return "ignored:no_lesion"
        baseline = self._store.baseline(case_id, photo.lesion_id)
        if baseline is None:
            return "ignored:no_baseline"
        if baseline.photo_id == photo_id:
            return "ignored:baseline"
        if self._measurer is None:
            return "ignored:no_measurer"
        answer = self._measurer.measure({
            "bucket": self._bucket,
            "baseline": {"key": rendition_key(case_id, baseline.photo_id, "full"), "outline": baseline.outline},
            "photo": {"key": rendition_key(case_id, photo_id, "full")},
        })
        if not answer.get("ok"):
            return f"failed:{(answer.get('error') or {}).get('code', 'unknown')}"
        figures = {key: answer[key] for key in ("baseline", "photo", "change")}
        change = figures.get("change") or {}
        measurement = LesionMeasurement(case_id, photo.lesion_id, photo_id, baseline.photo_id,
                                        iso(self._clock(), "milliseconds"), bool(figures["photo"]["aligned"]),
                                        bool(change.get("meaningful")), figures)
        try:
            self._store.put_measurement(measurement)
        except Conflict:
            return "ignored:measured_already"
        return "measured" if measurement.aligned else "not_aligned"
