"""The lesion's outline on an aligned photo, proposed from the previous outline.

The previous outline (a doctor's drawing on the baseline, or the last accepted outline) is the seed.
Around it a band reaches `BAND_FRACTION` of the lesion's equivalent radius inwards and outwards (so a
lesion may grow or shrink by ~80% / 55% of its area between two photos and still be followed). On a
redness map (log R - log G of linear light: a gain common to all channels cancels, so exposure does
not move it), the threshold halfway between the lesion's core (inside the band) and the skin just
outside the band is applied inside the band; the region connected to the core, holes filled, is the
proposal. A proposal reaching the band's outer edge on much of its length, or a lesion with no
contrast to its skin, is returned with a flag: the doctor's correction is needed, not a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

Mask = npt.NDArray[Any]  # uint8, 0 / 1
Linear = npt.NDArray[Any]  # float32 linear BGR

BAND_FRACTION = 0.35  # of the equivalent radius, each way
SKIN_RING_FRACTION = 0.25  # width of the skin reference ring outside the band
MIN_CONTRAST = 0.02  # log-ratio units between core and skin (about 0.9 erythema-index units)
AT_LIMIT_FRACTION = 0.15  # of the band's outer edge covered by the proposal
SMOOTH_SIGMA = 1.2  # px, on the redness map


@dataclass(frozen=True)
class Proposal:
    mask: Mask
    contrast: float  # median log(R/G) of the core minus that of the skin ring
    at_band_limit: bool
    no_contrast: bool

    @property
    def needs_review(self) -> bool:
        return self.at_band_limit or self.no_contrast


def redness_map(bgr_linear: Linear) -> npt.NDArray[np.float32]:
    eps = np.float32(1e-4)
    out: npt.NDArray[np.float32] = np.log(bgr_linear[:, :, 2] + eps) - np.log(bgr_linear[:, :, 1] + eps)
    return out


def polygon_mask(points: npt.ArrayLike, shape: tuple[int, int]) -> Mask:
    mask = np.zeros(shape, np.uint8)
    pts = np.round(np.asarray(points, dtype=np.float64) * 16).astype(np.int32).reshape(-1, 1, 2)
    cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
    return mask


def _disk(radius: int) -> Mask:
    size = 2 * max(1, radius) + 1
    kernel: Mask = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return kernel


def _fill_holes(mask: Mask) -> Mask:
    padded = np.pad(mask, 1).copy()
    flood = padded.copy()
    cv2.floodFill(flood, None, (0, 0), 1)
    holes = (flood == 0).astype(np.uint8)
    out: Mask = (padded | holes)[1:-1, 1:-1]
    return out


def propose(bgr_linear: Linear, prior: Mask, valid: Mask | None = None) -> Proposal:
    """The outline on `bgr_linear` (aligned to the prior's frame), seeded by `prior`."""
    area = float(prior.sum())
    radius = max(2.0, float(np.sqrt(area / np.pi)))
    band = max(3, round(BAND_FRACTION * radius))
    ring = max(3, round(SKIN_RING_FRACTION * radius))
    outer: Mask = cv2.dilate(prior, _disk(band))
    skin: Mask = cv2.dilate(prior, _disk(band + ring)) & (1 - outer)
    core: Mask = cv2.erode(prior, _disk(band))
    if core.sum() < 9:  # small lesion: the middle third of it
        core = cv2.erode(prior, _disk(max(1, round(radius / 3))))
    if valid is not None:
        skin, core, outer = skin & valid, core & valid, outer & valid
    redness = cv2.GaussianBlur(redness_map(bgr_linear), (0, 0), SMOOTH_SIGMA)
    if core.sum() == 0 or skin.sum() == 0:
        return Proposal(prior.copy(), 0.0, False, True)
    core_level = float(np.median(redness[core > 0]))
    skin_level = float(np.median(redness[skin > 0]))
    contrast = core_level - skin_level
    if contrast < MIN_CONTRAST:
        return Proposal(prior.copy(), contrast, False, True)
    candidate: Mask = ((redness > (core_level + skin_level) / 2) & (outer > 0)).astype(np.uint8)
    candidate = cv2.morphologyEx(candidate, cv2.MORPH_OPEN, _disk(1))
    _, labels = cv2.connectedComponents(candidate, connectivity=8)
    keep = np.unique(labels[(core > 0) & (candidate > 0)])
    keep = keep[keep > 0]
    mask = np.isin(labels, keep).astype(np.uint8) if keep.size else np.zeros_like(prior)
    mask = _fill_holes(mask)
    edge = outer - cv2.erode(outer, _disk(1))
    at_limit = bool(edge.sum() and (mask & edge).sum() / edge.sum() > AT_LIMIT_FRACTION)
    return Proposal(mask, contrast, at_limit, False)
