"""The follow-up reminders in the template: the reminder function's settings (the clinic's time zone,
the SES sender, the app link) and what only that function may do (send e-mail and SMS)."""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import ref, sub
from infrastructure.naming import HAS_WEB_DOMAIN, WEB_DISTRIBUTION, WEB_DOMAIN_PARAMETER

REMINDER_FUNCTION = "RemindFollowups"
NOTICE_SENDER_PARAMETER = "NoticeSender"
CLINIC_TIME_ZONE_PARAMETER = "ClinicTimeZone"


def followup_parameters() -> dict[str, Any]:
    return {
        NOTICE_SENDER_PARAMETER: {
            "Type": "String",
            "AllowedPattern": "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$",
            "ConstraintDescription": "an e-mail address",
            "Description": "The SES-verified address follow-up reminders come from (e.g. no-reply@clinic.example).",
        },
        CLINIC_TIME_ZONE_PARAMETER: {
            "Type": "String",
            "Default": "Asia/Shanghai",
            "AllowedPattern": "^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$",
            "Description": "The clinic's IANA time zone: which day a follow-up is due, and patients' default "
                           "for quiet hours.",
        },
    }


def followup_resources() -> dict[str, Any]:
    app_url = {"Fn::If": [HAS_WEB_DOMAIN, sub(f"https://${{{WEB_DOMAIN_PARAMETER}}}"),
                          sub(f"https://${{{WEB_DISTRIBUTION}.DomainName}}")]}
    return {REMINDER_FUNCTION: {"Properties": {"Environment": {"Variables": {
        "NOTICE_SENDER": ref(NOTICE_SENDER_PARAMETER),
        "CLINIC_TIME_ZONE": ref(CLINIC_TIME_ZONE_PARAMETER),
        "APP_URL": app_url,
    }}}}}


def reminder_policy_statements() -> list[dict[str, Any]]:
    """Sending, for the reminder function only. SES is limited to the identities of this account; an
    SMS publish has no resource to scope (it names a phone number), so SNS publishing to any topic is
    denied and only direct SMS remains."""
    return [
        {"Sid": "SendReminderEmail", "Effect": "Allow", "Action": ["ses:SendEmail"],
         "Resource": "arn:aws:ses:*:*:identity/*"},
        {"Sid": "SendReminderSms", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": "*"},
        {"Sid": "NoTopicPublishing", "Effect": "Deny", "Action": ["sns:Publish"],
         "Resource": "arn:aws:sns:*:*:*"},
    ]
