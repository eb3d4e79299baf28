"""Importing app.py must build no client and touch no network (cold start, SnapStart safety)."""

from __future__ import annotations

from tests.support.probe import fresh_interpreter

PROBE = r"""
import socket, sys
def refuse(*args, **kwargs):
    raise AssertionError("network used at import")
socket.socket.connect = refuse
socket.create_connection = refuse
import app
heavy = sorted(m for m in ("boto3", "botocore.session", "pynamodb.models", "jwt", "aws_xray_sdk.core",
                           "aws_lambda_powertools", "cryptography.hazmat.primitives.asymmetric.rsa",
                           "simple_icd_10_cm")
               if m in sys.modules)
print("HEAVY=" + ",".join(heavy))
from functions import bootstrap as container
print("CONTAINER=" + repr(container._container))
"""


def test_importing_app_creates_no_client_and_no_connection() -> None:
    output = fresh_interpreter(PROBE)
    assert "HEAVY=\n" in output
    assert "CONTAINER=None" in output
