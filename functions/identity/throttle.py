"""Sign-in abuse: a growing wait after repeated failures, per username and per source address.

A password guesser against one account, or a flood from one address, is slowed before it reaches
Cognito (whose quota every user's token refresh shares). The first USERNAME_FREE_FAILURES wrong
passwords of an account within WINDOW_SECONDS cost nothing; each further one doubles the wait, from
BASE_DELAY_SECONDS up to MAX_DELAY_SECONDS (5 wrong: 30 s, 6: 60 s, 7: 120 s ... 15 min). One address
gets SOURCE_FREE_FAILURES failed sign-ins or refreshes before its own wait starts (a clinic's shared
network has many people). A success clears the account's count, not the address's. The answer while
waiting is 429 `rate_limited` with Retry-After. Keys are SHA-256 digests: the table holds no username
or address.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Protocol

from functions.shared.clock import Clock
from functions.shared.errors import RateLimited

WINDOW_SECONDS = 900
USERNAME_FREE_FAILURES = 5
SOURCE_FREE_FAILURES = 30
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 900


@dataclass(frozen=True)
class Attempts:
    failures: int
    last_failure_at: int
    window_ends: int


class AttemptStore(Protocol):
    def get(self, key: str) -> Attempts | None: ...

    def failed(self, key: str, now: int, window_seconds: int) -> Attempts:
        """Count one failure atomically (a new window when the last one ended); the count after it."""
        ...

    def clear(self, key: str) -> None: ...


def attempt_key(kind: str, value: str) -> str:
    return f"{kind}#{hashlib.sha256(value.strip().casefold().encode()).hexdigest()}"


def wait_seconds(attempts: Attempts | None, free: int, now: int) -> int:
    """How long the holder of these attempts must still wait (0: go ahead)."""
    if attempts is None or attempts.window_ends <= now or attempts.failures < free:
        return 0
    delay = min(BASE_DELAY_SECONDS << min(attempts.failures - free, 10), MAX_DELAY_SECONDS)
    return max(0, attempts.last_failure_at + delay - now)


class SignInThrottle:
    def __init__(self, store: AttemptStore, clock: Clock = time.time, scope: str = "") -> None:
        self._store = store
        self._clock = clock
        # A separate scope (e.g. "reset#") counts another kind of attempt for the same account, so
        # asking for reset codes never delays that person's sign-in.
        self._scope = scope

    def check(self, username: str | None, source_ip: str) -> None:
        """Raise RateLimited (with retryAfterSeconds) while the account or the address must wait."""
        now = int(self._clock())
        waits = [wait_seconds(self._store.get(attempt_key(self._scope + "ip", source_ip)), SOURCE_FREE_FAILURES, now)]
        if username is not None:
            user_attempts = self._store.get(attempt_key(self._scope + "user", username))
            waits.append(wait_seconds(user_attempts, USERNAME_FREE_FAILURES, now))
        wait = max(waits)
        if wait > 0:
            raise RateLimited("Too many failed attempts. Please wait before trying again.",
                              details={"retryAfterSeconds": wait})

    def failed(self, username: str | None, source_ip: str) -> None:
        now = int(self._clock())
        self._store.failed(attempt_key(self._scope + "ip", source_ip), now, WINDOW_SECONDS)
        if username is not None:
            self._store.failed(attempt_key(self._scope + "user", username), now, WINDOW_SECONDS)

    def succeeded(self, username: str) -> None:
        self._store.clear(attempt_key(self._scope + "user", username))
