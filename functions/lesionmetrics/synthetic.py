"""A generated corpus with known truth: skin, lesions of known area and redness, photographed
(synthetically) from varying poses and in varying light, with and without the reference card.

Seeded and deterministic: the same seed gives the same pixels. The unit tests and
`bench.lesion_metrics` both run the production code on it.

- The world is a flat patch of skin, 160 x 120 mm at 12 px/mm, in linear reflectance: a base colour,
  low- and mid-frequency mottling, grain, pores, creases, a few freckles and hairs (texture that
  phones resolve on real skin). The lesion is a lobed disc, r(phi) = R (1 + sum a_k cos(k phi + p_k)),
  k = 2..5, with a 0.6 mm soft edge: its true area is the integral 1/2 int r^2 dphi, exactly; a grown
  lesion scales R by sqrt(growth). Redness lowers green (and a little blue) by the lesion's erythema
  excess, with mottling; the true index is that of the mean colour of the core (r < 0.85 r(phi)).
- The card lies 14 mm below the lesion's centre line, as the capture guide asks.
- A photo is a pinhole view of the plane: 1280 x 960 px, 10 px/mm at scale 1, rotation, scale, shift,
  tilt about both axes (a homography, exactly known), then exposure, white balance and a light
  gradient, sensor noise, slight blur, sRGB encoding and JPEG at quality 90.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from functions.lesionmetrics.card import (
    CARD_MM,
    PAPER_REFLECTANCE,
    FloatArray,
    Image,
    erythema_index,
    linear_to_srgb,
    map_points,
    render_card,
    srgb_to_linear,
)

WORLD_PX_PER_MM = 12.0
WORLD_MM = (160.0, 120.0)
LESION_CENTRE_MM = (80.0, 52.0)
CARD_OFFSET_MM = (-CARD_MM[0] / 2, 14.0)  # card's top-left relative to the lesion centre
AIM_OFFSET_MM = (0.0, 10.0)  # where the camera points, relative to the lesion centre
PHOTO_SIZE = (1280, 960)
PHOTO_PX_PER_MM = 10.0
CAMERA_DISTANCE_MM = 300.0
EDGE_MM = 0.6
SKIN_BGR = (0.25, 0.33, 0.52)  # linear reflectance of the base skin colour (erythema index ~20)

Linear = npt.NDArray[Any]  # float32 linear BGR


@dataclass(frozen=True)
class Lesion:
    radius_mm: float
    harmonics: tuple[tuple[float, float], ...]  # (amplitude, phase) for k = 2, 3, ...
    excess_ei: float  # erythema index above the skin's

    def radius(self, phi: npt.NDArray[np.float64], growth: float = 1.0) -> npt.NDArray[np.float64]:
        r = np.ones_like(phi)
        for k, (amplitude, phase) in enumerate(self.harmonics, start=2):
            r = r + amplitude * np.cos(k * phi + phase)
        out: npt.NDArray[np.float64] = self.radius_mm * math.sqrt(growth) * r
        return out

    def area_mm2(self, growth: float = 1.0) -> float:
        # 1/2 int r^2 dphi with r = R(1 + sum a_k cos(...)): the cross terms integrate to zero.
        r2 = self.radius_mm**2 * growth
        return math.pi * r2 * (1 + sum(a * a for a, _ in self.harmonics) / 2)

    def outline_mm(self, growth: float = 1.0, points: int = 180) -> FloatArray:
        phi = np.linspace(0, 2 * np.pi, points, endpoint=False)
        r = self.radius(phi, growth)
        return np.stack([LESION_CENTRE_MM[0] + r * np.cos(phi), LESION_CENTRE_MM[1] + r * np.sin(phi)], axis=1)


@dataclass(frozen=True)
class Pose:
    rotation_deg: float = 0.0
    scale: float = 1.0
    shift_mm: tuple[float, float] = (0.0, 0.0)
    tilt_deg: tuple[float, float] = (0.0, 0.0)  # about the photo's x and y axes


@dataclass(frozen=True)
class Lighting:
    exposure: float = 1.0
    white_balance: tuple[float, float, float] = (1.0, 1.0, 1.0)  # gains on B, G, R
    gradient: float = 0.0  # relative change of light across the photo's width


@dataclass(frozen=True)
class Shot:
    image: Image  # BGR, decoded from the JPEG
    world_mm_to_photo: FloatArray  # 3x3 homography: world millimetres -> photo px
    area_mm2: float  # truth
    ei: float  # truth: calibrated erythema index of the lesion's core
    outline_px: FloatArray  # the true outline in photo px
    has_card: bool
    pose: Pose
    lighting: Lighting


def random_lesion(rng: np.random.Generator) -> Lesion:
    harmonics = tuple((float(rng.uniform(0.02, 0.08)), float(rng.uniform(0, 2 * np.pi))) for _ in range(4))
    return Lesion(float(rng.uniform(5.0, 9.0)), harmonics, float(rng.uniform(10.0, 22.0)))


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> Linear:
    small = rng.normal(size=cells).astype(np.float32)
    out: Linear = cv2.resize(small, (shape[1], shape[0]), interpolation=cv2.INTER_CUBIC)
    return out


def skin(seed: int) -> Linear:
    """A patch of skin (no lesion), linear BGR reflectance at WORLD_PX_PER_MM."""
    rng = np.random.default_rng(seed)
    h, w = round(WORLD_MM[1] * WORLD_PX_PER_MM), round(WORLD_MM[0] * WORLD_PX_PER_MM)
    tone = rng.uniform(0.85, 1.15)
    base = np.array(SKIN_BGR, np.float32) * np.float32(tone)
    luminance = (1 + 0.06 * _smooth_noise(rng, (h, w), (6, 8)) + 0.04 * _smooth_noise(rng, (h, w), (60, 80))
                 + 0.03 * cv2.GaussianBlur(rng.normal(size=(h, w)).astype(np.float32), (0, 0), 1.2))
    hue = 0.03 * _smooth_noise(rng, (h, w), (10, 14))  # redder and paler areas
    image = np.empty((h, w, 3), np.float32)
    image[:, :, 0] = base[0] * luminance * (1 - hue)
    image[:, :, 1] = base[1] * luminance * (1 - 0.5 * hue)
    image[:, :, 2] = base[2] * luminance * (1 + 0.5 * hue)
    shade = np.ones((h, w), np.float32)
    px = WORLD_PX_PER_MM
    for _ in range(2600):  # pores
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        cv2.circle(shade, centre, max(1, round(rng.uniform(0.1, 0.25) * px)), float(rng.uniform(0.72, 0.88)), -1,
                   cv2.LINE_AA)
    for _ in range(90):  # creases
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        angle, length = rng.uniform(0, np.pi), rng.uniform(4, 15) * px
        pts = [(x + t * length * np.cos(angle) + rng.normal(0, 0.3 * px), y + t * length * np.sin(angle)
                + rng.normal(0, 0.3 * px)) for t in np.linspace(0, 1, 6)]
        cv2.polylines(shade, [np.array(pts, np.int32).reshape(-1, 1, 2)], False, float(rng.uniform(0.86, 0.94)),
                      max(1, round(0.15 * px)), cv2.LINE_AA)
    for _ in range(14):  # freckles
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        radius = max(2, round(rng.uniform(0.4, 1.2) * px))
        cv2.circle(shade, centre, radius, float(rng.uniform(0.6, 0.8)), -1, cv2.LINE_AA)
    for _ in range(25):  # hairs
        x, y = rng.uniform(0, w), rng.uniform(0, h)
        angle, length, bend = rng.uniform(0, np.pi), rng.uniform(6, 18) * px, rng.normal(0, 0.2)
        pts = [(x + length * t * np.cos(angle + bend * t), y + length * t * np.sin(angle + bend * t))
               for t in np.linspace(0, 1, 12)]
        cv2.polylines(shade, [np.array(pts, np.int32).reshape(-1, 1, 2)], False, float(rng.uniform(0.35, 0.55)),
                      max(1, round(0.07 * px)), cv2.LINE_AA)
    image *= shade[:, :, None]
    return image


def scene(skin_image: Linear, lesion: Lesion, growth: float = 1.0, redness_delta: float = 0.0,
          with_card: bool = False, seed: int = 0) -> tuple[Linear, float]:
    """The skin with the lesion (and the card); returns it and the lesion's true calibrated index."""
    rng = np.random.default_rng(seed)
    world = skin_image.copy()
    px = WORLD_PX_PER_MM
    reach = lesion.radius_mm * math.sqrt(growth) * 1.4 + 2
    cx, cy = LESION_CENTRE_MM
    x0, x1 = int((cx - reach) * px), int((cx + reach) * px)
    y0, y1 = int((cy - reach) * px), int((cy + reach) * px)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    dx, dy = xs / px - cx, ys / px - cy  # array index i sits at i / px mm, as the warp samples it
    rho, phi = np.hypot(dx, dy), np.arctan2(dy, dx)
    edge = lesion.radius(phi, growth)
    alpha = np.clip(0.5 + (edge - rho) / EDGE_MM, 0, 1).astype(np.float32)
    excess = lesion.excess_ei + redness_delta
    green = 10 ** (-excess / 100)  # the index is 100 log10(R/G): lowering G by this raises it by `excess`
    mottle = (1 + 0.04 * _smooth_noise(rng, alpha.shape, (8, 8))).astype(np.float32)
    factors = np.stack([(1 - 0.6 * (1 - green)) * mottle, green * mottle, np.ones_like(mottle)], axis=2)
    patch = world[y0:y1, x0:x1]
    patch *= 1 - alpha[:, :, None] * (1 - factors)
    core = rho < 0.85 * edge
    truth = erythema_index(patch[core].mean(axis=0))
    if with_card:
        card = srgb_to_linear(render_card(px)[:, :, :3] / 255.0).astype(np.float32) * np.float32(PAPER_REFLECTANCE)
        ox, oy = round((cx + CARD_OFFSET_MM[0]) * px), round((cy + CARD_OFFSET_MM[1]) * px)
        world[oy:oy + card.shape[0], ox:ox + card.shape[1]] = card
    return world, truth


def pose_homography(pose: Pose, lesion_centre_mm: tuple[float, float] = LESION_CENTRE_MM) -> FloatArray:
    """World millimetres -> photo px for a camera at CAMERA_DISTANCE_MM looking at the aim point."""
    ax, ay = lesion_centre_mm[0] + AIM_OFFSET_MM[0], lesion_centre_mm[1] + AIM_OFFSET_MM[1]
    theta = math.radians(pose.rotation_deg)
    to_aim = np.array([[1, 0, -ax], [0, 1, -ay], [0, 0, 1.0]])
    roll = np.array([[math.cos(theta), -math.sin(theta), 0], [math.sin(theta), math.cos(theta), 0], [0, 0, 1.0]])
    tx, ty = (math.radians(v) for v in pose.tilt_deg)
    rx = np.array([[1, 0, 0], [0, math.cos(tx), -math.sin(tx)], [0, math.sin(tx), math.cos(tx)]])
    ry = np.array([[math.cos(ty), 0, math.sin(ty)], [0, 1, 0], [-math.sin(ty), 0, math.cos(ty)]])
    rotation = ry @ rx
    plane = np.column_stack([rotation[:, 0], rotation[:, 1], [0, 0, CAMERA_DISTANCE_MM]])
    f = PHOTO_PX_PER_MM * pose.scale * CAMERA_DISTANCE_MM
    k = np.array([[f, 0, PHOTO_SIZE[0] / 2 + pose.shift_mm[0] * PHOTO_PX_PER_MM * pose.scale],
                  [0, f, PHOTO_SIZE[1] / 2 + pose.shift_mm[1] * PHOTO_PX_PER_MM * pose.scale], [0, 0, 1.0]])
    h: FloatArray = k @ plane @ roll @ to_aim
    out: FloatArray = h / h[2, 2]
    return out


def photograph(world: Linear, pose: Pose, lighting: Lighting, seed: int,
               size: tuple[int, int] = PHOTO_SIZE, quality: int = 90) -> tuple[Image, FloatArray]:
    rng = np.random.default_rng(seed)
    mm_to_photo = pose_homography(pose)
    if size != PHOTO_SIZE:  # the same view at another resolution
        k = size[0] / PHOTO_SIZE[0]
        mm_to_photo = np.diag([k, k, 1.0]) @ mm_to_photo
    world_px_to_photo = mm_to_photo @ np.diag([1 / WORLD_PX_PER_MM, 1 / WORLD_PX_PER_MM, 1.0])
    linear = cv2.warpPerspective(world, world_px_to_photo, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_REFLECT)
    width = size[0]
    ramp = 1 + lighting.gradient * (np.arange(width, dtype=np.float32) / width - 0.5)
    gains = np.float32(lighting.exposure) * np.array(lighting.white_balance, np.float32)
    linear = linear * gains[None, None, :] * ramp[None, :, None]
    linear = np.asarray(cv2.GaussianBlur(linear, (0, 0), 0.6), np.float32)
    noise = np.asarray(rng.normal(0, 1, linear.shape), np.float32)
    linear = linear + noise * (0.003 + 0.01 * np.sqrt(np.clip(linear, 0, None))).astype(np.float32)
    encoded = np.round(linear_to_srgb(linear) * 255).astype(np.uint8)
    ok, jpeg = cv2.imencode(".jpg", encoded, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    image: Image | None = cv2.imdecode(jpeg, cv2.IMREAD_COLOR)
    assert image is not None
    return image, mm_to_photo


def random_pose(rng: np.random.Generator, mild: bool = False) -> Pose:
    """Within the issue's ranges: rotation up to 30 deg, scale 0.8-1.25, shifts, tilt up to 15 deg."""
    if mild:  # the baseline: taken with care
        return Pose(float(rng.uniform(-8, 8)), float(rng.uniform(0.95, 1.05)),
                    (float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3))),
                    (float(rng.uniform(-4, 4)), float(rng.uniform(-4, 4))))
    tilt = float(rng.uniform(0, 15))
    direction = float(rng.uniform(0, 2 * np.pi))
    return Pose(float(rng.uniform(-30, 30)), float(np.exp(rng.uniform(np.log(0.8), np.log(1.25)))),
                (float(rng.uniform(-6, 6)), float(rng.uniform(-5, 5))),
                (tilt * math.cos(direction), tilt * math.sin(direction)))


def random_lighting(rng: np.random.Generator) -> Lighting:
    return Lighting(float(rng.uniform(0.75, 1.2)), tuple(float(v) for v in rng.uniform(0.85, 1.15, 3)),  # type: ignore[arg-type]
                    float(rng.uniform(-0.15, 0.15)))


def shoot(world: Linear, truth_ei: float, lesion: Lesion, growth: float, with_card: bool, pose: Pose,
          lighting: Lighting, seed: int, size: tuple[int, int] = PHOTO_SIZE) -> Shot:
    image, mm_to_photo = photograph(world, pose, lighting, seed, size)
    outline = map_points(mm_to_photo, lesion.outline_mm(growth))
    return Shot(image, mm_to_photo, lesion.area_mm2(growth), truth_ei, outline, with_card, pose, lighting)


@dataclass(frozen=True)
class Series:
    """One lesion: its baseline photo and follow-ups (unchanged, grown), all of the same skin."""

    lesion: Lesion
    with_card: bool
    baseline: Shot
    unchanged: tuple[Shot, ...]
    grown: tuple[Shot, ...]  # growth `GROWTH`
    growth: float


def series(seed: int, with_card: bool, unchanged: int = 2, grown: int = 1, growth: float = 1.10) -> Series:
    rng = np.random.default_rng(seed)
    lesion = random_lesion(rng)
    skin_image = skin(seed)
    world, ei = scene(skin_image, lesion, 1.0, 0.0, with_card, seed)
    baseline = shoot(world, ei, lesion, 1.0, with_card, random_pose(rng, mild=True), Lighting(), seed + 1)
    same = tuple(shoot(world, ei, lesion, 1.0, with_card, random_pose(rng), random_lighting(rng), seed + 10 + i)
                 for i in range(unchanged))
    grown_world, grown_ei = scene(skin_image, lesion, growth, 0.0, with_card, seed)
    bigger = tuple(shoot(grown_world, grown_ei, lesion, growth, with_card, random_pose(rng), random_lighting(rng),
                         seed + 20 + i) for i in range(grown))
    return Series(lesion, with_card, baseline, same, bigger, growth)


def other_skin_photo(seed: int) -> Image:
    """A photo of somewhere else (another person's skin, another lesion): must not align."""
    rng = np.random.default_rng(seed)
    world, _ = scene(skin(seed), random_lesion(rng), seed=seed)
    image, _ = photograph(world, random_pose(rng), random_lighting(rng), seed)
    return image


def true_followup_to_baseline(baseline: Shot, followup: Shot) -> FloatArray:
    h: FloatArray = baseline.world_mm_to_photo @ np.linalg.inv(followup.world_mm_to_photo)
    out: FloatArray = h / h[2, 2]
    return out


def hand_drawn(outline_px: FloatArray, seed: int, wobble: float = 0.04) -> FloatArray:
    """A doctor's drawing of an outline: off by a smooth radial wobble of up to `wobble` of the radius."""
    rng = np.random.default_rng(seed)
    centre = outline_px.mean(axis=0)
    phi = np.linspace(0, 2 * np.pi, len(outline_px), endpoint=False)
    factor = np.ones_like(phi)
    for k in (1, 3, 7):
        factor += wobble / 3 * np.cos(k * phi + rng.uniform(0, 2 * np.pi))
    out: FloatArray = centre + (outline_px - centre) * factor[:, None]
    return out
