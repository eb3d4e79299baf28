"""The sign-in backoff on a fake store and clock: free failures, doubling waits, the window's end,
a success clearing the account, and the address counted apart from the account."""

from __future__ import annotations

import pytest

from functions.identity.throttle import (
    MAX_DELAY_SECONDS,
    SOURCE_FREE_FAILURES,
    USERNAME_FREE_FAILURES,
    WINDOW_SECONDS,
    Attempts,
    SignInThrottle,
    attempt_key,
)
from functions.shared.errors import RateLimited


class FakeStore:
    def __init__(self) -> None:
        self.items: dict[str, Attempts] = {}

    def get(self, key: str) -> Attempts | None:
        return self.items.get(key)

    def failed(self, key: str, now: int, window_seconds: int) -> Attempts:
        current = self.items.get(key)
        if current is None or current.window_ends <= now:
            current = Attempts(0, now, now + window_seconds)
        self.items[key] = Attempts(current.failures + 1, now, current.window_ends)
        return self.items[key]

    def clear(self, key: str) -> None:
        self.items.pop(key, None)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def waiting(throttle: SignInThrottle, username: str | None, ip: str = "203.0.113.9") -> int:
    try:
        throttle.check(username, ip)
    except RateLimited as error:
        assert error.code == "rate_limited" and error.details is not None
        return int(error.details["retryAfterSeconds"])
    return 0


def test_the_wait_starts_after_the_free_failures_and_doubles() -> None:
    clock, store = Clock(), FakeStore()
    throttle = SignInThrottle(store, clock)
    for _ in range(USERNAME_FREE_FAILURES - 1):
        throttle.failed("pat.alex", "203.0.113.9")
        assert waiting(throttle, "pat.alex") == 0
    throttle.failed("pat.alex", "203.0.113.9")
    assert waiting(throttle, "pat.alex") == 30
    assert waiting(throttle, "PAT.ALEX ") == 30  # the same account however it is typed
    assert waiting(throttle, "dr.chen", "198.51.100.1") == 0  # another account elsewhere goes ahead
    clock.now += 30
    assert waiting(throttle, "pat.alex") == 0
    throttle.failed("pat.alex", "203.0.113.9")
    assert waiting(throttle, "pat.alex") == 60
    for _ in range(20):
        throttle.failed("pat.alex", "203.0.113.9")
    assert waiting(throttle, "pat.alex") == MAX_DELAY_SECONDS


def test_the_window_ends_and_a_success_clears_the_account() -> None:
    clock, store = Clock(), FakeStore()
    throttle = SignInThrottle(store, clock)
    for _ in range(USERNAME_FREE_FAILURES):
        throttle.failed("pat.alex", "203.0.113.9")
    assert waiting(throttle, "pat.alex") > 0
    clock.now += WINDOW_SECONDS
    assert waiting(throttle, "pat.alex") == 0
    throttle.failed("pat.alex", "203.0.113.9")
    assert waiting(throttle, "pat.alex") == 0  # a new window: one failure so far
    throttle.succeeded("pat.alex")
    assert store.get(attempt_key("user", "pat.alex")) is None


def test_one_address_failing_for_many_accounts_waits_too() -> None:
    clock, store = Clock(), FakeStore()
    throttle = SignInThrottle(store, clock)
    for number in range(SOURCE_FREE_FAILURES):
        throttle.failed(f"guess{number}", "203.0.113.9")
    assert waiting(throttle, "anyone", "203.0.113.9") == 30
    assert waiting(throttle, "anyone", "198.51.100.1") == 0
    assert waiting(throttle, None, "203.0.113.9") == 30  # refreshes from there too


@pytest.mark.parametrize("value", ["pat.alex", "203.0.113.9"])
def test_the_store_keys_hold_no_username_or_address(value: str) -> None:
    key = attempt_key("user", value)
    assert value not in key and len(key.split("#")[1]) == 64
