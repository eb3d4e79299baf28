"""Registration of a follow-up photo to the lesion's baseline photo.

1. Features: SIFT keypoints on grey copies whose long side is `REGISTRATION_EDGE` px (12 MP photos
   shrink by ~4: the cost stays flat and skin texture keeps thousands of keypoints), Lowe's ratio test,
   then a RANSAC homography. Matches on the lesion itself may disagree when it changed; RANSAC sets them
   aside.
2. The card, when features do not give a plausible homography and both photos show it: baseline px <-
   card mm <- follow-up px. It assumes the card lies where it lay at baseline (the capture guide asks
   for the card at the lesion's lower edge), which is why the result is verified like any other.
3. Verification: the follow-up warped into the baseline's lesion neighbourhood must resemble the
   baseline there (normalised cross-correlation of high-passed grey, lighting removed). A homography
   that fails it is refused: "alignment failed" is an answer, a wrong overlay is never shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from functions.lesionmetrics.card import CardReading, FloatArray, Image, map_points

# px, long side of the copies features are found on. OpenCV's SIFT doubles its input first, so 800 px
# resolves skin texture like a 1600 px copy; 1024 px cost twice the time for no gain on the corpus.
REGISTRATION_EDGE = 800
# A follow-up taken from further away (scale ~0.8) keeps too little texture on its 800 px copy: the
# bench's refused pairs had 75-110 keypoints (aligned ones 120+). When alignment fails with fewer than
# `FEW_FEATURES`, the follow-up is registered once more from a copy twice as large (1800-2500
# keypoints on those pairs, all aligned); photos that align, or that have texture and still differ
# (another view), never pay for it.
FEW_FEATURES = 300
DETAIL_EDGE = 2 * REGISTRATION_EDGE
SIFT_FEATURES = 4000
SIFT_CONTRAST = 0.02  # half OpenCV's default: skin is low-contrast (0.04 finds ~80 keypoints on 800 px)
RATIO = 0.75  # Lowe's ratio test
RANSAC_PX = 2.5  # reprojection threshold on the small copies
MIN_INLIERS = 25
MIN_SIMILARITY = 0.30  # NCC of the high-passed neighbourhood; same skin > 0.5, unrelated skin ~0
VERIFY_EDGE = 256  # px, side of the neighbourhood compared
AREA_RATIO_RANGE = (0.3, 3.5)  # the lesion box may not shrink or swell beyond this under the homography

Gray = npt.NDArray[Any]  # uint8


@dataclass(frozen=True)
class RegistrationView:
    """The small grey copy of a photo registration works on, and its SIFT features (computed once: a
    baseline's serve every follow-up)."""

    gray: Gray
    scale: float  # small px per full-resolution px
    points: npt.NDArray[Any]  # float32 keypoint positions on `gray`
    descriptors: npt.NDArray[Any] | None  # float32


@dataclass(frozen=True)
class Alignment:
    ok: bool
    homography: FloatArray | None  # follow-up full-res px -> baseline full-res px
    method: str  # "features", "card" or "none"
    inliers: int
    similarity: float
    reason: str | None = None  # why alignment failed: "too_different"


def registration_view(image: Image, edge: int = REGISTRATION_EDGE) -> RegistrationView:
    scale = min(1.0, edge / max(image.shape[:2]))
    # Shrink first, then grey: the colour conversion then runs on the small copy (12 MP: ~8 ms saved).
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    keypoints, descriptors = cv2.SIFT.create(nfeatures=SIFT_FEATURES, contrastThreshold=SIFT_CONTRAST) \
        .detectAndCompute(gray, None)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2)
    return RegistrationView(gray, scale, points, None if descriptors is None else np.asarray(descriptors))


def _feature_homography(baseline: RegistrationView, followup: RegistrationView) -> tuple[FloatArray | None, int]:
    db, df = baseline.descriptors, followup.descriptors
    if db is None or df is None or len(db) < MIN_INLIERS or len(df) < MIN_INLIERS:
        return None, 0
    matches = cv2.BFMatcher(cv2.NORM_L2).knnMatch(df, db, k=2)
    good = [m for m, n in (pair for pair in matches if len(pair) == 2) if m.distance < RATIO * n.distance]
    if len(good) < MIN_INLIERS:
        return None, len(good)
    src = followup.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    dst = baseline.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    small, inlier_mask = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, RANSAC_PX, maxIters=5000, confidence=0.999)
    if small is None:
        return None, 0
    inliers = int(inlier_mask.sum())
    to_full = np.diag([1 / baseline.scale, 1 / baseline.scale, 1.0])
    from_full = np.diag([followup.scale, followup.scale, 1.0])
    return to_full @ small @ from_full, inliers


def _plausible(homography: FloatArray, roi: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = roi
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    try:
        mapped = map_points(np.linalg.inv(homography), box)  # the lesion box in the follow-up
    except np.linalg.LinAlgError:
        return False
    if not np.isfinite(mapped).all():
        return False
    area = cv2.contourArea(mapped.astype(np.float32))
    ratio = area / max((x1 - x0) * (y1 - y0), 1e-9)
    convex = cv2.isContourConvex(mapped.astype(np.float32).reshape(-1, 1, 2))
    return bool(convex and AREA_RATIO_RANGE[0] <= ratio <= AREA_RATIO_RANGE[1])


def _high_pass(gray: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    blurred = cv2.GaussianBlur(gray, (0, 0), 4.0)
    out: npt.NDArray[np.float32] = (gray - blurred) / (blurred + 8.0)
    return out


def similarity(baseline_gray: Gray, baseline_scale: float, followup_gray: Gray, followup_scale: float,
               homography: FloatArray, roi: tuple[float, float, float, float]) -> float:
    """NCC of the lesion neighbourhood: the baseline's against the follow-up warped onto it."""
    x0, y0, x1, y1 = roi
    side = max(x1 - x0, y1 - y0)
    k = VERIFY_EDGE / side
    to_patch = np.array([[k, 0, -x0 * k], [0, k, -y0 * k], [0, 0, 1.0]])
    size = (max(8, round((x1 - x0) * k)), max(8, round((y1 - y0) * k)))
    base = cv2.warpPerspective(baseline_gray, to_patch @ np.diag([1 / baseline_scale, 1 / baseline_scale, 1.0]),
                               size, flags=cv2.INTER_LINEAR).astype(np.float32)
    mapping = to_patch @ homography @ np.diag([1 / followup_scale, 1 / followup_scale, 1.0])
    valid = cv2.warpPerspective(np.full(followup_gray.shape, 255, np.uint8), mapping, size, flags=cv2.INTER_NEAREST)
    follow = cv2.warpPerspective(followup_gray, mapping, size, flags=cv2.INTER_LINEAR).astype(np.float32)
    inside = valid > 0
    if inside.mean() < 0.5:  # most of the neighbourhood is outside the follow-up photo
        return 0.0
    a, b = _high_pass(base)[inside], _high_pass(follow)[inside]
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else 0.0


def register(baseline: RegistrationView, followup: RegistrationView, roi: tuple[float, float, float, float],
             baseline_card: CardReading | None = None, followup_card: CardReading | None = None) -> Alignment:
    """Align a follow-up to the baseline. `roi` is the lesion's neighbourhood in baseline full-res px."""
    candidates: list[tuple[str, FloatArray, int]] = []
    homography, inliers = _feature_homography(baseline, followup)
    if homography is not None and inliers >= MIN_INLIERS:
        candidates.append(("features", homography, inliers))
    if baseline_card is not None and followup_card is not None:
        candidates.append(("card", baseline_card.card_to_image @ np.linalg.inv(followup_card.card_to_image), 4))
    best = Alignment(False, None, "none", inliers, 0.0, "too_different")
    for method, candidate, count in candidates:
        if not _plausible(candidate, roi):
            continue
        score = similarity(baseline.gray, baseline.scale, followup.gray, followup.scale, candidate, roi)
        if score >= MIN_SIMILARITY:
            return Alignment(True, candidate / candidate[2, 2], method, count, score)
        best = Alignment(False, None, "none", inliers, max(best.similarity, score), "too_different")
    return best


def register_photo(baseline: RegistrationView, image: Image, roi: tuple[float, float, float, float],
                   baseline_card: CardReading | None = None,
                   followup_card: CardReading | None = None) -> Alignment:
    """Align a follow-up photo (full resolution) to the baseline: on the usual small copy, and once more
    on a copy twice as large when that failed for want of texture (`FEW_FEATURES`)."""
    view = registration_view(image)
    alignment = register(baseline, view, roi, baseline_card, followup_card)
    if alignment.ok or len(view.points) >= FEW_FEATURES or view.scale >= 1:
        return alignment
    retry = register(baseline, registration_view(image, DETAIL_EDGE), roi, baseline_card, followup_card)
    return retry if retry.ok else alignment
