"""The merged sam.json that `infrastructure/package.sh` builds, checked against TABLES, the
functions' own environment (.chalice/config.json) and the security baseline."""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
from sam_helpers import ACCOUNT, REGION, Package

from functions.crypto.keyring import APP_CONTEXT
from functions.images.ports import rendition_key, upload_key
from functions.shared.tables import TABLES, TableSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
# Settings the code reads that have no usable default in AWS: every function must get them.
REQUIRED_IN_AWS = (
    "STAGE", "TABLE_PREFIX", "IMAGE_BUCKET", "KMS_KEY_ID", "USER_POOL_ID", "USER_POOL_CLIENT_ID", "WS_PUBLIC_URL",
)
CHALICE_WS_FUNCTIONS = ("WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect")


def one(package: Package, type_: str) -> tuple[str, dict[str, Any]]:
    found = package.of_type(type_)
    assert len(found) == 1, f"expected one {type_}, found {sorted(found)}"
    ((name, resource),) = found.items()
    return name, resource


def env_of(package: Package, function: str = "APIHandler") -> dict[str, Any]:
    return {name: package.resolve(value) for name, value in package.merged_environment(function).items()}


def statements_allowing(package: Package, function: str, action: str) -> list[dict[str, Any]]:
    role = package.target(package.resources[function]["Properties"]["Role"])
    found = []
    for policy in package.resources[role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if statement["Effect"] == "Allow" and any(fnmatchcase(action, pattern) for pattern in actions):
                found.append(statement)
    return found


def allows(package: Package, function: str, action: str, arn: str) -> bool:
    for statement in statements_allowing(package, function, action):
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        if any(fnmatchcase(arn, pattern) for pattern in resources):
            return True
    return False


# --- wiring -------------------------------------------------------------------------------------
def test_stage_parameter_is_pinned_to_the_packaged_stage(package: Package) -> None:
    parameter = package.sam["Parameters"]["Stage"]
    assert parameter["AllowedValues"] == [package.stage]
    assert parameter["Default"] == package.stage
    assert env_of(package)["STAGE"] == package.stage


@pytest.mark.parametrize("name", REQUIRED_IN_AWS)
def test_every_function_gets_every_required_setting(package: Package, name: str) -> None:
    settings_source = (REPO_ROOT / "functions" / "shared" / "settings.py").read_text()
    assert f'"{name}"' in settings_source, f"settings.py no longer reads {name}: update REQUIRED_IN_AWS"
    for function in package.functions():
        if function == "LesionMeasurer":
            continue  # pure compute (functions/lesionmetrics/handler.py): it reads no setting
        value = env_of(package, function).get(name)
        assert value not in (None, ""), f"{function} has no {name}"


def test_function_environment_never_shadows_a_global(package: Package) -> None:
    """SAM lets a function's own variable win over Globals: a stale Chalice value would hide the real one."""
    globals_ = package.global_environment()
    assert globals_, "no Globals.Function.Environment in the packaged template"
    for function in package.functions():
        own = package.own_environment(function)
        for name in set(own) & set(globals_):
            assert package.resolve(own[name]) == package.resolve(globals_[name]), (
                f"{function}: {name}={own[name]!r} from .chalice/config.json hides the deployed value"
            )


def test_globals_point_at_the_deployed_resources(package: Package) -> None:
    env = package.global_environment()
    expected_types = {
        "USER_POOL_ID": "AWS::Cognito::UserPool",
        "USER_POOL_CLIENT_ID": "AWS::Cognito::UserPoolClient",
        "KMS_KEY_ID": "AWS::KMS::Alias",
    }
    for name, type_ in expected_types.items():
        assert package.resources[package.target(env[name])]["Type"] == type_, name
    assert package.bucket_named(env["IMAGE_BUCKET"]) == "ImageBucket"
    assert env_of(package)["KMS_KEY_ID"] == f"alias/dermafollow-fields-{package.stage}"


def test_ws_public_url_names_the_websocket_api_and_its_stage(package: Package) -> None:
    api_id, api = one(package, "AWS::ApiGatewayV2::Api")
    assert api["Properties"]["ProtocolType"] == "WEBSOCKET"
    _, stage = one(package, "AWS::ApiGatewayV2::Stage")
    assert package.target(stage["Properties"]["ApiId"]) == api_id
    url = env_of(package)["WS_PUBLIC_URL"]
    assert url == f"wss://<{api_id}>.execute-api.{REGION}.amazonaws.com/{stage['Properties']['StageName']}"
    routes = {r["Properties"]["RouteKey"] for r in package.of_type("AWS::ApiGatewayV2::Route").values()}
    assert routes == {"$connect", "$disconnect", "$default"}


def test_tracing_is_active(package: Package) -> None:
    for name, function in package.functions().items():
        assert function["Properties"]["Tracing"] == "Active", name
        assert statements_allowing(package, name, "xray:PutTraceSegments"), name


# Functions on a person's path (sign-in checks, every REST call, call signaling). Lambda gives CPU in
# proportion to memory (a full vCPU at 1,769 MB); at the 128 MB default a cold start that takes
# 0.4 s on a full core takes seconds.
LATENCY_CRITICAL = ("APIHandler", "JwtAuthorizer", "WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect")


@pytest.mark.parametrize("name", LATENCY_CRITICAL)
def test_latency_critical_functions_get_at_least_half_a_vcpu(package: Package, name: str) -> None:
    assert package.functions()[name]["Properties"]["MemorySize"] >= 1024


# --- DynamoDB -----------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_table_matches_its_spec(package: Package, spec: TableSpec) -> None:
    table = package.resources.get(spec.cfn_logical_id)
    assert table is not None and table["Type"] == "AWS::DynamoDB::Table", spec.cfn_logical_id
    props = table["Properties"]
    assert package.resolve(props["TableName"]) == f"{env_of(package)['TABLE_PREFIX']}{spec.logical_name}"
    assert props["BillingMode"] == "PAY_PER_REQUEST"

    hash_schema = [{"AttributeName": spec.hash_key.name, "KeyType": "HASH"}]
    range_schema = [{"AttributeName": spec.range_key.name, "KeyType": "RANGE"}] if spec.range_key else []
    assert props["KeySchema"] == hash_schema + range_schema
    defined = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
    assert len(defined) == len(props["AttributeDefinitions"])
    assert defined == spec.key_attributes()

    indexes = {gsi["IndexName"]: gsi for gsi in props.get("GlobalSecondaryIndexes", [])}
    assert set(indexes) == {index.name for index in spec.indexes}
    for index in spec.indexes:
        gsi = indexes[index.name]
        expected = [{"AttributeName": index.hash_key.name, "KeyType": "HASH"}]
        if index.range_key:
            expected.append({"AttributeName": index.range_key.name, "KeyType": "RANGE"})
        assert gsi["KeySchema"] == expected
        assert gsi["Projection"]["ProjectionType"] == index.projection

    if spec.ttl_attribute:
        assert props["TimeToLiveSpecification"] == {"AttributeName": spec.ttl_attribute, "Enabled": True}
    else:
        assert "TimeToLiveSpecification" not in props

    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    sse = props["SSESpecification"]
    assert sse["SSEEnabled"] is True and sse["SSEType"] == "KMS"
    assert package.resources[package.target(sse["KMSMasterKeyId"])]["Type"] == "AWS::KMS::Key"
    assert props["DeletionProtectionEnabled"] is True
    assert table.get("DeletionPolicy") == "Retain"


@pytest.mark.parametrize("spec", TABLES, ids=lambda spec: spec.logical_name)
def test_functions_may_use_the_table_and_its_indexes(package: Package, spec: TableSpec) -> None:
    name = package.resolve(package.resources[spec.cfn_logical_id]["Properties"]["TableName"])
    table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
    # What the adapters call: pynamodb get/save/update/delete/query, batch_get, batch_write, conditions.
    removing = ("DeleteItem", "BatchWriteItem")
    for action in ("GetItem", "PutItem", "UpdateItem", "Query", "BatchGetItem", "ConditionCheckItem", *removing):
        # The audit trail is append-only: not even allowed (and denied besides, test_audit_package);
        # so are the data keys: destroying one is erasing a case, an operator's command
        # (test_function_roles.py).
        expected = not (spec.logical_name in ("audit_log", "data_keys") and action in removing)
        assert allows(package, "APIHandler", f"dynamodb:{action}", table_arn) is expected, action
    for index in spec.indexes:
        assert allows(package, "APIHandler", "dynamodb:Query", f"{table_arn}/index/{index.name}"), index.name
    assert not allows(package, "APIHandler", "dynamodb:Scan", table_arn)
    assert not allows(package, "APIHandler", "dynamodb:DeleteTable", table_arn)
    other = "prod" if package.stage == "dev" else "dev"
    assert not allows(package, "APIHandler", "dynamodb:GetItem", table_arn.replace(f"-{package.stage}-", f"-{other}-"))


# --- KMS, S3 ------------------------------------------------------------------------------------
def test_kms_key_rotates_and_its_alias_is_the_functions_key_id(package: Package) -> None:
    # Three keys: the field key (envelope encryption), the stage key (tables, buckets, topic, secret)
    # and the audit HMAC key (test_audit_package).
    assert len(package.of_type("AWS::KMS::Key")) == 3
    alias = package.resources[package.target(package.global_environment()["KMS_KEY_ID"])]
    key = package.resources[package.target(alias["Properties"]["TargetKeyId"])]
    assert key["Properties"]["EnableKeyRotation"] is True
    alias_name = package.resolve(alias["Properties"]["AliasName"])
    assert alias_name == env_of(package)["KMS_KEY_ID"]
    (statement,) = [st for st in statements_allowing(package, "APIHandler", "kms:GenerateDataKey")
                    if st["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] == alias_name]
    assert statement["Condition"] == {"ForAnyValue:StringEquals": {"kms:ResourceAliases": alias_name},
                                      "StringEquals": {"kms:EncryptionContext:app": APP_CONTEXT}}
    assert statement in statements_allowing(package, "APIHandler", "kms:Decrypt")


def _stage_key(package: Package) -> str:
    (image_rule,) = package.resources[package.bucket_named(package.global_environment()["IMAGE_BUCKET"])][
        "Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    return str(package.target(image_rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]))


def test_field_encryption_has_its_own_key_for_the_function_roles_in_the_apps_context(package: Package) -> None:
    field_key = package.target(package.resources[package.target(package.global_environment()["KMS_KEY_ID"])][
        "Properties"]["TargetKeyId"])
    stage_key = _stage_key(package)
    assert field_key != stage_key
    # Tables, buckets, the alarm topic and the TURN secret keep the stage key; nothing else uses the field key.
    for table_id in (spec.cfn_logical_id for spec in TABLES):
        assert package.target(package.resources[table_id]["Properties"]["SSESpecification"]["KMSMasterKeyId"]) \
            == stage_key, table_id
    (_, topic) = one(package, "AWS::SNS::Topic")
    assert package.target(topic["Properties"]["KmsMasterKeyId"]) == stage_key
    for secret_id, secret in package.of_type("AWS::SecretsManager::Secret").items():
        assert package.target(secret["Properties"]["KmsKeyId"]) == stage_key, secret_id
    referrers = [name for name, resource in package.resources.items()
                 if f'"{field_key}"' in json.dumps(resource) and resource["Type"] != "AWS::KMS::Alias"]
    assert referrers == [], referrers

    statements = package.resources[field_key]["Properties"]["KeyPolicy"]["Statement"]
    assert all(st["Effect"] == "Allow" for st in statements)
    crypto = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext",
              "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:*"}
    users: dict[str, set[str]] = {}
    for st in statements:
        actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
        used = {c for c in crypto if any(fnmatchcase(c, a) for a in actions)}
        if not used:
            continue
        # Every use of the key, by anyone, only with the application's encryption context.
        assert st["Condition"] == {"StringEquals": {"kms:EncryptionContext:app": APP_CONTEXT}}, st["Sid"]
        principals = st["Principal"]["AWS"] if isinstance(st["Principal"]["AWS"], list) else [st["Principal"]["AWS"]]
        for principal in principals:
            users.setdefault(package.target(principal) if isinstance(principal, dict) and "Fn::GetAtt" in principal
                             else package.resolve(principal), set()).update(used)
    roles = set(package.of_type("AWS::IAM::Role"))
    root = f"arn:aws:iam::{ACCOUNT}:root"
    function_users = {user for user in users if user != root}
    assert function_users <= roles and function_users, sorted(users)
    # The lake export and analyses only open fields; the key itself says so (it names them directly).
    openers = {"ExportLakeRole", "AnalyzeLakeRole"}
    assert openers <= function_users
    assert all(users[user] == ({"kms:Decrypt"} if user in openers else {"kms:Decrypt", "kms:GenerateDataKey"})
               for user in function_users)
    # The account (its administrators, through IAM) may re-wrap data keys but never open one.
    assert users.get(root, set()) <= {"kms:ReEncryptFrom", "kms:ReEncryptTo"}
    # The functions that parse uploads or only verify tokens and the audit chain get none of it.
    for function in ("ProcessPhotoUpload", "JwtAuthorizer", "AnchorAuditChains", "VerifyAuditChains"):
        assert package.target(package.resources[function]["Properties"]["Role"]) not in function_users, function
    assert package.target(package.resources["APIHandler"]["Properties"]["Role"]) in function_users


def test_functions_use_the_stage_key_only_through_its_services(package: Package) -> None:
    alias_of_stage_key = next(package.resolve(a["Properties"]["AliasName"])
                              for a in package.of_type("AWS::KMS::Alias").values()
                              if package.target(a["Properties"]["TargetKeyId"]) == _stage_key(package))
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        for st in statements_allowing(package, "APIHandler", action):
            if st["Condition"]["ForAnyValue:StringEquals"]["kms:ResourceAliases"] != alias_of_stage_key:
                continue
            through_services = st["Condition"].get("StringEquals", {}).get("kms:ViaService")
            # Or, until `crypto.cli rewrap` has moved them, opening data keys it wrapped, in the app's context.
            legacy = action == "kms:Decrypt" and st["Action"] == ["kms:Decrypt"] and st["Condition"].get(
                "StringEquals") == {"kms:EncryptionContext:app": APP_CONTEXT}
            assert through_services or legacy, st["Sid"]
            if through_services:
                assert sorted(through_services) == sorted(
                    f"{s}.{REGION}.amazonaws.com" for s in ("dynamodb", "s3", "secretsmanager")), st["Sid"]


def _tls_only(package: Package, bucket_id: str) -> bool:
    for policy in package.of_type("AWS::S3::BucketPolicy").values():
        if package.target(policy["Properties"]["Bucket"]) != bucket_id:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            resources = [package.resolve(r) for r in statement["Resource"]]
            if (
                statement["Effect"] == "Deny"
                and statement["Principal"] == "*"
                and statement["Action"] in ("s3:*", ["s3:*"])
                and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
                and f"<{bucket_id}.Arn>" in resources
                and f"<{bucket_id}.Arn>/*" in resources
            ):
                return True
    return False


def test_every_bucket_is_private_encrypted_and_tls_only(package: Package) -> None:
    buckets = package.of_type("AWS::S3::Bucket")
    assert len(buckets) >= 2
    for bucket_id, bucket in buckets.items():
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
        }, bucket_id
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}, bucket_id
        (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        if bucket_id == "WebBucket":
            # The built SPA holds no patient data; S3-managed keys let CloudFront read it.
            assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
        else:
            assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", bucket_id
            key = package.target(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
            assert package.resources[key]["Type"] == "AWS::KMS::Key", bucket_id
            assert rule["BucketKeyEnabled"] is True, bucket_id
        assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}, bucket_id
        assert _tls_only(package, bucket_id), f"{bucket_id} has no Deny on aws:SecureTransport=false"


def test_image_bucket(package: Package) -> None:
    bucket_id = package.bucket_named(package.global_environment()["IMAGE_BUCKET"])
    props = package.resources[bucket_id]["Properties"]
    assert props["NotificationConfiguration"]["EventBridgeConfiguration"]["EventBridgeEnabled"] is True
    rules = props["LifecycleConfiguration"]["Rules"]
    assert any(r["Status"] == "Enabled" and "NoncurrentVersionExpiration" in r for r in rules)
    # Raw uploads (GPS EXIF) the processor never deleted expire, every version, and only they do.
    (raw,) = [r for r in rules if r.get("Prefix") == upload_key("c1", "p1").split("/")[0] + "/"
              and "ExpirationInDays" in r]
    assert raw["Status"] == "Enabled" and raw["ExpirationInDays"] <= 7
    assert raw["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 1
    assert not rendition_key("c1", "p1", "full").startswith(raw["Prefix"])
    assert any(r.get("Prefix") == raw["Prefix"] and r.get("ExpiredObjectDeleteMarker") is True for r in rules)
    name = package.resolve(props["BucketName"])
    # The API signs upload POSTs and rendition GETs; only the processor writes renditions.
    assert allows(package, "APIHandler", "s3:PutObject", f"arn:aws:s3:::{name}/{upload_key('c1', 'p1')}")
    assert allows(package, "APIHandler", "s3:GetObject", f"arn:aws:s3:::{name}/{rendition_key('c1', 'p1', 'full')}")
    assert not allows(package, "APIHandler", "s3:PutObject", f"arn:aws:s3:::{name}/{rendition_key('c1', 'p1', 'full')}")
    assert allows(package, "ProcessPhotoUpload", "s3:PutObject",
                  f"arn:aws:s3:::{name}/{rendition_key('c1', 'p1', 'full')}")
    assert not allows(package, "APIHandler", "s3:DeleteBucket", f"arn:aws:s3:::{name}")


def test_every_image_object_read_and_write_is_logged_by_cloudtrail(package: Package) -> None:
    image_bucket = package.bucket_named(package.global_environment()["IMAGE_BUCKET"])
    trails = package.of_type("AWS::CloudTrail::Trail")
    watching = {
        trail_id: trail["Properties"] for trail_id, trail in trails.items()
        if any(
            selector.get("ReadWriteType") == "All" and resource["Type"] == "AWS::S3::Object"
            and package.resolve(resource["Values"]) == [f"<{image_bucket}.Arn>/"]
            for selector in trail["Properties"].get("EventSelectors", [])
            for resource in selector.get("DataResources", [])
        )
    }
    assert len(watching) == 1, sorted(trails)
    ((trail_id, trail),) = watching.items()
    assert trail["IsLogging"] is True and trail["EnableLogFileValidation"] is True
    # Its own bucket: private, TLS only, KMS-encrypted (the bucket test covers every bucket), never
    # the bucket it watches, and kept as long as the audit trail.
    log_bucket = package.target(trail["S3BucketName"])
    assert package.resources[log_bucket]["Type"] == "AWS::S3::Bucket" and log_bucket != image_bucket
    assert _tls_only(package, log_bucket)
    (expiry,) = package.resources[log_bucket]["Properties"]["LifecycleConfiguration"]["Rules"]
    retention_days = int(package.resolve(expiry["ExpirationInDays"]))
    assert retention_days >= 365 * int(package.resolve(
        {"Fn::FindInMap": ["StageSettings", {"Ref": "Stage"}, "AuditRetentionYears"]}))
    assert f"{log_bucket}Policy" in package.resources[trail_id]["DependsOn"]
    # CloudTrail may write only its own prefix, for this trail only, and encrypt with the key for it only.
    statements = package.resources[f"{log_bucket}Policy"]["Properties"]["PolicyDocument"]["Statement"]
    (writes,) = [st for st in statements if st["Effect"] == "Allow" and st["Action"] == "s3:PutObject"]
    assert writes["Principal"] == {"Service": "cloudtrail.amazonaws.com"}
    assert package.resolve(writes["Resource"]) == f"<{log_bucket}.Arn>/AWSLogs/{ACCOUNT}/*"
    trail_arn = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/dermafollow-{package.stage}-image-access"
    assert package.resolve(writes["Condition"]["StringEquals"]["aws:SourceArn"]) == trail_arn
    key_id = package.target(trail["KMSKeyId"])
    key_statements = package.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
    for_trail = [st for st in key_statements if st["Principal"] == {"Service": "cloudtrail.amazonaws.com"}]
    assert for_trail and all(package.resolve(st["Condition"]["StringEquals"]["aws:SourceArn"]) == trail_arn
                             for st in for_trail)


def test_audit_anchor_bucket_has_compliance_object_lock(package: Package) -> None:
    buckets = package.of_type("AWS::S3::Bucket")
    locked = {bucket_id: b for bucket_id, b in buckets.items() if b["Properties"].get("ObjectLockEnabled")}
    assert len(locked) == 1, sorted(locked)
    (bucket,) = locked.values()
    retention = bucket["Properties"]["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention["Mode"] == "COMPLIANCE"
    assert int(package.resolve(retention["Years"])) >= 1
    assert bucket["Properties"]["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"


# --- Cognito ------------------------------------------------------------------------------------
def test_user_pool_groups_and_app_client(package: Package) -> None:
    pool_id, pool = one(package, "AWS::Cognito::UserPool")
    props = pool["Properties"]
    assert props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    assert props["MfaConfiguration"] == "OPTIONAL" and props["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert props["AccountRecoverySetting"]["RecoveryMechanisms"] == [{"Name": "verified_email", "Priority": 1}]
    assert props["DeletionProtection"] == "ACTIVE"
    assert props["Policies"]["PasswordPolicy"]["MinimumLength"] >= 12

    groups = {
        g["Properties"]["GroupName"]
        for g in package.of_type("AWS::Cognito::UserPoolGroup").values()
        if package.target(g["Properties"]["UserPoolId"]) == pool_id
    }
    assert groups == {"patient", "doctor", "admin"}

    client_id, client = one(package, "AWS::Cognito::UserPoolClient")
    client_props = client["Properties"]
    assert package.target(client_props["UserPoolId"]) == pool_id
    assert client_props["GenerateSecret"] is False
    assert sorted(client_props["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
    assert (client_props["AccessTokenValidity"], client_props["TokenValidityUnits"]["AccessToken"]) == (30, "minutes")
    assert (client_props["RefreshTokenValidity"], client_props["TokenValidityUnits"]["RefreshToken"]) == (12, "hours")
    assert client_props["PreventUserExistenceErrors"] == "ENABLED"
    assert client_props["EnableTokenRevocation"] is True
    assert package.target(package.global_environment()["USER_POOL_CLIENT_ID"]) == client_id


def test_directory_permissions_match_the_pool_tag(package: Package) -> None:
    _, pool = one(package, "AWS::Cognito::UserPool")
    tags = {key: package.resolve(value) for key, value in pool["Properties"]["UserPoolTags"].items()}
    for action in ("ListUsers", "AdminListGroupsForUser", "ListUsersInGroup", "AdminGetUser", *_admin_calls()):
        (statement,) = statements_allowing(package, "APIHandler", f"cognito-idp:{action}")
        ((tag_key, tag_value),) = statement["Condition"]["StringEquals"].items()
        assert tag_key.startswith("aws:ResourceTag/")
        assert tags.get(tag_key.removeprefix("aws:ResourceTag/")) == tag_value == package.stage, action
    # Changing accounts is the REST API's (its admin routes) alone.
    for function in (*CHALICE_WS_FUNCTIONS, "ProcessPhotoUpload", "RemindFollowups"):
        assert not statements_allowing(package, function, "cognito-idp:AdminCreateUser"), function


def _admin_calls() -> set[str]:
    """Every Cognito admin call the functions make (`client.admin_create_user(` -> AdminCreateUser): a
    new one without its permission would fail only once deployed."""
    found = set()
    for source in Path("functions").rglob("*.py"):
        for name in re.findall(r"\.(admin_[a-z_]+)\(", source.read_text()):
            found.add("".join(part.title() for part in name.split("_")))
    assert "AdminCreateUser" in found
    return found


def test_websocket_handlers_may_post_to_connections(package: Package) -> None:
    _, stage = one(package, "AWS::ApiGatewayV2::Stage")
    # Only this stack's WebSocket API (sam_helpers resolves its id to "<WebsocketAPI>") and stage.
    api = package.target(stage["Properties"]["ApiId"])
    arn = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:<{api}>/{stage['Properties']['StageName']}/POST/@connections/conn-1"
    # Who tells sockets something: the room on a leave or a message, the API and the reminders (live
    # notices). $connect only registers the socket; nothing else posts.
    posters = {"WebsocketMessage", "WebsocketDisconnect", "APIHandler", "RemindFollowups"}
    for function in package.functions():
        assert allows(package, function, "execute-api:ManageConnections", arn) is (function in posters), function
        assert not allows(package, function, "execute-api:ManageConnections", arn.replace(f"<{api}>", "abc123"))
        assert not allows(package, function, "execute-api:ManageConnections", arn.replace("/api/", "/dev/"))


# --- operations ---------------------------------------------------------------------------------
def test_every_function_of_the_template_has_its_errors_throttles_and_duration_alarms(package: Package) -> None:
    """Read from the packaged template's own function list: a new function (a Chalice handler, a
    scheduled or event function, one declared in infrastructure/) without its alarms fails here."""
    found: dict[tuple[str, str], int] = {}
    for alarm in package.of_type("AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        if props.get("Namespace") == "AWS/Lambda":
            ((dimension,),) = [props["Dimensions"]]
            assert dimension["Name"] == "FunctionName"
            key = (package.target(dimension["Value"]), props["MetricName"])
            found[key] = found.get(key, 0) + 1
    functions = set(package.functions())
    assert {"APIHandler", "JwtAuthorizer", *CHALICE_WS_FUNCTIONS, "RemindFollowups"} <= functions
    expected = {(function, metric): 1 for function in functions for metric in ("Errors", "Throttles", "Duration")}
    assert found == expected


def test_app_event_bus_exists(package: Package) -> None:
    _, bus = one(package, "AWS::Events::EventBus")
    assert package.resolve(bus["Properties"]["Name"]).startswith(f"dermafollow-{package.stage}-")


def test_roles_carry_no_wildcard_actions(package: Package) -> None:
    for role_id, role in package.of_type("AWS::IAM::Role").items():
        text = json.dumps(role["Properties"].get("Policies", []))
        assert '"*"' not in text.replace('"Resource": "*"', ""), role_id
        for policy in role["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert not any(a.endswith(":*") for a in actions), (role_id, statement.get("Sid"))
                if statement["Resource"] == "*" and statement["Effect"] == "Allow":
                    if actions == ["sns:Publish"]:
                        # An SMS names a phone number, not a resource; topics are denied beside it.
                        assert _denies_topics(policy), (role_id, statement.get("Sid"))
                        continue
                    assert all(a.startswith("xray:") for a in actions), (role_id, statement.get("Sid"))


def _denies_topics(policy: dict[str, Any]) -> bool:
    return any(st["Effect"] == "Deny" and st["Action"] == ["sns:Publish"] and st["Resource"] == "arn:aws:sns:*:*:*"
               for st in policy["PolicyDocument"]["Statement"])


def test_only_the_reminder_function_may_send_email_and_sms(package: Package) -> None:
    senders = {role_id for role_id, role in package.of_type("AWS::IAM::Role").items()
               for policy in role["Properties"].get("Policies", [])
               for st in policy["PolicyDocument"]["Statement"]
               if st["Effect"] == "Allow" and {"ses:SendEmail", "sns:Publish"} & set(st["Action"])}
    assert senders == {"RemindFollowupsRole"}


def test_only_the_hourly_verification_checks_macs_and_reads_the_anchors(package: Package) -> None:
    def roles_allowing(actions: set[str]) -> set[str]:
        return {role_id for role_id, role in package.of_type("AWS::IAM::Role").items()
                for policy in role["Properties"].get("Policies", [])
                for st in policy["PolicyDocument"]["Statement"]
                if st["Effect"] == "Allow" and actions & set(st["Action"])}

    assert roles_allowing({"kms:VerifyMac"}) == {"VerifyAuditChainsRole"}
    assert roles_allowing({"s3:ListBucketVersions", "s3:GetObjectVersion"}) >= {"VerifyAuditChainsRole"}
    bucket = f"arn:aws:s3:::dermafollow-{package.stage}-audit-anchor-{ACCOUNT}-{REGION}"
    assert allows(package, "VerifyAuditChains", "s3:GetObjectVersion", f"{bucket}/anchors/2026/a.json")
    assert not allows(package, "VerifyAuditChains", "s3:GetObjectVersion", f"{bucket}/other/a.json")
    assert not allows(package, "APIHandler", "s3:GetObject", f"{bucket}/anchors/2026/a.json")


# --- the web app: private bucket, CloudFront, one origin for the app and its API ---------------------
def _distribution(package: Package) -> dict[str, Any]:
    (_, distribution) = one(package, "AWS::CloudFront::Distribution")
    return dict(distribution["Properties"]["DistributionConfig"])


def test_the_web_bucket_is_read_only_through_the_distribution(package: Package) -> None:
    (distribution_id, _) = one(package, "AWS::CloudFront::Distribution")
    policy = next(p for p in package.of_type("AWS::S3::BucketPolicy").values()
                  if package.target(p["Properties"]["Bucket"]) == "WebBucket")
    allows_ = [st for st in policy["Properties"]["PolicyDocument"]["Statement"] if st["Effect"] == "Allow"]
    assert allows_ == [{
        "Sid": "ReadThroughCloudFrontOnly", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject", "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"},
        "Condition": {"StringEquals": {"AWS:SourceArn": allows_[0]["Condition"]["StringEquals"]["AWS:SourceArn"]}},
    }]
    source = package.resolve(allows_[0]["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert source.endswith(f":distribution/<{distribution_id}>")
    (web,) = [o for o in _distribution(package)["Origins"] if o["Id"] == "web"]
    assert package.target(web["DomainName"]) == "WebBucket" and "OriginAccessControlId" in web


def test_the_api_shares_the_apps_origin_uncached_and_keeps_its_own_errors(package: Package) -> None:
    config = _distribution(package)
    (api,) = [o for o in config["Origins"] if o["Id"] == "api"]
    assert package.resolve(api["DomainName"]).startswith("<RestAPI>.execute-api.")
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    (behaviour,) = config["CacheBehaviors"]
    assert behaviour["PathPattern"] == "/api/*" and behaviour["TargetOriginId"] == "api"
    assert behaviour["CachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # CachingDisabled
    assert {"POST", "PUT", "DELETE"} <= set(behaviour["AllowedMethods"])
    # A distribution-wide error page would turn the API's JSON 404s into the app's index.html.
    assert "CustomErrorResponses" not in config
    (router,) = config["DefaultCacheBehavior"]["FunctionAssociations"]
    assert router["EventType"] == "viewer-request"
    assert "FunctionAssociations" not in behaviour


def test_security_headers_on_the_app_and_the_api(package: Package) -> None:
    config = _distribution(package)
    policy_id = package.target(config["DefaultCacheBehavior"]["ResponseHeadersPolicyId"])
    assert package.target(config["CacheBehaviors"][0]["ResponseHeadersPolicyId"]) == policy_id
    headers = package.resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = package.resolve(headers["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    image_bucket = package.resolve(package.resources["ImageBucket"]["Properties"]["BucketName"])
    assert f"https://{image_bucket}.s3.{REGION}.amazonaws.com" in directives["connect-src"].split()
    assert f"https://{image_bucket}.s3.{REGION}.amazonaws.com" in directives["img-src"].split()
    assert any(src.startswith("wss://<WebsocketAPI>.execute-api.") for src in directives["connect-src"].split())
    assert headers["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    (permissions,) = headers["CustomHeadersConfig"]["Items"]
    assert "camera=(self)" in permissions["Value"] and "microphone=(self)" in permissions["Value"]


def test_photos_may_be_fetched_cross_origin_only_by_the_app(package: Package) -> None:
    (rule,) = package.resources["ImageBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    (distribution_id, _) = one(package, "AWS::CloudFront::Distribution")
    condition, with_domain, without = rule["AllowedOrigins"]["Fn::If"]
    assert condition == "HasWebDomain"
    own = f"https://<{distribution_id}.DomainName>"
    assert [package.resolve(origin) for origin in without] == [own]
    assert [package.resolve(origin) for origin in with_domain] == ["https://<WebDomainName>", own]


def test_a_clinic_domain_needs_its_certificate(package: Package) -> None:
    import re

    parameters = package.sam["Parameters"]
    assert parameters["WebDomainName"]["Default"] == parameters["WebCertificateArn"]["Default"] == ""
    certificate = re.compile(parameters["WebCertificateArn"]["AllowedPattern"])
    assert certificate.match("arn:aws:acm:us-east-1:123456789012:certificate/abc")
    assert not certificate.match("arn:aws:acm:eu-west-1:123456789012:certificate/abc"), "CloudFront: us-east-1 only"
    domain = re.compile(parameters["WebDomainName"]["AllowedPattern"])
    assert domain.match("care.clinic.example") and domain.match("")
    assert not domain.match("https://care.clinic.example")
    (rule,) = package.sam["Rules"].values()
    assert rule["Assertions"][0]["Assert"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebCertificateArn"}, ""]}]}
    viewer = _distribution(package)["ViewerCertificate"]["Fn::If"]
    assert viewer[0] == "HasWebDomain" and viewer[1]["SslSupportMethod"] == "sni-only"
    assert viewer[2] == {"CloudFrontDefaultCertificate": True}


# --- operations: every alarm reaches someone ---------------------------------------------------------
def test_every_alarm_notifies_the_encrypted_ops_topic(package: Package) -> None:
    alarms = package.of_type("AWS::CloudWatch::Alarm")
    (topic_id, topic) = one(package, "AWS::SNS::Topic")
    for name, alarm in alarms.items():
        assert [package.target(a) for a in alarm["Properties"]["AlarmActions"]] == [topic_id], name
        assert [package.target(a) for a in alarm["Properties"]["OKActions"]] == [topic_id], name
    key_id = package.target(topic["Properties"]["KmsMasterKeyId"])
    statements = package.resources[key_id]["Properties"]["KeyPolicy"]["Statement"]
    assert any(st.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
               and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(st["Action"]) for st in statements), \
        "CloudWatch cannot publish to a topic whose key it may not use"
    (_, subscription) = one(package, "AWS::SNS::Subscription")
    assert subscription["Condition"] == "HasAlarmEmail" and subscription["Properties"]["Protocol"] == "email"
    assert package.sam["Parameters"]["AlarmEmail"]["Default"] == ""


def test_every_metric_the_functions_emit_has_an_alarm_on_its_stage(package: Package) -> None:
    from functions.shared.observability import APP_METRICS, METRIC_NAMESPACE

    custom = {a["Properties"]["MetricName"]: a["Properties"] for a in package.of_type("AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("Namespace") == METRIC_NAMESPACE}
    assert set(custom) == set(APP_METRICS)
    for props in custom.values():
        dimensions = {d["Name"]: package.resolve(d["Value"]) for d in props["Dimensions"]}
        assert dimensions == {"service": "dermafollow", "stage": package.stage}


def _runbook_entries() -> dict[str, str]:
    """docs/ops.md's entries, each a level-2 heading of one name in backticks: name -> its text."""
    runbook = (REPO_ROOT / "docs" / "ops.md").read_text()
    parts = re.split(r"^## (.*)$", runbook, flags=re.MULTILINE)
    return {heading.strip("`"): text for heading, text in zip(parts[1::2], parts[2::2], strict=True)
            if heading.startswith("`")}


def _runbook_name(package: Package, alarm: dict[str, Any]) -> str:
    """The runbook heading an alarm belongs to: its name, or its family for the alarms made per function
    (`<function>-errors`, `-throttles`, `-duration-p99`) and per table (`<table>-throttled`)."""
    props = alarm["Properties"]
    name = str(package.resolve(props["AlarmName"])).removeprefix(f"dermafollow-{package.stage}-")
    if props.get("Namespace") == "AWS/Lambda":
        family = {"Errors": "errors", "Throttles": "throttles", "Duration": "duration-p99"}[props["MetricName"]]
        assert name.endswith(f"-{family}"), name
        return f"<function>-{family}"
    namespaces = {m["MetricStat"]["Metric"]["Namespace"] for m in props.get("Metrics", []) if "MetricStat" in m}
    if namespaces == {"AWS/DynamoDB"}:
        assert name.endswith("-throttled"), name
        return "<table>-throttled"
    return name


def test_every_alarm_has_a_runbook_entry_and_every_entry_an_alarm(package: Package) -> None:
    """docs/ops.md: one entry per alarm (what it means, how to look, what to do), none for an alarm
    that is gone."""
    entries = _runbook_entries()
    alarmed = {_runbook_name(package, alarm) for alarm in package.of_type("AWS::CloudWatch::Alarm").values()}
    assert sorted(alarmed - set(entries)) == [], "alarms without a runbook entry"
    assert sorted(set(entries) - alarmed) == [], "runbook entries without an alarm"
    for name, text in entries.items():
        assert all(part in text for part in ("**Means:**", "**Look:**", "**Do:**")), name
    # Every saved query an entry sends the reader to exists.
    queries = {package.resolve(q["Properties"]["Name"]).split("/", 1)[1]
               for q in package.of_type("AWS::Logs::QueryDefinition").values()}
    runbook = (REPO_ROOT / "docs" / "ops.md").read_text()
    assert all(f"`{query}`" in runbook for query in queries)


def _metric_identity(namespace: str, name: str, dimensions: dict[str, Any]) -> tuple[str, str, frozenset[Any]]:
    return namespace, name, frozenset(dimensions.items())


def _alarm_metrics(package: Package, props: dict[str, Any]) -> list[tuple[str, str, frozenset[Any]]]:
    if "MetricName" in props:
        return [_metric_identity(props["Namespace"], props["MetricName"],
                                 {d["Name"]: package.resolve(d["Value"]) for d in props["Dimensions"]})]
    return [_metric_identity(m["MetricStat"]["Metric"]["Namespace"], m["MetricStat"]["Metric"]["MetricName"],
                             {d["Name"]: package.resolve(d["Value"]) for d in m["MetricStat"]["Metric"]["Dimensions"]})
            for m in props["Metrics"] if "MetricStat" in m]


def _dashboard_metrics(body: dict[str, Any]) -> set[tuple[str, str, frozenset[Any]]]:
    """[namespace, name, dimension, value, ..., {options}] rows of every metric widget."""
    shown = set()
    for widget in body["widgets"]:
        for row in widget["properties"]["metrics"]:
            values = [part for part in row if not isinstance(part, dict)]
            if values:
                namespace, name, *pairs = values
                shown.add(_metric_identity(namespace, name, dict(zip(pairs[::2], pairs[1::2], strict=True))))
    return shown


def test_the_dashboard_shows_every_alarmed_figure_and_the_call_and_photo_metrics(package: Package) -> None:
    from functions.shared.observability import DASHBOARD_METRICS

    (_, dashboard) = one(package, "AWS::CloudWatch::Dashboard")
    body = json.loads(package.resolve(dashboard["Properties"]["DashboardBody"]))
    shown = _dashboard_metrics(body)
    for logical_id, alarm in package.of_type("AWS::CloudWatch::Alarm").items():
        missing = [m for m in _alarm_metrics(package, alarm["Properties"]) if m not in shown]
        assert missing == [], f"{logical_id} watches figures the dashboard does not show: {missing}"
    app = frozenset({"service": "dermafollow", "stage": package.stage}.items())
    shown_app = {name for namespace, name, dimensions in shown if namespace == "DermaFollow" and dimensions == app}
    text = json.dumps(body)
    # UploadRejected has one series per reason: a search over the `reason` dimension of this stage.
    assert DASHBOARD_METRICS - shown_app == {"UploadRejected"}
    assert ('{DermaFollow,reason,service,stage} MetricName=\\"UploadRejected\\" '
            f'stage=\\"{package.stage}\\"') in text
    assert "IF(calls >= 5, poor / calls, 0)" in text, "the share of poor calls, as the alarm computes it"


def test_websocket_connects_and_messages_are_alarmed_by_route(package: Package) -> None:
    assert package.resources["WebsocketAPIStage"]["Properties"]["DefaultRouteSettings"]["DetailedMetricsEnabled"]
    by_route: dict[str, set[str]] = {}
    for alarm in package.of_type("AWS::CloudWatch::Alarm").values():
        for metric in alarm["Properties"].get("Metrics", []):
            if "MetricStat" in metric and metric["MetricStat"]["Metric"]["Namespace"] == "AWS/ApiGateway":
                dimensions = {d["Name"]: d["Value"] for d in metric["MetricStat"]["Metric"]["Dimensions"]}
                assert package.target(dimensions["ApiId"]) == "WebsocketAPI"
                by_route.setdefault(dimensions["Route"], set()).add(metric["MetricStat"]["Metric"]["MetricName"])
    assert by_route == {"$connect": {"IntegrationError", "ExecutionError"},
                        "$default": {"IntegrationError", "ExecutionError"}}


def test_saved_queries_read_existing_log_groups_and_only_logged_fields(package: Package) -> None:
    from functions.shared.observability import SAFE_LOG_KEYS

    queries = package.of_type("AWS::Logs::QueryDefinition")
    assert len(queries) >= 6
    # Powertools' own keys of every record, besides the ones the app adds (SAFE_LOG_KEYS).
    logged = SAFE_LOG_KEYS | {"message", "level"}
    for logical_id, query in queries.items():
        props = query["Properties"]
        for group in props["LogGroupNames"]:
            match = re.fullmatch(r"/aws/lambda/\$\{(\w+)\}", group["Fn::Sub"])
            assert match is not None and match.group(1) in package.functions(), (logical_id, group)
        text = props["QueryString"]
        (fields,) = re.findall(r"^fields (.*)$", text, flags=re.MULTILINE)
        used = {field.strip() for field in fields.split(",")}
        used |= set(re.findall(r"\b(\w+) (?:=|>=|like)", text))
        assert {name for name in used if not name.startswith("@")} <= logged, logical_id


def test_every_function_and_table_is_watched(package: Package) -> None:
    alarms = package.of_type("AWS::CloudWatch::Alarm").values()
    throttled = {package.target(d["Value"]) for a in alarms for m in a["Properties"].get("Metrics", [])
                 if "MetricStat" in m and m["MetricStat"]["Metric"]["MetricName"] == "WriteThrottleEvents"
                 for d in m["MetricStat"]["Metric"]["Dimensions"]}
    assert throttled == {spec.cfn_logical_id for spec in TABLES}


def test_failed_photo_events_are_kept_and_alarmed(package: Package) -> None:
    function = package.resources["ProcessPhotoUpload"]["Properties"]
    assert package.target(function["DeadLetterQueue"]["TargetArn"]) == "PhotoEventsDeadLetterQueue"
    event = function["Events"]["ProcessPhotoUploadEvent"]["Properties"]
    assert package.target(event["DeadLetterConfig"]["Arn"]) == "PhotoEventsDeadLetterQueue"
    assert event["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 3600
    queue = package.resources["PhotoEventsDeadLetterQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True and queue["MessageRetentionPeriod"] == 14 * 86400
    dlq = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dermafollow-{package.stage}-photo-events-dlq"
    assert allows(package, "ProcessPhotoUpload", "sqs:SendMessage", dlq)
    alarm = package.resources["PhotoEventsDeadLetterQueueAlarm"]["Properties"]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)


def test_the_edge_throttles_before_a_function_or_cognito_is_spent(package: Package) -> None:
    settings = package.resources["RestAPI"]["Properties"]["MethodSettings"]
    by_route = {(s["ResourcePath"], s["HttpMethod"]): (s["ThrottlingRateLimit"], s["ThrottlingBurstLimit"])
                for s in settings}
    assert ("/*", "*") in by_route and by_route[("/~1auth~1login", "POST")][0] <= 20
    public = [rate for (path, _), (rate, _) in by_route.items() if path.startswith("/~1auth~1")]
    assert sum(public) <= 60, "the public sign-in routes leave half of Cognito's 120/s to refreshes"
    stage = package.resources["WebsocketAPIStage"]["Properties"]["DefaultRouteSettings"]
    assert stage["ThrottlingRateLimit"] > 0 and stage["ThrottlingBurstLimit"] >= stage["ThrottlingRateLimit"]
    pool = package.resources["UserPool"]["Properties"]
    mode = pool["UserPoolAddOns"]["AdvancedSecurityMode"]["Fn::FindInMap"]
    assert package.sam["Mappings"]["StageSettings"][package.stage][mode[2]] == (
        "ENFORCED" if package.stage == "prod" else "AUDIT")
    assert pool["UserPoolTier"] == "PLUS"


def test_lesion_photos_are_measured_behind_the_photo_pipeline(package: Package) -> None:
    measurer = package.resources["LesionMeasurer"]["Properties"]
    assert measurer["Handler"] == "lesion_measuring.lambda_handler"
    assert [package.target(layer) for layer in measurer["Layers"]] == ["LesionMetricsLayer"]
    # bench.lesion_metrics: ~1.6 s per 12 MP photo on 2 cores, two photos per measurement.
    assert measurer["MemorySize"] >= 1769 and 30 <= measurer["Timeout"] <= 120  # >= one full vCPU
    step = package.resources["MeasureLesionPhoto"]["Properties"]
    assert step["Handler"] == "functions.lesionmetrics.events.measure_lesion_photo"
    assert step["Timeout"] > measurer["Timeout"], "the storing step waits for the measurer"
    env = env_of(package, "MeasureLesionPhoto")
    assert env["LESION_MEASURER"] == "lambda" and env["LESION_MEASURER_FUNCTION"] == "<LesionMeasurer>"
    (event,) = step["Events"].values()
    pattern = event["Properties"]["Pattern"]
    assert pattern["source"] == ["aws.s3"] and pattern["detail-type"] == ["Object Created"]
    (bucket,) = pattern["detail"]["bucket"]["name"]
    assert package.target(bucket) == package.bucket_named(package.global_environment()["IMAGE_BUCKET"])
    (wildcard,) = pattern["detail"]["object"]["key"]
    assert fnmatchcase(rendition_key("c1", "p1", "full"), wildcard["wildcard"])
    for other in (rendition_key("c1", "p1", "display"), rendition_key("c1", "p1", "thumb"), upload_key("c1", "p1")):
        assert not fnmatchcase(other, wildcard["wildcard"]), other
    # Failed events kept (EventBridge's and Lambda's), and alarmed.
    assert package.target(step["DeadLetterQueue"]["TargetArn"]) == "LesionEventsDeadLetterQueue"
    assert package.target(event["Properties"]["DeadLetterConfig"]["Arn"]) == "LesionEventsDeadLetterQueue"
    alarm = package.resources["LesionEventsDeadLetterQueueAlarm"]["Properties"]
    assert (alarm["MetricName"], alarm["Threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)
    for function in ("MeasureLesionPhoto", "LesionMeasurer"):
        assert f"{function}ErrorsAlarm" in package.resources, function


def test_legacy_reads_and_stopped_reminders_are_alarmed(package: Package) -> None:
    alarms = {str(package.resolve(a["Properties"]["AlarmName"])).removeprefix(f"dermafollow-{package.stage}-"):
              a["Properties"] for a in package.of_type("AWS::CloudWatch::Alarm").values()}
    # Plaintext still read: every hour for 3 hours in a row, not one stray read.
    unmigrated = alarms["unmigratedreads"]
    assert unmigrated["MetricName"] == "UnmigratedReads"
    assert (unmigrated["Period"], unmigrated["EvaluationPeriods"], unmigrated["DatapointsToAlarm"]) == (3600, 3, 3)
    # Reminders stopped: a weekday's total (a missing day counts as 0), weekends excluded.
    stopped = alarms["reminders-stopped"]
    (sent,) = [m for m in stopped["Metrics"] if "MetricStat" in m]
    assert sent["MetricStat"]["Metric"]["MetricName"] == "RemindersSent" and sent["MetricStat"]["Period"] == 86400
    expressions = {m["Id"]: m["Expression"] for m in stopped["Metrics"] if "Expression" in m}
    assert expressions["filled"] == "FILL(sent, 0)"
    assert expressions["stopped"] == "IF(DAY(filled) <= 5 AND filled == 0, 1, 0)"
    assert [m["Id"] for m in stopped["Metrics"] if m["ReturnData"]] == ["stopped"]
    assert stopped["Threshold"] == 1 and stopped["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
