"""One `infrastructure/package.sh` run per stage per session (Chalice caches the zips in
.chalice/deployments, so a warm run takes seconds; a cold one downloads wheels from PyPI)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sam_helpers import Package

REPO_ROOT = Path(__file__).resolve().parents[2]
STAGES = ("dev", "prod")

PackageBuilder = Callable[[str], Package]


@pytest.fixture(scope="session")
def build_package(tmp_path_factory: pytest.TempPathFactory) -> PackageBuilder:
    built: dict[str, Package] = {}

    def build(stage: str) -> Package:
        if stage not in built:
            out = tmp_path_factory.mktemp(f"package-{stage}") / "out"
            env = {**os.environ, "STAGE": stage, "OUT_DIR": str(out)}
            proc = subprocess.run(
                ["bash", "infrastructure/package.sh"],
                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
            )
            if proc.returncode != 0:
                pytest.fail(f"package.sh ({stage}) failed with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
            package = Package(stage, out, json.loads((out / "sam.json").read_text()))
            package.resolve_role_policies()
            built[stage] = package
        return built[stage]

    return build


@pytest.fixture(scope="session", params=STAGES)
def package(request: pytest.FixtureRequest, build_package: PackageBuilder) -> Package:
    return build_package(request.param)


@pytest.fixture(scope="session")
def dev_package(build_package: PackageBuilder) -> Package:
    return build_package("dev")
