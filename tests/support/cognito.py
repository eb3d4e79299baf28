"""Token minting for authorization tests: tokens Cognito would never issue (expired, foreign key,
other client), signed so that only the one property under test is wrong."""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


def moto_signing_key() -> Any:
    """The private key moto's Cognito signs with (a fixed test resource of moto)."""
    raw = resources.files("moto.cognitoidp").joinpath("resources/jwks-private.json.gz").read_bytes()
    return jwt.PyJWK(json.loads(gzip.decompress(raw)), algorithm="RS256").key


def mint_access_token(
    *,
    region: str,
    pool_id: str,
    client_id: str,
    sub: str,
    username: str,
    groups: list[str],
    key: Any | None = None,
    kid: str = "dummy",
    expires_in: int = 600,
    token_use: str = "access",
    issued_at: int | None = None,
) -> str:
    now = issued_at if issued_at is not None else int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        "sub": sub,
        "client_id": client_id,
        "token_use": token_use,
        "username": username,
        "cognito:groups": groups,
        "iat": now,
        "auth_time": now,
        "exp": now + expires_in,
    }
    return jwt.encode(claims, key or moto_signing_key(), algorithm="RS256", headers={"kid": kid})


def foreign_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)
