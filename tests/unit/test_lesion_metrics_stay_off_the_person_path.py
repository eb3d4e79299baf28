"""OpenCV and numpy live in the lesion-measurement layer of one function only (layers/lesionmetrics):
importing the app (every person-path function loads it) must load neither, and the shared
dependency layer (requirements.txt) must not ship them."""

from __future__ import annotations

from tests.support.probe import ROOT, fresh_interpreter

PROBE = r"""
import sys
import app
import functions.images.events, functions.images.processor
measuring = {"card", "registration", "outline", "measure", "handler", "synthetic"}
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"cv2", "numpy"}
               or (m.startswith("functions.lesionmetrics.") and m.split(".")[2] in measuring))
print("RECORDS=" + ",".join(sorted(m for m in sys.modules if m.startswith("functions.lesionmetrics."))))
print("HEAVY=" + ",".join(heavy))
"""


def test_importing_the_app_loads_no_opencv_numpy_or_measuring_code() -> None:
    output = fresh_interpreter(PROBE)
    assert "HEAVY=\n" in output
    # The routes, service and store of stored measurements load (the API serves them), without OpenCV.
    assert "functions.lesionmetrics.routes" in output


def test_requirements_txt_does_not_ship_opencv_or_numpy_to_every_function() -> None:
    lines = [line.split("#", 1)[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert not [line for line in lines if line.startswith(("opencv", "numpy"))]


def test_development_and_the_layer_pin_the_same_opencv() -> None:
    def pins(path: str) -> dict[str, str]:
        lines = [line.split("#", 1)[0].strip() for line in (ROOT / path).read_text().splitlines()]
        return dict(line.split("==") for line in lines if "==" in line)

    assert pins("requirements-dev.txt")["opencv-python-headless"] == \
        pins("layers/lesionmetrics/requirements.txt")["opencv-python-headless"]
