"""CloudFormation building blocks: intrinsic functions, the project's tags, and the retain policy."""

from __future__ import annotations

from typing import Any

from infrastructure.naming import APP_NAME, STAGE_TAG_KEY


def ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def tags() -> list[dict[str, Any]]:
    return [{"Key": "app", "Value": APP_NAME}, {"Key": STAGE_TAG_KEY, "Value": ref("Stage")}]


def retain(resource: dict[str, Any]) -> dict[str, Any]:
    """Data-bearing resources survive stack deletion and replacement."""
    return {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", **resource}
