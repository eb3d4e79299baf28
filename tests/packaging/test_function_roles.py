"""Each deployed function's role, rendered from the packaged template as IAM would read it in the
example deployment (sam_helpers resolves the stack's ARNs): its own policy, no shared base, and the
limits the code path of each function allows (infrastructure/policies.py says why for each).

Statements are evaluated with their conditions (tests/support/iam.py) against the condition keys IAM
sets for each call: a KMS call names its key's aliases and encryption context (and the service it
came through), a listing its prefix, an item write its leading keys, a directory read the pool's tag.
Each conditional statement is proven both ways: allowed for the call the code makes, denied for the
same call with another key, stage, context, prefix or tag; the last tests break the rendered
statements one way at a time and show each proof then fails."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sam_helpers import ACCOUNT, REGION, Package

from functions.audit.adapters import ANCHOR_PREFIX, HEAD_PREFIX
from functions.audit.chain import chain_names
from functions.crypto.keyring import APP_CONTEXT, key_context
from functions.images.ports import photo_prefix, rendition_key, upload_key
from functions.shared.tables import TABLES
from infrastructure.naming import AUDIT_MAC_KEY, FIELD_KEY, KEY, STAGE_TAG_KEY
from tests.support.iam import Request, allowed, decision, key_allows

RECORD_TABLES = ("records", "record_versions", "cases", "scores", "lesions", "lesion_metrics", "followups",
                 "case_discussion", "consultation_rounds", "visit_ratings", "analytics_reference")
TABLE_ACTIONS = ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                 "BatchWriteItem", "ConditionCheckItem")
REMOVING = ("DeleteItem", "BatchWriteItem")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(package: Package, function: str) -> list[dict[str, Any]]:
    role = package.resources[role_of(package, function)]
    return [st for policy in role["Properties"].get("Policies", []) for st in policy["PolicyDocument"]["Statement"]]


def role_of(package: Package, function: str) -> str:
    return str(package.target(package.resources[function]["Properties"]["Role"]))


def allows(package: Package, function: str, action: str, arn: str, context: dict[str, Any] | None = None) -> bool:
    """The function's role allows the call (its conditions evaluated against `context`, the condition
    keys IAM sets for the call) and no statement denies it."""
    return allowed(statements(package, function), Request(action, arn, context or {}))


def actions_of(package: Package, function: str) -> set[str]:
    return {action for st in statements(package, function) if st["Effect"] == "Allow"
            for action in _listed(st["Action"])}


def table(package: Package, name: str, stage: str | None = None) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/dermafollow-{stage or package.stage}-{name}"


def tables_touched(package: Package, function: str) -> set[str]:
    return {spec.logical_name for spec in TABLES
            if any(allows(package, function, f"dynamodb:{action}", table(package, spec.logical_name))
                   for action in TABLE_ACTIONS)}


def images(package: Package, key: str, stage: str | None = None) -> str:
    return f"arn:aws:s3:::dermafollow-{stage or package.stage}-images-{ACCOUNT}-{REGION}/{key}"


# --- KMS calls as IAM sees them --------------------------------------------------------------------
KMS_ACTIONS = ("kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:Encrypt",
               "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateMac", "kms:VerifyMac", "kms:CreateGrant")
SERVICES = ("dynamodb", "s3", "secretsmanager", "sqs", "sns", "lambda")


@dataclass(frozen=True)
class Key:
    """A KMS key as a call names it: its ARN (the roles allow key/*) and its aliases."""

    logical_id: str
    arn: str
    aliases: tuple[str, ...]


def keys(package: Package, stage: str | None = None) -> dict[str, Key]:
    """The stack's keys by logical id, with the aliases the template gives them (another stage's keys
    have the same aliases with that stage's name)."""
    stage = stage or package.stage
    aliases: dict[str, list[str]] = {}
    for alias in package.of_type("AWS::KMS::Alias").values():
        name = str(package.resolve(alias["Properties"]["AliasName"])).replace(f"-{package.stage}", f"-{stage}")
        aliases.setdefault(package.target(alias["Properties"]["TargetKeyId"]), []).append(name)
    return {logical_id: Key(logical_id, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{stage}-{logical_id}",
                            tuple(aliases.get(logical_id, ())))
            for logical_id in package.of_type("AWS::KMS::Key")}


def kms_call(action: str, key: Key, context: dict[str, str] | None = None, via: str | None = None) -> Request:
    """A KMS request's condition keys: the key's aliases, each encryption context pair, the service a
    call came through (absent for a direct call), the caller's account."""
    keys_set: dict[str, Any] = {"kms:ResourceAliases": list(key.aliases), "kms:CallerAccount": ACCOUNT,
                                "aws:SecureTransport": "true"}
    if context:
        keys_set["kms:EncryptionContextKeys"] = list(context)
        keys_set.update({f"kms:EncryptionContext:{name}": value for name, value in context.items()})
    if via:
        keys_set["kms:ViaService"] = f"{via}.{REGION}.amazonaws.com"
    return Request(action, key.arn, keys_set)


def kms_allows(package: Package, function: str, request: Request) -> bool:
    """The role's own policy allows the KMS call."""
    return allowed(statements(package, function), request)


def key_policy(package: Package, key: Key) -> list[dict[str, Any]]:
    resolved = package.resolve_deep(package.resources[key.logical_id]["Properties"]["KeyPolicy"])
    return list(resolved["Statement"])


def key_and_role_allow(package: Package, function: str, key: Key, request: Request) -> bool:
    """What KMS decides: the key policy (to the role, or to the account and then the role's policy)."""
    return key_allows(key_policy(package, key), statements(package, function), request,
                      f"<{role_of(package, function)}.Arn>", ROOT)


def kms_uses(package: Package, function: str, key: Key, **call: Any) -> set[str]:
    """The KMS actions the role's policy allows on `key` for one kind of call."""
    return {action for action in KMS_ACTIONS if kms_allows(package, function, kms_call(action, key, **call))}


def test_every_function_has_a_role_of_its_own_with_one_policy_of_its_own(package: Package) -> None:
    roles = [package.target(fn["Properties"]["Role"]) for fn in package.functions().values()]
    assert len(roles) == len(set(roles)), "no two functions share a role"
    for name, role_id in zip(package.functions(), roles, strict=True):
        role = package.resources[role_id]["Properties"]
        assert "ManagedPolicyArns" not in role, name
        assert [policy["PolicyName"] for policy in role["Policies"]] == [f"{role_id}Policy"], name


def test_each_function_writes_only_its_own_log_group(package: Package) -> None:
    names = {function: package.resolve(fn["Properties"]["FunctionName"])
             for function, fn in package.functions().items()}
    assert len(set(names.values())) == len(names)
    for function, name in names.items():
        assert name.startswith(f"dermafollow-{package.stage}-"), function
        for other in names.values():
            group = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{other}:log-stream:2026/01/01/x"
            assert allows(package, function, "logs:PutLogEvents", group) is (other == name), (function, other)


def test_no_role_reaches_the_other_stage(package: Package) -> None:
    other = "prod" if package.stage == "dev" else "dev"
    names = [package.resolve(fn["Properties"]["FunctionName"]).replace(f"-{package.stage}-", f"-{other}-")
             for fn in package.functions().values()]
    foreign = [
        *(table(package, spec.logical_name, other) for spec in TABLES),
        *(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:log-stream:x" for name in names),
        *(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in names),
        images(package, upload_key("c1", "p1"), other), images(package, rendition_key("c1", "p1", "full"), other),
        f"arn:aws:s3:::dermafollow-{other}-audit-anchor-{ACCOUNT}-{REGION}/anchors/a.json",
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:dermafollow-{other}-photo-events-dlq",
        f"arn:aws:sqs:{REGION}:{ACCOUNT}:dermafollow-{other}-lesion-events-dlq",
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dermafollow/{other}/turn-shared-secret-AbCdEf",
        # The other stage's WebSocket API has another id (both stages name their stage `api`).
        f"arn:aws:execute-api:{REGION}:{ACCOUNT}:other123/api/POST/@connections/c1",
    ]
    for function in package.functions():
        for action in actions_of(package, function):
            for arn in foreign:
                if action.startswith(arn.split(":")[2] + ":"):  # the ARN's service
                    assert not allows(package, function, action, arn), (function, action, arn)
        # Keys and the pool are named by this stage's alias and tag: the other stage's keys, called
        # directly in the application's context or through any service, and its pool, are refused.
        for key in keys(package, other).values():
            assert kms_uses(package, function, key, context=SEALING) == set(), (function, key)
            for service in SERVICES:
                assert kms_uses(package, function, key, context=SEALING, via=service) == set(), (function, key)
        for action in actions_of(package, function):
            if action.startswith("cognito-idp:") and action != "cognito-idp:InitiateAuth":
                assert not allows(package, function, action, POOL, {f"aws:ResourceTag/{STAGE_TAG_KEY}": other})


def test_the_authorizer_may_only_log_and_trace(package: Package) -> None:
    # It verifies tokens against the pool's published keys over HTTPS: no AWS call.
    assert actions_of(package, "JwtAuthorizer") == {
        "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments",
        "xray:PutTelemetryRecords"}
    assert tables_touched(package, "JwtAuthorizer") == set()


def test_the_photo_processor_reaches_uploads_photos_and_timeline_only(package: Package) -> None:
    function = "ProcessPhotoUpload"
    assert tables_touched(package, function) == {"photo_uploads", "photos", "timeline"}
    for name in (*RECORD_TABLES, "data_keys", "audit_log", "case_access", "connections"):
        for action in TABLE_ACTIONS:
            assert not allows(package, function, f"dynamodb:{action}", table(package, name)), (name, action)
    for name in ("photo_uploads", "photos", "timeline"):
        for action in REMOVING:
            assert not allows(package, function, f"dynamodb:{action}", table(package, name)), (name, action)
    upload, rendition = upload_key("c1", "p1"), rendition_key("c1", "p1", "full")
    assert allows(package, function, "s3:GetObjectVersion", images(package, upload))
    assert allows(package, function, "s3:DeleteObjectVersion", images(package, upload))
    assert allows(package, function, "s3:PutObject", images(package, rendition))
    assert not allows(package, function, "s3:GetObject", images(package, rendition))
    assert not allows(package, function, "s3:DeleteObject", images(package, rendition))
    assert not allows(package, function, "s3:PutObject", images(package, "health/x"))
    # No field key, no audit MAC key, no directory, no secret, no sockets.
    assert kms_uses(package, function, keys(package)[FIELD_KEY], context=SEALING) == set()
    assert not {a for a in actions_of(package, function)
                if a.startswith(("cognito-idp:", "secretsmanager:", "execute-api:", "lambda:"))
                or a.endswith("Mac")}


def test_the_websocket_functions_use_their_socket_room_and_visit_tables(package: Package) -> None:
    # Usernames are sealed at rest: the ticket's is opened on $connect and sealed into the socket's
    # item (the connections' shared key of the year may be made), the room's on join and leave.
    assert tables_touched(package, "WebsocketConnect") == {"connect_tickets", "connections", "data_keys"}
    assert tables_touched(package, "WebsocketDisconnect") == {"connections", "visits", "data_keys"}
    # A join checks the case grant; a refused one is audited (append only).
    assert tables_touched(package, "WebsocketMessage") == {"connections", "visits", "case_access", "audit_log",
                                                           "data_keys"}
    assert not allows(package, "WebsocketMessage", "dynamodb:PutItem", table(package, "case_access"))
    for function in ("WebsocketConnect", "WebsocketMessage", "WebsocketDisconnect"):
        assert not allows(package, function, "dynamodb:DeleteItem", table(package, "data_keys")), function
        assert not {a for a in actions_of(package, function)
                    if a.startswith(("s3:", "cognito-idp:", "secretsmanager:"))}, function


def test_no_function_deletes_audit_entries(package: Package) -> None:
    audit = table(package, "audit_log")
    for function in package.functions():
        for action in REMOVING:
            assert not allows(package, function, f"dynamodb:{action}", audit), (function, action)
        if "audit_log" in tables_touched(package, function):
            # An explicit, unconditional deny: no other statement (of the role or a later one) lifts it.
            for action in REMOVING:
                for context in ({}, {"dynamodb:LeadingKeys": [HEAD_PREFIX + CHAIN]}, {"dynamodb:LeadingKeys": [CHAIN]}):
                    request = Request(f"dynamodb:{action}", audit, context)
                    assert decision(statements(package, function), request) == "Deny", (function, action, context)
    # The jobs that only read the trail cannot write it.
    for function in ("AnchorAuditChains", "VerifyAuditChains"):
        assert not allows(package, function, "dynamodb:PutItem", audit), function


def test_no_function_destroys_a_data_key(package: Package) -> None:
    # Destroying keys is crypto-shredding a case: erase-case, an operator's command, not the API's.
    data_keys = table(package, "data_keys")
    for function in package.functions():
        for action in REMOVING:
            assert not allows(package, function, f"dynamodb:{action}", data_keys), (function, action)
    assert allows(package, "APIHandler", "dynamodb:PutItem", data_keys)
    assert allows(package, "APIHandler", "dynamodb:ConditionCheckItem", data_keys)  # the key's tombstone check


def test_only_the_functions_that_seal_or_open_fields_use_the_field_key(package: Package) -> None:
    check_field_key_in_roles(package)
    check_field_key_policy(package)
    for function in package.functions():
        touches_data_keys = "data_keys" in tables_touched(package, function)
        assert touches_data_keys is bool(FIELD_KEY_USES.get(function)), function


def test_functions_use_the_stage_key_only_through_their_services(package: Package) -> None:
    check_stage_key(package)


def test_only_the_audit_writers_and_the_verifier_use_the_audit_mac_key(package: Package) -> None:
    check_audit_mac(package)


def test_listings_are_held_to_their_prefixes(package: Package) -> None:
    check_listing_prefixes(package)


def test_audit_appenders_update_only_chain_heads(package: Package) -> None:
    check_audit_heads(package)


def test_the_directory_is_read_and_managed_in_this_stages_pool_only(package: Package) -> None:
    check_directory_tag(package)


# --- lesion measurement -------------------------------------------------------------------------------
def test_the_measuring_function_only_reads_full_renditions(package: Package) -> None:
    function = "LesionMeasurer"
    assert tables_touched(package, function) == set()
    assert allows(package, function, "s3:GetObject", images(package, rendition_key("c1", "p1", "full")))
    for key in (rendition_key("c1", "p1", "display"), upload_key("c1", "p1"), "health/x"):
        assert not allows(package, function, "s3:GetObject", images(package, key)), key
    assert {a for a in actions_of(package, function) if not a.startswith(("logs:", "xray:"))} == {
        "s3:GetObject", "kms:Decrypt"}
    # The renditions' bucket key, through S3 only, to read (check_stage_key proves it for every function).
    stage_key = keys(package)[KEY]
    assert kms_uses(package, function, stage_key, context=service_context(package, "s3"), via="s3") == {"kms:Decrypt"}
    assert kms_uses(package, function, stage_key, context=service_context(package, "dynamodb"), via="dynamodb") == set()


def test_the_storing_step_seals_measurements_and_invokes_only_the_measurer(package: Package) -> None:
    function = "MeasureLesionPhoto"
    assert tables_touched(package, function) == {"photos", "lesion_metrics", "data_keys"}
    assert allows(package, function, "dynamodb:PutItem", table(package, "lesion_metrics"))
    assert not allows(package, function, "dynamodb:PutItem", table(package, "photos"))
    for name in ("lesion_metrics", "data_keys"):
        for action in REMOVING:
            assert not allows(package, function, f"dynamodb:{action}", table(package, name)), (name, action)
    measurer = package.resolve(package.resources["LesionMeasurer"]["Properties"]["FunctionName"])
    assert allows(package, function, "lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{measurer}")
    names = [package.resolve(fn["Properties"]["FunctionName"]) for fn in package.functions().values()]
    assert [name for name in names if allows(package, function, "lambda:InvokeFunction",
                                             f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")] == [measurer]
    assert not {a for a in actions_of(package, function) if a.startswith("s3:")}
    # The REST API hands a new baseline's series to this step; nothing else invokes a function.
    step_name = package.resolve(package.resources[function]["Properties"]["FunctionName"])
    assert [name for name in names if allows(package, "APIHandler", "lambda:InvokeFunction",
                                             f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}")] == [step_name]
    assert package.resolve(package.merged_environment("APIHandler")["LESION_SERIES_FUNCTION"]) == step_name
    for other in package.functions():
        if other not in (function, "APIHandler"):
            assert not {a for a in actions_of(package, other) if a.startswith("lambda:")}, other


@pytest.mark.parametrize("function", ["ProcessPhotoUpload", "MeasureLesionPhoto"])
def test_event_functions_may_keep_failed_events_in_their_own_queue_only(package: Package, function: str) -> None:
    queues = {"ProcessPhotoUpload": "photo-events-dlq", "MeasureLesionPhoto": "lesion-events-dlq"}
    for name in queues.values():
        arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:dermafollow-{package.stage}-{name}"
        assert allows(package, function, "sqs:SendMessage", arn) is (name == queues[function])


# --- conditions, per call path ----------------------------------------------------------------------
# Each check raises AssertionError; the tests above run them on the packaged template, the last test
# on copies broken one statement at a time.
SEALING = key_context("cases", "k1")  # what DataKeyManager wraps a data key under
WRONG_CONTEXTS: tuple[dict[str, str] | None, ...] = (
    None,  # no context at all
    {**SEALING, "app": "another-app"},
    {"application": APP_CONTEXT, "purpose": "cases", "dataKeyId": "k1"},  # the app's value, another key
    {"purpose": "cases", "dataKeyId": "k1"},
)
DATA_KEY_ACTIONS = {"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:Encrypt",
                    "kms:ReEncryptFrom", "kms:ReEncryptTo"}
SEAL_AND_OPEN = {"kms:Decrypt", "kms:GenerateDataKey"}
# From each function's code path: who seals fields (GenerateDataKey, Decrypt) and who only opens them
# (the lake export and analyses).
FIELD_KEY_USES = {
    **dict.fromkeys(("APIHandler", "RemindFollowups", "MeasureLesionPhoto", "WebsocketConnect", "WebsocketMessage",
                     "WebsocketDisconnect"), SEAL_AND_OPEN),
    "ExportLake": {"kms:Decrypt"}, "AnalyzeLake": {"kms:Decrypt"},
}
# The services through which each function's tables, buckets and secret are decrypted with the stage key.
STAGE_KEY_SERVICES: dict[str, tuple[set[str], set[str]]] = {
    "APIHandler": ({"dynamodb", "s3", "secretsmanager"}, SEAL_AND_OPEN),
    "JwtAuthorizer": (set(), set()),
    "WebsocketConnect": ({"dynamodb"}, SEAL_AND_OPEN),
    "WebsocketMessage": ({"dynamodb"}, SEAL_AND_OPEN),
    "WebsocketDisconnect": ({"dynamodb"}, SEAL_AND_OPEN),
    "ProcessPhotoUpload": ({"dynamodb", "s3"}, SEAL_AND_OPEN),
    "AnchorAuditChains": ({"dynamodb", "s3"}, SEAL_AND_OPEN),
    "VerifyAuditChains": ({"dynamodb", "s3"}, SEAL_AND_OPEN),
    "RemindFollowups": ({"dynamodb"}, SEAL_AND_OPEN),
    "ExportLake": ({"dynamodb", "s3", "secretsmanager"}, SEAL_AND_OPEN),
    "AnalyzeLake": ({"dynamodb", "s3", "secretsmanager"}, SEAL_AND_OPEN),
    "MeasureLesionPhoto": ({"dynamodb"}, SEAL_AND_OPEN),
    "LesionMeasurer": ({"s3"}, {"kms:Decrypt"}),  # reads renditions, writes nothing
}
# Audit entries are MACed by the functions that append them and checked by the verifier.
MAC_USES = {"APIHandler": {"kms:GenerateMac"}, "WebsocketMessage": {"kms:GenerateMac"},
            "RemindFollowups": {"kms:GenerateMac"}, "VerifyAuditChains": {"kms:VerifyMac"}}
AUDIT_APPENDERS = {"APIHandler", "WebsocketMessage", "RemindFollowups"}
CHAIN = chain_names(4)[0]
POOL = f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{REGION}_AbCdEfGhI"
DIRECTORY_USERS = {"APIHandler", "RemindFollowups", "ExportLake", "AnalyzeLake"}


def other_stage(package: Package) -> str:
    return "prod" if package.stage == "dev" else "dev"


def lookalike(package: Package, key: Key) -> Key:
    """A key of this account whose alias starts like `key`'s (a wildcard would let it through)."""
    return Key("Lookalike", f"arn:aws:kms:{REGION}:{ACCOUNT}:key/lookalike", (f"{key.aliases[0]}-copy",))


def service_context(package: Package, service: str) -> dict[str, str] | None:
    """The encryption context a service sets when it calls KMS for this stack."""
    if service == "dynamodb":
        return {"aws:dynamodb:tableName": f"dermafollow-{package.stage}-cases", "aws:dynamodb:subscriberId": ACCOUNT}
    if service == "s3":
        return {"aws:s3:arn": f"arn:aws:s3:::dermafollow-{package.stage}-images-{ACCOUNT}-{REGION}"}
    if service == "secretsmanager":
        return {"SecretARN": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:dermafollow/{package.stage}/x"}
    return None


def check_field_key_in_roles(package: Package) -> None:
    """Each role: the field key with the application's context, for exactly its code path's actions;
    nothing without that context, on another key, or another stage's."""
    own, others = keys(package), keys(package, other_stage(package))
    field, stage_key = own[FIELD_KEY], own[KEY]
    for function in package.functions():
        expected = FIELD_KEY_USES.get(function, set())
        assert kms_uses(package, function, field, context=SEALING) == expected, function
        # Data keys wrapped before the field key existed are opened with the stage key, same context.
        assert kms_uses(package, function, stage_key, context=SEALING) == ({"kms:Decrypt"} if expected else set())
        for context in WRONG_CONTEXTS:
            assert kms_uses(package, function, field, context=context) == set(), (function, context)
            assert kms_uses(package, function, stage_key, context=context) == set(), (function, context)
        for key in (own[AUDIT_MAC_KEY], others[FIELD_KEY], others[KEY], lookalike(package, field),
                    lookalike(package, stage_key), Key("NoAlias", field.arn, ())):
            assert kms_uses(package, function, key, context=SEALING) & DATA_KEY_ACTIONS == set(), (function, key)


def check_field_key_policy(package: Package) -> None:
    """The field key's own policy: only the function roles, each for its code path's actions, only
    with the application's context; the account may administer it but hands no use to IAM."""
    field = keys(package)[FIELD_KEY]
    policy = key_policy(package, field)
    for function in package.functions():
        principal = f"<{role_of(package, function)}.Arn>"
        expected = FIELD_KEY_USES.get(function, set())
        granted = {a for a in KMS_ACTIONS if decision(policy, kms_call(a, field, SEALING), principal) == "Allow"}
        assert granted == expected, function
        for context in WRONG_CONTEXTS:
            assert not {a for a in KMS_ACTIONS
                        if decision(policy, kms_call(a, field, context), principal) == "Allow"}, (function, context)
        # What KMS decides: the key policy and the role's own policy together.
        assert {a for a in KMS_ACTIONS
                if key_and_role_allow(package, function, field, kms_call(a, field, SEALING))} == expected, function
    # Whatever an IAM policy grants a role the key does not name, it may not use the key; operators
    # (through IAM) may only rewrap, and only in the context.
    anyone = [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]
    stranger = "<SomeOtherRole.Arn>"
    assert {a for a in KMS_ACTIONS if key_allows(policy, anyone, kms_call(a, field, SEALING), stranger, ROOT)} == {
        "kms:ReEncryptFrom", "kms:ReEncryptTo"}
    for context in WRONG_CONTEXTS:
        assert not {a for a in KMS_ACTIONS if key_allows(policy, anyone, kms_call(a, field, context), stranger, ROOT)}
    assert key_allows(policy, anyone, Request("kms:DescribeKey", field.arn, {}), stranger, ROOT)


def check_stage_key(package: Package) -> None:
    """The stage key only through each function's services (kms:ViaService); never called directly,
    and no other key through a service without the application's context."""
    own, others = keys(package), keys(package, other_stage(package))
    stage_key = own[KEY]
    assert set(STAGE_KEY_SERVICES) == set(package.functions())
    for function, (services, actions) in STAGE_KEY_SERVICES.items():
        for service in SERVICES:
            context = service_context(package, service)
            uses = kms_uses(package, function, stage_key, context=context, via=service)
            assert uses == (actions if service in services else set()), (function, service)
            decided = {a for a in KMS_ACTIONS
                       if key_and_role_allow(package, function, stage_key,
                                             kms_call(a, stage_key, context, via=service))}
            assert decided == uses, (function, service)
            for key in (own[FIELD_KEY], own[AUDIT_MAC_KEY], others[KEY], lookalike(package, stage_key)):
                assert kms_uses(package, function, key, context=context, via=service) & DATA_KEY_ACTIONS == set(), \
                    (function, key)
        assert kms_uses(package, function, stage_key, context=None) == set(), function


def check_audit_mac(package: Package) -> None:
    own, others = keys(package), keys(package, other_stage(package))
    mac = own[AUDIT_MAC_KEY]
    for function in package.functions():
        expected = MAC_USES.get(function, set())
        assert kms_uses(package, function, mac) == expected, function
        assert {a for a in KMS_ACTIONS if key_and_role_allow(package, function, mac, kms_call(a, mac))} == expected
        for key in (own[FIELD_KEY], own[KEY], others[AUDIT_MAC_KEY], lookalike(package, mac)):
            assert not {a for a in kms_uses(package, function, key) if a.endswith("Mac")}, (function, key)


def check_listing_prefixes(package: Package) -> None:
    """Version listings only under the prefix the code lists: a photo's renditions, the anchors."""
    bucket = f"arn:aws:s3:::dermafollow-{package.stage}-images-{ACCOUNT}-{REGION}"
    anchors = f"arn:aws:s3:::dermafollow-{package.stage}-audit-anchor-{ACCOUNT}-{REGION}"
    intended = {("APIHandler", bucket, photo_prefix("c1", "p1")), ("VerifyAuditChains", anchors, ANCHOR_PREFIX)}
    prefixes = (None, "", "uploads/", "health/", "anchors", "cases", photo_prefix("c1", "p1"), ANCHOR_PREFIX)
    for function in package.functions():
        for arn in (bucket, anchors):
            for prefix in prefixes:
                context = {} if prefix is None else {"s3:prefix": prefix}
                got = allows(package, function, "s3:ListBucketVersions", arn, context)
                assert got is ((function, arn, prefix) in intended), (function, arn, prefix)


def check_audit_heads(package: Package) -> None:
    """Appenders add entries and update only their chain's head marker; an entry is never updated."""
    audit = table(package, "audit_log")
    head, entry = {"dynamodb:LeadingKeys": [HEAD_PREFIX + CHAIN]}, {"dynamodb:LeadingKeys": [CHAIN]}
    for function in package.functions():
        appends = function in AUDIT_APPENDERS
        assert allows(package, function, "dynamodb:UpdateItem", audit, head) is appends, function
        assert allows(package, function, "dynamodb:PutItem", audit, entry) is appends, function
        assert not allows(package, function, "dynamodb:UpdateItem", audit, entry), function
        assert not allows(package, function, "dynamodb:UpdateItem", audit,
                          {"dynamodb:LeadingKeys": [HEAD_PREFIX + CHAIN, CHAIN]}), function


def check_directory_tag(package: Package) -> None:
    """Directory reads and account changes in the pool tagged with this stage only."""
    tag = f"aws:ResourceTag/{STAGE_TAG_KEY}"
    users = set()
    for function in package.functions():
        for action in actions_of(package, function):
            if not action.startswith("cognito-idp:") or action == "cognito-idp:InitiateAuth":
                continue
            users.add(function)
            assert allows(package, function, action, POOL, {tag: package.stage}), (function, action)
            assert not allows(package, function, action, POOL, {tag: other_stage(package)}), (function, action)
            assert not allows(package, function, action, POOL, {}), (function, action)
    assert users == DIRECTORY_USERS
    # Signing in has no tag to check (the app client id is its credential).
    assert allows(package, "APIHandler", "cognito-idp:InitiateAuth", POOL, {})


def mutated(package: Package, function_or_key: str, sid: str, change: Callable[[dict[str, Any]], None]) -> Package:
    """A copy of the package with one statement (by Sid) of a role or key policy changed."""
    sam = copy.deepcopy(package.sam)
    copied = Package(package.stage, package.directory, sam)
    resource = function_or_key if function_or_key in copied.of_type("AWS::KMS::Key") else role_of(copied,
                                                                                                  function_or_key)
    properties = sam["Resources"][resource]["Properties"]
    documents = ([policy["PolicyDocument"] for policy in properties["Policies"]] if "Policies" in properties
                 else [properties["KeyPolicy"]])
    (statement,) = [st for document in documents for st in document["Statement"] if st.get("Sid") == sid]
    change(statement)
    return copied


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def change(statement: dict[str, Any]) -> None:
        node = statement
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return change


def _drop(*path: str) -> Callable[[dict[str, Any]], None]:
    def change(statement: dict[str, Any]) -> None:
        node = statement
        for part in path[:-1]:
            node = node[part]
        del node[path[-1]]
    return change


def _move(old: str, new: str, value: Any = None) -> Callable[[dict[str, Any]], None]:
    """Move a condition block to another operator (optionally with another value for each key)."""
    def change(statement: dict[str, Any]) -> None:
        block = statement["Condition"].pop(old)
        statement["Condition"][new] = block if value is None else dict.fromkeys(block, value)
    return change


ALIAS = ("Condition", "ForAnyValue:StringEquals", "kms:ResourceAliases")
APP = ("Condition", "StringEquals", "kms:EncryptionContext:app")
ALIAS_WILDCARD = _move("ForAnyValue:StringEquals", "ForAnyValue:StringLike", "alias/dermafollow-*")
WRAP = "FunctionsWrapAndUnwrapDataKeys"
Breakage = tuple[str, str, Callable[[dict[str, Any]], None], Callable[[Package], None]]
# name: (function or key, statement Sid, the change, the proof that must then fail)
BROKEN: dict[str, Breakage] = {
    "field alias misspelt": (
        "APIHandler", "UseFieldKey", _set(ALIAS, "alias/dermafollow-field-dev"), check_field_key_in_roles),
    "field alias as a wildcard": ("ExportLake", "UseFieldKey", ALIAS_WILDCARD, check_field_key_in_roles),
    "context under another key": (
        "WebsocketConnect", "UseFieldKey",
        _set(("Condition", "StringEquals"), {"kms:EncryptionContext:application": APP_CONTEXT}),
        check_field_key_in_roles),
    "context matched by a wildcard": (
        "RemindFollowups", "UseFieldKey", _move("StringEquals", "StringLike", "*"), check_field_key_in_roles),
    "context under ForAllValues (true when absent)": (
        "MeasureLesionPhoto", "UseFieldKey", _move("StringEquals", "ForAllValues:StringEquals"),
        check_field_key_in_roles),
    "context condition dropped": (
        "AnalyzeLake", "UseFieldKey", _drop("Condition", "StringEquals"), check_field_key_in_roles),
    "stage key seals in the app context": (
        "WebsocketDisconnect", "OpenDataKeysWrappedByTheStageKey",
        _set(("Action",), ["kms:Decrypt", "kms:GenerateDataKey"]), check_field_key_in_roles),
    "key names another role": (
        FIELD_KEY, WRAP, lambda st: st["Principal"]["AWS"].append({"Fn::GetAtt": ["ProcessPhotoUploadRole", "Arn"]}),
        check_field_key_policy),
    "key policy without the context": (FIELD_KEY, WRAP, _drop("Condition"), check_field_key_policy),
    "key policy context negated": (FIELD_KEY, WRAP, _move("StringEquals", "StringNotEquals"), check_field_key_policy),
    "key policy with another context value": (FIELD_KEY, WRAP, _set(APP, "dermafollow-x"), check_field_key_policy),
    "account may use the key": (
        FIELD_KEY, "AccountAdministersTheKey", _set(("Action",), "kms:*"), check_field_key_policy),
    "rewrap without the context": (FIELD_KEY, "OperatorsRewrapDataKeys", _drop("Condition"), check_field_key_policy),
    "any service": (
        "LesionMeasurer", "UseStageKeyThroughServices", _move("StringEquals", "StringLike", "*"), check_stage_key),
    "stage alias as a wildcard": ("ProcessPhotoUpload", "UseStageKeyThroughServices", ALIAS_WILDCARD, check_stage_key),
    "MACs with the field key": (
        "APIHandler", "AuthenticateAuditEntries", _set(ALIAS, "alias/dermafollow-fields-dev"), check_audit_mac),
    "photo listing under any prefix": (
        "APIHandler", "ListPhotoVersions", _set(("Condition", "StringLike", "s3:prefix"), "*"),
        check_listing_prefixes),
    "anchor listing unconditioned": (
        "VerifyAuditChains", "ListAnchorVersions", _drop("Condition"), check_listing_prefixes),
    "any audit item updated": (
        "WebsocketMessage", "UpdateOnlyAuditHeads",
        _set(("Condition", "ForAnyValue:StringNotLike", "dynamodb:LeadingKeys"), ["*"]), check_audit_heads),
    "heads denied instead of entries": (
        "RemindFollowups", "UpdateOnlyAuditHeads", _move("ForAnyValue:StringNotLike", "ForAnyValue:StringLike"),
        check_audit_heads),
    "directory of any stage": ("RemindFollowups", "ReadStageDirectory", _drop("Condition"), check_directory_tag),
    "accounts of the other stage": (
        "APIHandler", "ManageStageAccounts",
        _set(("Condition", "StringEquals", f"aws:ResourceTag/{STAGE_TAG_KEY}"), "prod"), check_directory_tag),
}


@pytest.mark.parametrize("broken", list(BROKEN))
def test_each_proof_fails_on_a_template_broken_its_way(dev_package: Package, broken: str) -> None:
    function_or_key, sid, change, check = BROKEN[broken]
    check(dev_package)  # the proof holds on the packaged template ...
    with pytest.raises(AssertionError):
        check(mutated(dev_package, function_or_key, sid, change))  # ... and not on the broken copy
