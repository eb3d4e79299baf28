"""X-Ray: AWS calls are traced from the first invocation X-Ray samples; unsampled invocations never
import the SDK. Each case runs in its own interpreter: patching botocore is process-wide."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SAMPLED = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
UNSAMPLED = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=0"

# Invocations in order, each with its trace header; reports after each whether the SDK is loaded and
# whether a client built before any of them now records its calls.
PROBE = r"""
import json, os, sys
import botocore.session
from functions.shared.observability import start_invocation
client = botocore.session.get_session().create_client("dynamodb", region_name="eu-west-1")
report = []
for header in json.loads(sys.argv[1]):
    if header is None:
        os.environ.pop("_X_AMZN_TRACE_ID", None)
    else:
        os.environ["_X_AMZN_TRACE_ID"] = header
    start_invocation(request_id="r")
    # The client's generated class inherits _make_api_call: what BaseClient holds is what it calls.
    assert "_make_api_call" not in type(client).__dict__
    report.append({"sdk": "aws_xray_sdk.core" in sys.modules,
                   "patched": type(botocore.client.BaseClient.__dict__["_make_api_call"]).__name__})
print("REPORT=" + json.dumps(report))
"""


def run(xray_enabled: bool, headers: list[str | None]) -> list[dict[str, object]]:
    env = {
        "PATH": "", "XRAY_ENABLED": "true" if xray_enabled else "false", "LAMBDA_TASK_ROOT": str(ROOT),
        "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "POWERTOOLS_DEV": "false", "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(headers)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("REPORT="))
    return list(json.loads(line.removeprefix("REPORT=")))


def test_unsampled_invocations_do_not_load_the_sdk() -> None:
    report = run(True, [UNSAMPLED, None, UNSAMPLED])
    assert [r["sdk"] for r in report] == [False, False, False]
    assert {r["patched"] for r in report} == {"function"}


def test_the_first_sampled_invocation_traces_clients_built_before_it() -> None:
    report = run(True, [UNSAMPLED, SAMPLED, UNSAMPLED])
    assert [r["sdk"] for r in report] == [False, True, True]
    assert [r["patched"] for r in report] == ["function", "FunctionWrapper", "FunctionWrapper"]


@pytest.mark.parametrize("headers", [[SAMPLED], [None]])
def test_tracing_off_in_settings_never_loads_the_sdk(headers: list[str | None]) -> None:
    report = run(False, headers)
    assert report == [{"sdk": False, "patched": "function"}]
