"""Generate the CloudFormation merged into `chalice package` output, and the Lambda IAM policies.

Run `python -m infrastructure.template` after changing `functions/shared/tables.py` (or this file):
it rewrites `infrastructure/resources.json` and `.chalice/policy-<stage>.json`. `--check` only
compares and exits 1 when a committed file is stale (`infrastructure/package.sh` runs it).

Everything Chalice does not create lives here: the KMS key, the DynamoDB tables (from
`functions.shared.tables.TABLES`, the one source of truth), the image and audit-anchor buckets,
the Cognito user pool, the app event bus and the alarms. Values that exist only after deployment
reach every function through SAM `Globals` (SAM merges them under each function's own
`Environment.Variables`, where a key Chalice also sets would win: keep such keys out of
`.chalice/config.json` for the deployed stages).

The IAM policies cannot use CloudFormation references (Chalice copies the policy file into its role
verbatim), so they are scoped by names this template fixes (tables, buckets), by the key alias
(`kms:ResourceAliases`), by a stage tag (user pool) and by the WebSocket stage and route. The
account field of each ARN is `*` (cfn-lint rejects IAM policy variables there); tables, keys and
pools of another account would still need that account's resource policy to let us in, and the
globally named image bucket is pinned to our account with `aws:ResourceAccount`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from functions.shared.observability import METRIC_NAMESPACE, SERVICE_NAME
from functions.shared.tables import TABLES, Index, Key, TableSpec
from infrastructure.web_security import (
    FRAME_OPTIONS,
    HSTS_MAX_AGE_SECONDS,
    PERMISSIONS_POLICY,
    REFERRER_POLICY,
    content_security_policy,
)

APP_NAME = "dermafollow"
STAGES = ("dev", "prod")
# API Gateway stage of both the REST and the WebSocket API (`api_gateway_stage` in .chalice/config.json).
API_STAGE = "api"
# Tag on the user pool that the Lambda policy's aws:ResourceTag condition matches.
STAGE_TAG_KEY = "dermafollow-stage"
KMS_ALIAS_PREFIX = f"alias/{APP_NAME}-"

# Logical ids Chalice generates in `chalice package` output and that this template refers to.
CHALICE_REST_HANDLER = "APIHandler"
CHALICE_WEBSOCKET_API = "WebsocketAPI"
ALARMED_FUNCTIONS: dict[str, str] = {
    CHALICE_REST_HANDLER: "api-handler",
    "WebsocketConnect": "ws-connect",
    "WebsocketMessage": "ws-message",
    "WebsocketDisconnect": "ws-disconnect",
    # Without anchors, a rewritten or cut audit chain can no longer be proven (functions/audit/routes.py).
    "AnchorAuditChains": "audit-anchor",
    "ProcessPhotoUpload": "photo-processing",
}
# The S3 -> EventBridge photo handler (functions/images/events.py, `process_photo_upload`) and the
# layer only it carries: Pillow, built by layers/imaging/build.sh into the package directory.
PHOTO_FUNCTION = "ProcessPhotoUpload"
PHOTO_FUNCTION_EVENT = "ProcessPhotoUploadEvent"
CHALICE_MANAGED_LAYER = "ManagedLayer"
IMAGING_LAYER = "ImagingLayer"
IMAGING_LAYER_ZIP = "./layer-imaging.zip"
# Uploads land here (presigned POST); renditions go to cases/<caseId>/photos/, which the rule skips.
UPLOAD_KEY_WILDCARD = "cases/*/uploads/*"

# Logical ids of the resources declared here.
KEY = "ProjectKey"
KEY_ALIAS = "ProjectKeyAlias"
IMAGE_BUCKET = "ImageBucket"
# Its physical name (a Fn::Sub template; image_bucket_prefix() below is its stage prefix).
IMAGE_BUCKET_NAME = f"{APP_NAME}-${{Stage}}-images-${{AWS::AccountId}}-${{AWS::Region}}"
AUDIT_BUCKET = "AuditAnchorBucket"
# The SPA: a private bucket behind CloudFront, which also sends /api/* to the REST API, so the app,
# its API and its security headers share one origin (no CORS for the API).
CHALICE_REST_API = "RestAPI"
WEB_BUCKET = "WebBucket"
WEB_DISTRIBUTION = "WebDistribution"
WEB_ORIGIN_ACCESS = "WebOriginAccessControl"
WEB_HEADERS = "WebSecurityHeaders"
WEB_ROUTER = "WebSpaRouter"
# CloudFront managed policies (fixed ids in every account).
# The clinic's own domain for the app (optional): a name and an ACM certificate in us-east-1 for it.
WEB_DOMAIN_PARAMETER = "WebDomainName"
WEB_CERTIFICATE_PARAMETER = "WebCertificateArn"
HAS_WEB_DOMAIN = "HasWebDomain"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
USER_POOL = "UserPool"
USER_POOL_CLIENT = "UserPoolClient"
EVENT_BUS = "AppEventBus"
TURN_SECRET = "TurnSharedSecret"  # noqa: S105 (a CloudFormation logical id, not a secret)
TURN_SECRET_NAME = f"{APP_NAME}/{{stage}}/turn-shared-secret"
USER_GROUPS: dict[str, tuple[str, int, str]] = {
    # logical id: (group name, precedence, description)
    "DoctorGroup": ("doctor", 10, "Clinicians: see assigned and invited cases."),
    "PatientGroup": ("patient", 20, "Patients: see their own cases."),
    "AdminGroup": ("admin", 30, "Operations staff: accounts only, no clinical content."),
}

# Environment variables every function gets from SAM Globals (the names settings.py reads).
GLOBAL_ENVIRONMENT: dict[str, Any] = {
    "USER_POOL_ID": {"Ref": USER_POOL},
    "USER_POOL_CLIENT_ID": {"Ref": USER_POOL_CLIENT},
    # By name, not Ref: the bucket's CORS names the CloudFront distribution, which fronts the REST API,
    # whose functions read this; a Ref would close that loop (CloudFormation refuses cycles).
    "IMAGE_BUCKET": {"Fn::Sub": IMAGE_BUCKET_NAME},
    "AUDIT_ANCHOR_BUCKET": {"Ref": AUDIT_BUCKET},
    "KMS_KEY_ID": {"Ref": KEY_ALIAS},
    # The TURN REST-API secret: the functions read it from Secrets Manager on first use.
    "TURN_SECRET_ID": {"Ref": TURN_SECRET},
    "WS_PUBLIC_URL": {
        "Fn::Sub": f"wss://${{{CHALICE_WEBSOCKET_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{API_STAGE}"
    },
}

STAGE_SETTINGS: dict[str, dict[str, int]] = {
    # Object Lock COMPLIANCE cannot be shortened or lifted, not even by the account root.
    "dev": {"AuditRetentionYears": 1, "ImageNoncurrentVersionDays": 30},
    "prod": {"AuditRetentionYears": 6, "ImageNoncurrentVersionDays": 90},
}

REPO_ROOT = Path(__file__).resolve().parent.parent
RESOURCES_PATH = REPO_ROOT / "infrastructure" / "resources.json"


def policy_path(stage: str, function: str | None = None) -> Path:
    """The stage's policy file for every function, or the one of a function that needs more."""
    return REPO_ROOT / ".chalice" / (f"policy-{stage}.json" if function is None else f"policy-{function}-{stage}.json")


# Functions whose role gets more than the stage's common policy (`lambda_functions.<name>.iam_policy_file`
# in .chalice/config.json): only the REST API removes photos (every stored version of their renditions).
API_FUNCTION = "api_handler"


# --- naming ------------------------------------------------------------------------------------
def table_name(stage: str, spec: TableSpec) -> str:
    """Physical table name: `TABLE_PREFIX` (`dermafollow-<stage>-`) + logical name."""
    return f"{APP_NAME}-{stage}-{spec.logical_name}"


def image_bucket_prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}-images-"



def audit_bucket_prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}-audit-anchor-"


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _arn(logical_id: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def _tags() -> list[dict[str, Any]]:
    return [{"Key": "app", "Value": APP_NAME}, {"Key": STAGE_TAG_KEY, "Value": _ref("Stage")}]


def _retain(resource: dict[str, Any]) -> dict[str, Any]:
    """Data-bearing resources survive stack deletion and replacement."""
    return {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", **resource}


# --- DynamoDB ----------------------------------------------------------------------------------
def _key_schema(hash_key: Key, range_key: Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key.name, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key.name, "KeyType": "RANGE"})
    return schema


def _gsi(index: Index) -> dict[str, Any]:
    return {
        "IndexName": index.name,
        "KeySchema": _key_schema(index.hash_key, index.range_key),
        "Projection": {"ProjectionType": index.projection},
    }


def table_resource(spec: TableSpec) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "TableName": _sub(f"{APP_NAME}-${{Stage}}-{spec.logical_name}"),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": type_} for name, type_ in sorted(spec.key_attributes().items())
        ],
        "KeySchema": spec.key_schema(),
    }
    if spec.indexes:
        properties["GlobalSecondaryIndexes"] = [_gsi(index) for index in spec.indexes]
    if spec.ttl_attribute:
        properties["TimeToLiveSpecification"] = {"AttributeName": spec.ttl_attribute, "Enabled": True}
    properties.update(
        {
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": _arn(KEY)},
            "DeletionProtectionEnabled": True,
            "Tags": _tags(),
        }
    )
    return _retain({"Type": "AWS::DynamoDB::Table", "Properties": properties})


# --- KMS, S3 -----------------------------------------------------------------------------------
def _kms_resources() -> dict[str, Any]:
    return {
        KEY: _retain(
            {
                "Type": "AWS::KMS::Key",
                "Properties": {
                    "Description": _sub(f"{APP_NAME} ${{Stage}}: tables, images, audit anchors, field encryption"),
                    "EnableKeyRotation": True,
                    "PendingWindowInDays": 30,
                    "KeyPolicy": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                # The account owns the key; IAM policies decide who may use it.
                                "Sid": "AccountAdministersKeyThroughIam",
                                "Effect": "Allow",
                                "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
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
                                "Condition": {"StringEquals": {"aws:SourceAccount": _ref("AWS::AccountId")}},
                            },
                        ],
                    },
                    "Tags": _tags(),
                },
            }
        ),
        KEY_ALIAS: {
            "Type": "AWS::KMS::Alias",
            "Properties": {"AliasName": _sub(f"{KMS_ALIAS_PREFIX}${{Stage}}"), "TargetKeyId": _ref(KEY)},
        },
    }


def _bucket_encryption() -> dict[str, Any]:
    return {
        "ServerSideEncryptionConfiguration": [
            {
                "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": _arn(KEY)},
                "BucketKeyEnabled": True,
            }
        ]
    }


_BLOCK_PUBLIC_ACCESS = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def _tls_only_policy(bucket: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": _ref(bucket),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [_arn(bucket), {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            },
        },
    }


def _bucket_resources() -> dict[str, Any]:
    image_bucket = _retain(
        {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": _sub(IMAGE_BUCKET_NAME),
                "PublicAccessBlockConfiguration": dict(_BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": _bucket_encryption(),
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
                                [_sub(f"https://${{{WEB_DOMAIN_PARAMETER}}}"),
                                 _sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")],
                                [_sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")],
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
                                    "Fn::FindInMap": ["StageSettings", _ref("Stage"), "ImageNoncurrentVersionDays"]
                                }
                            },
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                        }
                    ]
                },
                "Tags": _tags(),
            },
        }
    )
    audit_bucket = _retain(
        {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketName": _sub(f"{audit_bucket_prefix('${Stage}')}${{AWS::AccountId}}-${{AWS::Region}}"),
                "ObjectLockEnabled": True,
                "ObjectLockConfiguration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {
                        "DefaultRetention": {
                            "Mode": "COMPLIANCE",
                            "Years": {"Fn::FindInMap": ["StageSettings", _ref("Stage"), "AuditRetentionYears"]},
                        }
                    },
                },
                "PublicAccessBlockConfiguration": dict(_BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": _bucket_encryption(),
                "Tags": _tags(),
            },
        }
    )
    return {
        IMAGE_BUCKET: image_bucket,
        f"{IMAGE_BUCKET}Policy": _tls_only_policy(IMAGE_BUCKET),
        AUDIT_BUCKET: audit_bucket,
        f"{AUDIT_BUCKET}Policy": _tls_only_policy(AUDIT_BUCKET),
    }


# --- the SPA: S3 + CloudFront --------------------------------------------------------------------
# Extension-less paths are the SPA's own routes (/cases/123): they get index.html. Only on the web
# behaviour: the API's own 404s must reach the client as they are.
SPA_ROUTER_CODE = """function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


def _content_security_policy() -> dict[str, str]:
    """What the SPA may load and reach: itself, the WebSocket API and presigned image URLs."""
    websocket = f"wss://${{{CHALICE_WEBSOCKET_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
    # From the bucket's name, not its attributes: the bucket's CORS names the distribution (no cycle).
    bucket = IMAGE_BUCKET_NAME
    images = [f"https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}", f"https://{bucket}.s3.${{AWS::URLSuffix}}"]
    return _sub(content_security_policy(websocket_origins=[websocket], image_origins=images))


def _web_resources() -> dict[str, Any]:
    distribution_arn = _sub(
        f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{WEB_DISTRIBUTION}}}"
    )
    bucket_policy = _tls_only_policy(WEB_BUCKET)
    bucket_policy["Properties"]["PolicyDocument"]["Statement"].append({
        "Sid": "ReadThroughCloudFrontOnly",
        "Effect": "Allow",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": {"Fn::Sub": f"${{{WEB_BUCKET}.Arn}}/*"},
        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
    })
    security_headers = {
        "ContentSecurityPolicy": {"ContentSecurityPolicy": _content_security_policy(), "Override": True},
        "StrictTransportSecurity": {"AccessControlMaxAgeSec": HSTS_MAX_AGE_SECONDS, "IncludeSubdomains": True,
                                    "Preload": True, "Override": True},
        "ContentTypeOptions": {"Override": True},
        "FrameOptions": {"FrameOption": FRAME_OPTIONS, "Override": True},
        "ReferrerPolicy": {"ReferrerPolicy": REFERRER_POLICY, "Override": True},
    }
    return {
        WEB_BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "PublicAccessBlockConfiguration": dict(_BLOCK_PUBLIC_ACCESS),
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "VersioningConfiguration": {"Status": "Enabled"},
                # The built SPA holds no patient data; S3-managed keys let CloudFront read it.
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
                "Tags": _tags(),
            },
        },
        f"{WEB_BUCKET}Policy": bucket_policy,
        WEB_ORIGIN_ACCESS: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": _sub(f"{APP_NAME}-${{Stage}}-web"),
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        WEB_HEADERS: {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": _sub(f"{APP_NAME}-${{Stage}}-security-headers"),
                    "SecurityHeadersConfig": security_headers,
                    "CustomHeadersConfig": {"Items": [{
                        "Header": "Permissions-Policy",
                        "Value": PERMISSIONS_POLICY,
                        "Override": True,
                    }]},
                }
            },
        },
        WEB_ROUTER: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": _sub(f"{APP_NAME}-${{Stage}}-spa-router"),
                "AutoPublish": True,
                "FunctionCode": SPA_ROUTER_CODE,
                "FunctionConfig": {"Comment": "SPA routes get index.html", "Runtime": "cloudfront-js-2.0"},
            },
        },
        WEB_DISTRIBUTION: {
            "Type": "AWS::CloudFront::Distribution",
            # cfn-lint checks WebCertificateArn's default ("": no custom domain) against the ARN pattern;
            # it is only used under HasWebDomain, and the template's Rule requires a real ARN then.
            "Metadata": {"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}},
            "Properties": {
                "DistributionConfig": {
                    "Enabled": True,
                    "Comment": _sub(f"{APP_NAME} ${{Stage}}: the web app and its API"),
                    "HttpVersion": "http2and3",
                    "IPV6Enabled": True,
                    "PriceClass": "PriceClass_100",
                    "DefaultRootObject": "index.html",
                    "Aliases": {"Fn::If": [HAS_WEB_DOMAIN, [_ref(WEB_DOMAIN_PARAMETER)], _ref("AWS::NoValue")]},
                    "ViewerCertificate": {"Fn::If": [
                        HAS_WEB_DOMAIN,
                        {"AcmCertificateArn": _ref(WEB_CERTIFICATE_PARAMETER), "SslSupportMethod": "sni-only",
                         "MinimumProtocolVersion": "TLSv1.2_2021"},
                        {"CloudFrontDefaultCertificate": True},
                    ]},
                    "Origins": [
                        {
                            "Id": "web",
                            "DomainName": {"Fn::GetAtt": [WEB_BUCKET, "RegionalDomainName"]},
                            "OriginAccessControlId": {"Fn::GetAtt": [WEB_ORIGIN_ACCESS, "Id"]},
                            "S3OriginConfig": {"OriginAccessIdentity": ""},
                        },
                        {
                            "Id": "api",
                            "DomainName": _sub(
                                f"${{{CHALICE_REST_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
                            ),
                            "CustomOriginConfig": {"OriginProtocolPolicy": "https-only",
                                                   "OriginSSLProtocols": ["TLSv1.2"]},
                        },
                    ],
                    "DefaultCacheBehavior": {
                        "TargetOriginId": "web",
                        "ViewerProtocolPolicy": "redirect-to-https",
                        "Compress": True,
                        "CachePolicyId": CACHING_OPTIMIZED,
                        "ResponseHeadersPolicyId": _ref(WEB_HEADERS),
                        "FunctionAssociations": [
                            {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [WEB_ROUTER, "FunctionARN"]}}
                        ],
                    },
                    "CacheBehaviors": [
                        {
                            # The REST API stage is named like the path ("/api/cases" -> stage api).
                            "PathPattern": f"/{API_STAGE}/*",
                            "TargetOriginId": "api",
                            "ViewerProtocolPolicy": "https-only",
                            "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
                            "CachePolicyId": CACHING_DISABLED,
                            "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                            "ResponseHeadersPolicyId": _ref(WEB_HEADERS),
                        }
                    ],
                }
            },
        },
    }


# --- Cognito -----------------------------------------------------------------------------------
def _cognito_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        USER_POOL: _retain(
            {
                "Type": "AWS::Cognito::UserPool",
                "Properties": {
                    "UserPoolName": _sub(f"{APP_NAME}-${{Stage}}"),
                    "DeletionProtection": "ACTIVE",
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                    "UsernameConfiguration": {"CaseSensitive": False},
                    "AutoVerifiedAttributes": ["email"],
                    "Policies": {
                        "PasswordPolicy": {
                            "MinimumLength": 12,
                            "RequireLowercase": True,
                            "RequireUppercase": True,
                            "RequireNumbers": True,
                            "RequireSymbols": True,
                            "TemporaryPasswordValidityDays": 3,
                        }
                    },
                    "MfaConfiguration": "OPTIONAL",
                    "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                    "UserPoolTags": {"app": APP_NAME, STAGE_TAG_KEY: _ref("Stage")},
                },
            }
        ),
        USER_POOL_CLIENT: {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": _sub(f"{APP_NAME}-${{Stage}}-web"),
                "UserPoolId": _ref(USER_POOL),
                "GenerateSecret": False,
                "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                "AccessTokenValidity": 30,
                "IdTokenValidity": 30,
                "RefreshTokenValidity": 12,
                "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes", "RefreshToken": "hours"},
                "AuthSessionValidity": 3,
                "PreventUserExistenceErrors": "ENABLED",
                "EnableTokenRevocation": True,
            },
        },
    }
    for logical_id, (name, precedence, description) in USER_GROUPS.items():
        resources[logical_id] = {
            "Type": "AWS::Cognito::UserPoolGroup",
            "Properties": {
                "UserPoolId": _ref(USER_POOL),
                "GroupName": name,
                "Precedence": precedence,
                "Description": description,
            },
        }
    return resources


# --- events and alarms -------------------------------------------------------------------------
# Every alarm notifies this topic (encrypted with the project key); ALARM_EMAIL_PARAMETER, when given,
# subscribes an address to it.
ALARM_TOPIC = "OpsAlarmTopic"
ALARM_EMAIL_PARAMETER = "AlarmEmail"
HAS_ALARM_EMAIL = "HasAlarmEmail"


@dataclass(frozen=True)
class AppAlarm:
    """An alarm on a metric the functions emit (EMF, namespace METRIC_NAMESPACE)."""

    metric: str
    threshold: int
    why: str


# The metrics come from functions/shared/observability.py (APP_METRICS); a test keeps both in step.
APP_ALARMS = (
    AppAlarm("DecryptFailures", 1, "a protected field did not open: moved, altered, or under an unknown key"),
    AppAlarm("AuditUnavailable", 1, "an audit entry could not be written, so the request that needed it failed"),
    AppAlarm("AccessRefused", 50, "many refused attempts to reach cases in 5 minutes: someone may be probing ids"),
)


def _notifying(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            **properties,
            "AlarmActions": [_ref(ALARM_TOPIC)],
            "OKActions": [_ref(ALARM_TOPIC)],
            "Period": 300,
            "EvaluationPeriods": 1,
            "DatapointsToAlarm": 1,
            "Statistic": "Sum",
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
        },
    }


def _alarm(function_id: str, short_name: str, metric: str) -> dict[str, Any]:
    return _notifying({
        "AlarmName": _sub(f"{APP_NAME}-${{Stage}}-{short_name}-{metric.lower()}"),
        "AlarmDescription": f"{metric} of the {short_name} Lambda function (sum over 5 minutes >= 1).",
        "Namespace": "AWS/Lambda",
        "MetricName": metric,
        "Dimensions": [{"Name": "FunctionName", "Value": _ref(function_id)}],
        "Threshold": 1,
    })


def _app_alarm(alarm: AppAlarm) -> dict[str, Any]:
    return _notifying({
        "AlarmName": _sub(f"{APP_NAME}-${{Stage}}-{alarm.metric.lower()}"),
        "AlarmDescription": f"{alarm.metric} >= {alarm.threshold} in 5 minutes: {alarm.why}.",
        "Namespace": METRIC_NAMESPACE,
        "MetricName": alarm.metric,
        "Dimensions": [{"Name": "service", "Value": SERVICE_NAME}, {"Name": "stage", "Value": _ref("Stage")}],
        "Threshold": alarm.threshold,
    })


def _alarm_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        ALARM_TOPIC: {
            "Type": "AWS::SNS::Topic",
            "Properties": {
                "TopicName": _sub(f"{APP_NAME}-${{Stage}}-alarms"),
                "KmsMasterKeyId": _ref(KEY),
                "Tags": _tags(),
            },
        },
        f"{ALARM_TOPIC}Email": {
            "Type": "AWS::SNS::Subscription",
            "Condition": HAS_ALARM_EMAIL,
            "Properties": {"TopicArn": _ref(ALARM_TOPIC), "Protocol": "email", "Endpoint": _ref(ALARM_EMAIL_PARAMETER)},
        },
    }
    for function_id, short_name in ALARMED_FUNCTIONS.items():
        for metric in ("Errors", "Throttles"):
            resources[f"{function_id}{metric}Alarm"] = _alarm(function_id, short_name, metric)
    for alarm in APP_ALARMS:
        resources[f"{alarm.metric}Alarm"] = _app_alarm(alarm)
    return resources


def _outputs() -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "UserPoolId": {"Value": _ref(USER_POOL)},
        "UserPoolArn": {"Value": _arn(USER_POOL)},
        "UserPoolClientId": {"Value": _ref(USER_POOL_CLIENT)},
        "ImageBucketName": {"Value": _ref(IMAGE_BUCKET)},
        "AuditAnchorBucketName": {"Value": _ref(AUDIT_BUCKET)},
        "ProjectKeyArn": {"Value": _arn(KEY)},
        "ProjectKeyAliasName": {"Value": _ref(KEY_ALIAS)},
        "AppEventBusName": {"Value": _ref(EVENT_BUS)},
        "AppEventBusArn": {"Value": _arn(EVENT_BUS)},
        "WebsocketPublicUrl": {"Value": GLOBAL_ENVIRONMENT["WS_PUBLIC_URL"]},
        "WebUrl": {"Value": {"Fn::If": [HAS_WEB_DOMAIN, _sub(f"https://${{{WEB_DOMAIN_PARAMETER}}}"),
                                         _sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")]}},
        "WebDistributionDomainName": {"Value": {"Fn::GetAtt": [WEB_DISTRIBUTION, "DomainName"]}},
        "AlarmTopicArn": {"Value": _ref(ALARM_TOPIC)},
        "WebBucketName": {"Value": _ref(WEB_BUCKET)},
    }
    for spec in TABLES:
        outputs[f"{spec.cfn_logical_id}Name"] = {"Value": _ref(spec.cfn_logical_id)}
    return outputs


def _photo_processing_resources() -> dict[str, Any]:
    """The imaging layer, and two additions to the Chalice-generated photo function.

    `chalice package --merge-template` merges dicts key by key and replaces lists, so these partial
    entries only (1) replace the function's Layers (Chalice's shared layer plus Pillow; Chalice's own
    `layers` setting accepts only ARNs of layers that already exist) and (2) narrow its EventBridge
    rule to uploads in this stack's image bucket (the decorator in code cannot name the bucket; the
    handler checks bucket and key again, and locally that check is what filters).
    """
    return {
        IMAGING_LAYER: {
            "Type": "AWS::Serverless::LayerVersion",
            "Properties": {
                "LayerName": _sub(f"{APP_NAME}-${{Stage}}-imaging"),
                "Description": "Pillow for the photo-processing function (layers/imaging)",
                "ContentUri": IMAGING_LAYER_ZIP,
                "CompatibleRuntimes": ["python3.11"],
                "CompatibleArchitectures": ["x86_64"],
            },
        },
        PHOTO_FUNCTION: {
            "Properties": {
                "Layers": [_ref(CHALICE_MANAGED_LAYER), _ref(IMAGING_LAYER)],
                "Events": {
                    PHOTO_FUNCTION_EVENT: {
                        "Properties": {
                            "Pattern": {
                                "detail": {
                                    "bucket": {"name": [_ref(IMAGE_BUCKET)]},
                                    "object": {"key": [{"wildcard": UPLOAD_KEY_WILDCARD}]},
                                }
                            }
                        }
                    }
                },
            }
        },
    }


def build_template() -> dict[str, Any]:
    """The template `chalice package --merge-template` merges into its SAM output."""
    resources: dict[str, Any] = {}
    resources.update(_kms_resources())
    for spec in TABLES:
        resources[spec.cfn_logical_id] = table_resource(spec)
    resources.update(_bucket_resources())
    resources.update(_web_resources())
    resources.update(_cognito_resources())
    resources[EVENT_BUS] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": _sub(f"{APP_NAME}-${{Stage}}-app")}}
    resources[TURN_SECRET] = {
        # Shared with the TURN servers (coturn `static-auth-secret`); generated, never in the repo.
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": _sub(TURN_SECRET_NAME.format(stage="${Stage}")),
            "Description": "coturn REST API shared secret for time-limited TURN credentials",
            "KmsKeyId": _ref(KEY),
            "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            "Tags": _tags(),
        },
    }
    resources.update(_photo_processing_resources())
    resources.update(_alarm_resources())
    return {
        "Description": (
            f"{APP_NAME}: API, WebSocket API and functions (Chalice) plus the stateful resources merged from "
            "infrastructure/resources.json (generated by `python -m infrastructure.template`; do not edit)."
        ),
        "Parameters": {
            "Stage": {
                "Type": "String",
                "AllowedValues": list(STAGES),
                "Description": "Deployment stage; must equal the `chalice package --stage` (package.sh pins it).",
            },
            ALARM_EMAIL_PARAMETER: {
                "Type": "String",
                "Default": "",
                "Description": "Address that receives every alarm of this stage (empty: subscribe to the topic later).",
            },
            WEB_DOMAIN_PARAMETER: {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^$|^([a-z0-9]([a-z0-9-]*[a-z0-9])?\\.)+[a-z]{2,}$",
                "ConstraintDescription": "a lower-case domain name, or empty",
                "Description": "The clinic's own domain name for the app (empty: CloudFront's own name).",
            },
            WEB_CERTIFICATE_PARAMETER: {
                "Type": "String",
                "Default": "",
                "AllowedPattern": "^$|^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/.+$",
                "ConstraintDescription": "an ACM certificate ARN in us-east-1 (CloudFront's region), or empty",
                "Description": "ARN of the ACM certificate (us-east-1) for WebDomainName.",
            },
        },
        "Conditions": {
            HAS_ALARM_EMAIL: {"Fn::Not": [{"Fn::Equals": [_ref(ALARM_EMAIL_PARAMETER), ""]}]},
            HAS_WEB_DOMAIN: {"Fn::Not": [{"Fn::Equals": [_ref(WEB_DOMAIN_PARAMETER), ""]}]},
        },
        "Rules": {
            "WebDomainNeedsItsCertificate": {
                "RuleCondition": {"Fn::Not": [{"Fn::Equals": [_ref(WEB_DOMAIN_PARAMETER), ""]}]},
                "Assertions": [{
                    "Assert": {"Fn::Not": [{"Fn::Equals": [_ref(WEB_CERTIFICATE_PARAMETER), ""]}]},
                    "AssertDescription": "WebDomainName needs WebCertificateArn (an ACM certificate in us-east-1).",
                }],
            }
        },
        "Mappings": {"StageSettings": STAGE_SETTINGS},
        "Globals": {"Function": {"Environment": {"Variables": GLOBAL_ENVIRONMENT}}},
        "Resources": resources,
        "Outputs": _outputs(),
    }


# --- IAM policy for the Chalice role -----------------------------------------------------------
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
    if indexes:
        statements.append(
            {"Sid": "QueryStageIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": indexes}
        )
    statements += [
        {
            "Sid": "UseStageKey",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": f"arn:aws:kms:*:{account}:key/*",
            "Condition": {"ForAnyValue:StringEquals": {"kms:ResourceAliases": f"{KMS_ALIAS_PREFIX}{stage}"}},
        },
        _own_s3("UseStageImages", ["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{image_bucket_prefix(stage)}*/*"),
        # The anchoring job only adds objects; Object Lock keeps them. Verification (reading
        # anchors) runs as an operator with their own credentials.
        _own_s3("AnchorAuditChains", ["s3:PutObject"], f"arn:aws:s3:::{audit_bucket_prefix(stage)}*/anchors/*"),
        # The photo processor reads the exact object version it was told about and deletes raw
        # uploads for good (a plain delete in a versioned bucket would keep the EXIF/GPS-laden
        # original as a noncurrent version). Only under the uploads prefix.
        _own_s3("ProcessStageUploads", ["s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                f"arn:aws:s3:::{image_bucket_prefix(stage)}*/cases/*/uploads/*"),
        {
            "Sid": "ReadStageDirectory",
            "Effect": "Allow",
            "Action": [
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
            "Sid": "PostToWebSocketConnections",
            "Effect": "Allow",
            "Action": ["execute-api:ManageConnections"],
            "Resource": f"arn:aws:execute-api:*:{account}:*/{API_STAGE}/POST/@connections/*",
        },
    ]
    if function == API_FUNCTION:
        statements += _photo_removal_statements(stage)
    elif function is not None:
        raise ValueError(f"no policy of its own for {function!r}")
    return {"Version": "2012-10-17", "Statement": statements}


def _own_s3(sid: str, actions: list[str], resource: str) -> dict[str, Any]:
    """Allow S3 `actions` on `resource`, in buckets of this account only."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": resource,
        "Condition": {"StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"}},
    }


def _photo_removal_statements(stage: str) -> list[dict[str, Any]]:
    """Removing a photo deletes every stored version of its renditions: list the versions under the
    photo's prefix, then delete each. Only under the renditions prefix, and only for the REST API."""
    return [
        _own_s3("RemoveStagePhotos", ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                f"arn:aws:s3:::{image_bucket_prefix(stage)}*/cases/*/photos/*"),
        {
            "Sid": "ListStagePhotoVersions",
            "Effect": "Allow",
            "Action": ["s3:ListBucketVersions"],
            "Resource": f"arn:aws:s3:::{image_bucket_prefix(stage)}*",
            "Condition": {
                "StringEquals": {"aws:ResourceAccount": "${aws:PrincipalAccount}"},
                "StringLike": {"s3:prefix": "cases/*/photos/*"},
            },
        },
    ]


# --- files -------------------------------------------------------------------------------------
def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def generated_files() -> dict[Path, str]:
    files = {RESOURCES_PATH: render(build_template())}
    for stage in STAGES:
        files[policy_path(stage)] = render(build_policy(stage))
        files[policy_path(stage, API_FUNCTION)] = render(build_policy(stage, API_FUNCTION))
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
