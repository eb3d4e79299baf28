"""Operations routes for admins: accounts (list, create, disable, enable) and health, never clinical content."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.admin.accounts import CREATABLE_ROLES, FORCE_CHANGE_STATUS, NewAccount
from functions.admin.health import State
from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.shared.auth import Role
from functions.shared.errors import ValidationError
from functions.shared.http import ApiRequest, Reply
from functions.shared.validation import (
    BOOLEAN,
    EMPTY_OBJECT,
    NUMBER,
    STRING,
    answer_object,
    array_of,
    nullable,
    strict_object,
)

admin = Blueprint(__name__)

# Answers (functions.identity.directory.CognitoDirectory.list_users; functions.admin.accounts.AccountService;
# functions.admin.health.HealthService.check).
ADMIN_USER = answer_object("AdminUser", {
    "userId": STRING, "username": STRING,
    "role": {"type": "string", "enum": [role.value for role in Role]},  # doctor over patient over admin
    "enabled": BOOLEAN, "createdAt": STRING,
})
ADMIN_USER_LIST = answer_object("AdminUserList", {"items": array_of(ADMIN_USER)})
ACCOUNT_CREATED = answer_object("AccountCreated", {
    "userId": STRING, "username": STRING, "role": {"type": "string", "enum": [role.value for role in CREATABLE_ROLES]},
    "enabled": {"const": True},
})
ACCOUNT_CHANGE = answer_object("AccountChange", {"userId": STRING, "username": STRING, "enabled": BOOLEAN})
ACCOUNT_RENAMED = answer_object("AccountRenamed", {"userId": STRING, "username": STRING, "name": STRING})
ACCOUNT_PASSWORD_RESET = answer_object("AccountPasswordReset", {
    "userId": STRING, "username": STRING, "status": {"const": FORCE_CHANGE_STATUS},
})
DEPENDENCY_STATE = {"type": "string", "enum": [state.value for state in State], "title": "DependencyState"}
DEPENDENCY_HEALTH = answer_object("DependencyHealth", {
    "name": STRING,  # the probes the composition root wires (functions.bootstrap: dynamodb, s3, kms, ...)
    "state": DEPENDENCY_STATE,
    "latencyMs": nullable(NUMBER),  # null: no answer
    "code": STRING,  # why it is down
}, optional=("code",))
OPERATIONS_HEALTH = answer_object("OperationsHealth", {
    "status": DEPENDENCY_STATE, "checkedAt": STRING, "dependencies": array_of(DEPENDENCY_HEALTH),
})


@admin.route("/admin/users", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), answer=ADMIN_USER_LIST)
def list_users(request: ApiRequest) -> dict[str, Any]:
    return {"items": get_container().directory.list_users()}


NAME = {"type": "string", "minLength": 1, "maxLength": 100}
ACCOUNT_BODY = strict_object(
    {
        "username": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{2,39}$"},
        "role": {"enum": [role.value for role in CREATABLE_ROLES]},
        "name": NAME,
        "email": {"type": "string", "pattern": "^[^@\\s]{1,64}@[^@\\s]{1,190}\\.[^@\\s]{2,}$", "maxLength": 254},
        "phone": {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"},
        "birthdate": {"type": "string", "pattern": "^(19|20)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"},
        "gender": {"enum": ["female", "male", "other"]},
        "title": NAME,
    },
    ["username", "role", "name"],
)
USERNAME_PATH = strict_object({"username": {"type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{2,39}$"}},
                              ["username"])


@admin.route("/admin/users", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), body=ACCOUNT_BODY, answer=ACCOUNT_CREATED)
def create_user(request: ApiRequest) -> Reply:
    """A patient or doctor account; the invitation (e-mail or SMS) carries the temporary password."""
    body = request.body
    if not body.get("email") and not body.get("phone"):
        raise ValidationError("Give an e-mail address or a phone number for the invitation.", code="no_channel")
    account = NewAccount(
        username=body["username"], role=Role(body["role"]), name=body["name"], email=body.get("email"),
        phone=body.get("phone"), birthdate=body.get("birthdate"), gender=body.get("gender"), title=body.get("title"),
    )
    created = get_container().accounts.create(request.require_principal(), account, request_id=request.request_id,
                                              source_ip=request.source_ip)
    return Reply(created, status=201)


@admin.route("/admin/users/{username}/disable", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), path=USERNAME_PATH, body=EMPTY_OBJECT, answer=ACCOUNT_CHANGE)
def disable_user(request: ApiRequest) -> dict[str, Any]:
    return get_container().accounts.set_enabled(request.require_principal(), request.path["username"], False,
                                                request_id=request.request_id, source_ip=request.source_ip)


@admin.route("/admin/users/{username}/enable", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), path=USERNAME_PATH, body=EMPTY_OBJECT, answer=ACCOUNT_CHANGE)
def enable_user(request: ApiRequest) -> dict[str, Any]:
    return get_container().accounts.set_enabled(request.require_principal(), request.path["username"], True,
                                                request_id=request.request_id, source_ip=request.source_ip)


RENAME_BODY = strict_object({"name": NAME}, ["name"])


@admin.route("/admin/users/{username}/name", methods=["PUT"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), path=USERNAME_PATH, body=RENAME_BODY, answer=ACCOUNT_RENAMED)
def rename_user(request: ApiRequest) -> dict[str, Any]:
    if not request.body["name"].strip():
        raise ValidationError("Give the person's name.", code="validation_error")
    return get_container().accounts.rename(request.require_principal(), request.path["username"],
                                           request.body["name"], request_id=request.request_id,
                                           source_ip=request.source_ip)


@admin.route("/admin/users/{username}/reset-password", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), path=USERNAME_PATH, body=EMPTY_OBJECT, answer=ACCOUNT_PASSWORD_RESET)
def reset_user_password(request: ApiRequest) -> dict[str, Any]:
    """A new temporary password sent by the invitation message; the account is signed out everywhere."""
    return get_container().accounts.reset_password(request.require_principal(), request.path["username"],
                                                   request_id=request.request_id, source_ip=request.source_ip)


@admin.route("/admin/health", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(admin, roles=(Role.ADMIN,), answer=OPERATIONS_HEALTH)
def health(request: ApiRequest) -> dict[str, Any]:
    """Each dependency's state and latency (functions/admin/health.py); no PHI is read or shown."""
    return get_container().health.check()
