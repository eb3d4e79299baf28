"""CloudTrail S3 data events for the image bucket: who read, wrote or deleted which photo object.

The app's own audit trail records what a person asked the API for (a photo list hands out presigned
GETs); only S3 sees whether a URL was then used, and by whom, so HIPAA 164.312(b) asks for both. The
trail writes to its own bucket (private, TLS only, encrypted with the project key, versioned, log
file validation on, expired after the stage's TrailRetentionDays), never to a bucket it watches.
"""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import arn, ref, retain, sub, tags
from infrastructure.naming import APP_NAME, IMAGE_BUCKET, KEY
from infrastructure.storage import BLOCK_PUBLIC_ACCESS, bucket_encryption, tls_only_policy

IMAGE_TRAIL = "ImageAccessTrail"
TRAIL_BUCKET = "ImageAccessTrailBucket"
TRAIL_NAME = f"{APP_NAME}-${{Stage}}-image-access"
TRAIL_ARN = f"arn:${{AWS::Partition}}:cloudtrail:${{AWS::Region}}:${{AWS::AccountId}}:trail/{TRAIL_NAME}"


def trail_key_statements() -> list[dict[str, Any]]:
    """What the project key's policy grants CloudTrail: data keys for this trail's log files only."""
    return [
        {
            "Sid": "CloudTrailEncryptsImageAccessLogs",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:GenerateDataKey*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"aws:SourceArn": sub(TRAIL_ARN)},
                "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": sub(
                    "arn:${AWS::Partition}:cloudtrail:*:${AWS::AccountId}:trail/*")},
            },
        },
        {
            "Sid": "CloudTrailDescribesTheKey",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "kms:DescribeKey",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceArn": sub(TRAIL_ARN)}},
        },
    ]


def trail_resources() -> dict[str, Any]:
    bucket_policy = tls_only_policy(TRAIL_BUCKET)
    bucket_policy["Properties"]["PolicyDocument"]["Statement"] += [
        {
            "Sid": "CloudTrailChecksTheBucket",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:GetBucketAcl",
            "Resource": arn(TRAIL_BUCKET),
            "Condition": {"StringEquals": {"aws:SourceArn": sub(TRAIL_ARN)}},
        },
        {
            "Sid": "CloudTrailWritesLogFiles",
            "Effect": "Allow",
            "Principal": {"Service": "cloudtrail.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": sub(f"${{{TRAIL_BUCKET}.Arn}}/AWSLogs/${{AWS::AccountId}}/*"),
            "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                           "aws:SourceArn": sub(TRAIL_ARN)}},
        },
    ]
    return {
        TRAIL_BUCKET: retain({
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": sub(f"{APP_NAME}-${{Stage}}-image-access-${{AWS::AccountId}}-${{AWS::Region}}"),
                "PublicAccessBlockConfiguration": dict(BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": bucket_encryption(),
                "LifecycleConfiguration": {"Rules": [{
                    "Id": "expire-after-retention",
                    "Status": "Enabled",
                    "ExpirationInDays": {"Fn::FindInMap": ["StageSettings", ref("Stage"), "TrailRetentionDays"]},
                    "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                }]},
                "Tags": tags(),
            },
        }),
        f"{TRAIL_BUCKET}Policy": bucket_policy,
        IMAGE_TRAIL: {
            "Type": "AWS::CloudTrail::Trail",
            # CloudTrail checks it may write when the trail is created (the key: through KMSKeyId).
            "DependsOn": [f"{TRAIL_BUCKET}Policy"],
            "Properties": {
                "TrailName": sub(TRAIL_NAME),
                "IsLogging": True,
                "S3BucketName": ref(TRAIL_BUCKET),
                "KMSKeyId": arn(KEY),
                "EnableLogFileValidation": True,
                "IsMultiRegionTrail": False,
                "IncludeGlobalServiceEvents": False,
                "EventSelectors": [{
                    # Object reads and writes only (GetObject, PutObject, DeleteObject...); management
                    # events are the account trail's business, not this one's.
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": False,
                    "DataResources": [{"Type": "AWS::S3::Object", "Values": [sub(f"${{{IMAGE_BUCKET}.Arn}}/")]}],
                }],
                "Tags": tags(),
            },
        },
    }
