"""The project key (KMS) and the buckets: lesion images and audit-chain anchors (Object Lock)."""

from __future__ import annotations

from typing import Any

from functions.crypto.keyring import APP_CONTEXT
from functions.images.ports import UPLOADS_PREFIX
from infrastructure.cfn import arn, ref, retain, sub, tags
from infrastructure.naming import (
    APP_NAME,
    AUDIT_BUCKET,
    AUDIT_MAC_ALIAS_PREFIX,
    AUDIT_MAC_KEY,
    AUDIT_MAC_KEY_ALIAS,
    FIELD_KEY,
    FIELD_KEY_ALIAS,
    FIELD_KEY_ALIAS_PREFIX,
    FIELD_KEY_OPENER_ROLES,
    FIELD_KEY_SEALER_ROLES,
    HAS_WEB_DOMAIN,
    IMAGE_BUCKET,
    IMAGE_BUCKET_NAME,
    KEY,
    KEY_ALIAS,
    KMS_ALIAS_PREFIX,
    WEB_DISTRIBUTION,
    WEB_DOMAIN_PARAMETER,
    audit_bucket_prefix,
)

# A processing failure alarms at once (the photo dead-letter queue); a week is the time to fix and
# redrive it before the raw object, with its GPS EXIF, expires (the queue keeps the event 14 days).
RAW_UPLOAD_DAYS = 7


def kms_resources() -> dict[str, Any]:
    return {
        KEY: retain(
            {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": sub(f"{APP_NAME} ${{Stage}}: tables, buckets, alarm topic, TURN secret"),
                    "EnableKeyRotation": True,
                    "PendingWindowInDays": 30,
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                # The account owns the key; IAM policies decide who may use it.
                                "Sid": "AccountAdministersKeyThroughIam",
                                "Effect": "Allow",
                                "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                                "Action": "kms:*",
                                "Resource": "*",
                            },
                            {
                                # CloudWatch publishes alarms to the ops topic, which this key encrypts
                                # (it cannot publish to a topic under the AWS-managed SNS key).
                                "Sid": "CloudWatchPublishesAlarms",
                                "Effect": "Allow",
                                "Principal": {"Service": "cloudwatch.amazonaws.com"},
                                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                                "Resource": "*",
                                "Condition": {"StringEquals": {"aws:SourceAccount": ref("AWS::AccountId")}},
                            },
                        ],
                    },
                    "Tags": tags(),
                },
            }
        ),
        KEY_ALIAS: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": sub(f"{KMS_ALIAS_PREFIX}${{Stage}}"), "TargetKeyId": ref(KEY)},
        },
        FIELD_KEY: retain(
            {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": sub(f"{APP_NAME} ${{Stage}}: field encryption (data keys of sealed fields)"),
                    "EnableKeyRotation": True,
                    "PendingWindowInDays": 30,
                    "KeyPolicy": field_key_policy(),
                    "Tags": tags(),
                },
            }
        ),
        FIELD_KEY_ALIAS: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": sub(f"{FIELD_KEY_ALIAS_PREFIX}${{Stage}}"), "TargetKeyId": ref(FIELD_KEY)},
        },
        # Audit entries carry an HMAC made with this key: whoever can write the audit table but may
        # not call GenerateMac cannot forge an entry. HMAC keys have no automatic rotation in KMS.
        AUDIT_MAC_KEY: retain(
            {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": sub(f"{APP_NAME} ${{Stage}}: audit entry MACs"),
                    "KeySpec": "HMAC_256",
                    "KeyUsage": "GENERATE_VERIFY_MAC",
                    "PendingWindowInDays": 30,
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Sid": "AccountAdministersKeyThroughIam",
                                "Effect": "Allow",
                                "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                                "Action": "kms:*",
                                "Resource": "*",
                            },
                        ],
                    },
                    "Tags": tags(),
                },
            }
        ),
        AUDIT_MAC_KEY_ALIAS: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": sub(f"{AUDIT_MAC_ALIAS_PREFIX}${{Stage}}"), "TargetKeyId": ref(AUDIT_MAC_KEY)},
        },
    }


# What the account (its administrators, through IAM) may do with the field key: manage it, never use
# it. Without kms:* here, no IAM policy can grant Decrypt or GenerateDataKey to anyone else. Not
# kms:Create* either: it covers kms:CreateGrant, and a grant hands out Decrypt without the context.
FIELD_KEY_ADMINISTRATION = [
    "kms:CreateAlias", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*", "kms:Revoke*",
    "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource", "kms:UntagResource",
    "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand",
]
# functions/crypto/keyring.py key_context: every data key is wrapped under {app, purpose, dataKeyId}.
FIELD_KEY_CONTEXT = {"StringEquals": {"kms:EncryptionContext:app": APP_CONTEXT}}


def field_key_policy() -> dict[str, Any]:
    account_root = sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountAdministersTheKey",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": FIELD_KEY_ADMINISTRATION,
                "Resource": "*",
            },
            {
                # Called directly (not through another service), so no kms:ViaService here: the
                # context is what ties a data key to this application, a purpose and a row.
                "Sid": "FunctionsWrapAndUnwrapDataKeys",
                "Effect": "Allow",
                "Principal": {"AWS": [{"Fn::GetAtt": [role, "Arn"]} for role in FIELD_KEY_SEALER_ROLES]},
                "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
                "Resource": "*",
                "Condition": FIELD_KEY_CONTEXT,
            },
            {
                # The lake export and analyses open records, never seal one: Decrypt only (naming a
                # role here grants it whatever its own policy says).
                "Sid": "ExportsUnwrapDataKeys",
                "Effect": "Allow",
                "Principal": {"AWS": [{"Fn::GetAtt": [role, "Arn"]} for role in FIELD_KEY_OPENER_ROLES]},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
                "Condition": FIELD_KEY_CONTEXT,
            },
            {
                # `python -m functions.crypto.cli rewrap` (an operator, granted through IAM): moves a
                # wrapped data key between key versions inside KMS, never seeing its plaintext.
                "Sid": "OperatorsRewrapDataKeys",
                "Effect": "Allow",
                "Principal": {"AWS": account_root},
                "Action": ["kms:ReEncryptFrom", "kms:ReEncryptTo"],
                "Resource": "*",
                "Condition": FIELD_KEY_CONTEXT,
            },
        ],
    }


def bucket_encryption() -> dict[str, Any]:
    return {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn(KEY)},
                "BucketKeyEnabled": True,
            }
        ]
    }


BLOCK_PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def tls_only_policy(bucket: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": ref(bucket),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [arn(bucket), {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def bucket_resources() -> dict[str, Any]:
    image_bucket = retain(
        {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": sub(IMAGE_BUCKET_NAME),
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": bucket_encryption(),
                # Object-created events go to the default EventBridge bus (S3 notifications to Lambda
                # cannot be packaged by Chalice; see @app.on_cw_event).
                "NotificationConfiguration": {"EventBridgeConfiguration": {"EventBridgeEnabled": True}},
                # Browsers POST photos straight to S3 and draw them on canvases (quality gate, ghost
                # overlay), so they need CORS: from the SPA's origin only, and every request still
                # needs a presigned signature.
                "CorsConfiguration": {
                    "CorsRules": [
                        {
                            "Id": "presigned-browser-access",
                            "AllowedMethods": ["GET", "HEAD", "POST"],
                            "AllowedOrigins": {"Fn::If": [
                                HAS_WEB_DOMAIN,
                                [sub(f"https://${{{WEB_DOMAIN_PARAMETER}}}"),
                                 sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")],
                                [sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")],
                            ]},
                            "AllowedHeaders": ["*"],
                            "ExposedHeaders": ["ETag"],
                            "MaxAge": 3000,
                        }
                    ]
                },
                "LifecycleConfiguration": {
                    "Rules": [
                        {
                            "Id": "expire-noncurrent-versions",
                            "Status": "Enabled",
                            "NoncurrentVersionExpiration": {
                                "NoncurrentDays": {
                                    "Fn::FindInMap": ["StageSettings", ref("Stage"), "ImageNoncurrentVersionDays"]
                                }
                            },
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        },
                        {
                            # A raw upload carries the camera's EXIF (GPS, device) until the processor
                            # deletes it; one it never got to (a failure parked in the dead-letter
                            # queue, an abandoned intent) goes after RAW_UPLOAD_DAYS, every version.
                            "Id": "expire-raw-uploads",
                            "Status": "Enabled",
                            "Prefix": UPLOADS_PREFIX,
                            "ExpirationInDays": RAW_UPLOAD_DAYS,
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                        },
                        {
                            # The delete markers those expirations leave behind, once nothing is under them.
                            "Id": "remove-raw-upload-markers",
                            "Status": "Enabled",
                            "Prefix": UPLOADS_PREFIX,
                            "ExpiredObjectDeleteMarker": True,
                        },
                    ]
                },
                "Tags": tags(),
            },
        }
    )
    audit_bucket = retain(
        {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": sub(f"{audit_bucket_prefix('${Stage}')}${{AWS::AccountId}}-${{AWS::Region}}"),
                "ObjectLockEnabled": True,
                "ObjectLockConfiguration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {
                        "DefaultRetention": {
                            "Mode": "COMPLIANCE",
                            "Years": {"Fn::FindInMap": ["StageSettings", ref("Stage"), "AuditRetentionYears"]},
                        }
                    },
                },
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": bucket_encryption(),
                "Tags": tags(),
            },
        }
    )
    return {
        IMAGE_BUCKET: image_bucket,
        f"{IMAGE_BUCKET}Policy": tls_only_policy(IMAGE_BUCKET),
        AUDIT_BUCKET: audit_bucket,
        f"{AUDIT_BUCKET}Policy": tls_only_policy(AUDIT_BUCKET),
    }
