"""The Cognito user pool, its web client and the role groups."""

from __future__ import annotations

from typing import Any

from functions.identity.passwords import password_policy
from infrastructure.cfn import ref, retain, sub
from infrastructure.naming import APP_NAME, STAGE_TAG_KEY, USER_GROUPS, USER_POOL, USER_POOL_CLIENT

# A doctor's professional title ("Consultant dermatologist") shown next to their name; name, birthdate and
# gender are standard attributes. Custom attributes cannot be removed from a pool once added.
PROFILE_SCHEMA: list[dict[str, Any]] = [
    {"Name": "title", "AttributeDataType": "String", "Mutable": True,
     "StringAttributeConstraints": {"MinLength": "0", "MaxLength": "80"}},
]


def cognito_resources() -> dict[str, Any]:
    resources: dict[str, Any] = {
        USER_POOL: retain(
            {
                "Type": "AWS::Cognito::UserPool",
                "Properties": {
                    "UserPoolName": sub(f"{APP_NAME}-${{Stage}}"),
                    "DeletionProtection": "ACTIVE",
                    "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": True},
                    "UsernameConfiguration": {"CaseSensitive": False},
                    "AutoVerifiedAttributes": ["email"],
                    "Schema": PROFILE_SCHEMA,
                    "Policies": {
                        "PasswordPolicy": password_policy()
                    },
                    "MfaConfiguration": "OPTIONAL",
                    "EnabledMfas": ["SOFTWARE_TOKEN_MFA"],
                    "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
                    "UserPoolTags": {"app": APP_NAME, STAGE_TAG_KEY: ref("Stage")},
                },
            }
        ),
        USER_POOL_CLIENT: {
            "Type": "AWS::Cognito::UserPoolClient",
            "Properties": {
                "ClientName": sub(f"{APP_NAME}-${{Stage}}-web"),
                "UserPoolId": ref(USER_POOL),
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
                "UserPoolId": ref(USER_POOL),
                "GroupName": name,
                "Precedence": precedence,
                "Description": description,
            },
        }
    return resources
