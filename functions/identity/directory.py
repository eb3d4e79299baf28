"""The user directory (Cognito user pool) for role lookups and operations screens."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from functions.shared.auth import Role
from functions.shared.aws import error_code
from functions.shared.errors import DependencyUnavailable

if TYPE_CHECKING:
    from functions.identity.people import Profile

# Display names change rarely; 5 minutes bounds how long a renamed person shows the old name, and 2,000
# entries (a clinic's people twice over) bound the memory a warm Lambda holds. Names stay in memory only.
PROFILE_TTL_SECONDS = 300.0
PROFILE_CACHE_MAX = 2000
TITLE_ATTRIBUTE = "custom:title"


class CognitoDirectory:
    def __init__(self, client: Callable[[], Any], user_pool_id: str) -> None:
        # A factory, not a client: most requests never look anyone up, so boto3 stays unloaded.
        self._client_factory = client
        self._pool = user_pool_id
        self._profiles: OrderedDict[str, tuple[float, Profile | None]] = OrderedDict()
        self._members: dict[str, tuple[float, list[Profile]]] = {}
        self._lock = threading.Lock()
        self._now: Callable[[], float] = time.monotonic

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

    def profiles_of(self, user_ids: list[str]) -> dict[str, Profile]:
        """Display profiles by user id, through one bounded TTL cache; unknown ids are left out."""
        found: dict[str, Profile] = {}
        missing: list[str] = []
        now = self._now()
        with self._lock:
            for user_id in user_ids:
                hit = self._profiles.get(user_id)
                if hit is not None and hit[0] > now:
                    if hit[1] is not None:
                        found[user_id] = hit[1]
                else:
                    missing.append(user_id)
        for user_id in missing:
            profile = self._fetch_profile(user_id)
            with self._lock:
                self._profiles[user_id] = (now + PROFILE_TTL_SECONDS, profile)
                self._profiles.move_to_end(user_id)
                while len(self._profiles) > PROFILE_CACHE_MAX:
                    self._profiles.popitem(last=False)
            if profile is not None:
                found[user_id] = profile
        return found

    def _fetch_profile(self, user_id: str) -> Profile | None:
        from botocore.exceptions import BotoCoreError, ClientError

        from functions.identity.people import Profile

        if not user_id or '"' in user_id or "\\" in user_id:
            return None
        try:
            users = self._client.list_users(UserPoolId=self._pool, Filter=f'sub = "{user_id}"', Limit=1)["Users"]
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        if not users:
            return None
        attrs = {a["Name"]: a["Value"] for a in users[0].get("Attributes", [])}
        return Profile(
            user_id=user_id,
            name=attrs.get("name") or users[0]["Username"],
            birthdate=attrs.get("birthdate", ""),
            gender=attrs.get("gender", ""),
            title=attrs.get(TITLE_ATTRIBUTE, ""),
        )

    def members_of(self, role: Role) -> list[Profile]:
        """Everyone in the role's group with a display profile (a clinic's people: hundreds to a few
        thousand, 60 a page), kept for PROFILE_TTL_SECONDS like single profiles."""
        from botocore.exceptions import BotoCoreError, ClientError

        from functions.identity.people import Profile

        key = f"group:{role.value}"
        now = self._now()
        with self._lock:
            cached = self._members.get(key)
            if cached is not None and cached[0] > now:
                return cached[1]
        members: list[Profile] = []
        kwargs: dict[str, Any] = {"UserPoolId": self._pool, "GroupName": role.value, "Limit": 60}
        try:
            while True:
                page = self._client.list_users_in_group(**kwargs)
                for user in page.get("Users", []):
                    if not user.get("Enabled", True):
                        continue
                    attrs = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                    if not attrs.get("sub"):
                        continue
                    members.append(Profile(
                        user_id=attrs["sub"], name=attrs.get("name") or user["Username"],
                        birthdate=attrs.get("birthdate", ""), gender=attrs.get("gender", ""),
                        title=attrs.get(TITLE_ATTRIBUTE, ""),
                    ))
                if not page.get("NextToken"):
                    break
                kwargs["NextToken"] = page["NextToken"]
        except (ClientError, BotoCoreError) as exc:
            raise DependencyUnavailable("The user directory is unavailable; try again.") from exc
        with self._lock:
            self._members[key] = (now + PROFILE_TTL_SECONDS, members)
        return members

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
