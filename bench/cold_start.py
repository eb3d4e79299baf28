"""Cold start of each deployed function, each in its own fresh Lambda-like interpreter.

Chalice and the template deploy the JWT authorizer, `$connect`, `$default`, `$disconnect`, the API
handler and the photo processor as separate functions, each with its own handler (read from the
packaged sam.json) and its own cold start. A person's first GET waits for two of them: the
authorizer's and then the API handler's.

It runs what Lambda runs, as Lambda runs it: the function zip and its layers built by
`infrastructure/package.sh` (prod stage) unzipped as /var/task and /opt (the imaging layer too), a
`python -I -S -B` interpreter that sees nothing else and writes no bytecode, and the runtime's
environment (LAMBDA_TASK_ROOT, the function's name, an X-Ray trace header, the prod stage's
XRAY_ENABLED and LOG_LEVEL), against a provisioned moto server.

Each probe is one function in one fresh interpreter:
- INIT: from the first line of the interpreter to the handler object (path set-up, the arm's own
  module-level work, importing the handler's module);
- first-invocation overhead: the first call minus a second identical call (same kind of event, its own
  ticket, connection or upload), which cancels what the local AWS takes to answer;
- cold: INIT + the first call, what the first request of a new container costs.
It also lists the third-party top-level modules INIT imported (from the layers, other than Chalice).

Arms, in the same run, alternating round by round; medians and IQR over the rounds:
- ours: the bundle as shipped, a sampled trace; `ours_unsampled`: a trace X-Ray does not sample;
- eager: today's baseline, the same bundle after importing boto3, pynamodb, aws_xray_sdk
  (patch_all), cryptography and Powertools eagerly and building a boto3 client;
- typical: a typical Chalice + Powertools app: module-level boto3 clients (DynamoDB resource, S3,
  KMS, Cognito), Powertools Logger, Tracer and Metrics made at import and their decorators on the
  handler (inject_lambda_context, capture_lambda_handler, log_metrics), and no bytecode in the zip.

Targets (sampled): `first_get_vs_typical` (authorizer + API handler cold, ours / typical) <= 0.5;
overhead (INIT + first-invocation overhead) vs the eager baseline: authorizer <= 0.3, `$connect` <= 0.6,
API handler <= 0.7; INIT of every function imports no third-party module but Chalice.

BENCH_ROUNDS (15) sets the rounds; BENCH_PACKAGE_DIR reuses a package.sh output instead of building.
Last line: {"first_get_vs_typical", "overhead_vs_eager", "init_third_party", "functions", ...,
"targets_met"}.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.backend import seeded_backend
from local.env import stage_environment
from local.seed import PAT_ALEX

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
STAGE = "prod"
SAMPLED = "Root=1-67a1b2c3-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
UNSAMPLED = SAMPLED.replace("Sampled=1", "Sampled=0")
LAYERS = ("layer-deployment.zip", "layer-imaging.zip")

# The deployed functions a person's requests and uploads reach (logical id in sam.json -> short name).
FUNCTIONS = {
    "JwtAuthorizer": "authorizer",
    "APIHandler": "api",
    "WebsocketConnect": "ws_connect",
    "WebsocketMessage": "ws_message",
    "WebsocketDisconnect": "ws_disconnect",
    "ProcessPhotoUpload": "photo_processor",
}
TARGET_FIRST_GET_VS_TYPICAL = 0.5
TARGET_OVERHEAD_VS_EAGER = {"authorizer": 0.3, "ws_connect": 0.6, "api": 0.7}
OWN_MODULES = frozenset({"app", "functions", "chalice"})

EAGER = r"""
import boto3, pynamodb.models, pynamodb.connection
import cryptography.hazmat.primitives.asymmetric.rsa, cryptography.hazmat.primitives.ciphers.aead
from aws_xray_sdk.core import patch_all, xray_recorder
patch_all()
from aws_lambda_powertools import Logger, Metrics, Tracer
Logger(service="dermafollow"); Metrics(namespace="DermaFollow", service="dermafollow"); Tracer(service="dermafollow")
boto3.client("dynamodb")
"""

TYPICAL = r"""
import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
logger = Logger(service="dermafollow")
tracer = Tracer(service="dermafollow")
metrics = Metrics(namespace="DermaFollow", service="dermafollow")
dynamodb = boto3.resource("dynamodb")
s3 = boto3.client("s3")
kms = boto3.client("kms")
cognito = boto3.client("cognito-idp")

def wrap_handler(handler):
    @logger.inject_lambda_context
    @tracer.capture_lambda_handler
    @metrics.log_metrics
    def typical_handler(event, context):
        return handler(event, context)
    return typical_handler
"""

PROBE = r"""
import importlib, json, sys, time, warnings
config = json.loads(sys.argv[1])
started = time.perf_counter()
task, opt = config["task"], config["opt"]
version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
sys.path[:0] = [task, f"{opt}/python/lib/{version}/site-packages", f"{opt}/python"]
before = set(sys.modules)
namespace = {}
exec(config["prelude"], namespace)
module_name, attribute = config["handler"].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), attribute)
if "wrap_handler" in namespace:
    handler = namespace["wrap_handler"](handler)
init_ms = (time.perf_counter() - started) * 1000
third_party = sorted({
    name.split(".")[0] for name in set(sys.modules) - before
    if str(getattr(sys.modules[name], "__file__", "") or "").startswith((task, opt))
    and name.split(".")[0] not in config["own"]
})

class Context:
    aws_request_id = "bench"
    function_name = config["function"]
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:" + config["function"]
    def get_remaining_time_in_millis(self):
        return 30000

warnings.simplefilter("ignore")  # Powertools warns when a handler emits no metric
answers, calls_ms = [], []
for event in config["events"]:
    at = time.perf_counter()
    answers.append(handler(event, Context()))
    calls_ms.append((time.perf_counter() - at) * 1000)
print(json.dumps({"init_ms": init_ms, "first_ms": calls_ms[0], "second_ms": calls_ms[1],
                  "third_party": third_party, "answers": answers}, default=str))
"""


@dataclass(frozen=True)
class Arm:
    name: str
    prelude: str
    trace_header: str
    bytecode: bool


ARMS = (
    Arm("ours", "", SAMPLED, bytecode=True),
    Arm("ours_unsampled", "", UNSAMPLED, bytecode=True),
    Arm("eager", EAGER, SAMPLED, bytecode=True),
    Arm("typical", TYPICAL, SAMPLED, bytecode=False),
)


@dataclass(frozen=True)
class Bundle:
    task: Path
    opt: Path


@contextmanager
def unpacked_bundles() -> Iterator[tuple[dict[bool, Bundle], dict[str, str]]]:
    """The prod package unzipped twice (as shipped, and with every `.pyc` removed); handler by function."""
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch:
        package_dir = Path(os.environ.get("BENCH_PACKAGE_DIR") or Path(scratch, "package"))
        if not os.environ.get("BENCH_PACKAGE_DIR"):
            subprocess.run(["bash", "infrastructure/package.sh"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "STAGE": STAGE, "OUT_DIR": str(package_dir)})
        template = json.loads((package_dir / "sam.json").read_text())
        handlers = {name: str(template["Resources"][logical]["Properties"]["Handler"])
                    for logical, name in FUNCTIONS.items()}
        bundles: dict[bool, Bundle] = {}
        for bytecode in (True, False):
            bundle = Bundle(Path(scratch, f"task-{bytecode}"), Path(scratch, f"opt-{bytecode}"))
            with zipfile.ZipFile(package_dir / "deployment.zip") as archive:
                archive.extractall(bundle.task)
            for layer in LAYERS:  # Lambda extracts every layer of a function into /opt
                with zipfile.ZipFile(package_dir / layer) as archive:
                    archive.extractall(bundle.opt)
            if not bytecode:
                for cache in [*bundle.task.rglob("__pycache__"), *bundle.opt.rglob("__pycache__")]:
                    shutil.rmtree(cache)
            bundles[bytecode] = bundle
        yield bundles, handlers


def lambda_environment(backend_env: dict[str, str], bundle: Bundle, arm: Arm, function: str) -> dict[str, str]:
    deployed = stage_environment(STAGE)
    env = dict(backend_env)
    env.update({
        "XRAY_ENABLED": deployed["XRAY_ENABLED"],
        "LOG_LEVEL": deployed["LOG_LEVEL"],
        # What the Lambda runtime sets; X-Ray's SDK reads LAMBDA_TASK_ROOT to run in Lambda mode.
        "LAMBDA_TASK_ROOT": str(bundle.task),
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024",
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_XRAY_SDK_ENABLED": "true",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_X_AMZN_TRACE_ID": arm.trace_header,
    })
    return env


class Events:
    """Two events per probe, made fresh through the app's services: tickets, connections and uploads
    are single-use, so the second call does the same work as the first."""

    def __init__(self) -> None:
        from functions.bootstrap import get_container
        from functions.identity.authorizer import jwt_authorizer
        from tests.support.images import phone_jpeg

        self.container = get_container()
        self.token = self.container.sessions.sign_in(PAT_ALEX.username, PAT_ALEX.password)["accessToken"]
        self.principal = self.container.token_verifier.verify(self.token)
        self.case_id = str(self.container.cases.list_visible(self.principal, 1, None)["items"][0]["caseId"])
        self.photo = phone_jpeg(1200, 900)
        self.serial = 0
        authorized = jwt_authorizer(self.authorizer_event(), _Context())
        self.authorizer_context = {**(authorized.get("context") or {}), "principalId": authorized["principalId"]}

    def next_id(self) -> str:
        self.serial += 1
        return f"bench{self.serial:05d}="

    def pair(self, function: str) -> list[dict[str, Any]]:
        make: Callable[[], dict[str, Any]] = getattr(self, f"{function}_event")
        return [make(), make()]

    def authorizer_event(self) -> dict[str, Any]:
        arn = "arn:aws:execute-api:eu-west-1:123456789012:bench/api/GET/cases"
        return {"type": "TOKEN", "authorizationToken": "Bearer " + self.token, "methodArn": arn}

    def api_event(self) -> dict[str, Any]:
        return {
            "resource": "/cases", "path": "/cases", "httpMethod": "GET",
            "headers": {"accept": "application/json"}, "multiValueHeaders": {},
            "queryStringParameters": None, "multiValueQueryStringParameters": None, "pathParameters": None,
            "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {"resourcePath": "/cases", "httpMethod": "GET", "stage": "api", "requestId": "r2",
                               "path": "/api/cases", "identity": {"sourceIp": "127.0.0.1"},
                               "authorizer": self.authorizer_context},
        }

    def _ws(self, route: str, event_type: str, connection_id: str, **extra: Any) -> dict[str, Any]:
        return {
            "requestContext": {"routeKey": route, "eventType": event_type, "stage": "api", "apiId": "bench",
                               "domainName": "127.0.0.1", "connectionId": connection_id, "requestId": "r1",
                               "identity": {"sourceIp": "127.0.0.1"}, "requestTimeEpoch": int(time.time() * 1000)},
            "isBase64Encoded": False, **extra,
        }

    def _connected(self) -> str:
        connection_id = self.next_id()
        self.container.signaling.connect(connection_id, self.principal)
        return connection_id

    def ws_connect_event(self) -> dict[str, Any]:
        ticket = self.container.connect_tickets.issue(self.principal).ticket
        return self._ws("$connect", "CONNECT", self.next_id(), queryStringParameters={"ticket": ticket})

    def ws_message_event(self) -> dict[str, Any]:
        return self._ws("$default", "MESSAGE", self._connected(), body=json.dumps({"action": "ping"}))

    def ws_disconnect_event(self) -> dict[str, Any]:
        return self._ws("$disconnect", "DISCONNECT", self._connected())

    def photo_processor_event(self) -> dict[str, Any]:
        from functions.images.ports import upload_key

        intent = self.container.images.create_upload(self.principal, self.case_id, {
            "bodySite": "elbow_left", "contentType": "image/jpeg", "sizeBytes": len(self.photo), "source": "camera"})
        key = upload_key(self.case_id, str(intent["photoId"]))
        bucket = self.container.settings.image_bucket
        put = self.container.client("s3").put_object(Bucket=bucket, Key=key, Body=self.photo,
                                                     ContentType="image/jpeg")
        return {
            "version": "0", "id": self.next_id(), "detail-type": "Object Created", "source": "aws.s3",
            "account": "123456789012", "time": "2026-01-05T09:00:00Z", "region": "eu-west-1",
            "resources": [f"arn:aws:s3:::{bucket}"],
            "detail": {"version": "0", "bucket": {"name": bucket},
                       "object": {"key": key, "size": len(self.photo), "etag": put.get("ETag", "").strip('"'),
                                  "version-id": put.get("VersionId"), "sequencer": f"{self.serial:016X}"},
                       "request-id": "bench", "requester": "123456789012", "reason": "PostObject"},
        }


class _Context:
    aws_request_id = "bench"
    function_name = "bench"
    memory_limit_in_mb = 1024

    def get_remaining_time_in_millis(self) -> int:
        return 30000


def answered(function: str, answer: Any) -> bool:
    """Whether a handler's answer is the normal one for its event (a failed call is not a cold start)."""
    if function == "authorizer":
        return isinstance(answer, dict) and bool(answer.get("principalId"))
    if function == "photo_processor":
        return isinstance(answer, dict) and answer.get("outcome") == "accepted"
    return isinstance(answer, dict) and answer.get("statusCode") == 200  # REST and the WebSocket routes


def run_probe(arm: Arm, bundle: Bundle, env: dict[str, str], function: str, handler: str,
              events: list[dict[str, Any]]) -> dict[str, Any]:
    config = {"task": str(bundle.task), "opt": str(bundle.opt), "prelude": arm.prelude, "handler": handler,
              "function": function, "events": events, "own": sorted(OWN_MODULES)}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, json.dumps(config)],
        cwd=bundle.task, env=lambda_environment(env, bundle, arm, function), capture_output=True, text=True,
        timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{function} {arm.name}: {result.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    for answer in figures.pop("answers"):
        if not answered(function, answer):
            raise RuntimeError(f"{function} {arm.name}: unexpected answer {answer!r}; {result.stderr[-1500:]}")
    return figures


def spread(values: list[float]) -> dict[str, float]:
    quartiles = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return {"median": round(statistics.median(values), 1), "iqr": round(quartiles[2] - quartiles[0], 1)}


def main() -> None:
    samples: dict[str, dict[str, dict[str, list[float]]]] = {
        f: {a.name: {"init": [], "overhead": [], "cold": []} for a in ARMS} for f in FUNCTIONS.values()}
    third_party: dict[str, list[str]] = {}
    typical_third_party: dict[str, list[str]] = {}  # shows what the same check finds in a typical app
    with unpacked_bundles() as (bundles, handlers), seeded_backend() as env:
        events = Events()
        for round_number in range(ROUNDS):
            arms = ARMS if round_number % 2 == 0 else tuple(reversed(ARMS))
            line = []
            for function in FUNCTIONS.values():
                for arm in arms:
                    figures = run_probe(arm, bundles[arm.bytecode], env, function, handlers[function],
                                        events.pair(function))
                    series = samples[function][arm.name]
                    series["init"].append(figures["init_ms"])
                    series["overhead"].append(figures["first_ms"] - figures["second_ms"])
                    series["cold"].append(figures["init_ms"] + figures["first_ms"])
                    if arm.name == "ours":
                        third_party[function] = figures["third_party"]
                    elif arm.name == "typical":
                        typical_third_party[function] = figures["third_party"]
                line.append(f"{function} {samples[function]['ours']['cold'][-1]:.0f}/"
                            f"{samples[function]['typical']['cold'][-1]:.0f}")
            print(f"round {round_number + 1}/{ROUNDS} cold ms ours/typical: " + ", ".join(line), flush=True)

    def median(function: str, arm: str, what: str) -> float:
        return statistics.median(samples[function][arm][what])

    def cold_overhead(function: str, arm: str) -> float:
        return median(function, arm, "init") + median(function, arm, "overhead")

    first_get = median("authorizer", "ours", "cold") + median("api", "ours", "cold")
    first_get_typical = median("authorizer", "typical", "cold") + median("api", "typical", "cold")
    first_get_eager = median("authorizer", "eager", "cold") + median("api", "eager", "cold")
    overhead_vs_eager = {f: round(cold_overhead(f, "ours") / cold_overhead(f, "eager"), 3) for f in FUNCTIONS.values()}
    functions = {
        f: {arm.name: {"init_ms": spread(s["init"]), "first_invocation_overhead_ms": spread(s["overhead"]),
                       "cold_ms": spread(s["cold"])} for arm in ARMS for s in [samples[f][arm.name]]}
        for f in FUNCTIONS.values()}
    targets_met = {
        "first_get_vs_typical": first_get / first_get_typical <= TARGET_FIRST_GET_VS_TYPICAL,
        **{f"overhead_vs_eager_{f}": overhead_vs_eager[f] <= t for f, t in TARGET_OVERHEAD_VS_EAGER.items()},
        "init_imports_only_chalice": not any(third_party.values()),
    }
    print(json.dumps({
        "first_get_ms": round(first_get, 1),
        "first_get_typical_ms": round(first_get_typical, 1),
        "first_get_eager_ms": round(first_get_eager, 1),
        "first_get_vs_typical": round(first_get / first_get_typical, 3),
        "first_get_vs_eager": round(first_get / first_get_eager, 3),
        "overhead_vs_eager": overhead_vs_eager,
        "init_third_party": third_party,
        "typical_init_third_party": typical_third_party,
        "functions": functions,
        "params": {"rounds": ROUNDS, "stage": STAGE, "python": f"{sys.version_info.major}.{sys.version_info.minor}",
                   "handlers": handlers, "arms": [arm.name for arm in ARMS], "photo": "1200x900 JPEG"},
        "targets": {"first_get_vs_typical": TARGET_FIRST_GET_VS_TYPICAL,
                    **{f"overhead_vs_eager_{f}": t for f, t in TARGET_OVERHEAD_VS_EAGER.items()},
                    "init_imports_only_chalice": True},
        "targets_met": targets_met,
    }))


if __name__ == "__main__":
    main()
