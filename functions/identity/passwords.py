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
