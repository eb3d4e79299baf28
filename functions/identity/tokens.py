"""Cognito access-token verification against the user pool's JWKS.

Checks: RS256 signature by a key of the pool, expiry, issuer, app client id and token_use.
The key set is cached per container and refetched (at most once a minute) when a token names an
unknown key id, which is how Cognito key rotation shows up.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from functions.shared.auth import Principal, roles_from_groups
from functions.shared.clock import Clock
from functions.shared.errors import DependencyUnavailable, Unauthenticated

JwksFetcher = Callable[[], dict[str, Any]]

JWKS_MAX_AGE_SECONDS = 3600
JWKS_MIN_REFETCH_SECONDS = 60


def http_jwks_fetcher(url: str, timeout: float = 3.0) -> JwksFetcher:
    def fetch() -> dict[str, Any]:
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https URL from settings)
                return dict(json.loads(response.read()))
        except (OSError, ValueError) as exc:
            raise DependencyUnavailable("Sign-in keys are unavailable; try again.") from exc

    return fetch


class JwksTokenVerifier:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        fetch_jwks: JwksFetcher,
        clock: Clock = time.time,
        leeway_seconds: int = 5,
    ) -> None:
        self._issuer = issuer
        self._client_id = client_id
        self._fetch_jwks = fetch_jwks
        self._clock = clock
        self._leeway = leeway_seconds
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        """Return the principal of a valid access token or raise Unauthenticated."""
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthenticated("Malformed token.", code="invalid_token") from None
        if header.get("alg") != "RS256":
            raise Unauthenticated("Unsupported token algorithm.", code="invalid_token")
        key = self._key_for(str(header.get("kid", "")))
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("Your session has expired.", code="token_expired") from None
        except jwt.PyJWTError:
            raise Unauthenticated("Invalid token.", code="invalid_token") from None
        if claims.get("token_use") != "access":
            raise Unauthenticated("An access token is required.", code="invalid_token")
        if claims.get("client_id") != self._client_id:
            raise Unauthenticated("Token was issued to another application.", code="invalid_token")
        return Principal(
            user_id=str(claims["sub"]),
            username=str(claims.get("username", "")),
            roles=roles_from_groups(claims.get("cognito:groups") or []),
        )

    def _key_for(self, kid: str) -> Any:
        now = self._clock()
        with self._lock:
            stale = now - self._fetched_at > JWKS_MAX_AGE_SECONDS
            unknown = kid not in self._keys and now - self._fetched_at > JWKS_MIN_REFETCH_SECONDS
            if stale or unknown:
                self._load(now)
            key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("Token signed by an unknown key.", code="invalid_token")
        return key

    def _load(self, now: float) -> None:
        import jwt

        document = self._fetch_jwks()
        keys: dict[str, Any] = {}
        for jwk in document.get("keys", []):
            if jwk.get("kty") == "RSA" and jwk.get("kid"):
                keys[str(jwk["kid"])] = jwt.PyJWK(jwk, algorithm="RS256").key
        self._keys = keys
        self._fetched_at = now
