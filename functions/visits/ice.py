"""ICE servers for a caller: STUN, plus TURN with time-limited credentials (coturn REST scheme).

username = "<expiry unix time>:<user id>", credential = base64(HMAC-SHA1(shared secret, username)).
coturn (`use-auth-secret`) recomputes the HMAC and refuses expired usernames, so a leaked
credential is useless after the TTL. The secret lives in Secrets Manager (or local configuration),
never in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any

from functions.shared.auth import Principal
from functions.shared.clock import Clock, iso

MIN_TTL_SECONDS = 60
MAX_TTL_SECONDS = 24 * 3600


def turn_credentials(secret: str, user_id: str, expires_at: int) -> tuple[str, str]:
    username = f"{expires_at}:{user_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


class IceServerService:
    def __init__(self, stun_urls: tuple[str, ...], turn_urls: tuple[str, ...], secret: Callable[[], str],
                 ttl_seconds: int, clock: Clock = time.time) -> None:
        self._stun = stun_urls
        self._turn = turn_urls
        self._secret = secret
        self._ttl = max(MIN_TTL_SECONDS, min(MAX_TTL_SECONDS, ttl_seconds))
        self._clock = clock

    def for_caller(self, principal: Principal) -> dict[str, Any]:
        """One entry per server so the client can probe each and put the fastest first."""
        servers: list[dict[str, Any]] = [{"urls": [url]} for url in self._stun]
        expires_at = int(self._clock()) + self._ttl
        if self._turn:
            username, credential = turn_credentials(self._secret(), principal.user_id, expires_at)
            servers += [{"urls": [url], "username": username, "credential": credential} for url in self._turn]
        return {
            "iceServers": servers,
            "ttlSeconds": self._ttl,
            "expiresAt": iso(expires_at),
        }


def secrets_manager_reader(client: Any, secret_id: str) -> Callable[[], str]:
    """Read the TURN secret once per container (Secrets Manager is a network call)."""
    cache: dict[str, str] = {}

    def read() -> str:
        if "value" not in cache:
            cache["value"] = str(client.get_secret_value(SecretId=secret_id)["SecretString"])
        return cache["value"]

    return read
