"""The de-identified lake and its engines: the lake and Athena-results buckets, the pseudonym key,
the Glue database and tables (partition projection over `batch=NNNNNN`), the Athena workgroup with
one named query per analysis (the same SQL text DuckDB runs locally), and what the two analytics
functions need beyond Chalice's defaults: the AWS SDK for pandas layer (pyarrow; the functions on a
person's path never load it), the Athena engine and a policy of their own."""

from __future__ import annotations

from typing import Any

from functions.analytics.engine import ANALYSES, sql_text
from functions.analytics.omop import TABLES as LAKE_TABLES
from infrastructure.cfn import arn, ref, retain, sub, tags
from infrastructure.naming import APP_NAME, CHALICE_MANAGED_LAYER, KEY
from infrastructure.storage import BLOCK_PUBLIC_ACCESS, bucket_encryption, tls_only_policy

LAKE_BUCKET = "LakeBucket"
LAKE_BUCKET_NAME = f"{APP_NAME}-${{Stage}}-lake-${{AWS::AccountId}}-${{AWS::Region}}"
ATHENA_RESULTS_BUCKET = "AthenaResultsBucket"
LAKE_KEY_SECRET = "LakePseudonymKey"  # noqa: S105 - a logical id, not a secret
GLUE_DATABASE = "LakeDatabase"
GLUE_DATABASE_NAME = f"{APP_NAME}_${{Stage}}_lake"
ATHENA_WORKGROUP = "AnalyticsWorkGroup"
PANDAS_LAYER_PARAMETER = "PandasLayerArn"
# Chalice's logical ids of the scheduled functions in functions/analytics/jobs.py.
ANALYTICS_FUNCTIONS = ("ExportLake", "AnalyzeLake")
MAX_BATCH = 999_999  # batch=000001 .. batch=999999 (six digits): one batch per export run with changes

_GLUE_TYPES = {"int64": "bigint", "int32": "int", "date32": "date", "float64": "double", "string": "string",
               "bool": "boolean"}


def analytics_parameters() -> dict[str, Any]:
    return {
        PANDAS_LAYER_PARAMETER: {
            "Type": "String",
            "AllowedPattern": "^arn:aws:lambda:[a-z0-9-]+:336392948345:layer:AWSSDKPandas-Python311(-Arm64)?:[0-9]+$",
            "Description": "The AWS SDK for pandas managed layer of this region for Python 3.11 (pandas, pyarrow) "
                           "for the lake export and the nightly analyses (one ARN per region, published by AWS).",
        }
    }


def _glue_table(name: str) -> dict[str, Any]:
    location = sub(f"s3://${{{LAKE_BUCKET}}}/omop/{name}/")
    return {
        "Type": "AWS::Glue::Table",
        "Properties": {
            "CatalogId": ref("AWS::AccountId"),
            "DatabaseName": ref(GLUE_DATABASE),
            "TableInput": {
                "Name": name,
                "TableType": "EXTERNAL_TABLE",
                "Parameters": {
                    "classification": "parquet",
                    # Partition projection: Athena computes the partitions, nothing is crawled or added.
                    "projection.enabled": "true",
                    "projection.batch.type": "integer",
                    "projection.batch.range": f"1,{MAX_BATCH}",
                    "projection.batch.digits": "6",
                    "storage.location.template": sub(f"s3://${{{LAKE_BUCKET}}}/omop/{name}/batch=${{!batch}}/"),
                },
                "PartitionKeys": [{"Name": "batch", "Type": "int"}],
                "StorageDescriptor": {
                    "Columns": [{"Name": column, "Type": _GLUE_TYPES[kind]} for column, kind in LAKE_TABLES[name]],
                    "Location": location,
                    "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                    "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                    "SerdeInfo": {
                        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"},
                },
            },
        },
    }


def _logical(name: str) -> str:
    return "Lake" + "".join(part.capitalize() for part in name.split("_")) + "Table"


def analytics_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        LAKE_BUCKET: retain({
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": sub(LAKE_BUCKET_NAME),
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": bucket_encryption(),
                # Versioned like every bucket of the stack; an export rewrites a partition's files, so
                # the replaced versions go after 30 days.
                "VersioningConfiguration": {"Status": "Enabled"},
                "LifecycleConfiguration": {"Rules": [{"Id": "expire-replaced-exports", "Status": "Enabled",
                                                      "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]},
                "Tags": tags(),
            },
        }),
        f"{LAKE_BUCKET}Policy": tls_only_policy(LAKE_BUCKET),
        ATHENA_RESULTS_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "BucketEncryption": bucket_encryption(),
                "VersioningConfiguration": {"Status": "Enabled"},
                # Query results are aggregates but still derived data: kept a week, then gone.
                "LifecycleConfiguration": {"Rules": [{"Id": "expire-results", "Status": "Enabled",
                                                      "ExpirationInDays": 7,
                                                      "NoncurrentVersionExpiration": {"NoncurrentDays": 1}}]},
                "Tags": tags(),
            },
        },
        f"{ATHENA_RESULTS_BUCKET}Policy": tls_only_policy(ATHENA_RESULTS_BUCKET),
        LAKE_KEY_SECRET: {
            # The HMAC key behind every pseudonym and date shift of the lake; generated, never in the repo.
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {
                "Name": sub(f"{APP_NAME}/${{Stage}}/lake-pseudonym-key"),
                "Description": "HMAC key of the de-identified lake's pseudonyms and per-person date shifts",
                "KmsKeyId": ref(KEY),
                "GenerateSecretString": {"PasswordLength": 64, "ExcludePunctuation": True},
                "Tags": tags(),
            },
        },
        GLUE_DATABASE: {
            "Type": "AWS::Glue::Database",
            "Properties": {
                "CatalogId": ref("AWS::AccountId"),
                "DatabaseInput": {"Name": sub(GLUE_DATABASE_NAME),
                                  "Description": "De-identified OMOP CDM v5.4 lake (Parquet)"},
            },
        },
        ATHENA_WORKGROUP: {
            "Type": "AWS::Athena::WorkGroup",
            "Properties": {
                "Name": sub(f"{APP_NAME}-${{Stage}}-analytics"),
                "State": "ENABLED",
                "WorkGroupConfiguration": {
                    "EnforceWorkGroupConfiguration": True,
                    "PublishCloudWatchMetricsEnabled": True,
                    "BytesScannedCutoffPerQuery": 10_000_000_000,
                    "ResultConfiguration": {
                        "OutputLocation": sub(f"s3://${{{ATHENA_RESULTS_BUCKET}}}/results/"),
                        "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": arn(KEY)},
                    },
                },
                "Tags": tags(),
            },
        },
    }
    for name in LAKE_TABLES:
        resources[_logical(name)] = _glue_table(name)
    for analysis in ANALYSES:
        resources[f"{analysis.capitalize()}NamedQuery"] = {
            "Type": "AWS::Athena::NamedQuery",
            "Properties": {
                "Name": f"{analysis} (nightly analysis)",
                "Description": f"functions/analytics/sql/{analysis}.sql: the same text DuckDB runs locally",
                "Database": ref(GLUE_DATABASE),
                "WorkGroup": ref(ATHENA_WORKGROUP),
                "QueryString": sql_text(analysis),
            },
        }
    environment = {
        "LAKE_BUCKET": ref(LAKE_BUCKET),
        "LAKE_KEY_SECRET_ID": ref(LAKE_KEY_SECRET),
        "ANALYTICS_ENGINE": "athena",
        "ATHENA_WORKGROUP": ref(ATHENA_WORKGROUP),
        "GLUE_DATABASE": ref(GLUE_DATABASE),
    }
    for function in ANALYTICS_FUNCTIONS:
        resources[function] = {"Properties": {
            "Layers": [ref(CHALICE_MANAGED_LAYER), ref(PANDAS_LAYER_PARAMETER)],
            "Environment": {"Variables": environment},
        }}
    return resources


def analytics_policy_statements() -> list[dict[str, Any]]:
    """What the export and the analyses need beyond their tables and keys (infrastructure/policies.py)."""
    lake = f"arn:aws:s3:::{APP_NAME}-*-lake-*"
    return [
        {"Sid": "ReadWriteLake", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": f"{lake}/*"},
        {"Sid": "ListLake", "Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": lake},
        {"Sid": "AthenaResults", "Effect": "Allow",
         "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation",
                    "s3:AbortMultipartUpload"],
         "Resource": ["arn:aws:s3:::*-athenaresultsbucket-*", "arn:aws:s3:::*-athenaresultsbucket-*/*"]},
        {"Sid": "RunAnalyses", "Effect": "Allow",
         "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
                    "athena:StopQueryExecution"],
         "Resource": f"arn:aws:athena:*:*:workgroup/{APP_NAME}-*-analytics"},
        {"Sid": "ReadLakeCatalog", "Effect": "Allow",
         "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
         "Resource": ["arn:aws:glue:*:*:catalog", f"arn:aws:glue:*:*:database/{APP_NAME}_*_lake",
                      f"arn:aws:glue:*:*:table/{APP_NAME}_*_lake/*"]},
        {"Sid": "ReadPseudonymKey", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": f"arn:aws:secretsmanager:*:*:secret:{APP_NAME}/*/lake-pseudonym-key-*"},
    ]
