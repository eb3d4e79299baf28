"""Sign-in, session refresh, who-am-I and WebSocket connect tickets."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from functions.bootstrap import endpoint, get_container
from functions.identity.authorizer import jwt_authorizer
from functions.identity.recovery import CODE_SENT, RESET_DONE, TOTP
from functions.identity.service import me_view
from functions.shared.auth import ANY_ROLE, Role
from functions.shared.clock import iso
from functions.shared.http import BODYLESS_CONTENT_TYPES, ApiRequest, Reply
from functions.shared.openapi import document
from functions.shared.validation import (
    BOOLEAN,
    INTEGER,
    STRING,
    answer_object,
    array_of,
    nullable,
    strict_object,
)

identity = Blueprint(__name__)

LOGIN_BODY = strict_object(
    {
        "username": {"type": "string", "minLength": 1, "maxLength": 128},
        "password": {"type": "string", "minLength": 1, "maxLength": 256},
    },
    ["username", "password"],
)
REFRESH_BODY = strict_object({"refreshToken": {"type": "string", "minLength": 1, "maxLength": 8192}}, ["refreshToken"])

# Answers (functions.identity.service: me_view, SessionService._session; functions.identity.people.person_view).
ME = answer_object("Me", {
    "userId": STRING, "username": STRING, "role": {"type": "string", "enum": [role.value for role in Role]},
    "displayName": STRING,
})
SESSION = answer_object("Session", {
    "accessToken": STRING,  # the ID token stays with the server: nothing in the app needs it
    "refreshToken": STRING,  # absent on refresh: the client keeps the one it has
    "expiresIn": INTEGER,  # the access token's lifetime, in seconds
    "me": ME,
    "mfaSetupRequired": BOOLEAN,  # staff signed in without the authenticator the clinic requires
}, optional=("refreshToken", "mfaSetupRequired"))
WS_TICKET = answer_object("WsTicket", {"ticket": STRING, "expiresAt": STRING, "wsUrl": STRING})
PERSON = answer_object("Person", {
    "userId": STRING, "role": {"type": "string", "enum": [Role.PATIENT.value, Role.DOCTOR.value]}, "name": STRING,
    "age": nullable(INTEGER), "sex": nullable(STRING),  # patients only, where the directory knows them
    "title": nullable(STRING),  # doctors only
}, optional=("age", "sex", "title"))
PEOPLE = answer_object("PeopleResponse", {"items": array_of(PERSON)})
SIGNED_OUT = answer_object(None, {"status": {"const": "signed_out"}})
# Answers of the recovery and enrolment routes (functions.identity.recovery).
CODE_SENT_ANSWER = answer_object("PasswordCodeSent", {"status": {"const": CODE_SENT}})
PASSWORD_RESET_ANSWER = answer_object("PasswordResetDone", {"status": {"const": RESET_DONE}})
MFA_SETUP = answer_object("MfaSetup", {"secret": STRING, "otpauthUri": STRING})  # the URI is the QR code's
MFA_ENROLLED = answer_object("MfaEnrolled", {"mfa": {"const": TOTP}})


@identity.route("/health", methods=["GET"])
@endpoint(identity, answer={"title": "HealthStatus", "type": "object", "required": ["status"],
                            "properties": {"status": {"const": "ok"}}, "additionalProperties": False})
def health(request: ApiRequest) -> dict[str, Any]:
    return {"status": "ok"}


# The API described by its own route table (functions/shared/openapi.py): public like /health, as
# it names routes and the shapes of requests and answers only; built on the first call of a container
# and kept. web/src/api/openapi.json is a copy (`python -m functions.identity.openapi_cli`).
@identity.route("/openapi.json", methods=["GET"])
@endpoint(identity, answer={"title": "OpenApiDocument", "type": "object", "required": ["openapi", "paths"]})
def openapi(request: ApiRequest) -> dict[str, Any]:
    if not _DOCUMENT:
        _DOCUMENT.update(document(identity.current_app.routes, title=API_TITLE, version=API_VERSION))
    return _DOCUMENT


API_TITLE = "DermaFollow API"
API_VERSION = "1"
_DOCUMENT: dict[str, Any] = {}


@identity.route("/auth/login", methods=["POST"])
@endpoint(identity, body=LOGIN_BODY, answer=SESSION)
def login(request: ApiRequest) -> dict[str, Any]:
    return get_container().sessions.sign_in(request.body["username"], request.body["password"], request.source_ip)


NEW_PASSWORD_BODY = strict_object(
    {
        "username": {"type": "string", "minLength": 1, "maxLength": 128},
        "session": {"type": "string", "minLength": 20, "maxLength": 2048},  # Cognito: 20 to 2048
        "newPassword": {"type": "string", "minLength": 1, "maxLength": 256},
    },
    ["username", "session", "newPassword"],
)


@identity.route("/auth/new-password", methods=["POST"])
@endpoint(identity, body=NEW_PASSWORD_BODY, answer=SESSION)
def new_password(request: ApiRequest) -> dict[str, Any]:
    """A first sign-in: the session from the 401 password_change_required and the person's own password."""
    body = request.body
    return get_container().sessions.complete_new_password(body["username"], body["session"], body["newPassword"],
                                                          request.source_ip)


@identity.route("/auth/refresh", methods=["POST"])
@endpoint(identity, body=REFRESH_BODY, answer=SESSION)
def refresh(request: ApiRequest) -> dict[str, Any]:
    return get_container().sessions.refresh(request.body["refreshToken"], request.source_ip)


@identity.route("/auth/logout", methods=["POST"])
@endpoint(identity, body=REFRESH_BODY, answer=SIGNED_OUT)
def logout(request: ApiRequest) -> dict[str, Any]:
    """Public like /auth/refresh: the refresh token is the credential, and an expired access token must
    not keep anyone from ending their session."""
    return get_container().sessions.sign_out(request.body["refreshToken"], request.source_ip)


@identity.route("/me", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(identity, roles=ANY_ROLE, answer=ME)
def me(request: ApiRequest) -> dict[str, Any]:
    return me_view(request.require_principal())


@identity.route("/ws/tickets", methods=["POST"], authorizer=jwt_authorizer, content_types=BODYLESS_CONTENT_TYPES)
@endpoint(identity, roles=ANY_ROLE, answer=WS_TICKET)
def ws_ticket(request: ApiRequest) -> dict[str, Any]:
    container = get_container()
    issued = container.connect_tickets.issue(request.require_principal())

    return {
        "ticket": issued.ticket,
        "expiresAt": iso(issued.expires_at_epoch),
        "wsUrl": container.settings.ws_public_url,
    }


PEOPLE_QUERY = strict_object(
    {"ids": {"type": "string", "minLength": 1, "maxLength": 50 * 65, "pattern": "^[A-Za-z0-9_,-]+$"}},
    ["ids"],
)


@identity.route("/people", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(identity, roles=(Role.PATIENT, Role.DOCTOR), query=PEOPLE_QUERY, answer=PEOPLE)
def people(request: ApiRequest) -> dict[str, Any]:
    """Display names of people the caller has a care relationship with; anyone else is left out."""
    ids = [part for part in request.query["ids"].split(",") if part]
    return get_container().people.lookup(request.require_principal(), ids, request_id=request.request_id,
                                         source_ip=request.source_ip)


PEOPLE_SEARCH_QUERY = strict_object(
    {"role": {"type": "string", "enum": [Role.PATIENT.value, Role.DOCTOR.value]},
     "q": {"type": "string", "minLength": 1, "maxLength": 100}},
    ["role", "q"],
)


@identity.route("/people/search", methods=["GET"], authorizer=jwt_authorizer)
@endpoint(identity, roles=(Role.DOCTOR,), query=PEOPLE_SEARCH_QUERY, answer=PEOPLE)
def search_people(request: ApiRequest) -> dict[str, Any]:
    """The clinic's patients or doctors by name, for a doctor's pickers (open a case, invite)."""
    return get_container().people.search(request.require_principal(), Role(request.query["role"]),
                                         request.query["q"], request_id=request.request_id,
                                         source_ip=request.source_ip)


USERNAME = {"type": "string", "minLength": 1, "maxLength": 128}
FORGOT_BODY = strict_object({"username": USERNAME}, ["username"])
# Cognito's confirmation codes are short digit strings; the pattern only bounds the input.
CODE = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^\\S+$"}
RESET_BODY = strict_object(
    {"username": USERNAME, "code": CODE, "password": {"type": "string", "minLength": 1, "maxLength": 256}},
    ["username", "code", "password"],
)


@identity.route("/auth/forgot-password", methods=["POST"])
@endpoint(identity, body=FORGOT_BODY, answer=CODE_SENT_ANSWER)
def forgot_password(request: ApiRequest) -> Reply:
    """The same 202 whether or not the account exists: the form cannot tell who has one."""
    answer = get_container().password_recovery.request_code(request.body["username"], request.source_ip)
    return Reply(answer, status=202)


@identity.route("/auth/reset-password", methods=["POST"])
@endpoint(identity, body=RESET_BODY, answer=PASSWORD_RESET_ANSWER)
def reset_password(request: ApiRequest) -> dict[str, Any]:
    body = request.body
    return get_container().password_recovery.reset(body["username"], body["code"], body["password"],
                                                   request_id=request.request_id, source_ip=request.source_ip)


TOTP_CODE = {"type": "string", "pattern": "^[0-9]{6}$"}
MFA_VERIFY_BODY = strict_object({"code": TOTP_CODE}, ["code"])
MFA_ANSWER_BODY = strict_object(
    {"username": USERNAME, "session": {"type": "string", "minLength": 20, "maxLength": 2048}, "code": TOTP_CODE},
    ["username", "session", "code"],
)


def _access_token() -> str:
    """The caller's own access token (the authorizer has verified it): Cognito's TOTP calls act on it."""
    header = identity.current_request.headers.get("authorization", "")
    return header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else ""


@identity.route("/auth/mfa/setup", methods=["POST"], authorizer=jwt_authorizer, content_types=BODYLESS_CONTENT_TYPES)
@endpoint(identity, roles=ANY_ROLE, answer=MFA_SETUP)
def mfa_setup(request: ApiRequest) -> dict[str, Any]:
    """A new authenticator secret and its otpauth:// URI (for the QR code); active after /auth/mfa/verify."""
    return get_container().mfa.setup(request.require_principal(), _access_token())


@identity.route("/auth/mfa/verify", methods=["POST"], authorizer=jwt_authorizer)
@endpoint(identity, roles=ANY_ROLE, body=MFA_VERIFY_BODY, answer=MFA_ENROLLED)
def mfa_verify(request: ApiRequest) -> dict[str, Any]:
    return get_container().mfa.verify(request.require_principal(), _access_token(), request.body["code"],
                                      request_id=request.request_id, source_ip=request.source_ip)


@identity.route("/auth/mfa/answer", methods=["POST"])
@endpoint(identity, body=MFA_ANSWER_BODY, answer=SESSION)
def mfa_answer(request: ApiRequest) -> dict[str, Any]:
    """The second sign-in step: the session from the 401 mfa_required and the authenticator's code."""
    body = request.body
    return get_container().sessions.answer_mfa(body["username"], body["session"], body["code"], request.source_ip)
