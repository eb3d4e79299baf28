"""Lesion change measurement on the generated corpus with known truth (functions/lesionmetrics/synthetic.py),
through the production code (functions/lesionmetrics/measure.py), against a naive arm.

Per lesion (half of them photographed with the reference card): a baseline photo taken with care and
its true outline with a hand-drawn wobble (up to 4% of the radius) as the doctor's drawing; two
follow-ups of the unchanged lesion and one of the lesion grown by 10%, each from a random pose
within the issue's ranges (rotation up to 30 deg, scale 0.8-1.25, shifts, tilt up to 15 deg) and in
random light (exposure 0.75-1.2, white balance 0.85-1.15 per channel, a +-15% light gradient).
Plus photos of other skin that must be refused, and a 12 MP follow-up (4000 x 3000 JPEG) timed from
the JPEG bytes to the measurement.

- production: card -> registration -> outline proposed from the baseline's -> area and erythema index.
- naive: what comparing photos by eye amounts to: the baseline's outline region taken at the same pixel
  position in the unaligned follow-up (same proposal step), area in raw pixels, redness uncorrected.

Figures: registration error is the median (over pairs) of the median corner error of the lesion's
bounding box, in % of its diameter; area errors are mean absolute % errors (mm^2 against the true area
for photos with the card, follow-up/baseline ratio against the true ratio for photos without); growth
is detected when the area change reaches `AREA_DETECT_PCT`, and a false alarm is an unchanged pair that
reaches it; redness repeatability is the 95th percentile of |change| of the calibrated index on
unchanged pairs with the card, which must stay within the rule's `REDNESS_REPEATABILITY_EI`.
`package_mb` is the unpacked size of what the measuring function needs (opencv-python-headless, numpy
and what they require, as installed here), against Lambda's 250 MB for function plus layers;
`package_mb_with_shared_layer` adds the shared dependency layer (requirements.txt), which is why the
measuring function must not carry it (layers/README.md).

    python -m bench.lesion_metrics          # BENCH_LESIONS=40 by default
Last line: one JSON object with the figures, the parameters and `targets_met`.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from functions.lesionmetrics import measure, synthetic
from functions.lesionmetrics.card import erythema_index, linearize, map_points
from functions.lesionmetrics.outline import propose

LESIONS = int(os.environ.get("BENCH_LESIONS", "40"))
OTHER_VIEWS = 10
SEED = 1800
TWELVE_MP = (4000, 3000)
TIMING_ROUNDS = 3
LAMBDA_UNZIPPED_MB = 250.0
TARGETS = {"registration_error_pct": 2.0, "area_error_pct_card": 5.0, "area_error_pct_relative": 10.0,
           "growth_detected_pct": 95.0, "false_alarm_pct": 5.0, "seconds_per_12mp_photo": 1.5}


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def registration_error_pct(series: synthetic.Series, shot: synthetic.Shot, found: np.ndarray) -> float:
    """Median error of the lesion box's corners after alignment, in % of the lesion's diameter."""
    outline = series.baseline.outline_px
    (x0, y0), (x1, y1) = outline.min(axis=0), outline.max(axis=0)
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    truth = synthetic.true_followup_to_baseline(series.baseline, shot)
    errors = np.linalg.norm(map_points(found, map_points(np.linalg.inv(truth), corners)) - corners, axis=1)
    diameter = 2 * np.sqrt(cv2.contourArea(outline.astype(np.float32)) / np.pi)
    return float(np.median(errors) / diameter * 100)


def naive(baseline: measure.Baseline, image: np.ndarray) -> tuple[float, float]:
    """Area (baseline px) and uncorrected erythema index, unaligned."""
    pixels, valid = measure.warp_roi(image, np.eye(3), baseline.roi, baseline.roi_scale)
    linear = linearize(pixels)
    mask = propose(linear, baseline.mask, valid).mask
    if mask.sum() == 0:
        return 0.0, float("nan")
    return float(mask.sum()) / baseline.roi_scale**2, erythema_index(linear[mask > 0].mean(axis=0))


def installed_mb(names: list[str]) -> float:
    """Unpacked size of installed distributions and everything they require."""
    seen: set[str] = set()
    total = 0
    todo = list(names)
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or []:
            path = Path(str(dist.locate_file(file)))
            if path.is_file() and "__pycache__" not in path.parts:
                total += path.stat().st_size
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                todo.append(requirement.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0]
                            .split("!")[0].split("~")[0].strip())
    return total / 1e6


def shared_layer_names() -> list[str]:
    root = Path(__file__).resolve().parent.parent
    lines = (root / "requirements.txt").read_text().splitlines()
    return [line.split("#")[0].split("==")[0].strip() for line in lines if line.split("#")[0].strip()]


def time_12mp() -> tuple[float, bool]:
    rng = np.random.default_rng(SEED + 999)
    lesion = synthetic.random_lesion(rng)
    world, ei = synthetic.scene(synthetic.skin(SEED + 999), lesion, with_card=True, seed=SEED + 999)
    base = synthetic.shoot(world, ei, lesion, 1.0, True, synthetic.random_pose(rng, mild=True), synthetic.Lighting(),
                           1, TWELVE_MP)
    follow = synthetic.shoot(world, ei, lesion, 1.0, True, synthetic.random_pose(rng),
                             synthetic.random_lighting(rng), 2, TWELVE_MP)
    baseline = measure.measure_baseline(base.image, base.outline_px)
    ok, jpeg = cv2.imencode(".jpg", follow.image, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    data = jpeg.tobytes()
    seconds = []
    aligned = False
    for _ in range(TIMING_ROUNDS):
        started = time.perf_counter()
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None
        measured = measure.measure_followup(baseline, image)
        seconds.append(time.perf_counter() - started)
        aligned = measured.aligned
    return statistics.median(seconds), aligned


def main() -> None:
    started = time.perf_counter()
    reg_errors: list[float] = []
    card_errors: list[float] = []
    relative_errors: list[float] = []
    relative_errors_card: list[float] = []
    naive_relative_errors: list[float] = []
    failed = pairs = 0
    grown = detected = naive_detected = 0
    unchanged = alarms = naive_alarms = redness_alarms = 0
    delta_ei: list[float] = []
    naive_delta_ei: list[float] = []
    delta_contrast: list[float] = []
    ei_errors: list[float] = []
    review = 0
    for index in range(LESIONS):
        with_card = index % 2 == 0
        series = synthetic.series(SEED + 100 * index, with_card)
        drawn = synthetic.hand_drawn(series.baseline.outline_px, SEED + index)
        baseline = measure.measure_baseline(series.baseline.image, drawn)
        base_naive_area, base_naive_ei = naive(baseline, series.baseline.image)
        if with_card and baseline.measurement.area_mm2 is not None:
            card_errors.append(abs(baseline.measurement.area_mm2 / series.baseline.area_mm2 - 1) * 100)
        for shot, growth in [(s, 1.0) for s in series.unchanged] + [(s, series.growth) for s in series.grown]:
            pairs += 1
            result = measure.measure_followup(baseline, shot.image)
            naive_area, naive_ei = naive(baseline, shot.image)
            naive_ratio = naive_area / base_naive_area if base_naive_area else 0.0
            naive_relative_errors.append(abs(naive_ratio / growth - 1) * 100)
            naive_change = (naive_ratio - 1) * 100
            change = measure.change(baseline.measurement, result)
            if growth > 1:
                grown += 1
                detected += bool(change and change.area_changed and change.area_pct > 0)
                naive_detected += naive_change >= measure.AREA_DETECT_PCT
            else:
                unchanged += 1
                alarms += bool(change and change.area_changed)
                redness_alarms += bool(change and change.redness_changed)
                naive_alarms += abs(naive_change) >= measure.AREA_DETECT_PCT
                if not np.isnan(naive_ei) and not np.isnan(base_naive_ei):
                    naive_delta_ei.append(abs(naive_ei - base_naive_ei))
            if not result.aligned or result.homography is None or result.area_px is None or change is None:
                failed += 1
                continue
            review += result.needs_review
            reg_errors.append(registration_error_pct(series, shot, result.homography))
            relative = abs(result.area_px / baseline.measurement.area_px / growth - 1) * 100  # type: ignore[operator]
            (relative_errors_card if with_card else relative_errors).append(relative)
            if result.area_mm2 is not None:
                card_errors.append(abs(result.area_mm2 / shot.area_mm2 - 1) * 100)
            if result.ei is not None:
                ei_errors.append(abs(result.ei - shot.ei))
                if growth == 1.0 and change.ei_basis == "calibrated" and change.ei_change is not None:
                    delta_ei.append(abs(change.ei_change))
            if growth == 1.0 and change.ei_basis == "contrast" and change.ei_change is not None:
                delta_contrast.append(abs(change.ei_change))
    refused = 0
    reference = synthetic.series(SEED + 7, True, unchanged=0, grown=0)
    reference_baseline = measure.measure_baseline(reference.baseline.image, reference.baseline.outline_px)
    for index in range(OTHER_VIEWS):
        refused += not measure.measure_followup(reference_baseline, synthetic.other_skin_photo(SEED + 5000 + index)) \
            .aligned
    seconds, aligned_12mp = time_12mp()
    measuring_mb = installed_mb(["opencv-python-headless", "numpy"])
    shared_mb = installed_mb(shared_layer_names())
    redness_rc = pct(delta_ei, 95)
    figures: dict[str, Any] = {
        "registration_error_pct": round(statistics.median(reg_errors), 3),
        "registration_error_pct_p95": round(pct(reg_errors, 95), 3),
        "area_error_pct_card": round(statistics.fmean(card_errors), 2),
        "area_error_pct_card_p95": round(pct(card_errors, 95), 2),
        "area_error_pct_relative": round(statistics.fmean(relative_errors), 2),
        "area_error_pct_relative_p95": round(pct(relative_errors, 95), 2),
        "area_error_pct_relative_with_card": round(statistics.fmean(relative_errors_card), 2),
        "growth_detected_pct": round(100 * detected / grown, 1),
        "false_alarm_pct": round(100 * alarms / unchanged, 1),
        "redness_false_alarm_pct": round(100 * redness_alarms / unchanged, 1),
        "redness_repeatability_ei_p95": round(redness_rc, 2),
        "redness_contrast_repeatability_ei_p95": round(pct(delta_contrast, 95), 2),
        "redness_error_ei_p95": round(pct(ei_errors, 95), 2),
        "alignment_failed_pct": round(100 * failed / pairs, 1),
        "other_view_refused_pct": round(100 * refused / OTHER_VIEWS, 1),
        "needs_review_pct": round(100 * review / max(1, pairs - failed), 1),
        "seconds_per_12mp_photo": round(seconds, 3),
        "aligned_12mp": aligned_12mp,
        "package_mb": round(measuring_mb, 1),
        "package_mb_with_shared_layer": round(measuring_mb + shared_mb, 1),
        "naive": {
            "area_error_pct_relative": round(statistics.fmean(naive_relative_errors), 2),
            "growth_detected_pct": round(100 * naive_detected / grown, 1),
            "false_alarm_pct": round(100 * naive_alarms / unchanged, 1),
            "redness_repeatability_ei_p95": round(pct(naive_delta_ei, 95), 2),
        },
        "params": {
            "lesions": LESIONS, "with_card": (LESIONS + 1) // 2, "pairs": pairs, "grown_pairs": grown,
            "unchanged_pairs": unchanged, "growth": 1.10, "other_views": OTHER_VIEWS, "seed": SEED,
            "photo_size": list(synthetic.PHOTO_SIZE), "timing_size": list(TWELVE_MP), "timing_rounds": TIMING_ROUNDS,
            "area_detect_pct": measure.AREA_DETECT_PCT, "area_flag_pct": measure.AREA_FLAG_PCT,
            "redness_repeatability_ei": measure.REDNESS_REPEATABILITY_EI, "opencv": cv2.__version__,
            "numpy": np.__version__, "lambda_unzipped_mb": LAMBDA_UNZIPPED_MB, "targets": TARGETS,
            "bench_seconds": round(time.perf_counter() - started, 1),
        },
    }
    figures["targets_met"] = bool(
        figures["registration_error_pct"] <= TARGETS["registration_error_pct"]
        and figures["area_error_pct_card"] <= TARGETS["area_error_pct_card"]
        and figures["area_error_pct_relative"] <= TARGETS["area_error_pct_relative"]
        and figures["growth_detected_pct"] >= TARGETS["growth_detected_pct"]
        and figures["false_alarm_pct"] <= TARGETS["false_alarm_pct"]
        and redness_rc <= measure.REDNESS_REPEATABILITY_EI
        and figures["seconds_per_12mp_photo"] <= TARGETS["seconds_per_12mp_photo"]
        and figures["package_mb"] <= LAMBDA_UNZIPPED_MB
        and figures["other_view_refused_pct"] == 100.0
    )
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
    sys.exit(0)
