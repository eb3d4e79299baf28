"""The Lambda IAM policies: one least-privilege policy per function, no shared base.

Each function's needs are read off its code path (its handler, the container properties it asks for,
the adapters those build): which tables it reads or writes, which image or anchor prefixes, which
keys, which other services. They are merged into the roles Chalice generates (`<Function>Role`,
replacing the policy Chalice copied from `.chalice/policy-<stage>.json`, which grants X-Ray only, so a
role this module forgot would fail closed), and they can therefore name this stack's own resources:
the WebSocket API by its id, the tables, buckets and log groups by their stage names in this account
and region. Dev and prod differ in every ARN: the names carry the stage, the API its own id.

The keys are named by alias (`kms:ResourceAliases`), not by ARN: the field key's own policy names
the roles allowed to use it, and a role naming the key back would be a cycle CloudFormation refuses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.shared.tables import (
    ANALYTICS_REFERENCE,
    AUDIT_CHECKS,
    AUDIT_LOG,
    CASE_ACCESS,
    CASES,
    CONNECT_TICKETS,
    CONNECTIONS,
    DATA_KEYS,
    FOLLOWUPS,
    LESION_METRICS,
    NOTICES,
    PHOTO_UPLOADS,
    PHOTOS,
    RECORD_VERSIONS,
    RECORDS,
    TABLES,
    TIMELINE,
    VISITS,
    TableSpec,
)
from infrastructure.analytics import analytics_policy_statements
from infrastructure.cfn import sub
from infrastructure.followups import reminder_policy_statements
from infrastructure.naming import (
    ALARMED_FUNCTIONS,
    API_STAGE,
    APP_NAME,
    AUDIT_MAC_ALIAS_PREFIX,
    CHALICE_WEBSOCKET_API,
    FIELD_KEY_ALIAS_PREFIX,
    IMAGE_BUCKET_NAME,
    KMS_ALIAS_PREFIX,
    LESION_MEASURER,
    LESION_TRIGGER,
    STAGE_TAG_KEY,
    TURN_SECRET_NAME,
    UPLOAD_KEY_WILDCARD,
    audit_bucket_prefix,
)
from infrastructure.storage import FIELD_KEY_CONTEXT

# Table access levels. APPEND adds and changes items but never removes one.
READ = ("dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query")
APPEND = (*READ, "dynamodb:PutItem", "dynamodb:UpdateItem")
WRITE = (*APPEND, "dynamodb:BatchWriteItem", "dynamodb:DeleteItem")

# ARNs in this stack's account, region and stage.
_REGION_ACCOUNT = "${AWS::Region}:${AWS::AccountId}"
IMAGES = f"arn:${{AWS::Partition}}:s3:::{IMAGE_BUCKET_NAME}"
ANCHORS = f"arn:${{AWS::Partition}}:s3:::{audit_bucket_prefix('${Stage}')}${{AWS::AccountId}}-${{AWS::Region}}"
RENDITIONS = "cases/*/photos/*"  # functions.images.ports.rendition_key
FULL_RENDITIONS = "cases/*/photos/*/full.jpg"  # the one the measuring function reads


def table_arn(spec: TableSpec) -> str:
    return f"arn:${{AWS::Partition}}:dynamodb:{_REGION_ACCOUNT}:table/{APP_NAME}-${{Stage}}-{spec.logical_name}"


def function_name(function: str) -> str:
    """The physical name of a function (fixed, so its role can name its log group without a cycle)."""
    return f"{APP_NAME}-${{Stage}}-{ALARMED_FUNCTIONS[function]}"


@dataclass(frozen=True)
class FunctionPolicy:
    """What one function may do: tables by access level, plus its own statements."""

    function: str  # logical id of the function in the packaged template
    role: str  # logical id of its role
    why: str
    tables: Mapping[TableSpec, tuple[str, ...]] = field(default_factory=dict)
    statements: tuple[dict[str, Any], ...] = ()

    def document(self) -> dict[str, Any]:
        statements: list[dict[str, Any]] = [
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": sub(f"arn:${{AWS::Partition}}:logs:{_REGION_ACCOUNT}:log-group:/aws/lambda/"
                                f"{function_name(self.function)}:*"),
            },
            {
                # X-Ray has no resource-level permissions.
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": "*",
            },
        ]
        by_level: dict[tuple[str, ...], list[TableSpec]] = {}
        for spec, level in self.tables.items():
            by_level.setdefault(level, []).append(spec)
        for level, specs in sorted(by_level.items(), key=lambda item: len(item[0])):
            name = {READ: "Read", APPEND: "Append", WRITE: "Write"}[level]
            statements.append({"Sid": f"{name}Tables", "Effect": "Allow", "Action": list(level),
                               "Resource": [sub(table_arn(spec)) for spec in specs]})
        indexed = [spec for spec in self.tables if spec.indexes]
        if indexed:
            statements.append({"Sid": "QueryIndexes", "Effect": "Allow", "Action": ["dynamodb:Query"],
                               "Resource": [sub(f"{table_arn(spec)}/index/*") for spec in indexed]})
        if AUDIT_LOG in self.tables:
            statements += _audit_append_only()
        statements += self.statements
        return {"Version": "2012-10-17", "Statement": statements}


def _audit_append_only() -> list[dict[str, Any]]:
    audit = sub(table_arn(AUDIT_LOG))
    return [
        {
            # The audit trail is append-only: no function removes an entry (a batch write can delete).
            "Sid": "NeverDeleteAuditEntries",
            "Effect": "Deny",
            "Action": ["dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
            "Resource": audit,
        },
        {
            # The only item an append updates is its chain's head marker ("head#<chain>", 0).
            "Sid": "UpdateOnlyAuditHeads",
            "Effect": "Deny",
            "Action": ["dynamodb:UpdateItem"],
            "Resource": audit,
            "Condition": {"ForAnyValue:StringNotLike": {"dynamodb:LeadingKeys": ["head#*"]}},
        },
    ]


# --- statements a function may need ------------------------------------------------------------
def _alias(prefix: str) -> dict[str, Any]:
    return {"ForAnyValue:StringEquals": {"kms:ResourceAliases": sub(f"{prefix}${{Stage}}")}}


_ANY_KEY = sub(f"arn:${{AWS::Partition}}:kms:{_REGION_ACCOUNT}:key/*")


def field_key(*actions: str) -> list[dict[str, Any]]:
    """Field encryption: data keys under the application's encryption context only (the field key's
    own policy says the same, and names the roles that may). Data keys wrapped before the field key
    existed were wrapped by the stage key: they are opened (Decrypt only, same context) until
    `python -m functions.crypto.cli rewrap` has moved them (docs/records.md)."""
    return [
        {"Sid": "UseFieldKey", "Effect": "Allow", "Action": list(actions), "Resource": _ANY_KEY,
         "Condition": {**_alias(FIELD_KEY_ALIAS_PREFIX), **FIELD_KEY_CONTEXT}},
        {"Sid": "OpenDataKeysWrappedByTheStageKey", "Effect": "Allow", "Action": ["kms:Decrypt"],
         "Resource": _ANY_KEY, "Condition": {**_alias(KMS_ALIAS_PREFIX), **FIELD_KEY_CONTEXT}},
    ]


def stage_key(*services: str, actions: tuple[str, ...] = ("kms:Decrypt", "kms:GenerateDataKey")) -> dict[str, Any]:
    """The stage key encrypts tables, buckets and the TURN secret: a function uses it only through
    the services it calls (kms:ViaService `<service>.<region>.amazonaws.com`), never itself."""
    return {"Sid": "UseStageKeyThroughServices", "Effect": "Allow", "Action": list(actions), "Resource": _ANY_KEY,
            "Condition": {**_alias(KMS_ALIAS_PREFIX),
                          "StringEquals": {"kms:ViaService": [sub(f"{service}.${{AWS::Region}}.amazonaws.com")
                                                              for service in services]}}}


def audit_mac(sid: str, action: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": _ANY_KEY,
            "Condition": _alias(AUDIT_MAC_ALIAS_PREFIX)}


def objects(sid: str, actions: list[str], bucket: str, *patterns: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": actions,
            "Resource": [sub(f"{bucket}/{pattern}") for pattern in patterns]}


def list_versions(sid: str, bucket: str, prefix: str) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": ["s3:ListBucketVersions"], "Resource": sub(bucket),
            "Condition": {"StringLike": {"s3:prefix": prefix}}}


def connections(*methods: str) -> dict[str, Any]:
    """Post to (and close) sockets of this stack's WebSocket API and stage only."""
    return {"Sid": "ManageOwnWebSocketConnections", "Effect": "Allow", "Action": ["execute-api:ManageConnections"],
            "Resource": [sub(f"arn:${{AWS::Partition}}:execute-api:{_REGION_ACCOUNT}:${{{CHALICE_WEBSOCKET_API}}}/"
                             f"{API_STAGE}/{method}/@connections/*") for method in methods]}


_POOL = sub(f"arn:${{AWS::Partition}}:cognito-idp:{_REGION_ACCOUNT}:userpool/*")
_STAGE_POOL = {"StringEquals": {f"aws:ResourceTag/{STAGE_TAG_KEY}": sub("${Stage}")}}


def directory(*actions: str) -> dict[str, Any]:
    """Read this stage's user pool (by its tag): names of people, contacts, groups."""
    return {"Sid": "ReadStageDirectory", "Effect": "Allow", "Action": [f"cognito-idp:{a}" for a in actions],
            "Resource": _POOL, "Condition": _STAGE_POOL}


def dead_letters(queue_name: str) -> dict[str, Any]:
    """Lambda's own dead-letter queue for events that failed every retry (ids only)."""
    return {"Sid": "KeepFailedEvents", "Effect": "Allow", "Action": ["sqs:SendMessage"],
            "Resource": sub(f"arn:${{AWS::Partition}}:sqs:{_REGION_ACCOUNT}:{queue_name}")}


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
DIRECTORY_READS = ("AdminGetUser", "AdminListGroupsForUser", "ListUsers", "ListUsersInGroup")
PHOTO_DEAD_LETTERS_NAME = f"{APP_NAME}-${{Stage}}-photo-events-dlq"
LESION_DEAD_LETTERS_NAME = f"{APP_NAME}-${{Stage}}-lesion-events-dlq"


def _api_handler() -> FunctionPolicy:
    # The REST API is the whole app behind the authorizer: every table, the audit trail append-only and
    # the data keys too: it makes keys, never destroys one (erase-case is an operator's command,
    # functions/crypto/cli.py, and a key made during an erasure is refused in its own transaction).
    tables = {spec: (APPEND if spec in (AUDIT_LOG, DATA_KEYS) else WRITE) for spec in TABLES}
    return FunctionPolicy("APIHandler", "ApiHandlerRole", "every route of the REST API", tables, (
        *field_key("kms:Decrypt", "kms:GenerateDataKey"),
        stage_key("dynamodb", "s3", "secretsmanager"),
        audit_mac("AuthenticateAuditEntries", "kms:GenerateMac"),
        # Presigned upload POSTs are signed with this role; presigned GETs of renditions too; the
        # health probe reads a missing key under health/ (functions/admin/health_probes.py).
        objects("SignPhotoUploads", ["s3:PutObject"], IMAGES, UPLOAD_KEY_WILDCARD),
        objects("ReadRenditions", ["s3:GetObject"], IMAGES, f"{RENDITIONS}/*", "health/*"),
        # Removing a photo deletes every stored version of its renditions.
        objects("RemovePhotos", ["s3:DeleteObject", "s3:DeleteObjectVersion"], IMAGES, f"{RENDITIONS}/*"),
        list_versions("ListPhotoVersions", IMAGES, RENDITIONS),
        directory(*DIRECTORY_READS),
        {"Sid": "ManageStageAccounts", "Effect": "Allow", "Action": list(ACCOUNT_ACTIONS), "Resource": _POOL,
         "Condition": _STAGE_POOL},
        {
            # InitiateAuth is an unauthenticated Cognito API (the app client id is the credential);
            # granted for clarity, with no tag condition so it cannot be denied by one.
            "Sid": "SignInThroughAppClient", "Effect": "Allow", "Action": ["cognito-idp:InitiateAuth"],
            "Resource": _POOL,
        },
        {"Sid": "ReadTurnSecret", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": sub(f"arn:${{AWS::Partition}}:secretsmanager:{_REGION_ACCOUNT}:secret:"
                         f"{TURN_SECRET_NAME.format(stage='${Stage}')}-*")},
        # Fan-out to people's sockets; ending a person's access to a case closes theirs.
        connections("POST", "DELETE"),
        # A new baseline's series goes to the lesion measuring step (asynchronously).
        {"Sid": "QueueLesionSeries", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
         "Resource": sub(f"arn:${{AWS::Partition}}:lambda:{_REGION_ACCOUNT}:function:{function_name(LESION_TRIGGER)}")},
    ))


def _authorizer() -> FunctionPolicy:
    # functions/identity/authorizer.py: the token's signature against the pool's JWKS (fetched over
    # HTTPS from Cognito's public endpoint), issuer, audience and expiry. No AWS call at all.
    return FunctionPolicy("JwtAuthorizer", "JwtAuthorizerRole", "verifies tokens; calls no AWS service")


def _websocket() -> list[FunctionPolicy]:
    # functions/signaling/handlers.py -> SignalingService. Usernames are sealed at rest (issue 15 item 4):
    # $connect opens the ticket's and seals it into the socket's item (under the connections' shared
    # key of the year, made by the first socket of a year); a join opens the socket's and the room's
    # participants and seals the joiner's name into it, so $default and $disconnect seal and open (a
    # data key may be made: data_keys append). A relayed frame opens nothing.
    return [
        FunctionPolicy("WebsocketConnect", "WebsocketConnectRole", "redeems the ticket, registers the socket",
                       {CONNECT_TICKETS: WRITE, CONNECTIONS: WRITE, DATA_KEYS: APPEND},
                       (*field_key("kms:Decrypt", "kms:GenerateDataKey"), stage_key("dynamodb"))),
        FunctionPolicy("WebsocketMessage", "WebsocketMessageRole",
                       "join/leave/relay: sockets, rooms, the case grant; refusals into the audit trail",
                       {CONNECTIONS: WRITE, VISITS: APPEND, CASE_ACCESS: READ, AUDIT_LOG: APPEND, DATA_KEYS: APPEND},
                       (*field_key("kms:Decrypt", "kms:GenerateDataKey"), stage_key("dynamodb"),
                        audit_mac("AuthenticateAuditEntries", "kms:GenerateMac"), connections("POST", "DELETE"))),
        FunctionPolicy("WebsocketDisconnect", "WebsocketDisconnectRole", "forgets the socket, tells the room",
                       {CONNECTIONS: WRITE, VISITS: APPEND, DATA_KEYS: APPEND},
                       (*field_key("kms:Decrypt", "kms:GenerateDataKey"), stage_key("dynamodb"), connections("POST"))),
    ]


def _photo_processor() -> FunctionPolicy:
    # functions/images/processor.py parses attacker-supplied bytes (Pillow): upload intents, photos and
    # the timeline only; no record tables, no data keys, no audit trail, no field key. What it copies
    # that is sealed (the timeline summary, the photo's body site and capture time, the site's tag) the
    # REST function sealed when it handed out the upload; the processor never opens it.
    return FunctionPolicy("ProcessPhotoUpload", "ProcessPhotoUploadRole", "judges uploads, writes renditions",
                          {PHOTO_UPLOADS: APPEND, PHOTOS: APPEND, TIMELINE: APPEND}, (
        stage_key("dynamodb", "s3"),
        # It reads the exact object version it was told about and deletes raw uploads for good (a
        # plain delete in a versioned bucket would keep the EXIF/GPS-laden original).
        objects("JudgeUploads", ["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject", "s3:DeleteObjectVersion"],
                IMAGES, UPLOAD_KEY_WILDCARD),
        objects("WriteRenditions", ["s3:PutObject"], IMAGES, f"{RENDITIONS}/*"),
        dead_letters(PHOTO_DEAD_LETTERS_NAME),
    ))


def _audit_jobs() -> list[FunctionPolicy]:
    return [
        # AuditTrail.anchor: each chain's tail, written as a new object (Object Lock keeps it).
        FunctionPolicy("AnchorAuditChains", "AnchorAuditChainsRole", "anchors the chains' tails",
                       {AUDIT_LOG: READ}, (stage_key("dynamodb", "s3"),
                                           objects("WriteAnchors", ["s3:PutObject"], ANCHORS, "anchors/*"))),
        # ChainChecks.run: every entry and head, every version of every anchor, the report stored.
        FunctionPolicy("VerifyAuditChains", "VerifyAuditChainsRole", "verifies the chains against the anchors",
                       {AUDIT_LOG: READ, AUDIT_CHECKS: APPEND}, (
            stage_key("dynamodb", "s3"),
            audit_mac("CheckAuditEntryMacs", "kms:VerifyMac"),
            objects("ReadAnchorVersions", ["s3:GetObject", "s3:GetObjectVersion"], ANCHORS, "anchors/*"),
            list_versions("ListAnchorVersions", ANCHORS, "anchors/*"),
        )),
    ]


def _reminders() -> FunctionPolicy:
    # ReminderJob: due follow-ups settled against the case (open? whose?), notices written and sent,
    # the patient's contact from the pool, a live notice to their sockets.
    return FunctionPolicy("RemindFollowups", "RemindFollowupsRole", "sends due follow-up reminders", {
        FOLLOWUPS: WRITE, NOTICES: WRITE, CASES: READ, CASE_ACCESS: READ, TIMELINE: APPEND, AUDIT_LOG: APPEND,
        DATA_KEYS: APPEND, CONNECTIONS: WRITE,
    }, (
        *field_key("kms:Decrypt", "kms:GenerateDataKey"),
        stage_key("dynamodb"),
        audit_mac("AuthenticateAuditEntries", "kms:GenerateMac"),
        directory(*DIRECTORY_READS),
        connections("POST"),
        *reminder_policy_statements(),
    ))


def _analytics() -> list[FunctionPolicy]:
    # LakeExport reads the change feed (timeline), the cases, records and their versions (opened, never
    # sealed: Decrypt only) and the people's facts; the nightly analyses run it first, then store the
    # reference cells.
    export = {TIMELINE: READ, CASES: READ, RECORDS: READ, RECORD_VERSIONS: READ, DATA_KEYS: READ}
    common = (*field_key("kms:Decrypt"), stage_key("dynamodb", "s3", "secretsmanager"), directory("ListUsers"),
              *analytics_policy_statements())
    return [
        FunctionPolicy("ExportLake", "ExportLakeRole", "exports the de-identified lake", export, common),
        FunctionPolicy("AnalyzeLake", "AnalyzeLakeRole", "exports, then runs the nightly analyses",
                       {**export, ANALYTICS_REFERENCE: WRITE}, common),
    ]


def _lesion_measuring() -> list[FunctionPolicy]:
    return [
        # functions/lesionmetrics/events.py -> LesionMetricsService.measure_photo: the photo (is it of a
        # lesion?), the lesion's baseline, the measuring function invoked, the measurement sealed.
        FunctionPolicy(LESION_TRIGGER, f"{LESION_TRIGGER}Role", "measures accepted photos of followed lesions",
                       {PHOTOS: READ, LESION_METRICS: APPEND, DATA_KEYS: APPEND}, (
            *field_key("kms:Decrypt", "kms:GenerateDataKey"),
            stage_key("dynamodb"),
            {"Sid": "InvokeTheMeasuringFunction", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
             "Resource": sub(f"arn:${{AWS::Partition}}:lambda:{_REGION_ACCOUNT}:function:"
                             f"{function_name(LESION_MEASURER)}")},
            dead_letters(LESION_DEAD_LETTERS_NAME),
        )),
        # functions/lesionmetrics/handler.py: pure compute, reads the two full renditions, stores nothing.
        FunctionPolicy(LESION_MEASURER, f"{LESION_MEASURER}Role", "measures one photo against the baseline",
                       {}, (stage_key("s3", actions=("kms:Decrypt",)),
                            objects("ReadFullRenditions", ["s3:GetObject"], IMAGES, FULL_RENDITIONS))),
    ]


def function_policies() -> dict[str, FunctionPolicy]:
    """Every deployed function's policy, by function logical id."""
    policies = [_api_handler(), _authorizer(), *_websocket(), _photo_processor(), *_audit_jobs(), _reminders(),
                *_analytics(), *_lesion_measuring()]
    return {policy.function: policy for policy in policies}


def role_policies() -> dict[str, Any]:
    """Partial role entries for Chalice's merge (dicts merge key by key, lists are replaced: each
    role's `Policies` becomes this one document), and the names of the functions."""
    entries: dict[str, Any] = {}
    for policy in function_policies().values():
        entries[policy.role] = {"Properties": {"Policies": [
            {"PolicyName": f"{policy.role}Policy", "PolicyDocument": policy.document()},
        ]}}
    return entries


def function_names() -> dict[str, Any]:
    """Partial function entries: each function's fixed name (its role names its log group by it)."""
    return {function: {"Properties": {"FunctionName": sub(function_name(function))}}
            for function in function_policies()}


def chalice_policy() -> dict[str, Any]:
    """`.chalice/policy-<stage>.json`: what Chalice puts in every role before the merge replaces it.
    X-Ray only, so a function missing from function_policies() can do nothing else."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "WriteTraces", "Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        "Resource": "*",
    }]}
