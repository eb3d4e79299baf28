"""The process environment the app reads (functions/shared/settings.py), set for the local stage.

Resource names come from the `local` stage of .chalice/config.json, the same file `chalice package`
uses, so the local stack and the deployed stages cannot drift apart on names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from local.moto_aws import FAKE_CREDENTIALS, REGION

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHALICE_CONFIG = PROJECT_ROOT / ".chalice" / "config.json"
LOCAL_STAGE = "local"

# Variables that would send clients somewhere else (a developer's real AWS profile) are removed.
REMOVED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DEFAULT_PROFILE")


def stage_environment(stage: str = LOCAL_STAGE, config_path: Path = CHALICE_CONFIG) -> dict[str, str]:
    """Top-level plus stage environment_variables from the Chalice config (stage wins)."""
    config = json.loads(config_path.read_text())
    env = {str(k): str(v) for k, v in (config.get("environment_variables") or {}).items()}
    stage_config = (config.get("stages") or {}).get(stage) or {}
    env.update({str(k): str(v) for k, v in (stage_config.get("environment_variables") or {}).items()})
    return env


def base_environment(moto_endpoint: str) -> dict[str, str]:
    """Everything that does not depend on provisioned ids or the HTTP port."""
    env = stage_environment()
    env.update(FAKE_CREDENTIALS)
    env.update(
        {
            "AWS_ENDPOINT_URL": moto_endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "STAGE": LOCAL_STAGE,
            "XRAY_ENABLED": "false",
            "AWS_XRAY_SDK_ENABLED": "false",
        }
    )
    env.setdefault("TABLE_PREFIX", "dermafollow-local-")
    env.setdefault("IMAGE_BUCKET", "dermafollow-local-images")
    env.setdefault("KMS_KEY_ID", "alias/dermafollow-local")
    env.setdefault("EVENT_BUS_NAME", env["TABLE_PREFIX"] + "events")
    env.setdefault("AUDIT_ANCHOR_BUCKET", env["TABLE_PREFIX"] + "audit-anchor")
    env.setdefault("LAKE_BUCKET", env["TABLE_PREFIX"] + "lake")
    # Reminders: the sender provisioning verifies in the local SES; nothing leaves the machine (the
    # messages are on the stack's outbox page).
    env.setdefault("NOTICE_SENDER", "no-reply@dermafollow.example")
    # moto's KMS forgets its key material on restart; the local key provider keeps a key-encryption
    # key in the data folder (LOCAL_KEY_FILE, set by the stack) so encrypted records survive.
    env.setdefault("KEY_PROVIDER", "local")
    # Lesion measurement runs in the stack's own interpreter (the development environment has OpenCV);
    # in AWS it is a function of its own behind the photo pipeline (layers/README.md).
    env.setdefault("LESION_MEASURER", "in-process")
    return env


class EnvironmentPatch:
    """Sets variables and puts the previous values back on restore() (tests run several stacks)."""

    def __init__(self) -> None:
        self._saved: dict[str, str | None] = {}

    def set(self, values: dict[str, str]) -> None:
        for key, value in values.items():
            self._remember(key)
            os.environ[key] = value

    def remove(self, keys: tuple[str, ...] = REMOVED) -> None:
        for key in keys:
            self._remember(key)
            os.environ.pop(key, None)

    def restore(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()

    def _remember(self, key: str) -> None:
        if key not in self._saved:
            self._saved[key] = os.environ.get(key)
