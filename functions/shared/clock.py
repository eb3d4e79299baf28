"""Time in one place: the clock services take, and epoch seconds as ISO 8601 text.

Services take `clock: Clock = time.time` (tests pin it); every timestamp they store or answer is
`iso(epoch)`: UTC with an explicit `+00:00`, so text order is time order within one precision.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Literal

Clock = Callable[[], float]
"""Seconds since the epoch (time.time, or a test's pinned clock)."""

Precision = Literal["seconds", "milliseconds", "microseconds"]


def iso(epoch: float, timespec: Precision = "seconds") -> str:
    """`epoch` as ISO 8601 in UTC, e.g. `2026-03-01T09:30:00+00:00`. Sort keys that several writes
    may share in one second (score and record times, audit entries) use a finer `timespec`."""
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec=timespec)
