"""Each deployed function's role, rendered from the packaged template as IAM would read it in the
example deployment (sam_helpers resolves the stack's ARNs): its own policy, no shared base, and the
limits the code path of each function allows (infrastructure/policies.py says why for each)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any

import pytest
from sam_helpers import ACCOUNT, REGION, Package

from functions.crypto.keyring import APP_CONTEXT
from functions.images.ports import rendition_key, upload_key
from functions.shared.tables import TABLES

RECORD_TABLES = ("records", "record_versions", "cases", "scores", "lesions", "lesion_metrics", "followups",
                 "case_discussion", "consultation_rounds", "visit_ratings", "analytics_reference")
TABLE_ACTIONS = ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                 "BatchWriteItem", "ConditionCheckItem")
REMOVING = ("DeleteItem", "BatchWriteItem")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(package: Package, function: str) -> list[dict[str, Any]]:
    role = package.resources[package.target(package.resources[function]["Properties"]["Role"])]
    return [st for policy in role["Properties"].get("Policies", []) for st in policy["PolicyDocument"]["Statement"]]


def _matches(statement: dict[str, Any], action: str, arn: str) -> bool:
    return (any(fnmatchcase(action, pattern) for pattern in _listed(statement["Action"]))
            and any(fnmatchcase(arn, pattern) for pattern in _listed(statement["Resource"])))


def allows(package: Package, function: str, action: str, arn: str) -> bool:
    """An Allow matches (its conditions ignored: at most this much) and no unconditional Deny does."""
    sts = statements(package, function)
    if any(st["Effect"] == "Deny" and "Condition" not in st and _matches(st, action, arn) for st in sts):
        return False
    return any(st["Effect"] == "Allow" and _matches(st, action, arn) for st in sts)


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


def key_uses(package: Package, function: str, alias: str) -> set[str]:
    """The KMS actions a function may take with the key behind `alias`."""
    used = set()
    for st in statements(package, function):
        condition = st.get("Condition", {}).get("ForAnyValue:StringEquals", {})
        if st["Effect"] == "Allow" and condition.get("kms:ResourceAliases") == alias:
            used |= set(_listed(st["Action"]))
    return used


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
        # Keys and the pool are named by this stage's alias and tag.
        for st in statements(package, function):
            aliases = st.get("Condition", {}).get("ForAnyValue:StringEquals", {}).get("kms:ResourceAliases")
            if aliases is not None:
                assert f"-{package.stage}" in aliases, (function, st["Sid"])
            tag = st.get("Condition", {}).get("StringEquals", {}).get("aws:ResourceTag/dermafollow-stage")
            assert tag in (None, package.stage), (function, st["Sid"])


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
    assert key_uses(package, function, f"alias/dermafollow-fields-{package.stage}") == set()
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
            denied = {a for st in statements(package, function) if st["Effect"] == "Deny" and "Condition" not in st
                      and any(fnmatchcase(audit, r) for r in _listed(st["Resource"])) for a in _listed(st["Action"])}
            assert {"dynamodb:DeleteItem", "dynamodb:BatchWriteItem"} <= denied, function
    # The jobs that only read the trail cannot write it.
    for function in ("AnchorAuditChains", "VerifyAuditChains"):
        assert not allows(package, function, "dynamodb:PutItem", audit), function


def test_no_function_destroys_a_data_key(package: Package) -> None:
    # Destroying keys is crypto-shredding a case: erase-case, an operator's command, not the API's.
    keys = table(package, "data_keys")
    for function in package.functions():
        for action in REMOVING:
            assert not allows(package, function, f"dynamodb:{action}", keys), (function, action)
    assert allows(package, "APIHandler", "dynamodb:PutItem", keys)
    assert allows(package, "APIHandler", "dynamodb:ConditionCheckItem", keys)  # the key's tombstone check


def test_only_the_functions_that_seal_or_open_fields_use_the_field_key(package: Package) -> None:
    alias = f"alias/dermafollow-fields-{package.stage}"
    sealers = {"APIHandler", "RemindFollowups", "MeasureLesionPhoto", "WebsocketConnect", "WebsocketMessage",
               "WebsocketDisconnect"}
    # The lake export opens records, never seals.
    openers = {"ExportLake", "AnalyzeLake"}
    for function in package.functions():
        uses = key_uses(package, function, alias)
        expected = ({"kms:Decrypt", "kms:GenerateDataKey"} if function in sealers
                    else {"kms:Decrypt"} if function in openers else set())
        assert uses == expected, function
        touches_data_keys = "data_keys" in tables_touched(package, function)
        assert touches_data_keys is bool(expected), function
        for st in statements(package, function):
            condition = st.get("Condition", {})
            if condition.get("ForAnyValue:StringEquals", {}).get("kms:ResourceAliases") == alias:
                assert condition["StringEquals"] == {"kms:EncryptionContext:app": APP_CONTEXT}, function


# --- lesion measurement -------------------------------------------------------------------------------
def test_the_measuring_function_only_reads_full_renditions(package: Package) -> None:
    function = "LesionMeasurer"
    assert tables_touched(package, function) == set()
    assert allows(package, function, "s3:GetObject", images(package, rendition_key("c1", "p1", "full")))
    for key in (rendition_key("c1", "p1", "display"), upload_key("c1", "p1"), "health/x"):
        assert not allows(package, function, "s3:GetObject", images(package, key)), key
    assert {a for a in actions_of(package, function) if not a.startswith(("logs:", "xray:"))} == {
        "s3:GetObject", "kms:Decrypt"}
    (stage_key,) = [st for st in statements(package, function) if "kms:Decrypt" in st["Action"]]
    assert stage_key["Condition"]["StringEquals"]["kms:ViaService"] == [f"s3.{REGION}.amazonaws.com"]


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
