"""The REST side maps outlines between a follow-up photo's px and the baseline's with the measured
homography, in plain Python (no numpy on a person's path): checked against numpy here."""

from __future__ import annotations

import numpy as np

from functions.lesionmetrics.ports import LesionMeasurement
from functions.lesionmetrics.service import _inverse, map_outline, photo_outline

# follow-up px -> baseline px: rotation ~12 deg, scale 1.1, shift, a little perspective
H = [[1.076, -0.229, 35.0], [0.229, 1.076, -12.0], [0.00002, -0.00001, 1.0]]


def test_the_inverse_and_the_mapping_agree_with_numpy() -> None:
    inverse = _inverse(H)
    assert inverse is not None
    assert np.allclose(np.array(inverse), np.linalg.inv(np.array(H)), atol=1e-9)
    points = [[100.0, 200.0], [640.0, 480.0], [1200.0, 30.0]]
    moved = np.c_[np.array(points), np.ones(3)] @ np.array(H).T
    mapped = map_outline(H, points)
    assert mapped is not None
    assert np.abs(np.array(mapped) - moved[:, :2] / moved[:, 2:]).max() <= 0.05  # rounded to 0.1 px
    back = map_outline(inverse, mapped)
    assert back is not None and np.abs(np.array(back) - np.array(points)).max() <= 0.2
    assert _inverse([[1, 2, 3], [2, 4, 6], [0, 0, 1]]) is None  # singular


def test_the_measured_outline_is_shown_on_the_followup_and_not_when_unaligned() -> None:
    outline = map_outline(H, [[100.0, 100.0], [300.0, 100.0], [200.0, 300.0]])
    figures = {"photo": {"homography": H, "outline": outline}}
    measured = LesionMeasurement("c", "l", "p2", "p1", "2026-01-01T00:00:00+00:00", True, False, figures)
    shown = photo_outline(measured)
    assert shown is not None and np.abs(np.array(shown) - [[100, 100], [300, 100], [200, 300]]).max() <= 0.2
    unaligned = LesionMeasurement("c", "l", "p2", "p1", "2026-01-01T00:00:00+00:00", False, False, figures)
    assert photo_outline(unaligned) is None
