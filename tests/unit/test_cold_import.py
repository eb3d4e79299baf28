"""Importing app.py must build no client and touch no network (cold start, SnapStart safety)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network used at import")
socket.socket.connect = refuse
socket.create_connection = refuse
import app
heavy = sorted(m for m in ("boto3", "botocore.session", "pynamodb.models", "jwt", "aws_xray_sdk.core",
                           "aws_lambda_powertools", "cryptography.hazmat.primitives.asymmetric.rsa")
               if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
from functions import bootstrap as container
print("CONTAINER=" + repr(container._container))
"""


def test_importing_app_creates_no_client_and_no_connection() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={"PATH": "", "AWS_XRAY_SDK_ENABLED": "false"})
    assert result.returncode == 0, result.stderr
    assert "HEAVY=\n" in result.stdout
    assert "CONTAINER=None" in result.stdout
