"""The photo capture rules (capture_rules.json), shared with the browser's gate.

The JSON file is the one definition of every threshold, size and message the two gates use; the
browser imports the same file (web/src/cases/qualityGate.ts). It is read when this module is first
imported: 3 kB from the function's own package (~0.1 ms), no network, nothing random.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).with_name("capture_rules.json")
RULES: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))

FORMATS: dict[str, str] = dict(RULES["formats"])  # content type -> Pillow format name
MAX_UPLOAD_BYTES: int = RULES["maxUploadBytes"]  # a 12-24 MP phone JPEG is 3-10 MB; PNG copies more
MAX_PIXELS: int = RULES["maxPixels"]  # phones shoot 12-24 MP by default; one RGB decode stays under ~120 MB
MIN_LONG_SIDE: int = RULES["minLongSide"]  # teledermatology minimum (ATA): 800 x 600
MIN_SHORT_SIDE: int = RULES["minShortSide"]

LUMA_WEIGHTS: tuple[int, int, int] = tuple(RULES["measure"]["lumaWeights"])  # type: ignore[assignment]
MEASURE_EDGE: int = RULES["measure"]["edge"]

_T = RULES["thresholds"]
BLUR_MIN_VARIANCE: float = _T["blurMinVariance"]
DARK_LEVEL: int = _T["darkLevel"]  # grey at or below this is crushed shadow
BRIGHT_LEVEL: int = _T["brightLevel"]  # at or above this is blown highlight
MAX_DARK_FRACTION: float = _T["maxDarkFraction"]
MAX_BRIGHT_FRACTION: float = _T["maxBrightFraction"]
MIN_MEAN_LUMINANCE: float = _T["minMeanLuminance"]
MAX_MEAN_LUMINANCE: float = _T["maxMeanLuminance"]


def message(code: str, **values: Any) -> str:
    """The patient-facing text for `code`, with the rule values and `values` filled in."""
    template: str = RULES["messages"][code]
    return template.format(
        minLongSide=MIN_LONG_SIDE,
        minShortSide=MIN_SHORT_SIDE,
        maxMegapixels=MAX_PIXELS // 1_000_000,
        maxUploadMegabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        **values,
    )
