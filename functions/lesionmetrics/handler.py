"""The measuring function's entry: pure compute, photo in, figures and proposed outline out.

It runs with the lesion-measurement layer alone (layers/README.md: OpenCV + numpy leave no room for
the shared layer), so it imports nothing of functions/ but this package, and boto3 (which the Lambda
runtime provides) only inside `lambda_handler`. It stores nothing: the caller, which has the shared
layer, seals the figures and the outline and writes them with their audit entry.

Event (JSON, from the photo pipeline):

    {"bucket": "...", "baseline": {"key": "cases/<c>/photos/<p>/full", "outline": [[x, y], ...]},
     "photo": {"key": "cases/<c>/photos/<q>/full", "outline": [[x, y], ...] (optional)},
     "previousOutline": [[x, y], ...] | null}

Outlines are polygons in the baseline photo's full-resolution pixels: the doctor's on the baseline,
the last accepted one as the seed of the next proposal, and `photo.outline`, a doctor's accepted
outline of this very photo: then no outline is proposed, the figures are of that one. The answer
holds no identifiers beyond what the caller sent and no pixels: figures, flags and the proposed
outline (`measurement_view`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from functions.lesionmetrics.measure import Baseline, Measurement, change, measure_baseline, measure_followup
from functions.lesionmetrics.outline import polygon_mask

MAX_OUTLINE_POINTS = 400
MIN_OUTLINE_POINTS = 3

ReadObject = Callable[[str, str], bytes]  # (bucket, key) -> bytes

# A lesion's photos are measured one after another against the same baseline (the pipeline, a new
# baseline's series): its decoding, card, SIFT features and outline (about half of a request's work)
# are kept for the next request in this container. A rendition is written once under its photo id,
# so (bucket, key, outline) names one baseline. A few entries: a container serves a few lesions at a time.
BASELINE_CACHE_SIZE = 4
_baselines: OrderedDict[tuple[str, str, tuple[tuple[float, float], ...]], Baseline] = OrderedDict()
_baselines_lock = threading.Lock()


class MeasureError(ValueError):
    """The request cannot be measured: `code` says why (stable, for the caller's answer)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _polygon(value: Any, name: str) -> npt.NDArray[Any]:
    try:
        points = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise MeasureError("invalid_outline", f"{name} must be a list of [x, y] points.") from None
    if points.ndim != 2 or points.shape[1] != 2 or not MIN_OUTLINE_POINTS <= len(points) <= MAX_OUTLINE_POINTS \
            or not np.isfinite(points).all():
        raise MeasureError("invalid_outline", f"{name} must have {MIN_OUTLINE_POINTS} to {MAX_OUTLINE_POINTS} "
                                              "finite [x, y] points.")
    return points


def _decode(data: bytes) -> npt.NDArray[Any]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise MeasureError("unreadable_photo", "The photo could not be decoded.")
    return image


def outline_of(baseline: Baseline, measurement: Measurement) -> list[list[float]] | None:
    """The measured outline as a polygon in baseline full-resolution px (the largest contour)."""
    if measurement.mask is None or not measurement.mask.any():
        return None
    contours, _ = cv2.findContours(measurement.mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=cv2.contourArea)
    simplified = cv2.approxPolyDP(contour, 0.5, True).reshape(-1, 2).astype(np.float64)
    if len(simplified) > MAX_OUTLINE_POINTS:
        simplified = simplified[np.linspace(0, len(simplified) - 1, MAX_OUTLINE_POINTS).astype(int)]
    points = simplified / baseline.roi_scale + [baseline.roi[0], baseline.roi[1]]
    return [[round(float(x), 1), round(float(y), 1)] for x, y in points]


def measurement_view(baseline: Baseline, measurement: Measurement) -> dict[str, Any]:
    def number(value: float | None, digits: int) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "aligned": measurement.aligned,
        "method": measurement.method,
        "similarity": round(float(measurement.similarity), 3),
        "reason": measurement.reason,
        "areaPx": number(measurement.area_px, 1),
        "areaMm2": number(measurement.area_mm2, 2),
        "erythemaIndex": number(measurement.ei, 2),
        "erythemaContrast": number(measurement.ei_contrast, 2),
        "needsReview": measurement.needs_review,
        "outline": outline_of(baseline, measurement) if measurement.aligned else None,
        # Follow-up full-resolution px -> baseline full-resolution px: the screens lay the follow-up
        # over the baseline with it (swipe and blink); none when alignment failed.
        "homography": None if not measurement.aligned or measurement.homography is None
        else [[round(float(v), 8) for v in row] for row in measurement.homography],
    }


def _baseline(bucket: str, key: str, drawn: npt.NDArray[Any], read: ReadObject) -> Baseline:
    name = (bucket, key, tuple((float(x), float(y)) for x, y in drawn))
    with _baselines_lock:
        found = _baselines.get(name)
        if found is not None:
            _baselines.move_to_end(name)
            return found
    baseline = measure_baseline(_decode(read(bucket, key)), drawn)
    with _baselines_lock:
        _baselines[name] = baseline
        while len(_baselines) > BASELINE_CACHE_SIZE:
            _baselines.popitem(last=False)
    return baseline


def measure_request(event: dict[str, Any], read: ReadObject) -> dict[str, Any]:
    """Measure `event["photo"]` against `event["baseline"]`; raises MeasureError on a bad request."""
    try:
        bucket = str(event["bucket"])
        baseline_key = str(event["baseline"]["key"])
        photo_key = str(event["photo"]["key"])
        drawn = _polygon(event["baseline"]["outline"], "baseline.outline")
    except (KeyError, TypeError):
        raise MeasureError("invalid_request", "bucket, baseline.key, baseline.outline and photo.key are "
                                              "required.") from None
    baseline = _baseline(bucket, baseline_key, drawn, read)
    def mask_of(value: Any, name: str) -> npt.NDArray[Any]:
        pts = (_polygon(value, name) - [baseline.roi[0], baseline.roi[1]]) * baseline.roi_scale
        return polygon_mask(pts, baseline.mask.shape[:2])

    accepted = event["photo"].get("outline") if isinstance(event["photo"], dict) else None
    previous = event.get("previousOutline")
    if accepted is not None:
        followup = measure_followup(baseline, _decode(read(bucket, photo_key)), mask_of(accepted, "photo.outline"),
                                    accept=True)
    else:
        seed = None if previous is None else mask_of(previous, "previousOutline")
        followup = measure_followup(baseline, _decode(read(bucket, photo_key)), seed)
    moved = change(baseline.measurement, followup)
    return {
        "baseline": measurement_view(baseline, baseline.measurement),
        "photo": measurement_view(baseline, followup),
        "change": None if moved is None else {
            "areaPct": moved.area_pct, "erythemaChange": moved.ei_change, "erythemaBasis": moved.ei_basis,
            "areaChanged": moved.area_changed, "rednessChanged": moved.redness_changed,
            "meaningful": moved.meaningful, "reasons": list(moved.reasons),
        },
    }


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    import boto3  # the runtime's: this function carries no dependency layer but its own

    s3 = boto3.client("s3")

    def read(bucket: str, key: str) -> bytes:
        body: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    try:
        return {"ok": True, **measure_request(event, read)}
    except MeasureError as error:
        return {"ok": False, "error": {"code": error.code, "message": str(error)}}
