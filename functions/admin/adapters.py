"""Accounts in the Cognito user pool (boto3), AWS errors turned into domain errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.admin.accounts import NewAccount
from functions.identity.directory import TITLE_ATTRIBUTE
from functions.shared.aws import error_code
from functions.shared.errors import Conflict, DependencyUnavailable, NotFound, ValidationError


class CognitoAccounts:
    def __init__(self, client: Callable[[], Any], user_pool_id: str, resend_invitation: bool = True) -> None:
        self._client_factory = client
        self._pool = user_pool_id
        # moto answers AdminCreateUser RESEND by creating the account afresh (a new sub, no groups), so
        # the local stack skips it; its outbox page shows the new temporary password instead.
        self._resend = resend_invitation

    def create(self, account: NewAccount, temporary_password: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        attributes = {"name": account.name, "email": account.email, "phone_number": account.phone,
                      "birthdate": account.birthdate, "gender": account.gender, TITLE_ATTRIBUTE: account.title}
        channels = [channel for channel, value in (("EMAIL", account.email), ("SMS", account.phone)) if value]
        client = self._client_factory()
        try:
            created = client.admin_create_user(
                UserPoolId=self._pool, Username=account.username, TemporaryPassword=temporary_password,
                UserAttributes=[{"Name": k, "Value": v} for k, v in attributes.items() if v],
                DesiredDeliveryMediums=channels,
            )
            client.admin_add_user_to_group(UserPoolId=self._pool, Username=account.username,
                                           GroupName=account.role.value)
        except ClientError as exc:
            code = error_code(exc)
            if code == "UsernameExistsException":
                raise Conflict("That username is taken.", code="username_taken") from None
            if code in {"InvalidParameterException", "InvalidPasswordException"}:
                raise ValidationError("The directory refused these account details.", code="invalid_account") from None
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        return next(str(a["Value"]) for a in created["User"]["Attributes"] if a["Name"] == "sub")

    def rename(self, username: str, name: str) -> str:
        return self._change(username, lambda client: client.admin_update_user_attributes(
            UserPoolId=self._pool, Username=username, UserAttributes=[{"Name": "name", "Value": name}]))

    def set_enabled(self, username: str, enabled: bool) -> str:
        def switch(client: Any) -> None:
            if enabled:
                client.admin_enable_user(UserPoolId=self._pool, Username=username)
            else:
                client.admin_disable_user(UserPoolId=self._pool, Username=username)
                # Every refresh token of the account stops working now, on every device.
                client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)

        return self._change(username, switch)

    def reset_password(self, username: str, temporary_password: str) -> str:
        """AdminSetUserPassword (not permanent) rather than AdminResetUserPassword: the latter needs a
        verified e-mail or phone and leaves the person to find the code flow; this sends the invitation
        again (RESEND works only in FORCE_CHANGE_PASSWORD) and the first-sign-in screen takes over."""
        def reset(client: Any) -> None:
            client.admin_set_user_password(UserPoolId=self._pool, Username=username,
                                           Password=temporary_password, Permanent=False)
            client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)
            if self._resend:
                client.admin_create_user(UserPoolId=self._pool, Username=username, MessageAction="RESEND",
                                         TemporaryPassword=temporary_password)

        return self._change(username, reset)

    def _change(self, username: str, change: Callable[[Any], Any]) -> str:
        """Apply `change` to an existing account; its user id."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client_factory()
        try:
            user = client.admin_get_user(UserPoolId=self._pool, Username=username)
            change(client)
        except ClientError as exc:
            if error_code(exc) == "UserNotFoundException":
                raise NotFound("No such account.", code="account_not_found") from None
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        return next(str(a["Value"]) for a in user["UserAttributes"] if a["Name"] == "sub")
