"""Creates the app's AWS resources in moto from the definitions the infrastructure uses.

Tables come from functions.shared.tables.TABLES (the single source of truth), names from the
`local` stage of .chalice/config.json, Cognito groups from the Role enum.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from functions.identity.passwords import password_policy
from functions.shared.auth import Role
from functions.shared.tables import TABLES
from infrastructure.identity import PROFILE_SCHEMA
from local.moto_aws import aws_client

# The EventBridge event S3 sends for a new object (the app reacts with @app.on_cw_event).
OBJECT_CREATED = {"source": ["aws.s3"], "detail-type": ["Object Created"]}

PASSWORD_POLICY = password_policy()


@dataclass(frozen=True)
class Resources:
    account_id: str
    region: str
    table_names: dict[str, str]  # logical name -> physical name
    image_bucket: str
    kms_key_arn: str
    kms_alias: str
    event_bus_name: str
    object_events_rule: str
    object_events_queue_url: str
    user_pool_id: str
    user_pool_client_id: str


def provision(endpoint: str, env: dict[str, str]) -> Resources:
    """Create everything. Object-created notifications stay off until enable_object_events(), so
    restoring a snapshot's objects does not replay their upload events."""
    region = env["AWS_REGION"]
    prefix = env["TABLE_PREFIX"]
    account_id = str(aws_client("sts", endpoint, region).get_caller_identity()["Account"])
    table_names = create_tables(aws_client("dynamodb", endpoint, region), prefix)
    key_arn, alias = create_key(aws_client("kms", endpoint, region), env["KMS_KEY_ID"], prefix)
    bucket = env["IMAGE_BUCKET"]
    create_bucket(aws_client("s3", endpoint, region), bucket, region)
    create_audit_anchor_bucket(aws_client("s3", endpoint, region), env["AUDIT_ANCHOR_BUCKET"], region)
    if env.get("LAKE_BUCKET"):  # the de-identified lake (analytics)
        aws_client("s3", endpoint, region).create_bucket(
            Bucket=env["LAKE_BUCKET"], CreateBucketConfiguration={"LocationConstraint": region})
    if env.get("NOTICE_SENDER"):  # SES sends only from a verified identity (as in AWS)
        aws_client("ses", endpoint, region).verify_email_identity(EmailAddress=env["NOTICE_SENDER"])
    events = aws_client("events", endpoint, region)
    events.create_event_bus(Name=env["EVENT_BUS_NAME"])
    rule, queue_url = route_object_events(events, aws_client("sqs", endpoint, region), bucket, prefix)
    pool_id, client_id = create_user_pool(aws_client("cognito-idp", endpoint, region), prefix)
    return Resources(
        account_id=account_id,
        region=region,
        table_names=table_names,
        image_bucket=bucket,
        kms_key_arn=key_arn,
        kms_alias=alias,
        event_bus_name=env["EVENT_BUS_NAME"],
        object_events_rule=rule,
        object_events_queue_url=queue_url,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
    )


def create_tables(dynamodb: Any, prefix: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in TABLES:
        name = f"{prefix}{spec.logical_name}"
        kwargs = spec.create_table_kwargs(name)
        dynamodb.create_table(**kwargs)
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )
        names[spec.logical_name] = name
    return names


def create_key(kms: Any, key_id_setting: str, prefix: str) -> tuple[str, str]:
    # moto makes new random key material in every process and cannot import material, so anything
    # encrypted under this key is unreadable after a restart. Data that must survive restarts must
    # not depend on it (a local key provider replaces it for that).
    key = kms.create_key(Description=f"{prefix}data", KeyUsage="ENCRYPT_DECRYPT", KeySpec="SYMMETRIC_DEFAULT")
    arn = str(key["KeyMetadata"]["Arn"])
    alias = key_id_setting if key_id_setting.startswith("alias/") else f"alias/{prefix}data"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyMetadata"]["KeyId"])
    return arn, alias


def create_bucket(s3: Any, bucket: str, region: str) -> None:
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def create_audit_anchor_bucket(s3: Any, bucket: str, region: str) -> None:
    """Where the audit chain heads are anchored: Object Lock, as in the infrastructure template."""
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region},
                     ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
        },
    )


def enable_object_events(endpoint: str, region: str, bucket: str) -> None:
    """S3 -> EventBridge notifications (the default bus) for the image bucket."""
    aws_client("s3", endpoint, region).put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )


def route_object_events(events: Any, sqs: Any, bucket: str, prefix: str) -> tuple[str, str]:
    """Rule on the default bus: the bucket's Object Created events go to a queue the runner polls.

    moto never invokes Lambda targets, so the queue stands in for them; local.events delivers
    each message to the matching @app.on_cw_event handlers.
    """
    queue_url = str(
        sqs.create_queue(
            QueueName=f"{prefix}object-events",
            # A failed handler sees the event again after 5 s (EventBridge retries async invokes).
            Attributes={"VisibilityTimeout": "5", "MessageRetentionPeriod": "86400"},
        )["QueueUrl"]
    )
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = f"{prefix}object-created"
    pattern = {**OBJECT_CREATED, "detail": {"bucket": {"name": [bucket]}}}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=rule, Targets=[{"Id": "local-runner", "Arn": queue_arn}])
    return rule, queue_url


def create_user_pool(cognito: Any, prefix: str) -> tuple[str, str]:
    pool = cognito.create_user_pool(
        PoolName=f"{prefix}users",
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Schema=PROFILE_SCHEMA,
    )["UserPool"]
    pool_id = str(pool["Id"])
    for role in Role:
        cognito.create_group(UserPoolId=pool_id, GroupName=role.value, Description=f"DermaFollow {role.value}s")
    client = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{prefix}spa",
        GenerateSecret=False,  # a browser app cannot keep a secret
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
    )["UserPoolClient"]
    return pool_id, str(client["ClientId"])
