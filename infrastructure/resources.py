"""The template `chalice package --merge-template` merges into its SAM output: parameters,
conditions, the environment every function gets (SAM Globals), and the resources of each concern."""

from __future__ import annotations

from typing import Any

from functions.shared.tables import TABLES
from infrastructure.alarms import ALARM_EMAIL_PARAMETER, ALARM_TOPIC, HAS_ALARM_EMAIL, alarm_resources
from infrastructure.analytics import analytics_parameters, analytics_resources
from infrastructure.cfn import arn, ref, sub, tags
from infrastructure.followups import followup_parameters, followup_resources
from infrastructure.gateway_responses import gateway_response_resources
from infrastructure.identity import cognito_resources
from infrastructure.lesions import lesion_measuring_resources
from infrastructure.naming import (
    API_STAGE,
    APP_NAME,
    AUDIT_BUCKET,
    AUDIT_MAC_KEY_ALIAS,
    CHALICE_WEBSOCKET_API,
    EVENT_BUS,
    FIELD_KEY_ALIAS,
    HAS_WEB_DOMAIN,
    IMAGE_BUCKET,
    IMAGE_BUCKET_NAME,
    KEY,
    KEY_ALIAS,
    STAGES,
    TURN_SECRET,
    TURN_SECRET_NAME,
    USER_POOL,
    USER_POOL_CLIENT,
    WEB_BUCKET,
    WEB_CERTIFICATE_PARAMETER,
    WEB_DISTRIBUTION,
    WEB_DOMAIN_PARAMETER,
)
from infrastructure.photos import photo_processing_resources
from infrastructure.policies import function_names, role_policies
from infrastructure.storage import bucket_resources, kms_resources
from infrastructure.tables import table_resource
from infrastructure.telemetry import telemetry_resources
from infrastructure.throttling import throttling_resources
from infrastructure.trail import TRAIL_BUCKET, trail_key_statements, trail_resources
from infrastructure.web import web_resources

STAFF_MFA_PARAMETER = "StaffMfa"
STAFF_MFA_REQUIRED = "StaffMfaRequired"

# Environment variables every function gets from SAM Globals (the names settings.py reads).
GLOBAL_ENVIRONMENT: dict[str, Any] = {
    "USER_POOL_ID": {"Ref": USER_POOL},
    "USER_POOL_CLIENT_ID": {"Ref": USER_POOL_CLIENT},
    # By name, not Ref: the bucket's CORS names the CloudFront distribution, which fronts the REST API,
    # whose functions read this; a Ref would close that loop (CloudFormation refuses cycles).
    "IMAGE_BUCKET": {"Fn::Sub": IMAGE_BUCKET_NAME},
    "AUDIT_ANCHOR_BUCKET": {"Ref": AUDIT_BUCKET},
    "KMS_KEY_ID": {"Ref": FIELD_KEY_ALIAS},
    "AUDIT_MAC_KEY_ID": {"Ref": AUDIT_MAC_KEY_ALIAS},
    # The TURN REST-API secret: the functions read it from Secrets Manager on first use.
    "TURN_SECRET_ID": {"Ref": TURN_SECRET},
    # Doctors and admins must enrol an authenticator when StaffMfa resolves to "required" (Cognito's own
    # MfaConfiguration ON would force patients too, so the pool stays OPTIONAL and the app asks by role).
    "MFA_REQUIRED_ROLES": {"Fn::If": [STAFF_MFA_REQUIRED, "doctor,admin", ""]},
    "WS_PUBLIC_URL": {
        "Fn::Sub": f"wss://${{{CHALICE_WEBSOCKET_API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/{API_STAGE}"
    },
}

STAGE_SETTINGS: dict[str, dict[str, int | str]] = {
    # Object Lock COMPLIANCE cannot be shortened or lifted, not even by the account root.
    # Image access logs (CloudTrail data events) are kept as long as the audit trail: 6 years in prod
    # (HIPAA 164.316(b)(2)), a year in dev.
    "dev": {"AuditRetentionYears": 1, "ImageNoncurrentVersionDays": 30, "StaffMfa": "optional",
            "ThreatProtection": "AUDIT", "TrailRetentionDays": 365},
    "prod": {"AuditRetentionYears": 6, "ImageNoncurrentVersionDays": 90, "StaffMfa": "required",
             "ThreatProtection": "ENFORCED", "TrailRetentionDays": 6 * 366},
}


def _outputs() -> dict[str, Any]:
    outputs: dict[str, Any] = {
        "UserPoolId": {"Value": ref(USER_POOL)},
        "UserPoolArn": {"Value": arn(USER_POOL)},
        "UserPoolClientId": {"Value": ref(USER_POOL_CLIENT)},
        "ImageBucketName": {"Value": ref(IMAGE_BUCKET)},
        "AuditAnchorBucketName": {"Value": ref(AUDIT_BUCKET)},
        "ProjectKeyArn": {"Value": arn(KEY)},
        "ImageAccessTrailBucketName": {"Value": ref(TRAIL_BUCKET)},
        "ProjectKeyAliasName": {"Value": ref(KEY_ALIAS)},
        "FieldKeyAliasName": {"Value": ref(FIELD_KEY_ALIAS)},
        "AppEventBusName": {"Value": ref(EVENT_BUS)},
        "AppEventBusArn": {"Value": arn(EVENT_BUS)},
        "WebsocketPublicUrl": {"Value": GLOBAL_ENVIRONMENT["WS_PUBLIC_URL"]},
        "WebUrl": {"Value": {"Fn::If": [HAS_WEB_DOMAIN, sub(f"https://${{{WEB_DOMAIN_PARAMETER}}}"),
                                         sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")]}},
        "WebDistributionDomainName": {"Value": {"Fn::GetAtt": [WEB_DISTRIBUTION, "DomainName"]}},
        "AlarmTopicArn": {"Value": ref(ALARM_TOPIC)},
        "WebBucketName": {"Value": ref(WEB_BUCKET)},
    }
    for spec in TABLES:
        outputs[f"{spec.cfn_logical_id}Name"] = {"Value": ref(spec.cfn_logical_id)}
    return outputs


def _merge(resources: dict[str, Any], partial: dict[str, Any]) -> None:
    """Add `partial`'s properties to resources defined here, or keep them as partial entries for
    Chalice's merge (resources it generates)."""
    for logical_id, entry in partial.items():
        if logical_id in resources:
            resources[logical_id].setdefault("Properties", {}).update(entry["Properties"])
        else:
            resources[logical_id] = entry


def build_template() -> dict[str, Any]:
    """The template `chalice package --merge-template` merges into its SAM output."""
    resources: dict[str, Any] = {}
    resources.update(kms_resources())
    for spec in TABLES:
        resources[spec.cfn_logical_id] = table_resource(spec)
    resources.update(bucket_resources())
    resources.update(trail_resources())
    # The image-access trail's log files are encrypted with the project key (like every data bucket).
    resources[KEY]["Properties"]["KeyPolicy"]["Statement"] += trail_key_statements()
    resources.update(web_resources())
    resources.update(cognito_resources())
    resources[EVENT_BUS] = {"Type": "AWS::Events::EventBus", "Properties": {"Name": sub(f"{APP_NAME}-${{Stage}}-app")}}
    resources[TURN_SECRET] = {
        # Shared with the TURN servers (coturn `static-auth-secret`); generated, never in the repo.
        "Type": "AWS::SecretsManager::Secret",
        "Properties": {
            "Name": sub(TURN_SECRET_NAME.format(stage="${Stage}")),
            "Description": "coturn REST API shared secret for time-limited TURN credentials",
            "KmsKeyId": ref(KEY),
            "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            "Tags": tags(),
        },
    }
    resources.update(photo_processing_resources())
    resources.update(alarm_resources())
    resources.update(telemetry_resources())
    _merge(resources, throttling_resources())
    resources.update(analytics_resources())
    resources.update(followup_resources())
    resources.update(gateway_response_resources())
    _merge(resources, lesion_measuring_resources())
    _merge(resources, function_names())
    _merge(resources, role_policies())
    return {
        "Description": (
            f"{APP_NAME}: API, WebSocket API and functions (Chalice) plus the stateful resources merged from "
            "infrastructure/resources.json (generated by `python -m infrastructure.template`; do not edit)."
        ),
        "Parameters": {
            **analytics_parameters(),
            **followup_parameters(),
            "Stage": {
                "Type": "String",
                "AllowedValues": list(STAGES),
                "Description": "Deployment stage; must equal the `chalice package --stage` (package.sh pins it).",
            },
            STAFF_MFA_PARAMETER: {
                "Type": "String",
                "Default": "stage-default",
                "AllowedValues": ["stage-default", "required", "optional"],
                "Description": "Whether doctors and admins must sign in with an authenticator app "
                               "(stage-default: required in prod, optional in dev).",
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
            HAS_ALARM_EMAIL: {"Fn::Not": [{"Fn::Equals": [ref(ALARM_EMAIL_PARAMETER), ""]}]},
            HAS_WEB_DOMAIN: {"Fn::Not": [{"Fn::Equals": [ref(WEB_DOMAIN_PARAMETER), ""]}]},
            STAFF_MFA_REQUIRED: {"Fn::Or": [
                {"Fn::Equals": [ref(STAFF_MFA_PARAMETER), "required"]},
                {"Fn::And": [
                    {"Fn::Equals": [ref(STAFF_MFA_PARAMETER), "stage-default"]},
                    {"Fn::Equals": [{"Fn::FindInMap": ["StageSettings", ref("Stage"), "StaffMfa"]}, "required"]},
                ]},
            ]},
        },
        "Rules": {
            "WebDomainNeedsItsCertificate": {
                "RuleCondition": {"Fn::Not": [{"Fn::Equals": [ref(WEB_DOMAIN_PARAMETER), ""]}]},
                "Assertions": [{
                    "Assert": {"Fn::Not": [{"Fn::Equals": [ref(WEB_CERTIFICATE_PARAMETER), ""]}]},
                    "AssertDescription": "WebDomainName needs WebCertificateArn (an ACM certificate in us-east-1).",
                }],
            }
        },
        "Mappings": {"StageSettings": STAGE_SETTINGS},
        "Globals": {"Function": {"Environment": {"Variables": GLOBAL_ENVIRONMENT}}},
        "Resources": resources,
        "Outputs": _outputs(),
    }
