"""Cold start: a fresh interpreter imports app.py, handles a first WebSocket $connect and a first
authorized REST GET (authorizer + view). Baseline, in the same run: the same work after importing
boto3, pynamodb, aws_xray_sdk (patch_all), cryptography and Powertools eagerly.

Both run against a moto server provisioned like the local stack, in fresh interpreters that see
the modules a Lambda bundle holds (pyOpenSSL, here only for aiortc, is hidden from both).
Figures are medians over alternating rounds.
Last line: {"app_ms", "baseline_ms", "ratio", ...}.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench.backend import seeded_backend
from local.seed import PAT_ALEX

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))

EAGER_IMPORTS = r"""
import boto3, pynamodb.models, pynamodb.connection
import cryptography.hazmat.primitives.asymmetric.rsa, cryptography.hazmat.primitives.ciphers.aead
from aws_xray_sdk.core import patch_all, xray_recorder
patch_all()
from aws_lambda_powertools import Logger, Metrics, Tracer
Logger(service="dermafollow"); Metrics(namespace="DermaFollow", service="dermafollow"); Tracer(service="dermafollow")
boto3.client("dynamodb")
"""

PROBE = r"""
import sys, time
started = time.perf_counter()
# The Lambda bundle has no pyOpenSSL (tests/packaging checks what the layer holds); this virtualenv
# has it for aiortc, and botocore would import it. Both arms see the Lambda situation.
sys.modules["OpenSSL"] = None
{eager}
import json, sys
import app as application

class Context:
    aws_request_id = "bench"
    function_name = "bench"
    memory_limit_in_mb = 512
    def get_remaining_time_in_millis(self):
        return 30000

ticket, token, connection_id = sys.argv[1], sys.argv[2], sys.argv[3]
connect_event = {{
    "queryStringParameters": {{"ticket": ticket}},
    "requestContext": {{"routeKey": "$connect", "eventType": "CONNECT", "stage": "api", "apiId": "bench",
                        "domainName": "127.0.0.1", "connectionId": connection_id, "requestId": "r1",
                        "requestTimeEpoch": int(time.time() * 1000)}},
    "isBase64Encoded": False,
}}
connected = application.ws_connect(connect_event, Context())
assert connected["statusCode"] == 200, connected

arn = "arn:aws:execute-api:eu-west-1:123456789012:bench/api/GET/cases"
from functions.identity.authorizer import jwt_authorizer
auth = jwt_authorizer({{"type": "TOKEN", "authorizationToken": "Bearer " + token, "methodArn": arn}},
                      Context())
context = dict(auth.get("context") or {{}})
context["principalId"] = auth["principalId"]
rest_event = {{
    "resource": "/cases", "path": "/cases", "httpMethod": "GET",
    "headers": {{"accept": "application/json"}}, "multiValueHeaders": {{}},
    "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
    "stageVariables": None, "body": None, "isBase64Encoded": False,
    "requestContext": {{"resourcePath": "/cases", "httpMethod": "GET", "stage": "api", "requestId": "r2",
                        "path": "/api/cases", "identity": {{"sourceIp": "127.0.0.1"}}, "authorizer": context}},
}}
response = application.app(rest_event, Context())
assert response["statusCode"] == 200, response
assert json.loads(response["body"])["items"], response
print(json.dumps({{"ms": (time.perf_counter() - started) * 1000}}))
"""


def run_probe(eager: bool, ticket: str, token: str, connection_id: str, env: dict[str, str]) -> float:
    script = PROBE.format(eager=EAGER_IMPORTS if eager else "")
    probe_env = dict(env)
    if eager:
        # The baseline pays for X-Ray as a deployed function would (patching on, no daemon needed).
        probe_env.update({"AWS_XRAY_SDK_ENABLED": "true", "AWS_XRAY_CONTEXT_MISSING": "IGNORE_ERROR"})
    result = subprocess.run([sys.executable, "-c", script, ticket, token, connection_id], cwd=ROOT, env=probe_env,
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    return float(json.loads(result.stdout.strip().splitlines()[-1])["ms"])


def main() -> None:
    from functions.shared.container import get_container

    with seeded_backend() as env:
        container = get_container()
        session = container.sessions.sign_in(PAT_ALEX.username, PAT_ALEX.password)
        token = session["accessToken"]
        principal = container.token_verifier.verify(token)
        app_ms: list[float] = []
        baseline_ms: list[float] = []
        for round_number in range(ROUNDS):
            for eager, sink in ((False, app_ms), (True, baseline_ms)):
                ticket = container.connect_tickets.issue(principal).ticket
                connection_id = f"bench-{round_number}-{int(eager)}"
                sink.append(run_probe(eager, ticket, token, connection_id, env))
            print(f"round {round_number + 1}: app {app_ms[-1]:.0f} ms, baseline {baseline_ms[-1]:.0f} ms")
    app_median = statistics.median(app_ms)
    baseline_median = statistics.median(baseline_ms)
    print(json.dumps({
        "app_ms": round(app_median, 1),
        "baseline_ms": round(baseline_median, 1),
        "ratio": round(app_median / baseline_median, 3),
        "rounds": ROUNDS,
    }))


if __name__ == "__main__":
    main()
