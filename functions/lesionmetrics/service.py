"""Lesion measurements as clinical records: a doctor sets a lesion's baseline (a photo of it and the
outline drawn on it); every other photo of the lesion is measured against it by the measuring function
(handler.py, pure compute behind its own layer) and the figures are stored sealed; doctors and the
patient read the series.

- Photos sent before the baseline was set are measured once it is, and a new baseline re-measures the
  series (`measure_lesion`, run off the doctor's request by `SeriesMeasuring`).
- A doctor confirms or corrects a follow-up's proposed outline (on the follow-up photo itself); a
  corrected photo is measured again from the doctor's outline, and each photo's proposal is seeded
  from the last accepted outline before it (the baseline's when there is none).

No OpenCV here: the REST API imports this module."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from functions.access.service import AccessPolicy
from functions.images.ports import Photo, PhotoStore, rendition_key
from functions.lesionmetrics.ports import (
    AcceptedOutline,
    LesionBaseline,
    LesionMeasurement,
    Measurer,
    MetricsStore,
    Outline,
    OutlineSource,
    SeriesMeasuring,
)
from functions.lesions.ports import LesionStore
from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict, NotFound, ValidationError

Matrix = list[list[float]]

# px in the photo's own frame: an outline sent back within this of the proposal is the proposal kept.
CONFIRM_TOLERANCE_PX = 1.0


def _inverse(m: Matrix) -> Matrix | None:
    """The inverse of a 3x3 matrix (plain Python: no numpy on the REST path); None when singular."""
    (a, b, c), (d, e, f), (g, h, i) = m
    det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g)
    if abs(det) < 1e-12:
        return None
    return [[(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
            [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
            [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det]]


def map_outline(m: Matrix, points: Outline) -> Outline | None:
    """Points through a homography; None when one falls at infinity."""
    out = []
    for x, y in points:
        w = m[2][0] * x + m[2][1] * y + m[2][2]
        if abs(w) < 1e-12:
            return None
        out.append([round((m[0][0] * x + m[0][1] * y + m[0][2]) / w, 1),
                    round((m[1][0] * x + m[1][1] * y + m[1][2]) / w, 1)])
    return out


def photo_outline(measurement: LesionMeasurement) -> Outline | None:
    """The measured outline in the follow-up photo's own px (what the doctor sees and corrects)."""
    photo = measurement.figures.get("photo") or {}
    homography, outline = photo.get("homography"), photo.get("outline")
    if not measurement.aligned or homography is None or outline is None:
        return None
    inverse = _inverse(homography)
    return None if inverse is None else map_outline(inverse, outline)


def baseline_view(baseline: LesionBaseline) -> dict[str, Any]:
    return {"photoId": baseline.photo_id, "outline": baseline.outline, "setBy": baseline.set_by,
            "setAt": baseline.set_at}


def remeasuring(measurement: LesionMeasurement, accepted: AcceptedOutline | None) -> bool:
    """A doctor's correction newer than the figures: the photo waits to be measured again from it."""
    return accepted is not None and accepted.baseline_set_at == measurement.baseline_set_at \
        and accepted.source == OutlineSource.CORRECTED and (measurement.outline_at or "") < accepted.at


def measurement_view(measurement: LesionMeasurement, accepted: AcceptedOutline | None = None) -> dict[str, Any]:
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
        "photoOutline": photo_outline(measurement),
        "outlineSource": measurement.outline_source,
        "outlineAt": measurement.outline_at,
        "remeasuring": remeasuring(measurement, accepted),
        "baselineSetAt": measurement.baseline_set_at or None,
        "change": measurement.figures.get("change"),
        # The baseline as measured with this photo (the screens show it as the series' first row).
        "baseline": {"areaMm2": baseline.get("areaMm2"), "erythemaIndex": baseline.get("erythemaIndex")},
    }


class LesionMetricsService:
    def __init__(self, store: MetricsStore, access: AccessPolicy, lesions: LesionStore, photos: PhotoStore,
                 bucket: str, measurer: Measurer | None = None, clock: Clock = time.time,
                 series_measuring: SeriesMeasuring | None = None) -> None:
        self._series_measuring = series_measuring
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
        # The lesion's other photos (sent before or after) are measured against it, off this request.
        if self._series_measuring is not None:
            self._series_measuring.measure_lesion(case_id, lesion_id)
        return baseline_view(baseline)

    def series(self, principal: Principal, case_id: str, lesion_id: str, limit: int,
               cursor: str | None) -> dict[str, Any]:
        """The lesion's baseline and its measurements, oldest photo first (chart order)."""
        self._access.require_case(principal, case_id, action="lesion.measurements")
        self._require_lesion(case_id, lesion_id)
        baseline = self._store.baseline(case_id, lesion_id)
        items, next_cursor = self._store.measurements(case_id, lesion_id, limit, cursor)
        accepted = {o.photo_id: o for o in self._store.outlines(case_id, lesion_id)} if items else {}
        return {"baseline": baseline_view(baseline) if baseline else None,
                "items": [measurement_view(item, accepted.get(item.photo_id)) for item in items],
                "nextCursor": next_cursor}

    def accept_outline(self, principal: Principal, case_id: str, lesion_id: str, photo_id: str,
                       outline: Outline) -> dict[str, Any]:
        """A doctor's outline of a measured follow-up, in that photo's own px: the proposal sent back
        unchanged confirms it; any other outline corrects it, and the photo is measured again from it.
        The route lets doctors only; the schema checked the outline's shape."""
        self._access.require_case(principal, case_id, action="lesion.outline")
        self._require_lesion(case_id, lesion_id)
        photo = self._photos.get(case_id, photo_id)
        if photo is None or photo.lesion_id != lesion_id:
            raise NotFound("No such photo of this lesion.", code="photo_not_found")
        baseline = self._store.baseline(case_id, lesion_id)
        if baseline is None:
            raise Conflict("The lesion has no baseline outline yet.", code="no_baseline")
        if baseline.photo_id == photo_id:
            raise Conflict("This photo is the baseline: outline it as the baseline.", code="outline_is_baseline")
        current = self._store.measurement(case_id, lesion_id, photo_id)
        if current is None or current.baseline_set_at != baseline.set_at:
            raise Conflict("The photo has not been measured against the baseline yet.", code="not_measured_yet")
        homography = (current.figures.get("photo") or {}).get("homography")
        if not current.aligned or homography is None:
            raise Conflict("The photo could not be aligned to the baseline.", code="photo_not_aligned")
        if any(x > photo.width or y > photo.height for x, y in outline):
            raise ValidationError("The outline reaches outside the photo.", code="outline_outside_photo")
        in_baseline = map_outline(homography, [[float(x), float(y)] for x, y in outline])
        if in_baseline is None:
            raise ValidationError("The outline cannot be placed on the baseline.", code="outline_outside_photo")
        proposal = photo_outline(current) or []
        kept = len(proposal) == len(outline) and all(
            abs(px - x) <= CONFIRM_TOLERANCE_PX and abs(py - y) <= CONFIRM_TOLERANCE_PX
            for (px, py), (x, y) in zip(proposal, outline, strict=True))
        source = OutlineSource.CONFIRMED if kept else OutlineSource.CORRECTED
        now = iso(self._clock(), "milliseconds")
        # Confirmed: the measured outline is kept as measured (baseline px, before rounding to the photo's).
        measured: Outline | None = (current.figures.get("photo") or {}).get("outline")
        stored_outline = measured if kept and measured is not None else in_baseline
        accepted = AcceptedOutline(case_id, lesion_id, photo_id, baseline.set_at, stored_outline, source,
                                   principal.user_id, now)
        self._store.put_outline(accepted)
        if kept:
            current = replace(current, outline_source=source, outline_by=principal.user_id, outline_at=now)
            self._store.put_measurement(current)
        else:
            self._measure(case_id, lesion_id, photo, baseline)
            current = self._store.measurement(case_id, lesion_id, photo_id) or current
        # Without a measurer here (the measuring function not deployed), the correction is kept and
        # `remeasuring` says the figures wait for it.
        return measurement_view(current, accepted)

    def measure_lesion(self, case_id: str, lesion_id: str) -> str:
        """Measure every photo of the lesion that has no measurement against its current baseline (photos
        sent before it was set; all of them after a new baseline), oldest first so each proposal is
        seeded from the accepted outlines before it. Returns the outcomes counted (for logs and tests)."""
        baseline = self._store.baseline(case_id, lesion_id)
        if baseline is None:
            return "ignored:no_baseline"
        photos: list[Photo] = []
        cursor: str | None = None
        while True:
            page, cursor = self._photos.for_case(case_id, 100, cursor, lesion_id=lesion_id)
            photos.extend(page)
            if cursor is None:
                break
        counts: dict[str, int] = {}
        for photo in sorted(photos, key=lambda p: p.photo_id):
            if photo.photo_id == baseline.photo_id:
                continue
            outcome = self._measure(case_id, lesion_id, photo, baseline)
            counts[outcome] = counts.get(outcome, 0) + 1
        return ",".join(f"{name}={count}" for name, count in sorted(counts.items())) or "ignored:no_photos"

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
        return self._measure(case_id, photo.lesion_id, photo, baseline)

    def _measure(self, case_id: str, lesion_id: str, photo: Photo, baseline: LesionBaseline) -> str:
        """Measure one photo against the baseline unless its measurement is current: against this
        baseline, and of the photo's accepted outline when a doctor corrected it since."""
        accepted = [o for o in self._store.outlines(case_id, lesion_id) if o.baseline_set_at == baseline.set_at]
        own = next((o for o in accepted if o.photo_id == photo.photo_id), None)
        current = self._store.measurement(case_id, lesion_id, photo.photo_id)
        if current is not None and current.baseline_set_at == baseline.set_at \
                and (own is None or (current.outline_at or "") >= own.at):
            return "ignored:measured_already"  # also a redelivered event
        if self._measurer is None:
            return "ignored:no_measurer"
        # The seed: the last accepted outline of a photo before this one (photo ids start with the
        # capture time), else the baseline's (the measuring function's default).
        earlier = [o for o in accepted if o.photo_id < photo.photo_id]
        seed = max(earlier, key=lambda o: o.photo_id).outline if earlier else None
        request: dict[str, Any] = {
            "bucket": self._bucket,
            "baseline": {"key": rendition_key(case_id, baseline.photo_id, "full"), "outline": baseline.outline},
            "photo": {"key": rendition_key(case_id, photo.photo_id, "full")},
            "previousOutline": seed,
        }
        if own is not None:
            request["photo"]["outline"] = own.outline  # measured as the doctor accepted it, no proposal
        answer = self._measurer.measure(request)
        if not answer.get("ok"):
            return f"failed:{(answer.get('error') or {}).get('code', 'unknown')}"
        figures = {key: answer[key] for key in ("baseline", "photo", "change")}
        change = figures.get("change") or {}
        measurement = LesionMeasurement(
            case_id, lesion_id, photo.photo_id, baseline.photo_id, iso(self._clock(), "milliseconds"),
            bool(figures["photo"]["aligned"]), bool(change.get("meaningful")), figures, baseline.set_at,
            own.source if own else OutlineSource.PROPOSED, own.by if own else None, own.at if own else None)
        self._store.put_measurement(measurement)
        return "measured" if measurement.aligned else "not_aligned"
