"""Generated photos that put each rule of the capture gate to the test: sharp and blurred, borderline
on each side of each threshold (inside the browser's margin and just outside it), dark, overexposed,
small, large, EXIF-rotated, PNG with transparency. Borderline pictures are tuned against the server's
own measurement, so they sit where they are meant to, whatever the encoder does."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from functions.images.processing import figures_of
from functions.images.rules import RULES
from tests.support.images import encode, phone_jpeg, skin_closeup, textured

THRESHOLDS = RULES["thresholds"]
MARGIN = RULES["browserMargin"]
SIZE = (1000, 750)  # k = 2: a 500 x 375 measured copy


@dataclass(frozen=True)
class Sample:
    name: str
    data: bytes
    content_type: str = "image/jpeg"


def _bisected(make: Callable[[float], bytes], figure: Callable[[bytes], float], target: float,
              low: float, high: float, rounds: int = 10) -> bytes:
    """Bisects the knob of `make` (figure increasing with the knob) until figure(data) is within 2.5%
    of target: close enough for targets placed at least 8% from a threshold."""
    data = make(high)
    for _ in range(rounds):
        middle = (low + high) / 2
        data = make(middle)
        value = figure(data)
        if abs(value - target) <= abs(target) * 0.025:
            break
        low, high = (middle, high) if value < target else (low, middle)
    return data


def _secant(make: Callable[[float], bytes], figure: Callable[[bytes], float], target: float,
            knob: float) -> bytes:
    """For a figure close to linear in the knob (mean luminance vs a brightness factor): two secant
    steps land within a few hundredths of a level."""
    previous, previous_value = knob, figure(make(knob))
    knob = knob * target / previous_value
    data = make(knob)
    for _ in range(2):
        value = figure(data)
        if abs(value - target) < 0.05 or value == previous_value:
            break
        knob, previous, previous_value = knob + (target - value) * (knob - previous) / (value - previous_value), \
            knob, value
        data = make(knob)
    return data


def _sharpness(data: bytes) -> float:
    return figures_of(data).sharpness


def _mean(data: bytes) -> float:
    return figures_of(data).mean_luminance


def _blurred(radius: float) -> bytes:
    # A knob that grows with sharpness: blur radius = 4 - knob.
    return encode(_skin_base().filter(ImageFilter.GaussianBlur(max(0.0, 4.0 - radius))))


_SKIN_CACHE: dict[str, Any] = {}


def _skin_base() -> Any:
    if "skin" not in _SKIN_CACHE:
        rng = random.Random(11)
        image = textured(*SIZE, seed_sigma=40)
        draw = ImageDraw.Draw(image)
        for _ in range(120):
            x, y, r = rng.randint(0, SIZE[0]), rng.randint(0, SIZE[1]), rng.randint(2, 9)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(170, 115, 100))
        _SKIN_CACHE["skin"] = image
    return _SKIN_CACHE["skin"]


def _brightness(factor: float, color: tuple[int, int, int] = (205, 160, 140)) -> bytes:
    return encode(ImageEnhance.Brightness(textured(*SIZE, color=color, seed_sigma=20)).enhance(factor))


def _band(fraction: float, level: int) -> bytes:
    """A flat band of grey `level` over the top `fraction` of the picture, sharp skin below it. The
    band covers whole 2 x 2 blocks of the measured copy so its share is what is asked."""
    image = _skin_base().copy()
    rows = round(fraction * (SIZE[1] // 2)) * 2
    image.paste(Image.new("RGB", (SIZE[0], rows), (level, level, level)), (0, 0))
    return encode(image, quality=95)


def _transparent_png(opaque: float) -> bytes:
    """Sharp skin whose alpha is `opaque` on the left part and 0 (white once flattened) elsewhere."""
    rgba = _skin_base().convert("RGBA")
    alpha = Image.new("L", SIZE, 0)
    alpha.paste(255, (0, 0, int(SIZE[0] * opaque), SIZE[1]))
    alpha = alpha.filter(ImageFilter.GaussianBlur(2))
    rgba.putalpha(alpha)
    return encode(rgba, "PNG")


def corpus() -> list[Sample]:
    blur = THRESHOLDS["blurMinVariance"]
    dark = THRESHOLDS["minMeanLuminance"]
    bright = THRESHOLDS["maxMeanLuminance"]
    dark_share = THRESHOLDS["maxDarkFraction"]
    bright_share = THRESHOLDS["maxBrightFraction"]
    level, share, relative = MARGIN["luminance"], MARGIN["fraction"], MARGIN["sharpnessRelative"]
    samples = [
        Sample("sharp", encode(_skin_base())),
        *(Sample(f"blurred {r} px", encode(_skin_base().filter(ImageFilter.GaussianBlur(r)))) for r in (1, 2, 3)),
        Sample("sharp 12 MP", skin_closeup(4032, 3024)),
        Sample("blurred 3 MP (5 px)", skin_closeup(2000, 1500, blur=5)),
        Sample("small 700 x 500", encode(textured(700, 500))),
        Sample("EXIF rotated 90 (6)", phone_jpeg(1200, 900, orientation=6)),
        Sample("EXIF rotated 270 (8)", phone_jpeg(900, 1200, orientation=8)),
        Sample("PNG, alpha on a third", _transparent_png(0.33), "image/png"),
        Sample("PNG, alpha mostly gone", _transparent_png(0.1), "image/png"),
        Sample("dark", _brightness(0.15)),
        Sample("overexposed", _brightness(1.6, (240, 235, 230))),
    ]
    for name, factor in (("under", 0.5), ("just under", 1 - relative * 0.8), ("just over", 1 + relative * 0.8),
                         ("over", 1.6)):
        samples.append(Sample(f"blur threshold, {name}", _bisected(_blurred, _sharpness, blur * factor, 0.0, 4.0)))
    for name, delta in (("under", -2.5 * level), ("just under", -0.5 * level), ("just over", 0.5 * level),
                        ("over", 2.5 * level)):
        samples.append(Sample(f"dark mean, {name}", _secant(_brightness, _mean, dark + delta, 0.3)))
        samples.append(Sample(f"bright mean, {name}", _secant(
            lambda f: _brightness(f, (230, 225, 220)), _mean, bright + delta, 1.0)))
    for name, delta in (("under", -3 * share), ("just under", -0.4 * share), ("just over", 0.4 * share),
                        ("over", 3 * share)):
        samples.append(Sample(f"dark share, {name}", _band(dark_share + delta, 4)))
        samples.append(Sample(f"bright share, {name}", _band(bright_share + delta, 252)))
    return samples
