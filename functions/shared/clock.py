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


def last_months(now: float, count: int) -> list[str]:
    """The `count` calendar months up to and including the one of `now` (UTC), oldest first, as
    `YYYY-MM` (the month keys of the rating and consultation-round indexes)."""
    at = datetime.fromtimestamp(now, tz=UTC)
    year, month = at.year, at.month
    months = []
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]
