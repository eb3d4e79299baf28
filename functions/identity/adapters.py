"""Identity adapters: the connect-ticket table (pynamodb) and Cognito (boto3)."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.identity.ports import IssuedTokens, StoredTicket
from functions.identity.throttle import Attempts
from functions.shared.aws import error_code
from functions.shared.dynamo import translate_errors
from functions.shared.errors import DependencyUnavailable, Unauthenticated


class ConnectTicketModel(Model):
    class Meta:
        table_name = "unbound"

    ticketHash = UnicodeAttribute(hash_key=True)
    userId = UnicodeAttribute()
    username = UnicodeAttribute()
    roles = UnicodeAttribute()
    expiresAtEpoch = NumberAttribute()


class DynamoTicketStore:
    def put(self, ticket: StoredTicket) -> None:
        with translate_errors():
            ConnectTicketModel(
                ticketHash=ticket.ticket_hash,
                userId=ticket.user_id,
                username=ticket.username,
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
        return StoredTicket(
            ticket_hash=item.ticketHash,
            user_id=item.userId,
            username=item.username,
            roles=item.roles,
            expires_at_epoch=int(item.expiresAtEpoch),
        )


class CognitoIdentityProvider:
    def __init__(self, client: Any, client_id: str) -> None:
        self._client = client
        self._client_id = client_id

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


def _tokens(answer: dict[str, Any]) -> IssuedTokens:
    """The tokens of a finished sign-in, or the challenge it needs answered first."""
    result = answer.get("AuthenticationResult")
    if not result:
        if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
            # A first sign-in with the temporary password: the app asks for a new one and answers
            # with this session (valid 3 minutes in Cognito).
            raise Unauthenticated("Choose a new password to finish setting up your account.",
                                  code="password_change_required", details={"session": answer.get("Session", "")})
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
