"""Generate the CloudFormation merged into `chalice package` output, and the Lambda IAM policies.

Run `python -m infrastructure.template` after changing `functions/shared/tables.py` (or any module
below): it rewrites `infrastructure/resources.json` and `.chalice/policy-<stage>.json`. `--check` only
compares and exits 1 when a committed file is stale (`infrastructure/package.sh` runs it).

Everything Chalice does not create is declared here, one module per concern: `naming` (the app, its
stages, logical ids and physical names), `cfn` (intrinsic-function helpers, tags), `tables` (from
`functions.shared.tables.TABLES`, the one source of truth), `storage` (the KMS key, the image and
audit-anchor buckets), `web` (the SPA behind CloudFront), `identity` (the Cognito user pool),
`photos` (the imaging layer), `lesions` (the lesion measuring functions), `alarms`, `resources` (the
template that puts them together) and `policies` (one IAM policy per function, merged into its role).
Values that exist only after deployment reach every function through SAM `Globals` (SAM merges them
under each function's own `Environment.Variables`, where a key Chalice also sets would win: keep such
keys out of `.chalice/config.json` for the deployed stages).
This module is the command line and the generated files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infrastructure.naming import STAGES
from infrastructure.policies import chalice_policy
from infrastructure.resources import build_template

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_PATH = REPO_ROOT / "infrastructure" / "resources.json"


def policy_path(stage: str) -> Path:
    """The stage's policy file Chalice copies into every role (X-Ray only: the merged template
    replaces each role's policy with the function's own, infrastructure/policies.py)."""
    return REPO_ROOT / ".chalice" / f"policy-{stage}.json"


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def generated_files() -> dict[Path, str]:
    files = {RESOURCES_PATH: render(build_template())}
    for stage in STAGES:
        files[policy_path(stage)] = render(chalice_policy())
    return files


def _shown(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def stale_files() -> list[Path]:
    return [path for path, text in generated_files().items() if not path.exists() or path.read_text() != text]


def pin_stage(sam_path: Path, stage: str) -> None:
    """Fix the packaged template's Stage parameter to the stage Chalice packaged.

    Chalice bakes the stage into every function (TABLE_PREFIX, policy file); deploying the package
    with another Stage would point the functions at tables and keys of a different stage.
    """
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    template = json.loads(sam_path.read_text())
    parameter = template["Parameters"]["Stage"]
    parameter["AllowedValues"] = [stage]
    parameter["Default"] = stage
    sam_path.write_text(json.dumps(template, indent=2) + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.template", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed generated file is stale")
    parser.add_argument("--pin-stage", nargs=2, metavar=("STAGE", "SAM_JSON"), help="pin Stage in a packaged template")
    args = parser.parse_args(argv)
    if args.pin_stage:
        stage, sam_json = args.pin_stage
        pin_stage(Path(sam_json), stage)
        return 0
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"stale: {_shown(path)} (run: python -m infrastructure.template)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in generated_files().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {_shown(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
