"""Cold start of the deployed bundle: a fresh interpreter imports app.py, handles a first WebSocket
`$connect` and a first authorized REST `GET /cases` (authorizer + view, one KMS unwrap for the case
list's encrypted text).

It runs what Lambda runs, as Lambda runs it: the function zip and the layer built by
`infrastructure/package.sh` (prod stage) unzipped as /var/task and /opt, a `python -I -S -B`
interpreter that sees nothing else and can write no bytecode (Lambda's file system is read-only),
and the runtime's environment (LAMBDA_TASK_ROOT, a sampled X-Ray trace header, the prod stage's
XRAY_ENABLED and LOG_LEVEL), against a provisioned moto server.

Arms, alternating round by round, medians reported:
- app: the bundle as shipped;
- baseline: the same work after importing boto3, pynamodb, aws_xray_sdk (patch_all), cryptography
  and Powertools (Logger, Metrics, Tracer) eagerly and building a boto3 client;
- app_unsampled: the app in an invocation X-Ray does not sample (it never loads the X-Ray SDK);
- app_without_bytecode: the bundle with its `.pyc` files removed, as `chalice package` alone ships it.

BENCH_ROUNDS (7) sets the rounds; BENCH_PACKAGE_DIR reuses a package.sh output instead of building.
Last line: {"app_ms", "baseline_ms", "ratio", ...}.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.backend import seeded_backend
from local.env import stage_environment
from local.seed import PAT_ALEX

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
STAGE = "prod"
SAMPLED = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
UNSAMPLED = SAMPLED.replace("Sampled=1", "Sampled=0")

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
task, opt = sys.argv[4], sys.argv[5]
sys.path[:0] = [task, f"{{opt}}/python/lib/python{{sys.version_info[0]}}.{{sys.version_info[1]}}/site-packages",
                f"{{opt}}/python"]
{eager}
import json
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
elapsed_ms = (time.perf_counter() - started) * 1000
# Only bundle modules count: the standard library comes with the runtime.
compiled = [m for m in sys.modules.values() if getattr(getattr(m, "__spec__", None), "cached", None)
            and str(getattr(m, "__file__", "")).startswith((task, opt))]
print(json.dumps({{"ms": elapsed_ms, "modules": len(compiled)}}))
"""


@dataclass(frozen=True)
class Arm:
    name: str
    eager: bool
    trace_header: str
    bytecode: bool


ARMS = (
    Arm("app", eager=False, trace_header=SAMPLED, bytecode=True),
    Arm("baseline", eager=True, trace_header=SAMPLED, bytecode=True),
    Arm("app_unsampled", eager=False, trace_header=UNSAMPLED, bytecode=True),
    Arm("app_without_bytecode", eager=False, trace_header=SAMPLED, bytecode=False),
)


@dataclass(frozen=True)
class Bundle:
    task: Path
    opt: Path


@contextmanager
def unpacked_bundles() -> Iterator[dict[bool, Bundle]]:
    """The prod package unzipped twice: as shipped, and with every `.pyc` removed."""
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch:
        package_dir = Path(os.environ.get("BENCH_PACKAGE_DIR") or Path(scratch, "package"))
        if not os.environ.get("BENCH_PACKAGE_DIR"):
            subprocess.run(["bash", "infrastructure/package.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "STAGE": STAGE, "OUT_DIR": str(package_dir)})
        bundles: dict[bool, Bundle] = {}
        for bytecode in (True, False):
            bundle = Bundle(Path(scratch, f"task-{bytecode}"), Path(scratch, f"opt-{bytecode}"))
            for zip_name, target in (("deployment.zip", bundle.task), ("layer-deployment.zip", bundle.opt)):
                with zipfile.ZipFile(package_dir / zip_name) as archive:
                    archive.extractall(target)
            if not bytecode:
                for cache in [*bundle.task.rglob("__pycache__"), *bundle.opt.rglob("__pycache__")]:
                    shutil.rmtree(cache)
            bundles[bytecode] = bundle
        yield bundles


def lambda_environment(backend_env: dict[str, str], bundle: Bundle, arm: Arm) -> dict[str, str]:
    deployed = stage_environment(STAGE)
    env = dict(backend_env)
    env.update({
        "XRAY_ENABLED": deployed["XRAY_ENABLED"],
        "LOG_LEVEL": deployed["LOG_LEVEL"],
        # What the Lambda runtime sets; X-Ray's SDK reads LAMBDA_TASK_ROOT to run in Lambda mode.
        "LAMBDA_TASK_ROOT": str(bundle.task),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_XRAY_SDK_ENABLED": "true",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": arm.trace_header,
    })
    return env


def run_probe(arm: Arm, bundle: Bundle, env: dict[str, str], ticket: str, token: str,
              connection_id: str) -> tuple[float, int]:
    script = PROBE.format(eager=EAGER_IMPORTS if arm.eager else "")
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", script, ticket, token, connection_id, str(bundle.task),
         str(bundle.opt)],
        cwd=bundle.task, env=lambda_environment(env, bundle, arm), capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{arm.name}: {result.stderr[-2000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    return float(figures["ms"]), int(figures["modules"])


def main() -> None:
    from functions.bootstrap import get_container

    with unpacked_bundles() as bundles, seeded_backend() as env:
        container = get_container()
        token = container.sessions.sign_in(PAT_ALEX.username, PAT_ALEX.password)["accessToken"]
        principal = container.token_verifier.verify(token)
        times: dict[str, list[float]] = {arm.name: [] for arm in ARMS}
        modules: dict[str, int] = {}
        for round_number in range(ROUNDS):
            for arm in ARMS:
                ticket = container.connect_tickets.issue(principal).ticket
                elapsed, modules[arm.name] = run_probe(arm, bundles[arm.bytecode], env, ticket, token,
                                                       f"bench-{round_number}-{arm.name}")
                times[arm.name].append(elapsed)
            print(f"round {round_number + 1}: " + ", ".join(f"{n} {t[-1]:.0f} ms" for n, t in times.items()))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(json.dumps({
        "app_ms": round(median["app"], 1),
        "baseline_ms": round(median["baseline"], 1),
        "ratio": round(median["app"] / median["baseline"], 3),
        "app_unsampled_ms": round(median["app_unsampled"], 1),
        "app_without_bytecode_ms": round(median["app_without_bytecode"], 1),
        "bytecode_speedup": round(median["app_without_bytecode"] / median["app"], 2),
        "app_modules": modules["app"],
        "baseline_modules": modules["baseline"],
        "rounds": ROUNDS,
    }))


if __name__ == "__main__":
    main()
