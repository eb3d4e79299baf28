"""Run Python in a fresh interpreter at the repository root: what an import loads or builds can only
be seen in a process that has imported nothing yet (a Lambda cold start)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def fresh_interpreter(code: str) -> str:
    """Standard output of `code`, run with no PATH and X-Ray's SDK off; fails on a non-zero exit."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "", "AWS_XRAY_SDK_ENABLED": "false"})
    assert result.returncode == 0, result.stderr
    return result.stdout
