"""Area, redness and their change from baseline, for one lesion across its photos.

Everything is measured in the baseline photo's frame: each follow-up is registered to the baseline
(registration.py), and only the lesion's neighbourhood (`ROI_FACTOR` x its extent, at most `ROI_EDGE`
px a side) is warped, so the cost does not grow with the photo's resolution.

- Relative area: the outline's pixel count in the baseline frame, follow-up over baseline. Both outlines
  come from the same proposal procedure, so its small systematic edge bias cancels in the ratio.
- Area in mm^2 (a card in that photo): the pixel area times the local area scale of
  baseline px -> follow-up px -> card mm at the lesion's centroid (the lesion lies in the card's plane;
  perspective varies by far less than 1% across a lesion).
- Redness: Dawson's erythema index of the mean linear colour of the lesion's core (the outline eroded
  by `CORE_FRACTION` of its radius: edge pixels mix in skin), after the card's colour correction
  (`ei`); and, on every photo, the index of the core minus that of the skin ring around the lesion
  (`ei_contrast`), which needs no card because a per-channel gain cancels in the difference.
- Change: area in % of baseline; redness in index units, calibrated when both photos carry a reliable
  card, else by contrast. `AREA_DETECT_PCT` and `REDNESS_REPEATABILITY_EI` are the repeatability the
  benchmark measures on unchanged lesions (bench/lesion_metrics.py); a change is meaningful for the
  worklist at `AREA_FLAG_PCT` of area or a redness change beyond the repeatability.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import numpy.typing as npt

from functions.lesionmetrics.card import (
    CardReading,
    FloatArray,
    Image,
    detect_card,
    erythema_index,
    jacobian_det,
    linearize,
    map_points,
)
from functions.lesionmetrics.outline import Mask, Proposal, polygon_mask, propose
from functions.lesionmetrics.registration import Alignment, RegistrationView, register_photo, registration_view

ROI_FACTOR = 2.4  # neighbourhood side / the outline's larger extent
ROI_EDGE = 384  # px: the neighbourhood is measured at most this large
CORE_FRACTION = 0.15
SKIN_GAP_FRACTION = 0.35  # the skin ring for the contrast starts this far outside the outline...
SKIN_RING_FRACTION = 0.25  # ...and is this wide (fractions of the equivalent radius)

AREA_DETECT_PCT = 5.0  # beyond repeatability: the bench's 80 unchanged pairs all stayed under it (0% false alarms)
AREA_FLAG_PCT = 20.0  # a meaningful change for the worklist
REDNESS_REPEATABILITY_EI = 2.0  # index units; bench p95 on unchanged pairs 0.78, room left for real light

Roi = tuple[float, float, float, float]  # x0, y0, x1, y1 in baseline full-resolution px


@dataclass(frozen=True)
class Measurement:
    aligned: bool
    method: str  # "baseline", "features", "card" or "none"
    similarity: float
    area_px: float | None  # in baseline full-resolution px
    area_mm2: float | None
    ei: float | None  # calibrated erythema index (reliable card in this photo)
    ei_contrast: float | None  # lesion core minus surrounding skin
    needs_review: bool
    reason: str | None = None  # why nothing was measured: "too_different"
    mask: Mask | None = field(default=None, repr=False, compare=False)  # in the neighbourhood's px
    homography: FloatArray | None = field(default=None, repr=False, compare=False)  # photo -> baseline px

    @property
    def calibrated(self) -> bool:
        return self.area_mm2 is not None


@dataclass(frozen=True)
class Baseline:
    """What a follow-up is measured against: the baseline's registration copy, card and outline."""

    view: RegistrationView
    card: CardReading | None
    roi: Roi
    roi_scale: float  # neighbourhood px per baseline px
    mask: Mask  # the accepted outline in neighbourhood px
    measurement: Measurement


@dataclass(frozen=True)
class Change:
    area_pct: float
    ei_change: float | None
    ei_basis: str  # "calibrated" or "contrast"
    area_changed: bool  # beyond repeatability
    redness_changed: bool
    meaningful: bool  # flag on the worklist
    reasons: tuple[str, ...]


def roi_of(points: npt.ArrayLike, shape: tuple[int, int]) -> tuple[Roi, float]:
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = max(x1 - x0, y1 - y0, 8.0) * ROI_FACTOR / 2
    roi = (cx - half, cy - half, cx + half, cy + half)
    return roi, min(1.0, ROI_EDGE / (2 * half))


def _roi_matrix(roi: Roi, roi_scale: float) -> FloatArray:
    return np.array([[roi_scale, 0, -roi[0] * roi_scale], [0, roi_scale, -roi[1] * roi_scale], [0, 0, 1.0]])


def warp_roi(image: Image, to_baseline: FloatArray, roi: Roi, roi_scale: float) -> tuple[Image, Mask]:
    """The photo's pixels over the baseline's neighbourhood, and where the photo covered it. Only the
    part of the photo under the neighbourhood is read, shrunk first (area averaging) to about twice the
    neighbourhood's resolution so the warp does not alias."""
    size = (round((roi[2] - roi[0]) * roi_scale), round((roi[3] - roi[1]) * roi_scale))
    corners = np.array([[roi[0], roi[1]], [roi[2], roi[1]], [roi[2], roi[3]], [roi[0], roi[3]]])
    in_photo = map_points(np.linalg.inv(to_baseline), corners)
    height, width = image.shape[:2]
    x0, y0 = np.floor(np.clip(in_photo.min(axis=0) - 4, 0, [width, height])).astype(int)
    x1, y1 = np.ceil(np.clip(in_photo.max(axis=0) + 4, 0, [width, height])).astype(int)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return np.zeros((size[1], size[0], 3), np.uint8), np.zeros((size[1], size[0]), np.uint8)
    crop = image[y0:y1, x0:x1]
    photo_px = np.sqrt(float((x1 - x0) * (y1 - y0)))
    shrink = min(1.0, 2.0 * max(size) / max(photo_px, 1.0))
    if shrink < 1:
        crop = cv2.resize(crop, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    from_crop = to_baseline @ np.array([[1 / shrink, 0, x0], [0, 1 / shrink, y0], [0, 0, 1.0]])
    matrix = _roi_matrix(roi, roi_scale) @ from_crop
    warped = cv2.warpPerspective(crop, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    valid = cv2.warpPerspective(np.ones(crop.shape[:2], np.uint8), matrix, size, flags=cv2.INTER_NEAREST)
    return warped, valid


def _disk(radius: float) -> Mask:
    size = 2 * max(1, round(radius)) + 1
    kernel: Mask = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return kernel


def _measure(pixels: Image, valid: Mask, prior: Mask, roi: Roi, roi_scale: float, to_baseline: FloatArray,
             card: CardReading | None, method: str, similarity: float, accept: bool = False) -> Measurement:
    linear = linearize(pixels)
    # `accept`: the prior is a doctor's outline of this photo, measured as it is.
    proposal: Proposal = Proposal(prior.copy(), 0.0, False, False) if accept else propose(linear, prior, valid)
    mask = proposal.mask
    count = float(mask.sum())
    if count == 0:
        return Measurement(True, method, similarity, None, None, None, None, True, "no_lesion", mask, to_baseline)
    area_px = count / roi_scale**2
    radius = float(np.sqrt(count / np.pi))
    area_mm2 = None
    ys, xs = np.nonzero(mask)
    centroid_baseline = np.array([xs.mean() / roi_scale + roi[0], ys.mean() / roi_scale + roi[1]])
    if card is not None:
        baseline_to_card = np.linalg.inv(card.card_to_image) @ np.linalg.inv(to_baseline)
        area_mm2 = area_px * abs(jacobian_det(baseline_to_card, centroid_baseline))
    core: Mask = cv2.erode(mask, _disk(CORE_FRACTION * radius)) & valid
    if core.sum() == 0:
        core = mask & valid
    gap: Mask = cv2.dilate(mask, _disk(SKIN_GAP_FRACTION * radius))
    skin: Mask = cv2.dilate(mask, _disk((SKIN_GAP_FRACTION + SKIN_RING_FRACTION) * radius)) & (1 - gap) & valid
    core_mean = linear[core > 0].mean(axis=0).astype(np.float64)
    ei = None
    if card is not None and card.colour is not None and card.colour.reliable:
        ei = erythema_index(core_mean * card.colour.gains)
    ei_contrast = None
    if skin.sum() > 0:
        ei_contrast = erythema_index(core_mean) - erythema_index(linear[skin > 0].mean(axis=0))
    return Measurement(True, method, similarity, area_px, area_mm2, ei, ei_contrast, proposal.needs_review, None,
                       mask, to_baseline)


def measure_baseline(image: Image, outline: npt.ArrayLike, refine: bool = True) -> Baseline:
    """The baseline photo with the doctor's outline (polygon in full-res px). With `refine`, the outline
    is the proposal the drawing seeds (what the doctor confirms); without, the drawing itself."""
    roi, roi_scale = roi_of(outline, image.shape[:2])
    identity = np.eye(3)
    pixels, valid = warp_roi(image, identity, roi, roi_scale)
    pts = (np.asarray(outline, dtype=np.float64).reshape(-1, 2) - [roi[0], roi[1]]) * roi_scale
    drawn = polygon_mask(pts, pixels.shape[:2])
    card = detect_card(image)
    measurement = _measure(pixels, valid, drawn, roi, roi_scale, identity, card, "baseline", 1.0) if refine else None
    if measurement is None or measurement.mask is None or measurement.mask.sum() == 0:
        measurement = _with_mask(drawn, roi_scale, roi, card, pixels, valid)
    mask = measurement.mask if measurement.mask is not None else drawn
    return Baseline(registration_view(image), card, roi, roi_scale, mask, measurement)


def _with_mask(mask: Mask, roi_scale: float, roi: Roi, card: CardReading | None,
               pixels: Image, valid: Mask) -> Measurement:
    """The measurement of a given outline (no proposal): the doctor's drawing taken as is."""
    linear = linearize(pixels)
    count = float(mask.sum())
    area_px = count / roi_scale**2
    area_mm2 = None
    if card is not None:
        ys, xs = np.nonzero(mask)
        centroid = np.array([xs.mean() / roi_scale + roi[0], ys.mean() / roi_scale + roi[1]])
        area_mm2 = area_px * abs(jacobian_det(np.linalg.inv(card.card_to_image), centroid))
    core_mean = linear[(mask & valid) > 0].mean(axis=0).astype(np.float64)
    ei = erythema_index(core_mean * card.colour.gains) if card and card.colour and card.colour.reliable else None
    return Measurement(True, "baseline", 1.0, area_px, area_mm2, ei, None, False, None, mask, np.eye(3))


def measure_followup(baseline: Baseline, image: Image, previous: Mask | None = None,
                     accept: bool = False) -> Measurement:
    """A later photo of the lesion: aligned to the baseline, outlined from `previous` (the last accepted
    outline, in the neighbourhood's px; the baseline's by default), measured. With `accept`, `previous`
    is a doctor's outline of this photo and is measured as it is (no proposal). Not aligned: nothing is
    measured, and the reason says so."""
    card = detect_card(image)
    alignment: Alignment = register_photo(baseline.view, image, baseline.roi, baseline.card, card)
    if not alignment.ok or alignment.homography is None:
        return Measurement(False, "none", alignment.similarity, None, None, None, None, True,
                           alignment.reason or "too_different")
    pixels, valid = warp_roi(image, alignment.homography, baseline.roi, baseline.roi_scale)
    prior = baseline.mask if previous is None else previous
    return _measure(pixels, valid, prior, baseline.roi, baseline.roi_scale, alignment.homography, card,
                    alignment.method, alignment.similarity, accept and previous is not None)


def change(baseline: Measurement, followup: Measurement) -> Change | None:
    """The follow-up's change from baseline, and whether it is meaningful; None when it was not measured."""
    if not followup.aligned or followup.area_px is None or baseline.area_px is None:
        return None
    area_pct = (followup.area_px / baseline.area_px - 1.0) * 100.0
    if baseline.ei is not None and followup.ei is not None:
        ei_change: float | None = followup.ei - baseline.ei
        basis = "calibrated"
    elif baseline.ei_contrast is not None and followup.ei_contrast is not None:
        ei_change, basis = followup.ei_contrast - baseline.ei_contrast, "contrast"
    else:
        ei_change, basis = None, "contrast"
    area_changed = abs(area_pct) >= AREA_DETECT_PCT
    redness_changed = ei_change is not None and abs(ei_change) > REDNESS_REPEATABILITY_EI
    reasons = []
    if area_pct >= AREA_FLAG_PCT:
        reasons.append("area_increase")
    elif area_pct <= -AREA_FLAG_PCT:
        reasons.append("area_decrease")
    if redness_changed and ei_change is not None:
        reasons.append("redness_increase" if ei_change > 0 else "redness_decrease")
    return Change(round(float(area_pct), 2), None if ei_change is None else round(float(ei_change), 2), basis,
                  bool(area_changed), bool(redness_changed), bool(reasons), tuple(reasons))
