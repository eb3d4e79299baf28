"""The photo processor on a 12 MP phone JPEG: time and peak memory, against a naive pipeline that
produces the same outputs (the quality figures, and full / display / thumb renditions of the same
sizes).

- production: `functions.images.processing.process_image`, as the S3 -> EventBridge Lambda runs it:
  header checks, ONE full decode shared by the quality gate and the renditions, the display rendition
  shrunk with `reducing_gap` (a cheap box pre-reduction before LANCZOS), the thumbnail made from the
  display rendition, Huffman optimisation only for the renditions that are downloaded over and over.
- naive: the straightforward version: decode the whole file for the gate, decode it again for the
  renditions, LANCZOS from the full picture for both smaller renditions, Huffman optimisation for all.

Each round of each arm runs in its own fresh interpreter (peak RSS is the process's `ru_maxrss`, as
Lambda reports "Max Memory Used"); the arms alternate so machine noise falls on both. The photo is
generated once: a 4032 x 3024 skin close-up (pores, hairs, fine texture) with phone EXIF.

    python -m bench.image_pipeline          # BENCH_ROUNDS=10 by default
Last line: {"ratio", "peak_rss_mb", "production_s", "naive_s", ..., "targets_met"}; targets:
ratio <= 0.7, peak_rss_mb <= 400.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
SIZE = (4032, 3024)
TARGETS = {"ratio": 0.7, "peak_rss_mb": 400.0}


def make_photo(path: Path) -> None:
    from PIL import Image

    from tests.support.images import skin_closeup

    picture = Image.open(io.BytesIO(skin_closeup(*SIZE)))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x0110] = "PhoneCam 12"
    picture.save(path, "JPEG", quality=92, exif=exif)


def production(data: bytes) -> Any:
    from functions.images.processing import process_image

    return process_image(data, "image/jpeg")


def naive(data: bytes) -> Any:
    from PIL import Image, ImageOps

    from functions.images.processing import check_quality, measure_quality

    with Image.open(io.BytesIO(data)) as opened:
        quality = measure_quality(ImageOps.exif_transpose(opened).convert("RGB"))
    check_quality(quality)
    with Image.open(io.BytesIO(data)) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    outputs = []
    for edge, jpeg_quality in ((None, 92), (1920, 85), (320, 80)):
        copy = image.copy()
        if edge is not None:
            copy.thumbnail((edge, edge), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.save(buffer, "JPEG", quality=jpeg_quality, optimize=True)
        outputs.append((copy.size, len(buffer.getvalue())))
    return quality, outputs


def run_arm(arm: str, path: str) -> None:
    """Inside the fresh interpreter: import, read, then time the arm alone."""
    import resource
    import time

    from PIL import Image  # noqa: F401  (imported before timing in both arms)

    import functions.images.processing  # noqa: F401

    data = Path(path).read_bytes()
    start = time.perf_counter()
    result = production(data) if arm == "production" else naive(data)
    seconds = time.perf_counter() - start
    sizes = ([(r.width, r.height) for r in result.renditions] if arm == "production"
             else [size for size, _ in result[1]])
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "sizes": sizes}))


def one_round(arm: str, path: Path) -> dict[str, Any]:
    output = subprocess.run([sys.executable, "-m", "bench.image_pipeline", "--arm", arm, str(path)],
                            check=True, capture_output=True, text=True, timeout=300).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "phone-12mp.jpg"
        make_photo(path)
        runs: dict[str, list[dict[str, Any]]] = {"production": [], "naive": []}
        for _ in range(ROUNDS):
            for arm in runs:
                runs[arm].append(one_round(arm, path))
        size_mb = path.stat().st_size / 1e6
    assert runs["production"][0]["sizes"] == runs["naive"][0]["sizes"], "the arms must produce the same renditions"
    seconds = {arm: [run["seconds"] for run in results] for arm, results in runs.items()}
    peaks = {arm: max(run["peak_rss_mb"] for run in results) for arm, results in runs.items()}
    production_s = statistics.median(seconds["production"])
    naive_s = statistics.median(seconds["naive"])
    result: dict[str, Any] = {
        "ratio": round(production_s / naive_s, 3),
        "peak_rss_mb": round(peaks["production"], 1),
        "production_s": round(production_s, 3),
        "production_p90_s": round(statistics.quantiles(seconds["production"], n=10)[-1], 3),
        "naive_s": round(naive_s, 3),
        "naive_peak_rss_mb": round(peaks["naive"], 1),
        "renditions": runs["production"][0]["sizes"],
        "params": {"rounds": ROUNDS, "width": SIZE[0], "height": SIZE[1], "jpeg_mb": round(size_mb, 2),
                   "targets": TARGETS},
    }
    result["targets_met"] = result["ratio"] <= TARGETS["ratio"] and result["peak_rss_mb"] <= TARGETS["peak_rss_mb"]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--arm":
        run_arm(sys.argv[2], sys.argv[3])
    else:
        main()
