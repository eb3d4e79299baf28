"""The user pool's password policy, one definition (password_policy.json) read by the template, the
local stack and the web app, which names each rule a new password does not meet yet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

POLICY_FILE = Path(__file__).with_name("password_policy.json")


def password_policy() -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(POLICY_FILE.read_text())
    return policy


def unmet_rules(password: str) -> list[str]:
    """The policy's rules this password does not meet, by the ids the web app names them with
    (web/src/auth/passwordRules.ts): checked here too because Cognito's code flow answers a weak
    password with one generic error, and the person should learn which rule is missing."""
    policy = password_policy()
    checks = [
        ("length", True, len(password) >= int(policy["MinimumLength"])),
        ("lower", bool(policy.get("RequireLowercase")), any("a" <= c <= "z" for c in password)),
        ("upper", bool(policy.get("RequireUppercase")), any("A" <= c <= "Z" for c in password)),
        ("number", bool(policy.get("RequireNumbers")), any("0" <= c <= "9" for c in password)),
        ("symbol", bool(policy.get("RequireSymbols")),
         any(not (c.isascii() and c.isalnum()) and not c.isspace() for c in password)),
    ]
    return [rule for rule, required, met in checks if required and not met]
