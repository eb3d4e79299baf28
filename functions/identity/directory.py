"""The user directory (Cognito user pool) for role lookups and operations screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.shared.auth import Role
from functions.shared.aws import error_code
from functions.shared.errors import DependencyUnavailable


class CognitoDirectory:
    def __init__(self, client: Callable[[], Any], user_pool_id: str) -> None:
        # A factory, not a client: most requests never look anyone up, so boto3 stays unloaded.
        self._client_factory = client
        self._pool = user_pool_id

    @property
    def _client(self) -> Any:
        return self._client_factory()

    def roles_of(self, user_id: str) -> frozenset[Role]:
        from botocore.exceptions import BotoCoreError, ClientError

        if not user_id or '"' in user_id or "\\" in user_id:
            return frozenset()
        try:
            users = self._client.list_users(UserPoolId=self._pool, Filter=f'sub = "{user_id}"', Limit=1)["Users"]
            if not users:
                return frozenset()
            groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=users[0]["Username"])
        except (ClientError, BotoCoreError) as exc:
            if error_code(exc) == "UserNotFoundException":
                return frozenset()
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        known = {role.value: role for role in Role}
        return frozenset(known[g["GroupName"]] for g in groups.get("Groups", []) if g["GroupName"] in known)

    def list_users(self) -> list[dict[str, Any]]:
        """Every user with a role, for operations (no clinical content)."""
        from botocore.exceptions import BotoCoreError, ClientError

        users: dict[str, dict[str, Any]] = {}
        try:
            for role in (Role.ADMIN, Role.PATIENT, Role.DOCTOR):
                kwargs: dict[str, Any] = {"UserPoolId": self._pool, "GroupName": role.value, "Limit": 60}
                while True:
                    page = self._client.list_users_in_group(**kwargs)
                    for user in page.get("Users", []):
                        attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                        users[user["Username"]] = {
                            "userId": attrs.get("sub", ""),
                            "username": user["Username"],
                            "role": role.value,  # doctor wins over patient over admin, as in Principal.role
                            "enabled": bool(user.get("Enabled", True)),
                            "createdAt": _iso(user.get("UserCreateDate")),
                        }
                    if not page.get("NextToken"):
                        break
                    kwargs["NextToken"] = page["NextToken"]
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        return sorted(users.values(), key=lambda u: u["username"])


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value or "")
