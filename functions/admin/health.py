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
from typing import Any

from functions.shared.errors import DomainError

# A probe slower than this is reported `slow` (still up); one that has not answered in the limit is
# `down`. 1 s is 10x the usual in-region latency of each call; the view answers within ~3 s at worst.
SLOW_MS = 1_000
LIMIT_SECONDS = 3.0

Probe = Callable[[], None]
"""Raises when the dependency cannot do what the app needs of it."""


@dataclass(frozen=True)
class ProbeResult:
    name: str
    state: str  # "ok" | "slow" | "down"
    latency_ms: float | None
    code: str = ""

    def view(self) -> dict[str, Any]:
        view: dict[str, Any] = {"name": self.name, "state": self.state, "latencyMs": self.latency_ms}
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
            results = [future.result() if future.done() else ProbeResult(name, "down", None, "timeout")
                       for name, future in futures.items()]
            # Threads still waiting on a hung call are left to finish on their own.
            pool.shutdown(wait=False, cancel_futures=True)
        worst = "down" if any(r.state == "down" for r in results) else (
            "slow" if any(r.state == "slow" for r in results) else "ok")
        return {"status": worst, "checkedAt": iso(self._now()), "dependencies": [r.view() for r in results]}

    def _timed(self, name: str, probe: Probe) -> ProbeResult:
        started = self._clock()
        try:
            probe()
        except DomainError as error:
            return ProbeResult(name, "down", None, error.code)
        except Exception:  # any failure of a dependency is its state, not ours
            return ProbeResult(name, "down", None, "unavailable")
        latency = round((self._clock() - started) * 1000, 1)
        return ProbeResult(name, "slow" if latency > SLOW_MS else "ok", latency)
