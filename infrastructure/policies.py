"""The Lambda IAM policies, least privilege per stage.

They cannot use CloudFormation references (Chalice copies the policy file into its role verbatim), so
they are scoped by names the template fixes (tables, buckets), by the key alias
(`kms:ResourceAliases`), by a stage tag (user pool) and by the WebSocket stage and route. The account
field of each ARN is `*` (cfn-lint rejects IAM policy variables there); tables, keys and pools of
another account would still need that account's resource policy to let us in, and the globally named
image bucket is pinned to our account with `aws:ResourceAccount`.
"""

from __future__ import annotations

from typing import Any

from functions.shared.tables import AUDIT_LOG, TABLES
from infrastructure.analytics import ANALYTICS_POLICY, analytics_policy_statements
from infrastructure.followups import REMINDERS_POLICY, reminder_policy_statements
from infrastructure.naming import (
    API_FUNCTION,
    API_STAGE,
    APP_NAME,
    AUDIT_MAC_ALIAS_PREFIX,
    FIELD_KEY_ALIAS_PREFIX,
    KMS_ALIAS_PREFIX,
    STAGE_TAG_KEY,
    STAGES,
    TURN_SECRET_NAME,
    UPLOAD_KEY_WILDCARD,
    audit_bucket_prefix,
    image_bucket_prefix,
    table_name,
)
from infrastructure.storage import FIELD_KEY_CONTEXT

# The services that use the stage key on a function's behalf (tables, image and lake buckets, the TURN
# secret); kms:ViaService names them as `<service>.<region>.amazonaws.com`.
STAGE_KEY_SERVICES = ("dynamodb", "s3", "secretsmanager")


def build_policy(stage: str, function: str | None = None) -> dict[str, Any]:
    """Least-privilege policy for every function of `stage` (`iam_policy_file` in .chalice/config.json),
    plus what `function` alone needs when it is named."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    account = "*"
    tables = [f"arn:aws:dynamodb:*:{account}:table/{table_name(stage, spec)}" for spec in TABLES]
    indexes = [
        f"arn:aws:dynamodb:*:{account}:table/{table_name(stage, spec)}/index/*" for spec in TABLES if spec.indexes
    ]
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"arn:aws:logs:*:{account}:log-group:/aws/lambda/*",
        },
        {
            # X-Ray has no resource-level permissions.
            "Sid": "WriteTraces",
            "Effect": "Allow",
            "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
            "Resource": "*",
        },
        {
            "Sid": "UseStageTables",
            "Effect": "Allow",
            "Action": [
                "dynamodb:BatchGetItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:UpdateItem",
            ],
            "Resource": tables,
        },
    ]
    audit_table = f"arn:aws:dynamodb:*:{account}:table/{table_name(stage, AUDIT_LOG)}"
    statements += [
        {
            # The audit trail is append-only: no function removes an entry (a batch write can delete).
            "Sid": "NeverDeleteAuditEntries",
            "Effect": "Deny",
            "Action": ["dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
            "Resource": audit_table,
        },
        {
            # The only item an append updates is its chain's head marker ("head#<chain>", 0).
            "Sid": "UpdateOnlyAuditHeads",
            "Effect": "Deny",
            "Action": ["dynamodb:UpdateItem"],
            "Resource": audit_table,
            "Condition": {"ForAnyValue:StringNotLike": {"dynamodb:LeadingKeys": ["head#*"]}},
        },
    ]
    if indexes:
        statements.append(
            {"Sid": "QueryStageIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": indexes}
        )
    statements += [
        {
            # Field encryption: data keys under the application's encryption context only (the
            # field key's own policy says the same, and names the roles that may).
            "Sid": "UseFieldKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": f"arn:aws:kms:*:{account}:key/*",
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"{FIELD_KEY_ALIAS_PREFIX}{stage}"},
                **FIELD_KEY_CONTEXT,
            },
        },
        {
            # The stage key encrypts tables, buckets and the TURN secret: the functions use it only
            # through those services, never call it themselves.
            "Sid": "UseStageKeyThroughServices",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": f"arn:aws:kms:*:{account}:key/*",
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"{KMS_ALIAS_PREFIX}{stage}"},
                "StringLike": {"kms:ViaService": [f"{service}.*.amazonaws.com" for service in STAGE_KEY_SERVICES]},
            },
        },
        {
            # Data keys wrapped before the field key existed were wrapped by the stage key: they are
            # read (Decrypt only, same context) until `python -m functions.crypto.cli rewrap` has
            # moved them (docs/records.md); new ones are always made with the field key.
            "Sid": "OpenDataKeysWrappedByTheStageKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": f"arn:aws:kms:*:{account}:key/*",
            "Condition": {
                "ForAnyValue:StringEquals": {"kms:ResourceAliases": f"{KMS_ALIAS_PREFIX}{stage}"},
                **FIELD_KEY_CONTEXT,
            },
        },
        # Appenders make entry MACs; checking them (VerifyMac) is the hourly verification's alone.
        _audit_mac_key("AuthenticateAuditEntries", "kms:GenerateMac", stage, account),
        _own_s3("UseStageImages", ["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{image_bucket_prefix(stage)}*/*"),
        # The anchoring job only adds objects; Object Lock keeps them. Verification (reading
        # anchors) runs as an operator with their own credentials.
        _own_s3("AnchorAuditChains", ["s3:PutObject"], f"arn:aws:s3:::{audit_bucket_prefix(stage)}*/anchors/*"),
        # The photo processor reads the exact object version it was told about and deletes raw
        # uploads for good (a plain delete in a versioned bucket would keep the EXIF/GPS-laden
        # original as a noncurrent version). Only under the uploads prefix.
        _own_s3("ProcessStageUploads", ["s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                f"arn:aws:s3:::{image_bucket_prefix(stage)}*/{UPLOAD_KEY_WILDCARD}"),
        {
            "Sid": "ReadStageDirectory",
            "Effect": "Allow",
            "Action": [
                "cognito-idp:AdminGetUser",
                "cognito-idp:AdminListGroupsForUser",
                "cognito-idp:ListUsers",
                "cognito-idp:ListUsersInGroup",
            ],
            "Resource": f"arn:aws:cognito-idp:*:{account}:userpool/*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/{STAGE_TAG_KEY}": stage}},
        },
        {
            # InitiateAuth is an unauthenticated Cognito API (the app client id is the credential);
            # granted for clarity, with no tag condition so it cannot be denied by one.
            "Sid": "SignInThroughAppClient",
            "Effect": "Allow",
            "Action": ["cognito-idp:InitiateAuth"],
            "Resource": f"arn:aws:cognito-idp:*:{account}:userpool/*",
        },
        {
            "Sid": "ReadTurnSecret",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": f"arn:aws:secretsmanager:*:{account}:secret:{TURN_SECRET_NAME.format(stage=stage)}-*",
        },
        {
            # The photo function's dead-letter queue (infrastructure/photos.py); it holds event ids only.
            "Sid": "KeepFailedPhotoEvents",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": f"arn:aws:sqs:*:{account}:{APP_NAME}-{stage}-photo-events-dlq",
        },
        {
            "Sid": "PostToWebSocketConnections",
            "Effect": "Allow",
            "Action": ["execute-api:ManageConnections"],
            "Resource": f"arn:aws:execute-api:*:{account}:*/{API_STAGE}/POST/@connections/*",
        },
    ]
    if function == API_FUNCTION:
        statements += _photo_removal_statements(stage)
        statements.append(_account_statement(stage, account))
    elif function == ANALYTICS_POLICY:
        statements += analytics_policy_statements()
    elif function == REMINDERS_POLICY:
        statements += reminder_policy_statements()
    elif function == AUDIT_VERIFY_POLICY:
        statements += _audit_verify_statements(stage, account)
    elif function is not None:
        raise ValueError(f"no policy of its own for {function!r}")
    return {"Version": "2012-10-17", "Statement": statements}


# The hourly verification (functions/audit/checks.py) is the only function that checks entry MACs
# and reads the anchors: every version of each, so a forged re-PUT is seen next to the original.
AUDIT_VERIFY_POLICY = "audit_verify"


def _audit_verify_statements(stage: str, account: str) -> list[dict[str, Any]]:
    bucket = f"arn:aws:s3:::{audit_bucket_prefix(stage)}*"
    return [
        _audit_mac_key("CheckAuditEntryMacs", "kms:VerifyMac", stage, account),
        _own_s3("ReadAnchorVersions", ["s3:GetObject", "s3:GetObjectVersion"], f"{bucket}/anchors/*"),
        _list_versions("ListAnchorVersions", bucket, "anchors/*"),
    ]


def _audit_mac_key(sid: str, action: str, stage: str, account: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": [action],
        "Resource": f"arn:aws:kms:*:{account}:key/*",
        "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"{AUDIT_MAC_ALIAS_PREFIX}{stage}"}},
    }


def _list_versions(sid: str, bucket: str, prefix: str) -> dict[str, Any]:
    """List object versions in `bucket` (of this account), under `prefix` only."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["s3:ListBucketVersions"],
        "Resource": bucket,
        "Condition": {
            "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"},
            "StringLike": {"s3:prefix": prefix},
        },
    }


def _own_s3(sid: str, actions: list[str], resource: str) -> dict[str, Any]:
    """Allow S3 `actions` on `resource`, in buckets of this account only."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": resource,
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    }


# What the admin screens do to accounts (functions/admin/adapters.py). Only the REST API, whose admin
# routes are for the admin role alone, and only in this stage's pool (by its tag).
ACCOUNT_ACTIONS = (
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminDisableUser",
    "cognito-idp:AdminEnableUser",
    "cognito-idp:AdminSetUserPassword",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminUserGlobalSignOut",
)


def _account_statement(stage: str, account: str) -> dict[str, Any]:
    return {
        "Sid": "ManageStageAccounts",
        "Effect": "Allow",
        "Action": list(ACCOUNT_ACTIONS),
        "Resource": f"arn:aws:cognito-idp:*:{account}:userpool/*",
        "Condition": {"StringEquals": {f"aws:ResourceTag/{STAGE_TAG_KEY}": stage}},
    }


def _photo_removal_statements(stage: str) -> list[dict[str, Any]]:
    """Removing a photo deletes every stored version of its renditions: list the versions under the
    photo's prefix, then delete each. Only under the renditions prefix, and only for the REST API."""
    return [
        _own_s3("RemoveStagePhotos", ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                f"arn:aws:s3:::{image_bucket_prefix(stage)}*/cases/*/photos/*"),
        _list_versions("ListStagePhotoVersions", f"arn:aws:s3:::{image_bucket_prefix(stage)}*", "cases/*/photos/*"),
    ]
