"""Identity adapters: the connect-ticket table (pynamodb) and Cognito (boto3)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from pynamodb.attributes import BinaryAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.identity.ports import IssuedTokens, StoredTicket
from functions.identity.throttle import Attempts
from functions.shared.aws import error_code
from functions.shared.dynamo import translate_errors
from functions.shared.errors import DependencyUnavailable, RateLimited, Unauthenticated, ValidationError

UNAVAILABLE = "Sign-in is unavailable; try again."


class ConnectTicketModel(Model):
    class Meta:
        table_name = "unbound"

    ticketHash = UnicodeAttribute(hash_key=True)
    userId = UnicodeAttribute()
    # The person's username (often a name or an e-mail address), sealed; a ticket lives a minute.
    usernameSealed = BinaryAttribute(legacy_encoding=False, null=True)
    roles = UnicodeAttribute()
    expiresAtEpoch = NumberAttribute()


TICKETS_TABLE = "connect_tickets"  # the encryption context's table, and the data keys' purpose


class DynamoTicketStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def put(self, ticket: StoredTicket) -> None:
        sealed = self._sealer.seal(TICKETS_TABLE, ticket.ticket_hash, {"username": ticket.username})
        with translate_errors():
            ConnectTicketModel(
                ticketHash=ticket.ticket_hash,
                userId=ticket.user_id,
                usernameSealed=sealed["username"],
                roles=ticket.roles,
                expiresAtEpoch=ticket.expires_at_epoch,
            ).save(condition=ConnectTicketModel.ticketHash.does_not_exist())

    def take(self, ticket_hash: str) -> StoredTicket | None:
        from pynamodb.exceptions import DeleteError

        # One conditional DeleteItem returning the old image: a ticket is redeemed at most once
        # even when two $connect calls race.
        connection = ConnectTicketModel._get_connection()
        try:
            result = connection.delete_item(
                ticket_hash,
                condition=ConnectTicketModel.ticketHash.exists(),
                return_values="ALL_OLD",
            )
        except DeleteError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise DependencyUnavailable("The database is unavailable; try again.") from exc
        image = result.get("Attributes") or {}
        if not image:
            return None
        item = ConnectTicketModel.from_raw_data(image)
        if item.usernameSealed is None:
            # Written by the release before usernames were sealed (plaintext, never read now): a
            # ticket lives a minute and is single-use, so the client asks for a new one.
            return None
        opened = self._sealer.open(TICKETS_TABLE, item.ticketHash, {"username": bytes(item.usernameSealed)})
        return StoredTicket(
            ticket_hash=item.ticketHash,
            user_id=item.userId,
            username=str(opened["username"]),
            roles=item.roles,
            expires_at_epoch=int(item.expiresAtEpoch),
        )


class CognitoIdentityProvider:
    def __init__(self, client: Any, client_id: str, *, sign_out_pool_id: str | None = None) -> None:
        self._client = client
        self._client_id = client_id
        # moto has no RevokeToken: the local stack (which passes its pool) ends the person's sessions
        # with AdminUserGlobalSignOut instead, stricter (every device), for the account the refresh
        # token still names.
        self._sign_out_pool = sign_out_pool_id

    def revoke(self, refresh_token: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            if self._sign_out_pool is not None:
                answer = self._client.initiate_auth(AuthFlow="REFRESH_TOKEN_AUTH", ClientId=self._client_id,
                                                    AuthParameters={"REFRESH_TOKEN": refresh_token})
                username = _claims(answer["AuthenticationResult"]["AccessToken"])["username"]
                self._client.admin_user_global_sign_out(UserPoolId=self._sign_out_pool, Username=username)
            else:
                self._client.revoke_token(Token=refresh_token, ClientId=self._client_id)
        except ClientError as exc:
            if error_code(exc) in {"NotAuthorizedException", "UnsupportedTokenTypeException",
                                   "UserNotFoundException"}:
                return  # already revoked, expired or never valid: nothing left to end
            raise DependencyUnavailable("Signing out is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Signing out is unavailable; try again.") from exc

    def password_sign_in(self, username: str, password: str) -> IssuedTokens:
        return self._initiate("USER_PASSWORD_AUTH", {"USERNAME": username, "PASSWORD": password},
                              failure_code="invalid_credentials",
                              failure_message="Wrong username or password.")

    def refresh(self, refresh_token: str) -> IssuedTokens:
        return self._initiate("REFRESH_TOKEN_AUTH", {"REFRESH_TOKEN": refresh_token},
                              failure_code="invalid_refresh_token",
                              failure_message="Your session has ended; sign in again.")

    def _initiate(self, flow: str, params: dict[str, str], *, failure_code: str,
                  failure_message: str) -> IssuedTokens:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self._client.initiate_auth(AuthFlow=flow, ClientId=self._client_id, AuthParameters=params)
        except ClientError as exc:
            if error_code(exc) in {"NotAuthorizedException", "UserNotFoundException",
                                   "UserNotConfirmedException", "PasswordResetRequiredException"}:
                raise Unauthenticated(failure_message, code=failure_code) from None
            raise DependencyUnavailable("Sign-in is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Sign-in is unavailable; try again.") from exc
        return _tokens(answer)

    def complete_new_password(self, username: str, session: str, new_password: str) -> IssuedTokens:
        from botocore.exceptions import BotoCoreError, ClientError

        from functions.shared.errors import ValidationError

        try:
            answer = self._client.respond_to_auth_challenge(
                ClientId=self._client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=session,
                ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
            )
        except ClientError as exc:
            if error_code(exc) == "InvalidPasswordException":
                raise ValidationError("That password does not meet the policy.", code="weak_password") from None
            # Cognito answers an unknown or expired session with NotAuthorized; moto with ResourceNotFound.
            if error_code(exc) in {"NotAuthorizedException", "CodeMismatchException", "ExpiredCodeException",
                                   "UserNotFoundException", "ResourceNotFoundException"}:
                raise Unauthenticated("This sign-in has expired; sign in again with the temporary password.",
                                      code="sign_in_expired") from None
            raise DependencyUnavailable("Sign-in is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("Sign-in is unavailable; try again.") from exc
        return _tokens(answer)

    def forgot_password(self, username: str) -> None:
        """Ask the pool to send a reset code. Whether the account exists is never told: an unknown
        username, a disabled account or one without a verified channel look the same as a sent code."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.forgot_password(ClientId=self._client_id, Username=username)
        except ClientError as exc:
            code = error_code(exc)
            if code in {"LimitExceededException", "TooManyRequestsException"}:
                raise RateLimited("Too many reset requests. Please wait before trying again.") from None
            if code in {"UserNotFoundException", "NotAuthorizedException", "InvalidParameterException",
                        "UserNotConfirmedException"}:
                return
            raise DependencyUnavailable(UNAVAILABLE) from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(UNAVAILABLE) from exc

    def confirm_forgot_password(self, username: str, code: str, new_password: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.confirm_forgot_password(ClientId=self._client_id, Username=username,
                                                 ConfirmationCode=code, Password=new_password)
        except ClientError as exc:
            failure = error_code(exc)
            if failure == "InvalidPasswordException":
                raise ValidationError("That password does not meet the policy.", code="weak_password") from None
            if failure == "ExpiredCodeException":
                raise ValidationError("This code has expired; ask for a new one.", code="code_expired") from None
            # An unknown username answers like a wrong code: the reset form cannot probe accounts.
            if failure in {"CodeMismatchException", "UserNotFoundException", "NotAuthorizedException"}:
                raise ValidationError("That code is not right.", code="code_mismatch") from None
            if failure in {"LimitExceededException", "TooManyFailedAttemptsException", "TooManyRequestsException"}:
                raise RateLimited("Too many attempts. Please wait before trying again.") from None
            raise DependencyUnavailable(UNAVAILABLE) from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(UNAVAILABLE) from exc

    def associate_software_token(self, access_token: str) -> str:
        """A new TOTP secret for the signed-in person (not active until a first code verifies it)."""
        answer = self._call(lambda: self._client.associate_software_token(AccessToken=access_token))
        return str(answer["SecretCode"])

    def verify_software_token(self, access_token: str, code: str) -> None:
        """Confirm the authenticator with its first code, then make TOTP the account's sign-in step."""
        answer = self._call(lambda: self._client.verify_software_token(
            AccessToken=access_token, UserCode=code, FriendlyDeviceName="authenticator"))
        if answer.get("Status") != "SUCCESS":
            raise ValidationError("That code is not right.", code="code_mismatch")
        self._call(lambda: self._client.set_user_mfa_preference(
            AccessToken=access_token, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True}))

    def answer_mfa(self, username: str, session: str, code: str) -> IssuedTokens:
        return _tokens(self._call(lambda: self._client.respond_to_auth_challenge(
            ClientId=self._client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=session,
            ChallengeResponses={"USERNAME": username, "SOFTWARE_TOKEN_MFA_CODE": code})))

    def _call(self, call: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except ClientError as exc:
            failure = error_code(exc)
            if failure in {"CodeMismatchException", "EnableSoftwareTokenMFAException"}:
                raise ValidationError("That code is not right.", code="code_mismatch") from None
            if failure == "ExpiredCodeException":
                raise ValidationError("This code has expired; use the next one.", code="code_expired") from None
            # An expired challenge session (3 minutes in Cognito; moto: ResourceNotFound) or a revoked token.
            if failure in {"NotAuthorizedException", "ResourceNotFoundException", "UserNotFoundException"}:
                raise Unauthenticated("This sign-in has expired; sign in again.", code="sign_in_expired") from None
            if failure in {"LimitExceededException", "TooManyRequestsException"}:
                raise RateLimited("Too many attempts. Please wait before trying again.") from None
            if failure == "InvalidParameterException":
                raise ValidationError("Set up the authenticator first.", code="mfa_not_set_up") from None
            raise DependencyUnavailable(UNAVAILABLE) from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable(UNAVAILABLE) from exc


class CognitoAccountIds:
    """Who owns a username, for the audit entry of a reset nobody was signed in for."""

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def owner(self, username: str) -> tuple[str, str] | None:
        """(user id, role) of the account, or None when it does not exist."""
        from botocore.exceptions import ClientError

        from functions.shared.auth import ROLE_PRECEDENCE, roles_from_groups

        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=username)
            groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=username)["Groups"]
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":
                return None
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        roles = roles_from_groups(g["GroupName"] for g in groups)
        role = next((r.value for r in ROLE_PRECEDENCE if r in roles), "none")
        return next(str(a["Value"]) for a in user["UserAttributes"] if a["Name"] == "sub"), role


def _claims(token: str) -> dict[str, Any]:
    """The claims of a token Cognito has just handed us (read, not verified: it is not a caller's)."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def _tokens(answer: dict[str, Any]) -> IssuedTokens:
    """The tokens of a finished sign-in, or the challenge it needs answered first."""
    result = answer.get("AuthenticationResult")
    if not result:
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            # A first sign-in with the temporary password: the app asks for a new one and answers
            # with this session (valid 3 minutes in Cognito).
            raise Unauthenticated("Choose a new password to finish setting up your account.",
                                  code="password_change_required", details={"session": answer.get("Session", "")})
        if answer.get("ChallengeName") == "SOFTWARE_TOKEN_MFA":
            # The password was right; the authenticator's code finishes the sign-in (POST /auth/mfa/answer).
            raise Unauthenticated("Enter the code from your authenticator app.",
                                  code="mfa_required", details={"session": answer.get("Session", "")})
        raise Unauthenticated("This account needs a sign-in step the app does not offer yet; contact your clinic.",
                              code="challenge_unsupported")
    return IssuedTokens(
        access_token=result["AccessToken"],
        id_token=result["IdToken"],
        refresh_token=result.get("RefreshToken"),
        expires_in=int(result.get("ExpiresIn", 3600)),
    )


class LoginAttemptModel(Model):
    class Meta:
        table_name = "unbound"

    attemptKey = UnicodeAttribute(hash_key=True)
    failures = NumberAttribute()
    lastFailureAt = NumberAttribute()
    windowEnds = NumberAttribute()
    expiresAtEpoch = NumberAttribute()  # TTL: a window's item goes once nobody could still be waiting on it


class DynamoAttemptStore:
    def get(self, key: str) -> Attempts | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = LoginAttemptModel.get(key)
            except DoesNotExist:
                return None
        return Attempts(int(item.failures), int(item.lastFailureAt), int(item.windowEnds))

    def failed(self, key: str, now: int, window_seconds: int) -> Attempts:
        from functions.identity.throttle import MAX_DELAY_SECONDS
        from functions.shared.errors import Conflict

        model = LoginAttemptModel(attemptKey=key)
        try:
            # Within the window: one atomic ADD, so concurrent failures all count.
            with translate_errors():
                model.update(
                    actions=[LoginAttemptModel.failures.add(1), LoginAttemptModel.lastFailureAt.set(now)],
                    condition=LoginAttemptModel.windowEnds > now,
                )
        except Conflict:
            # No item, or its window is over: start a new one (the last writer of a race wins with 1).
            with translate_errors():
                LoginAttemptModel(attemptKey=key, failures=1, lastFailureAt=now, windowEnds=now + window_seconds,
                                  expiresAtEpoch=now + window_seconds + MAX_DELAY_SECONDS).save()
            return Attempts(1, now, now + window_seconds)
        return Attempts(int(model.failures), int(model.lastFailureAt), int(model.windowEnds))

    def clear(self, key: str) -> None:
        with translate_errors():
            LoginAttemptModel(attemptKey=key).delete()


class CognitoAuthenticators:
    """Whether an account has a confirmed authenticator (AdminGetUser's UserMFASettingList)."""

    def __init__(self, client: Callable[[], Any], user_pool_id: str) -> None:
        self._client = client
        self._pool = user_pool_id

    def has_authenticator(self, username: str) -> bool:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            user = self._client().admin_get_user(UserPoolId=self._pool, Username=username)
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":
                return False
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        return "SOFTWARE_TOKEN_MFA" in (user.get("UserMFASettingList") or [])
