"""TABLES is the one source of truth: the CloudFormation, the IAM policies, the pynamodb models and
local provisioning (`TableSpec.create_table_kwargs`) must all agree with it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import NumberAttribute, TTLAttribute
from pynamodb.models import Model

import functions
from functions.shared.tables import TABLES, TableSpec
from infrastructure import naming, policies, template

REPO_ROOT = Path(__file__).resolve().parents[2]


def adapter_models() -> list[type[Model]]:
    """Every pynamodb model in the capabilities' adapters modules (where tables.py says they live)."""
    models: list[type[Model]] = []
    for info in pkgutil.walk_packages(functions.__path__, prefix="functions."):
        if info.name.rsplit(".", 1)[-1] != "adapters":
            continue
        module = importlib.import_module(info.name)
        models += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, Model) and value.__module__ == info.name
            and value._hash_keyname is not None  # a model without keys is shared attributes, not a table
        ]
    return models


def spec_of(model: type[Model]) -> TableSpec:
    """The spec whose primary key names the model's; the rest of the schema is then compared."""
    hash_name = model._hash_keyname
    range_name = model._range_keyname
    matches = [
        spec for spec in TABLES
        if spec.hash_key.name == hash_name and (spec.range_key.name if spec.range_key else None) == range_name
    ]
    assert len(matches) == 1, (
        f"{model.__module__}.{model.__name__} (hash {hash_name!r}, range {range_name!r}) matches "
        f"{[m.logical_name for m in matches]} in TABLES: exactly one table must have its primary key"
    )
    return matches[0]


MODELS = adapter_models()


def committed_resources() -> dict[str, Any]:
    return dict(json.loads(template.RESOURCES_PATH.read_text())["Resources"])


def config_stage_variables(stage: str) -> dict[str, str]:
    config = json.loads((REPO_ROOT / ".chalice" / "config.json").read_text())
    return {**config.get("environment_variables", {}), **config["stages"][stage].get("environment_variables", {})}


def by_name(items: Any, key: str) -> dict[str, Any]:
    return {item[key]: dict(item) for item in items}


def test_committed_generated_files_equal_a_fresh_generation() -> None:
    stale = [
        str(path.relative_to(REPO_ROOT))
        for path, text in template.generated_files().items()
        if not path.exists() or path.read_text() != text
    ]
    assert not stale, f"stale generated files {stale}: run `python -m infrastructure.template` and commit them"


def test_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "resources.json"
    copy.write_text(template.RESOURCES_PATH.read_text().replace('"PAY_PER_REQUEST"', '"PROVISIONED"', 1))
    monkeypatch.setattr(template, "RESOURCES_PATH", copy)
    assert template.main(["--check"]) == 1


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_cloudformation_table_matches_local_provisioning(spec: TableSpec) -> None:
    resources = committed_resources()
    assert spec.cfn_logical_id in resources, f"{spec.cfn_logical_id} missing from resources.json"
    table = resources[spec.cfn_logical_id]
    assert table["Type"] == "AWS::DynamoDB::Table"
    props = table["Properties"]
    local = spec.create_table_kwargs("unused")

    assert props["BillingMode"] == local["BillingMode"] == "PAY_PER_REQUEST"
    assert props["KeySchema"] == local["KeySchema"]
    assert by_name(props["AttributeDefinitions"], "AttributeName") == by_name(
        local["AttributeDefinitions"], "AttributeName"
    )
    assert by_name(props.get("GlobalSecondaryIndexes", []), "IndexName") == by_name(
        local.get("GlobalSecondaryIndexes", []), "IndexName"
    )
    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props
    assert "StreamSpecification" not in props  # nothing consumes a table stream


@pytest.mark.parametrize("stage", naming.STAGES)
@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_table_name_is_the_functions_table_prefix_plus_logical_name(spec: TableSpec, stage: str) -> None:
    prefix = config_stage_variables(stage)["TABLE_PREFIX"]
    sub = committed_resources()[spec.cfn_logical_id]["Properties"]["TableName"]["Fn::Sub"]
    assert sub.replace("${Stage}", stage) == f"{prefix}{spec.logical_name}" == naming.table_name(stage, spec)


@pytest.mark.parametrize("stage", naming.STAGES)
def test_policies_name_the_stage_tables_as_the_functions_do(stage: str) -> None:
    prefix = config_stage_variables(stage)["TABLE_PREFIX"]
    for function, policy in policies.function_policies().items():
        text = json.dumps(policy.document()).replace("${Stage}", stage)
        granted = set(re.findall(r":table/([A-Za-z0-9_.-]+)\"", text))
        assert granted == {f"{prefix}{spec.logical_name}" for spec in policy.tables}, function
        indexed = set(re.findall(r":table/([A-Za-z0-9_.-]+)/index/\*", text))
        assert indexed == {naming.table_name(stage, spec) for spec in policy.tables if spec.indexes}, function
        assert "dynamodb:Scan" not in text, function
    # The REST API is the whole app: every table.
    assert set(policies.function_policies()["APIHandler"].tables) == set(TABLES)


def test_models_were_found() -> None:
    assert len(MODELS) >= 4, [m.__name__ for m in MODELS]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_pynamodb_model_matches_spec(model: type[Model]) -> None:
    spec = spec_of(model)
    schema: dict[str, Any] = dict(model._get_schema())
    local = spec.create_table_kwargs("unused")

    assert sorted(schema["key_schema"], key=lambda k: k["KeyType"]) == local["KeySchema"]
    model_attrs = by_name(schema["attribute_definitions"], "AttributeName")
    for index in schema["global_secondary_indexes"]:
        model_attrs.update(by_name(index["attribute_definitions"], "AttributeName"))
    spec_attrs = by_name(local["AttributeDefinitions"], "AttributeName")
    # A model may leave out an index it does not query yet, never declare one the table lacks.
    assert all(spec_attrs.get(name) == definition for name, definition in model_attrs.items()), (
        f"{model.__name__}: key attributes {model_attrs} disagree with {spec.logical_name}: {spec_attrs}"
    )

    spec_indexes = by_name(local.get("GlobalSecondaryIndexes", []), "IndexName")
    for index in schema["global_secondary_indexes"]:
        name = index["index_name"]
        assert name in spec_indexes, f"{model.__name__}.{name} is not an index of {spec.logical_name}"
        assert sorted(index["key_schema"], key=lambda k: k["KeyType"]) == spec_indexes[name]["KeySchema"], name
        assert index["projection"] == spec_indexes[name]["Projection"], name
    assert not schema["local_secondary_indexes"]

    if spec.ttl_attribute:
        attribute = model.get_attributes().get(spec.ttl_attribute)
        assert isinstance(attribute, NumberAttribute | TTLAttribute), (
            f"{model.__name__} must store the TTL attribute {spec.ttl_attribute!r} as a number (epoch seconds)"
        )


def test_the_composition_root_binds_every_model_to_its_own_table() -> None:
    """`TABLE_MODELS` (the one map the container binds from) names each model once, under its table."""
    from functions.bootstrap import TABLE_MODELS, load_model

    bound = [(load_model(path), table) for table, paths in TABLE_MODELS.items() for path in paths]
    assert sorted(TABLE_MODELS) == sorted(spec.logical_name for spec in TABLES)
    assert len(bound) == len({model for model, _ in bound}), "a model is bound under two tables"
    assert dict(bound) == {model: spec_of(model).logical_name for model in MODELS}
