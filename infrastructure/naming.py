"""Names the template, the policies and the functions agree on: the app and its stages, the
logical ids of the resources (ours and those Chalice generates), and physical names per stage."""

from __future__ import annotations

from functions.shared.tables import TableSpec

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
    # Every authenticated request passes it first: its failures are everyone's 401s.
    "JwtAuthorizer": "authorizer",
    "WebsocketConnect": "ws-connect",
    "WebsocketMessage": "ws-message",
    "WebsocketDisconnect": "ws-disconnect",
    # Without anchors, a rewritten or cut audit chain can no longer be proven (functions/audit/routes.py).
    "AnchorAuditChains": "audit-anchor",
    "ProcessPhotoUpload": "photo-processing",
    "VerifyAuditChains": "audit-verify",
    "RemindFollowups": "reminders",
    "ExportLake": "lake-export",
    "AnalyzeLake": "lake-analyses",
    # After each accepted photo of a followed lesion: its measurement against the baseline.
    "MeasureLesionPhoto": "lesion-measuring",
    "LesionMeasurer": "lesion-measurer",
}
# p99 duration (ms) above which a function is alarmed: 3 s on a person's path (what a tap may take);
# a job at 80% of its timeout (.chalice/config.json), before it starts timing out.
DURATION_P99_MS: dict[str, int] = {
    CHALICE_REST_HANDLER: 3_000, "JwtAuthorizer": 1_000, "WebsocketConnect": 3_000, "WebsocketMessage": 1_000,
    "WebsocketDisconnect": 3_000, "AnchorAuditChains": 48_000, "ProcessPhotoUpload": 96_000,
    "VerifyAuditChains": 240_000, "RemindFollowups": 240_000, "ExportLake": 720_000, "AnalyzeLake": 720_000,
    "MeasureLesionPhoto": 72_000, "LesionMeasurer": 48_000,
}
# The S3 -> EventBridge photo handler (functions/images/events.py, `process_photo_upload`) and the
# layer only it carries: Pillow, built by layers/imaging/build.sh into the package directory.
PHOTO_FUNCTION = "ProcessPhotoUpload"
PHOTO_FUNCTION_EVENT = "ProcessPhotoUploadEvent"
CHALICE_MANAGED_LAYER = "ManagedLayer"
IMAGING_LAYER = "ImagingLayer"
IMAGING_LAYER_ZIP = "./layer-imaging.zip"
# Uploads land here (presigned POST: functions/images/ports.py upload_key); renditions go to
# cases/<caseId>/photos/, which the rule skips.
UPLOAD_KEY_WILDCARD = "uploads/*/*"  # functions.images.ports.UPLOADS_PREFIX
# Lesion measurement: a small function with the shared layer behind the photo pipeline (Chalice's
# `measure_lesion_photo`), and the measuring function it invokes, with the lesion-measurement layer
# alone (layers/README.md); the latter is declared whole in infrastructure/lesions.py.
LESION_TRIGGER = "MeasureLesionPhoto"
LESION_TRIGGER_EVENT = "MeasureLesionPhotoEvent"
LESION_MEASURER = "LesionMeasurer"
LESION_LAYER = "LesionMetricsLayer"
LESION_LAYER_ZIP = "./layer-lesionmetrics.zip"
LESION_MEASURER_ZIP = "./function-lesionmeasurer.zip"

# Logical ids of the resources declared here.
KEY = "ProjectKey"
KEY_ALIAS = "ProjectKeyAlias"
# The HMAC key that authenticates audit entries (GenerateMac for the functions, VerifyMac for operators).
# Field encryption (functions/crypto): its own key, usable only by the roles of the functions that
# seal or open fields, only with the application's encryption context (FIELD_KEY_ROLES below).
FIELD_KEY = "FieldKey"
FIELD_KEY_ALIAS = "FieldKeyAlias"
FIELD_KEY_ALIAS_PREFIX = f"alias/{APP_NAME}-fields-"
# The roles of the functions whose code path seals fields (GenerateDataKey, and Decrypt to open them):
# the REST API, the reminders (case conditions), the lesion measuring step (sealed measurements) and
# the WebSocket functions (sealed usernames of tickets and rooms).
FIELD_KEY_SEALER_ROLES = (
    "ApiHandlerRole", "RemindFollowupsRole", "MeasureLesionPhotoRole", "WebsocketConnectRole",
    "WebsocketMessageRole", "WebsocketDisconnectRole",
)
# The roles that only open fields (Decrypt): the lake export and the nightly analyses. The key policy
# must say so itself: a key policy that names a role grants it without the role's own policy.
FIELD_KEY_OPENER_ROLES = ("ExportLakeRole", "AnalyzeLakeRole")
# The authorizer, the photo processor (it parses uploaded bytes), the measuring function itself (pure
# compute) and the audit anchor and verification jobs never seal or open a field, so the key refuses them.
FIELD_KEY_ROLES = (*FIELD_KEY_SEALER_ROLES, *FIELD_KEY_OPENER_ROLES)
AUDIT_MAC_KEY = "AuditMacKey"
AUDIT_MAC_KEY_ALIAS = "AuditMacKeyAlias"
AUDIT_MAC_ALIAS_PREFIX = f"alias/{APP_NAME}-audit-mac-"
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


def table_name(stage: str, spec: TableSpec) -> str:
    """Physical table name: `TABLE_PREFIX` (`dermafollow-<stage>-`) + logical name."""
    return f"{APP_NAME}-{stage}-{spec.logical_name}"


def image_bucket_prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}-images-"


def audit_bucket_prefix(stage: str) -> str:
    return f"{APP_NAME}-{stage}-audit-anchor-"
