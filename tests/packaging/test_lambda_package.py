"""The Lambda bundle works on its own: every handler the SAM template names imports, in a clean
interpreter that sees only the unzipped function package and the unzipped layer (as in Lambda,
/var/task and /opt), never this machine's site-packages."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sam_helpers import REGION, Package

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON_TAG = f"python{sys.version_info.major}.{sys.version_info.minor}"
LAYER_SITE_PACKAGES = f"python/lib/{PYTHON_TAG}/site-packages"
MAX_FUNCTION_ZIP_BYTES = 512 * 1024  # dependencies belong in the layer
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024  # function + all layers, a hard Lambda quota
EXPECTED_HANDLERS = {"app.app", "app.ws_connect", "app.ws_message", "app.ws_disconnect"}
EXPECTED_FUNCTIONS = {"APIHandler", "JwtAuthorizer", "WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect"}
# Imported by the app at run time; each must load from the layer (native wheels included).
RUNTIME_MODULES = [
    "boto3",
    "botocore",
    "pynamodb.models",
    "jwt",
    "cryptography.hazmat.bindings._rust",
    "aws_xray_sdk.core",
    "aws_lambda_powertools",
    "fastjsonschema",
]

# Runs with `python -I -S`: no site module, no user site, no PYTHONPATH. Writes its report to a
# file because Powertools logs to stdout.
CHILD = r"""
import importlib, json, sys, traceback

task, opt, handler, mode, out = sys.argv[1:6]
site = f"{opt}/python/lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"
sys.path[:0] = [task, site, f"{opt}/python"]
report = {"version": list(sys.version_info[:2])}


class Context:
    aws_request_id = "req-1"
    function_name = "packaging-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:packaging-test"
    log_group_name = "/aws/lambda/packaging-test"
    log_stream_name = "stream"

    def get_remaining_time_in_millis(self):
        return 30000


try:
    module_name, _, attribute = handler.rpartition(".")
    target = getattr(importlib.import_module(module_name), attribute)
    report["callable"] = callable(target)
    report["type"] = f"{type(target).__module__}.{type(target).__qualname__}"
    if mode == "libs":
        for name in json.loads(sys.argv[6]):
            importlib.import_module(name)
    elif mode == "rest-health":
        event = {
            "resource": "/health", "path": "/health", "httpMethod": "GET",
            "headers": {"Host": "example.execute-api.eu-west-1.amazonaws.com", "Accept": "application/json"},
            "multiValueHeaders": None, "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": None, "stageVariables": None, "body": None, "isBase64Encoded": False,
            "requestContext": {
                "resourcePath": "/health", "httpMethod": "GET", "path": "/api/health", "stage": "api",
                "requestId": "req-1", "identity": {"sourceIp": "192.0.2.1"},
            },
        }
        report["response"] = target(event, Context())
    elif mode == "token-authorizer":
        event = {
            "type": "TOKEN", "authorizationToken": "Basic not-a-bearer-token",
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/api/GET/me",
        }
        try:
            report["authorizer"] = target(event, Context())
        except Exception as exc:
            report["authorizer_error"] = [type(exc).__name__, str(exc)]
except BaseException as exc:
    report["error"] = f"{type(exc).__name__}: {exc}"
    report["traceback"] = traceback.format_exc()

# The standard library lives under the base installation; any site-packages outside the bundle is foreign.
stdlib = (sys.base_prefix, sys.base_exec_prefix)
report["foreign_sys_path"] = [
    p for p in sys.path if p and not p.startswith((task, opt)) and ("site-packages" in p or not p.startswith(stdlib))
]
report["foreign_modules"] = sorted(
    f for f in {getattr(m, "__file__", None) for m in list(sys.modules.values())}
    if f and not f.startswith((task, opt)) and ("site-packages" in f or not f.startswith(stdlib))
)
with open(out, "w") as fh:
    json.dump(report, fh, default=str)
"""


@dataclass(frozen=True)
class Bundle:
    package: Package
    function_zip: Path
    layer_zip: Path
    task: Path
    opt: Path


def _code_uri(package: Package, value: Any) -> Path:
    assert isinstance(value, str), f"expected a local zip path, got {value!r}"
    return Path(package.directory, value).resolve()


@pytest.fixture(scope="session")
def bundle(dev_package: Package, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    code_uris = {_code_uri(dev_package, fn["Properties"]["CodeUri"]) for fn in dev_package.functions().values()}
    assert len(code_uris) == 1, f"expected one shared function zip, got {code_uris}"
    layers = dev_package.of_type("AWS::Serverless::LayerVersion")
    assert len(layers) == 1, f"expected Chalice's one automatic layer, got {sorted(layers)}"
    (layer,) = layers.values()
    layer_zip = _code_uri(dev_package, layer["Properties"]["ContentUri"])
    function_zip = code_uris.pop()
    root = tmp_path_factory.mktemp("lambda")
    task, opt = root / "task", root / "opt"
    with zipfile.ZipFile(function_zip) as archive:
        archive.extractall(task)
    with zipfile.ZipFile(layer_zip) as archive:
        archive.extractall(opt)
    return Bundle(dev_package, function_zip, layer_zip, task, opt)


def lambda_environment(package: Package, function: str) -> dict[str, str]:
    env = {name: str(package.resolve(value)) for name, value in package.merged_environment(function).items()}
    env.update(
        {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",  # dummy: nothing here may call AWS
            "AWS_SESSION_TOKEN": "testing",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_LAMBDA_FUNCTION_NAME": "packaging-test",
            "LANG": "C.UTF-8",
            "PATH": "/usr/bin:/bin",
        }
    )
    return env


def run_in_clean_interpreter(bundle: Bundle, function: str, mode: str, *extra: str) -> dict[str, Any]:
    handler = bundle.package.resources[function]["Properties"]["Handler"]
    report_path = bundle.task.parent / f"report-{function}-{mode}.json"
    # -I: no PYTHONPATH, no user site, no cwd on sys.path; -S: no site module, so no site-packages.
    command = [sys.executable, "-I", "-S", "-c", CHILD, str(bundle.task), str(bundle.opt), handler, mode]
    proc = subprocess.run(
        [*command, str(report_path), *extra],
        env=lambda_environment(bundle.package, function), cwd=bundle.task,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and report_path.exists(), f"child failed:\n{proc.stdout}\n{proc.stderr}"
    report: dict[str, Any] = json.loads(report_path.read_text())
    assert "error" not in report, f"{handler}: {report['error']}\n{report.get('traceback', '')}"
    assert report["foreign_sys_path"] == [], "the child saw paths outside the bundle and the stdlib"
    assert report["foreign_modules"] == [], "modules were loaded from outside the bundle"
    return report


def test_runtime_is_this_interpreter(dev_package: Package) -> None:
    runtimes = {fn["Properties"]["Runtime"] for fn in dev_package.functions().values()}
    assert runtimes == {PYTHON_TAG}, "the layer's native wheels are built for the packaging interpreter"


def test_template_names_the_expected_handlers(dev_package: Package) -> None:
    handlers = {fn["Properties"]["Handler"] for fn in dev_package.functions().values()}
    assert handlers >= EXPECTED_HANDLERS
    assert any(not h.startswith("app.") for h in handlers), "the blueprint authorizer has its own module handler"


def test_function_zip_is_small_and_dependencies_are_in_the_layer(bundle: Bundle) -> None:
    assert bundle.function_zip.stat().st_size < MAX_FUNCTION_ZIP_BYTES
    with zipfile.ZipFile(bundle.function_zip) as archive:
        function_names = archive.namelist()
    with zipfile.ZipFile(bundle.layer_zip) as archive:
        layer_names = archive.namelist()
        unzipped = sum(info.file_size for info in archive.infolist())
    with zipfile.ZipFile(bundle.function_zip) as archive:
        unzipped += sum(info.file_size for info in archive.infolist())
    assert "app.py" in function_names
    assert not any(name.startswith(("boto3/", "botocore/", "pynamodb/")) for name in function_names)
    assert all(name.startswith(f"{LAYER_SITE_PACKAGES}/") for name in layer_names)
    assert f"{LAYER_SITE_PACKAGES}/pynamodb/__init__.py" in layer_names
    assert unzipped < LAMBDA_UNZIPPED_LIMIT_BYTES


def test_functions_package_ships_through_the_vendor_bridge(bundle: Bundle) -> None:
    """`functions/` is not packaged by Chalice itself; the vendor/functions symlink brings it in.

    Chalice puts vendor/ contents into the automatic layer (under site-packages), so that is where
    `functions/` is expected; every module of the source tree must be there.
    """
    shipped = {
        path.relative_to(base).as_posix()
        for base in (bundle.task, bundle.opt / LAYER_SITE_PACKAGES)
        for path in (base / "functions").rglob("*.py")
    }
    assert shipped, "functions/ is in neither the function zip nor the layer: is vendor/functions missing?"
    source = {
        path.relative_to(REPO_ROOT).as_posix()
        for path in (REPO_ROOT / "functions").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert source <= shipped, f"missing from the bundle: {sorted(source - shipped)}"


def test_layer_holds_every_pinned_requirement(bundle: Bundle) -> None:
    site = bundle.opt / LAYER_SITE_PACKAGES
    installed = {}
    for dist_info in site.glob("*.dist-info"):
        name, _, version = dist_info.name[: -len(".dist-info")].partition("-")
        installed[name.lower().replace("-", "_").replace(".", "_")] = version
    for line in (REPO_ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, _, version = line.partition("==")
        key = name.strip().lower().replace("-", "_").replace(".", "_").split("[")[0]
        assert installed.get(key) == version.strip(), f"{line}: layer has {installed.get(key)!r}"


def test_every_handler_imports_in_a_clean_interpreter(bundle: Bundle) -> None:
    """One fresh interpreter per function, with that function's environment, as in Lambda."""
    functions = sorted(bundle.package.functions())
    assert set(functions) >= EXPECTED_FUNCTIONS
    for function in functions:
        report = run_in_clean_interpreter(bundle, function, "import")
        assert report["version"] == [sys.version_info.major, sys.version_info.minor]
        assert report["callable"] is True, f"{function} handler resolves to a {report['type']}"


def test_runtime_dependencies_load_from_the_layer(bundle: Bundle) -> None:
    run_in_clean_interpreter(bundle, "APIHandler", "libs", json.dumps(RUNTIME_MODULES))


def test_rest_handler_serves_health_from_the_bundle(bundle: Bundle) -> None:
    response = run_in_clean_interpreter(bundle, "APIHandler", "rest-health")["response"]
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"]) == {"status": "ok"}


def test_authorizer_refuses_a_malformed_token_with_401(bundle: Bundle) -> None:
    """API Gateway answers 401 only when the authorizer fails with exactly 'Unauthorized'."""
    report = run_in_clean_interpreter(bundle, "JwtAuthorizer", "token-authorizer")
    assert "authorizer" not in report, f"a malformed token was accepted: {report['authorizer']}"
    assert report["authorizer_error"][1] == "Unauthorized"
