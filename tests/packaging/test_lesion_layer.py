"""The lesion-measurement layer (layers/lesionmetrics/build.sh): within Lambda's unpacked quota on its
own, too big to share a function with Chalice's dependency layer, and able to measure a photo in a
`python -I -S` interpreter that sees nothing but the layer (as the measuring function will)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
SHARED_LAYER_MIN_BYTES = 40 * 1024 * 1024  # Chalice's layer: boto3, pynamodb, cryptography, ... (~57 MB)

PROBE = r"""
import json, sys
sys.path[:] = [sys.argv[1] + "/python"] + [p for p in sys.path if "site-packages" not in p]
import cv2, numpy
from functions.lesionmetrics import card, handler, measure
image = cv2.imdecode(numpy.frombuffer(card.card_png(300), numpy.uint8), cv2.IMREAD_COLOR)
reading = card.detect_card(cv2.copyMakeBorder(image, 40, 40, 40, 40, cv2.BORDER_CONSTANT, value=(200, 200, 200)))
print(json.dumps({"cv2": cv2.__file__, "numpy": numpy.__version__, "numpy_file": numpy.__file__,
                  "mm_per_px": reading.mm_per_px, "reliable": reading.colour.reliable,
                  "synthetic": "functions.lesionmetrics.synthetic" in sys.modules,
                  "handler": callable(handler.lambda_handler), "boto3": "boto3" in sys.modules}))
"""


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lesion-layer") / "layer.zip"
    proc = subprocess.run(["bash", "layers/lesionmetrics/build.sh", str(out)], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def unpacked(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


def test_the_layer_fits_alone_but_not_with_the_shared_layer(layer: Path) -> None:
    size = unpacked(layer)
    assert size <= LAMBDA_UNZIPPED_LIMIT_BYTES
    # The decision in layers/README.md rests on this: with Chalice's shared layer the function would not deploy.
    assert size + SHARED_LAYER_MIN_BYTES > LAMBDA_UNZIPPED_LIMIT_BYTES
    with zipfile.ZipFile(layer) as archive:
        names = set(archive.namelist())
    assert "python/functions/lesionmetrics/measure.py" in names
    assert not [name for name in names if name.startswith("python/functions/") and "lesionmetrics" not in name
                and name != "python/functions/__init__.py"], "only the measuring code of functions/ ships here"
    assert "python/functions/lesionmetrics/synthetic.py" not in names  # the test corpus stays out
    assert not [name for name in names if "/numpy/" in name and "/tests/" in name]


def test_the_layer_measures_in_a_clean_interpreter(layer: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(layer) as archive:
        archive.extractall(tmp_path)
    proc = subprocess.run([sys.executable, "-I", "-S", "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["cv2"].startswith(str(tmp_path)) and report["numpy_file"].startswith(str(tmp_path))
    pinned = dict(line.split("==") for line in (REPO_ROOT / "layers/lesionmetrics/requirements.txt").read_text()
                  .splitlines() if "==" in line and not line.startswith("#"))
    assert report["numpy"] == pinned["numpy"]
    assert report["mm_per_px"] == pytest.approx(25.4 / 300, rel=0.01) and report["reliable"]
    assert not report["synthetic"]
    assert report["handler"] and not report["boto3"]  # boto3 is the runtime's, loaded on the first event
