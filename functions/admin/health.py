"""The operations health view: each dependency the app needs, asked something real, with its latency.

The public `/health` says only that the API answers (no dependency is touched, so a flood of it costs
nothing). This one is for admins: DynamoDB, S3, KMS (or the local key), the user directory and the
WebSocket API, each probed with the smallest call that proves the path the app uses works, all at
once, each within a time limit, so one slow dependency shows as slow instead of hiding the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from functions.shared.errors import DomainError

# A probe slower than this is reported `slow` (still up); one that has not answered in the limit is
# `down`. 1 s is 10x the usual in-region latency of each call; the view answers within ~3 s at worst.
SLOW_MS = 1_000
LIMIT_SECONDS = 3.0

Probe = Callable[[], None]
"""Raises when the dependency cannot do what the app needs of it."""


class State(StrEnum):
    """A dependency's state, and the view's as a whole (its worst dependency's)."""

    OK = "ok"
    SLOW = "slow"  # answered, slower than SLOW_MS
    DOWN = "down"  # failed, or no answer within LIMIT_SECONDS


@dataclass(frozen=True)
class ProbeResult:
    name: str
    state: State
    latency_ms: float | None
    code: str = ""

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {"name": self.name, "state": self.state.value, "latencyMs": self.latency_ms}
        if self.code:
            view["code"] = self.code
        return view


class HealthService:
    def __init__(self, probes: Mapping[str, Probe], clock: Callable[[], float] = time.perf_counter,
                 now: Callable[[], float] = time.time) -> None:
        self._probes = dict(probes)
        self._clock = clock
        self._now = now

    def check(self) -> dict[str, Any]:
        from functions.shared.clock import iso

        with ThreadPoolExecutor(max_workers=len(self._probes)) as pool:
            futures = {name: pool.submit(self._timed, name, probe) for name, probe in self._probes.items()}
            wait(futures.values(), timeout=LIMIT_SECONDS)
            results = [future.result() if future.done() else ProbeResult(name, State.DOWN, None, "timeout")
                       for name, future in futures.items()]
            # Threads still waiting on a hung call are left to finish on their own.
            pool.shutdown(wait=False, cancel_futures=True)
        worst = State.DOWN if any(r.state is State.DOWN for r in results) else (
            State.SLOW if any(r.state is State.SLOW for r in results) else State.OK)
        return {"status": worst.value, "checkedAt": iso(self._now()), "dependencies": [r.view() for r in results]}

    def _timed(self, name: str, probe: Probe) -> ProbeResult:
        started = self._clock()
        try:
            probe()
        except DomainError as error:
            return ProbeResult(name, State.DOWN, None, error.code)
        except Exception:  # any failure of a dependency is its state, not ours
            return ProbeResult(name, State.DOWN, None, "unavailable")
        latency = round((self._clock() - started) * 1000, 1)
        return ProbeResult(name, State.SLOW if latency > SLOW_MS else State.OK, latency)
