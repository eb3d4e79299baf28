"""The Lambda bundle works on its own: every handler the SAM template names imports, in a clean
interpreter that sees only the unzipped function package and the unzipped layer (as in Lambda,
/var/task and /opt), never this machine's site-packages."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sam_helpers import REGION, Package

from infrastructure.analytics import ANALYTICS_FUNCTIONS, PANDAS_LAYER_PARAMETER
from infrastructure.bytecode import UNCHECKED_HASH_FLAGS, pyc_name

REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON_TAG = f"python{sys.version_info.major}.{sys.version_info.minor}"
LAYER_SITE_PACKAGES = f"python/lib/{PYTHON_TAG}/site-packages"
MAX_FUNCTION_ZIP_BYTES = 512 * 1024  # dependencies belong in the layer
LAMBDA_UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024  # function + all layers, a hard Lambda quota
EXPECTED_HANDLERS = {
    "app.app", "app.ws_connect", "app.ws_message", "app.ws_disconnect", "functions.images.events.process_photo_upload",
}
EXPECTED_FUNCTIONS = {
    "APIHandler", "JwtAuthorizer", "WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect", "ProcessPhotoUpload",
}
MANAGED_LAYER = "ManagedLayer"  # Chalice's automatic layer
IMAGING_LAYER = "ImagingLayer"  # Pillow (layers/imaging), for the photo function only
# The measuring function: its own tiny zip and the lesion-measurement layer alone (OpenCV, numpy,
# functions/lesionmetrics); boto3 is the Lambda runtime's (here: the shared layer's copy of it).
LESION_MEASURER = "LesionMeasurer"
LESION_LAYER = "LesionMetricsLayer"
RUNTIME_BOTO3 = ("boto3", "botocore", "jmespath", "s3transfer", "dateutil", "urllib3", "six.py")
PHOTO_FUNCTION = "ProcessPhotoUpload"
# Lambda's python3.11 runtime is Amazon Linux 2: native wheels must need at most glibc 2.26.
LAMBDA_GLIBC = (2, 26)
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

# Lambda's file system is read-only: a module without bytecode in the bundle is compiled from
# source on every cold start. Record every such compilation.
import importlib._bootstrap_external as bootstrap_external
compiled_from_source = []
compile_source = bootstrap_external.SourceLoader.source_to_code


def recording_source_to_code(self, data, path, *, _optimize=-1):
    compiled_from_source.append(path)
    return compile_source(self, data, path, _optimize=_optimize)


bootstrap_external.SourceLoader.source_to_code = recording_source_to_code


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
    elif mode == "imaging":
        # The photo pipeline end to end on the layer's Pillow: a phone-like JPEG with GPS EXIF and a
        # rotated orientation goes in; an upright JPEG with no metadata must come out.
        import io
        from PIL import Image
        import PIL
        from functions.images.processing import process_image
        base = Image.new("RGB", (1200, 900), (205, 160, 140))
        photo = Image.blend(base, Image.effect_noise((1200, 900), 60).convert("RGB"), 0.35)
        exif = Image.Exif()
        exif[0x0112] = 6
        exif[0x8825] = {1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)}
        raw = io.BytesIO()
        photo.save(raw, "JPEG", quality=90, exif=exif)
        result = process_image(raw.getvalue(), "image/jpeg")
        full = Image.open(io.BytesIO(result.full.data))
        report["imaging"] = {
            "pillow": PIL.__version__, "pil_file": PIL.__file__, "size": [result.width, result.height],
            "renditions": {r.name: [r.width, r.height] for r in result.renditions},
            "exif": len(full.getexif()), "info": sorted(full.info), "sha256": result.sha256,
        }
    elif mode == "token-authorizer":
        event = {
            "type": "TOKEN", "authorizationToken": "Basic not-a-bearer-token",
            "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/api/GET/me",
        }
        try:
            report["authorizer"] = target(event, Context())
        except Exception as exc:
            report["authorizer_error"] = [type(exc).__name__, str(exc)]
    elif mode == "lesion":
        # Lambda's runtime puts its own boto3 on the path after the layers.
        sys.path.append(f"{opt}/runtime")
        report["lesion"] = target({"bucket": "b", "photo": {"key": "k"}}, Context())
        report["lesion_modules"] = {name: sys.modules[name].__file__ for name in ("cv2", "numpy", "boto3")}
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
report["compiled_from_source"] = sorted(p for p in compiled_from_source if p.startswith((task, opt)))
with open(out, "w") as fh:
    json.dump(report, fh, default=str)
"""


@dataclass(frozen=True)
class Bundle:
    package: Package
    function_zip: Path
    layer_zip: Path
    task: Path
    opt: Path  # /opt of every function: Chalice's shared layer
    imaging_zip: Path
    imaging_opt: Path  # /opt of the photo function: the shared layer plus the imaging layer
    lesion_zip: Path  # the measuring function's own zip
    lesion_layer_zip: Path
    lesion_task: Path
    lesion_opt: Path  # its layer alone, and under runtime/ the runtime's boto3


def _code_uri(package: Package, value: Any) -> Path:
    assert isinstance(value, str), f"expected a local zip path, got {value!r}"
    return Path(package.directory, value).resolve()


@pytest.fixture(scope="session")
def bundle(dev_package: Package, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    code_uris = {_code_uri(dev_package, fn["Properties"]["CodeUri"]) for name, fn in dev_package.functions().items()
                 if name != LESION_MEASURER}
    assert len(code_uris) == 1, f"expected one shared function zip, got {code_uris}"
    layers = dev_package.of_type("AWS::Serverless::LayerVersion")
    assert set(layers) == {MANAGED_LAYER, IMAGING_LAYER, LESION_LAYER}, f"unexpected layers: {sorted(layers)}"
    layer_zip = _code_uri(dev_package, layers[MANAGED_LAYER]["Properties"]["ContentUri"])
    imaging_zip = _code_uri(dev_package, layers[IMAGING_LAYER]["Properties"]["ContentUri"])
    lesion_layer_zip = _code_uri(dev_package, layers[LESION_LAYER]["Properties"]["ContentUri"])
    lesion_zip = _code_uri(dev_package, dev_package.resources[LESION_MEASURER]["Properties"]["CodeUri"])
    function_zip = code_uris.pop()
    root = tmp_path_factory.mktemp("lambda")
    task, opt, imaging_opt = root / "task", root / "opt", root / "opt-imaging"
    with zipfile.ZipFile(function_zip) as archive:
        archive.extractall(task)
    # Lambda extracts a function's layers into /opt in order; the photo function gets both.
    for target, zips in ((opt, (layer_zip,)), (imaging_opt, (layer_zip, imaging_zip))):
        for zip_path in zips:
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(target)
    lesion_task, lesion_opt = root / "task-lesion", root / "opt-lesion"
    for zip_path, target in ((lesion_zip, lesion_task), (lesion_layer_zip, lesion_opt)):
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(target)
    site = opt / LAYER_SITE_PACKAGES
    for name in RUNTIME_BOTO3:
        (shutil.copytree if (site / name).is_dir() else shutil.copy2)(site / name, lesion_opt / "runtime" / name)
    for pyc in (site / "__pycache__").glob("six.*.pyc"):
        (lesion_opt / "runtime" / "__pycache__").mkdir(exist_ok=True)
        shutil.copy2(pyc, lesion_opt / "runtime" / "__pycache__" / pyc.name)
    return Bundle(dev_package, function_zip, layer_zip, task, opt, imaging_zip, imaging_opt, lesion_zip,
                  lesion_layer_zip, lesion_task, lesion_opt)


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


def run_in_clean_interpreter(bundle: Bundle, function: str, mode: str, *extra: str,
                             opt: Path | None = None) -> dict[str, Any]:
    handler = bundle.package.resources[function]["Properties"]["Handler"]
    report_path = bundle.task.parent / f"report-{function}-{mode}.json"
    task = bundle.task
    if function == LESION_MEASURER:
        task, opt = bundle.lesion_task, bundle.lesion_opt
    # -I: no PYTHONPATH, no user site, no cwd on sys.path; -S: no site module, so no site-packages;
    # -B: write no bytecode (Lambda cannot), so every run sees the bundle exactly as shipped.
    command = [sys.executable, "-I", "-S", "-B", "-c", CHILD, str(task), str(opt or bundle.opt), handler, mode]
    proc = subprocess.run(
        [*command, str(report_path), *extra],
        env=lambda_environment(bundle.package, function), cwd=task,
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and report_path.exists(), f"child failed:\n{proc.stdout}\n{proc.stderr}"
    report: dict[str, Any] = json.loads(report_path.read_text())
    assert "error" not in report, f"{handler}: {report['error']}\n{report.get('traceback', '')}"
    assert report["foreign_sys_path"] == [], "the child saw paths outside the bundle and the stdlib"
    assert report["foreign_modules"] == [], "modules were loaded from outside the bundle"
    assert report["compiled_from_source"] == [], "the bundle lacks bytecode for modules this handler imports"
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


def test_every_module_ships_with_bytecode_that_matches_its_source(bundle: Bundle) -> None:
    """Unchecked-hash pycs (PEP 552) for this interpreter beside every source, in every zip."""
    for zip_path in (bundle.function_zip, bundle.layer_zip, bundle.imaging_zip):
        with zipfile.ZipFile(zip_path) as archive:
            names = set(archive.namelist())
            sources = {n for n in names if n.endswith(".py")}
            pycs = {n for n in names if n.endswith(".pyc")}
            assert sources, zip_path.name
            assert pycs == {pyc_name(n) for n in sources}, f"{zip_path.name}: pycs and sources differ"
            for source in sources:
                header = archive.read(pyc_name(source))[:16]
                assert header[:4] == importlib.util.MAGIC_NUMBER, source
                assert int.from_bytes(header[4:8], "little") == UNCHECKED_HASH_FLAGS, source
                assert header[8:16] == importlib.util.source_hash(archive.read(source)), source


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


# --- the imaging layer -----------------------------------------------------------------------------
def test_only_the_photo_function_carries_the_imaging_layer(dev_package: Package) -> None:
    # ...and only the two analytics functions the pandas/pyarrow layer: the person-path functions
    # (authorizer, API, WebSocket) carry the shared layer alone.
    for name, function in dev_package.functions().items():
        layers = [dev_package.target(layer) for layer in function["Properties"].get("Layers", [])]
        expected = ([MANAGED_LAYER, IMAGING_LAYER] if name == PHOTO_FUNCTION
                    else [MANAGED_LAYER, PANDAS_LAYER_PARAMETER] if name in ANALYTICS_FUNCTIONS
                    else [LESION_LAYER] if name == LESION_MEASURER else [MANAGED_LAYER])
        assert layers == expected, name
    photo = dev_package.resources[PHOTO_FUNCTION]["Properties"]
    assert photo["Handler"] == "functions.images.events.process_photo_upload"
    assert photo["MemorySize"] >= 1024, "decoding a 40 MP photo needs ~120 MB per RGB copy"
    layer = dev_package.resources[IMAGING_LAYER]["Properties"]
    assert layer["CompatibleRuntimes"] == [PYTHON_TAG]


def test_photo_events_are_narrowed_to_uploads_in_the_image_bucket(dev_package: Package) -> None:
    events = dev_package.resources[PHOTO_FUNCTION]["Properties"]["Events"]
    (event,) = events.values()
    assert event["Type"] == "CloudWatchEvent"
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    (bucket,) = pattern["detail"]["bucket"]["name"]
    assert dev_package.target(bucket) == dev_package.bucket_named(dev_package.global_environment()["IMAGE_BUCKET"])
    assert pattern["detail"]["object"]["key"] == [{"wildcard": "uploads/*/*"}]


def test_pillow_stays_out_of_the_shared_layer(bundle: Bundle) -> None:
    with zipfile.ZipFile(bundle.layer_zip) as archive:
        assert not [n for n in archive.namelist() if n.startswith(f"{LAYER_SITE_PACKAGES}/PIL/")]
    with zipfile.ZipFile(bundle.imaging_zip) as archive:
        names = archive.namelist()
    assert "python/PIL/__init__.py" in names
    assert all(name.startswith("python/") for name in names)


def test_imaging_wheels_load_on_amazon_linux_2(bundle: Bundle) -> None:
    wheels = list((bundle.imaging_opt / "python").glob("*.dist-info/WHEEL"))
    assert wheels
    for wheel in wheels:
        tags = [line.split(":", 1)[1].strip() for line in wheel.read_text().splitlines() if line.startswith("Tag:")]
        assert tags, wheel
        for tag in tags:
            platform = tag.rsplit("-", 1)[-1]
            if platform in ("any", "manylinux2014_x86_64", "manylinux1_x86_64", "manylinux2010_x86_64"):
                continue
            parts = platform.split("_")
            assert parts[0] == "manylinux" and (int(parts[1]), int(parts[2])) <= LAMBDA_GLIBC, (wheel, tag)


def test_photo_handler_processes_a_photo_with_the_imaging_layer(bundle: Bundle) -> None:
    report = run_in_clean_interpreter(bundle, PHOTO_FUNCTION, "imaging", opt=bundle.imaging_opt)
    imaging = report["imaging"]
    pinned = (REPO_ROOT / "layers" / "imaging" / "requirements.txt").read_text()
    assert f"Pillow=={imaging['pillow']}" in pinned
    assert imaging["pil_file"].startswith(str(bundle.imaging_opt / "python"))
    assert imaging["size"] == [900, 1200], "EXIF orientation 6 must be applied to the pixels"
    assert imaging["renditions"] == {"full": [900, 1200], "display": [900, 1200], "thumb": [240, 320]}
    assert imaging["exif"] == 0
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(imaging["info"])


def test_photo_function_may_delete_raw_uploads_but_not_photos(dev_package: Package) -> None:
    from fnmatch import fnmatchcase

    role = dev_package.target(dev_package.resources[PHOTO_FUNCTION]["Properties"]["Role"])
    statements = [
        statement
        for policy in dev_package.resources[role]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if statement["Effect"] == "Allow" and "s3:DeleteObjectVersion" in statement["Action"]
    ]
    assert statements, "the processor must delete raw uploads for good (the image bucket is versioned)"
    bucket = "dermafollow-dev-images-123456789012-eu-west-1"
    for statement in statements:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert any(fnmatchcase(f"arn:aws:s3:::{bucket}/uploads/c1/p1", r) for r in resources)
        assert not any(fnmatchcase(f"arn:aws:s3:::{bucket}/cases/c1/photos/p1/full.jpg", r) for r in resources)


def test_only_the_rest_api_may_remove_stored_photo_versions(dev_package: Package) -> None:
    from fnmatch import fnmatchcase

    bucket = "dermafollow-dev-images-123456789012-eu-west-1"
    rendition = f"arn:aws:s3:::{bucket}/cases/c1/photos/p1/full.jpg"
    for name, function in dev_package.functions().items():
        role = dev_package.target(function["Properties"]["Role"])
        statements = [
            statement
            for policy in dev_package.resources[role]["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Allow"
        ]
        def matches(arn: str, statement: dict[str, Any]) -> bool:
            resources = statement["Resource"]
            return any(fnmatchcase(arn, r) for r in (resources if isinstance(resources, list) else [resources]))

        removes = [st for st in statements if "s3:DeleteObjectVersion" in st["Action"] and matches(rendition, st)]
        lists = [st for st in statements if "s3:ListBucketVersions" in st["Action"]
                 and matches(f"arn:aws:s3:::{bucket}", st)]
        if name == "APIHandler":
            assert removes and lists, "removing a photo deletes every version of its renditions"
            assert all(st["Condition"]["StringLike"]["s3:prefix"] == "cases/*/photos/*" for st in lists)
            assert not any(matches(f"arn:aws:s3:::{bucket}/uploads/c1/p1", st) for st in removes)
        else:
            assert removes == [] and lists == [], name


# --- the lesion measuring function ---------------------------------------------------------------------
def _unpacked(zip_path: Path) -> int:
    with zipfile.ZipFile(zip_path) as archive:
        return sum(info.file_size for info in archive.infolist())


def test_the_measuring_function_fits_lambdas_unpacked_quota(bundle: Bundle) -> None:
    # Its code and its one layer as shipped (bytecode included); with the shared layer it would not fit.
    size = _unpacked(bundle.lesion_zip) + _unpacked(bundle.lesion_layer_zip)
    assert size <= LAMBDA_UNZIPPED_LIMIT_BYTES
    assert size + _unpacked(bundle.layer_zip) > LAMBDA_UNZIPPED_LIMIT_BYTES
    assert _unpacked(bundle.lesion_zip) < 4096, "its own zip only names the handler in the layer"


def test_the_measuring_handler_answers_with_its_layer_and_the_runtimes_boto3(bundle: Bundle) -> None:
    report = run_in_clean_interpreter(bundle, LESION_MEASURER, "lesion")
    # A request without a baseline is refused before any S3 read: the handler ran, boto3 loaded.
    assert report["lesion"]["ok"] is False and report["lesion"]["error"]["code"] == "invalid_request"
    modules = report["lesion_modules"]
    assert modules["cv2"].startswith(str(bundle.lesion_opt / "python"))
    assert modules["numpy"].startswith(str(bundle.lesion_opt / "python"))
    assert modules["boto3"].startswith(str(bundle.lesion_opt / "runtime"))
