"""The DynamoDB tables: one resource per `functions.shared.tables.TABLES` entry, built from the same
CreateTable arguments local provisioning uses (`TableSpec.create_table_kwargs`), plus what only a
deployed table has (TTL, point-in-time recovery, the project key, deletion protection, tags)."""

from __future__ import annotations

from typing import Any

from functions.shared.tables import TableSpec
from infrastructure.cfn import arn, retain, sub, tags
from infrastructure.naming import APP_NAME, KEY


def table_resource(spec: TableSpec) -> dict[str, Any]:
    # The key schema, attribute definitions and indexes exactly as local provisioning creates them.
    properties: dict[str, Any] = {
        **spec.create_table_kwargs(""),
        "TableName": sub(f"{APP_NAME}-${{Stage}}-{spec.logical_name}"),
    }
    if spec.ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": spec.ttl_attribute, "Enabled": True}
    properties.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": arn(KEY)},
            "DeletionProtectionEnabled": True,
            "Tags": tags(),
        }
    )
    return retain({"Type": "AWS::DynamoDB::Table", "Properties": properties})
