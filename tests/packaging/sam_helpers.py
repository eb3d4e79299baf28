"""Reading a packaged SAM template: resources by type, SAM Globals merging, intrinsic resolution."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"
REGION = "eu-west-1"
URL_SUFFIX = "amazonaws.com"


@dataclass
class Package:
    stage: str
    directory: Path
    sam: dict[str, Any] = field(repr=False)

    @property
    def resources(self) -> dict[str, Any]:
        return dict(self.sam["Resources"])

    def of_type(self, type_: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res.get("Type") == type_}

    def functions(self) -> dict[str, dict[str, Any]]:
        return self.of_type("AWS::Serverless::Function")

    def global_environment(self) -> dict[str, Any]:
        return dict(self.sam.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {}))

    def own_environment(self, function: str) -> dict[str, Any]:
        props = self.resources[function]["Properties"]
        return dict(props.get("Environment", {}).get("Variables", {}))

    def merged_environment(self, function: str) -> dict[str, Any]:
        """SAM's rule for Globals maps: merged key by key, the function's own value wins."""
        return {**self.global_environment(), **self.own_environment(function)}

    def resolve(self, value: Any) -> Any:
        """Resolve the intrinsics used in environment variables and names to example values.

        Stage and pseudo parameters get concrete values; a Ref to an alias resolves to its name
        (what CloudFormation returns); any other resource reference becomes `<LogicalId>` or
        `<LogicalId.Attr>`. Unknown intrinsics raise, so a test never compares unresolved dicts.
        """
        if isinstance(value, str | int | bool):
            return value
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict) and len(value) == 1:
            function, argument = next(iter(value.items()))
            if function == "Ref":
                return self._ref(argument)
            if function == "Fn::GetAtt":
                name, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return f"<{name}.{attribute}>"
            if function == "Fn::Sub" and isinstance(argument, str):
                return re.sub(r"\$\{([^}!]+)\}", lambda m: str(self._sub_variable(m.group(1))), argument)
            if function == "Fn::If":
                # The example deployment sets no optional parameter, so each condition (all are "an
                # optional parameter was given") is false; both branches must still resolve.
                _condition, given, otherwise = argument
                self.resolve(given)
                return self.resolve(otherwise)
            if function == "Fn::FindInMap":
                mapping, top, second = (self.resolve(part) for part in argument)
                return self.sam["Mappings"][mapping][top][second]
        raise AssertionError(f"cannot resolve {value!r}")

    def _sub_variable(self, name: str) -> Any:
        if "." in name:
            resource, attribute = name.split(".", 1)
            return f"<{resource}.{attribute}>"
        return self._ref(name)

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION, "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": URL_SUFFIX, "AWS::Partition": "aws",
        }
        if name in pseudo:
            return pseudo[name]
        if name == "Stage":
            return self.stage
        if name in self.sam.get("Parameters", {}):
            return f"<{name}>"  # a deployer's value
        resource = self.resources.get(name)
        if resource is None:
            raise AssertionError(f"Ref to unknown {name!r}")
        if resource["Type"] == "AWS::KMS::Alias":
            return self.resolve(resource["Properties"]["AliasName"])
        return f"<{name}>"

    def resolve_deep(self, value: Any) -> Any:
        """`resolve` applied to every intrinsic inside `value` (a policy document, say)."""
        if isinstance(value, dict):
            if len(value) == 1 and next(iter(value)) in ("Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Fn::FindInMap"):
                return self.resolve(value)
            return {key: self.resolve_deep(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.resolve_deep(item) for item in value]
        return value

    def resolve_role_policies(self) -> None:
        """Resolve the intrinsics in every role's inline policies (ARNs of this stack, its stage and
        the example account), so tests read them as IAM would in the example deployment."""
        for role in self.of_type("AWS::IAM::Role").values():
            if "Policies" in role["Properties"]:
                role["Properties"]["Policies"] = self.resolve_deep(role["Properties"]["Policies"])

    def bucket_named(self, value: Any) -> str:
        """The logical id of the bucket whose name `value` (a name template) resolves to."""
        name = self.resolve(value)
        (bucket,) = [logical_id for logical_id, bucket in self.of_type("AWS::S3::Bucket").items()
                     if self.resolve(bucket["Properties"].get("BucketName", "")) == name]
        return bucket

    def target(self, value: Any) -> str:
        """The logical id a Ref / GetAtt points at."""
        if isinstance(value, dict) and "Ref" in value:
            return str(value["Ref"])
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            argument = value["Fn::GetAtt"]
            return str(argument[0] if isinstance(argument, list) else argument.split(".")[0])
        raise AssertionError(f"{value!r} is not a reference")
