"""JwksTokenVerifier with an in-memory key set: every claim check, key rotation, refetch limits."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from functions.identity.tokens import JwksTokenVerifier
from functions.shared.auth import Role
from functions.shared.errors import Unauthenticated

ISSUER = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"


def _keypair(kid: str) -> tuple[Any, dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return key, jwk


KEY, JWK = _keypair("k1")


def _token(key: Any = KEY, kid: str = "k1", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": ISSUER, "sub": "user-1", "client_id": "app", "token_use": "access", "username": "pat",
            "cognito:groups": ["patient"], "iat": now, "exp": now + 300}
    body.update(claims)
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256", headers={"kid": kid})


class FakeJwks:
    def __init__(self, *jwks: dict[str, Any]) -> None:
        self.keys = list(jwks)
        self.calls = 0

    def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"keys": list(self.keys)}


def _verifier(jwks: FakeJwks, clock: Any = time.time) -> JwksTokenVerifier:
    return JwksTokenVerifier(issuer=ISSUER, client_id="app", fetch_jwks=jwks, clock=clock)


def test_valid_token_gives_principal_with_roles() -> None:
    groups: dict[str, Any] = {"cognito:groups": ["doctor", "admin", "other"]}
    principal = _verifier(FakeJwks(JWK)).verify(_token(**groups))
    assert principal.user_id == "user-1" and principal.roles == {Role.DOCTOR, Role.ADMIN}
    assert principal.role is Role.DOCTOR


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"exp": int(time.time()) - 60}, "token_expired"),
        ({"iss": "https://cognito-idp.eu-west-1.amazonaws.com/other"}, "invalid_token"),
        ({"client_id": "someone-else"}, "invalid_token"),
        ({"token_use": "id"}, "invalid_token"),
        ({"token_use": None}, "invalid_token"),
        ({"sub": None}, "invalid_token"),
    ],
)
def test_each_wrong_claim_is_refused(claims: dict[str, Any], code: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        _verifier(FakeJwks(JWK)).verify(_token(**claims))
    assert caught.value.code == code


def test_signature_by_another_key_with_same_kid_is_refused() -> None:
    other, _ = _keypair("k1")
    with pytest.raises(Unauthenticated):
        _verifier(FakeJwks(JWK)).verify(_token(key=other))


def test_hs256_token_is_refused_even_with_the_public_key_as_secret() -> None:
    forged = jwt.encode({"sub": "x", "iss": ISSUER}, "secret", algorithm="HS256", headers={"kid": "k1"})
    with pytest.raises(Unauthenticated):
        _verifier(FakeJwks(JWK)).verify(forged)


def test_rotated_key_is_picked_up_by_refetch() -> None:
    jwks = FakeJwks(JWK)
    now = [1000.0]
    verifier = _verifier(jwks, clock=lambda: now[0])
    verifier.verify(_token())
    key2, jwk2 = _keypair("k2")
    jwks.keys.append(jwk2)
    now[0] += 120  # past the minimum refetch interval
    assert verifier.verify(_token(key=key2, kid="k2")).user_id == "user-1"
    assert jwks.calls == 2


def test_unknown_kids_cannot_force_a_refetch_storm() -> None:
    jwks = FakeJwks(JWK)
    verifier = _verifier(jwks, clock=lambda: 5000.0)
    verifier.verify(_token())
    for n in range(20):
        with pytest.raises(Unauthenticated):
            verifier.verify(_token(kid=f"nope-{n}"))
    assert jwks.calls == 1


def test_malformed_tokens_are_refused() -> None:
    for token in ["", "abc", "a.b.c", "e30.e30.e30"]:
        with pytest.raises(Unauthenticated):
            _verifier(FakeJwks(JWK)).verify(token)
