"""Pillow lives in the imaging layer of one function only: importing the app or the photo handler
module must not import it (every other function would fail without the layer)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys
import app
import functions.images.events, functions.images.routes, functions.images.service, functions.images.processing
print("PIL=" + ",".join(sorted(m for m in sys.modules if m == "PIL" or m.startswith("PIL."))))
print("HANDLER=" + type(functions.images.events.process_photo_upload).__name__)
"""


def test_importing_app_and_photo_modules_leaves_pillow_unloaded() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "", "AWS_XRAY_SDK_ENABLED": "false"})
    assert result.returncode == 0, result.stderr
    assert "PIL=\n" in result.stdout
    assert "HANDLER=EventSourceHandler" in result.stdout


def test_requirements_txt_does_not_ship_pillow_to_every_function() -> None:
    lines = [line.split("#", 1)[0].strip().lower() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert not [line for line in lines if line.startswith("pillow")]
