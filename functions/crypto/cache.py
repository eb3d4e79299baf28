"""The bounded data-key cache: it keeps KMS off the per-record path, within limits.

Two sides, both bounded by age:

- **write keys**, one per purpose (table): reused for every field sealed until the key is
  `max_age_seconds` old or has sealed `max_uses` fields. The use bound keeps each key far below the
  ~2^32 random-nonce messages AES-GCM allows; the age bound limits how long one key's plaintext
  lives in memory and how much data one leaked key would expose.
- **read keys**, unwrapped keys by (purpose, data-key id), least recently used first out past
  `max_entries`. A data-key id names exactly one wrapped key (the data_keys table's sort key),
  so this is the same as caching by the wrapped key's digest, without having to fetch the
  wrapped key first. A key made here for writing is also put on the read side, so reading back
  what this process wrote needs no KMS call at all.

Thread-safe: the container is shared by the worker threads of the local stack and the tests.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CacheLimits:
    max_age_seconds: float = 300.0
    max_uses: int = 100_000
    max_entries: int = 256

    def __post_init__(self) -> None:
        if self.max_age_seconds <= 0 or self.max_uses <= 0 or self.max_entries <= 0:
            raise ValueError("data-key cache limits must be positive")


@dataclass(frozen=True)
class ActiveKey:
    """A data key checked out for sealing."""

    key_id: str
    material: bytes


@dataclass
class _WriteSlot:
    key: ActiveKey
    created_at: float
    uses: int = 0


@dataclass
class _ReadSlot:
    material: bytes
    created_at: float


class DataKeyCache:
    def __init__(self, limits: CacheLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._write: dict[str, _WriteSlot] = {}
        self._read: OrderedDict[tuple[str, str], _ReadSlot] = OrderedDict()

    # --- writing ----------------------------------------------------------------------------
    def checkout(self, purpose: str, uses: int = 1) -> ActiveKey | None:
        """The purpose's write key with `uses` more seals counted, or None when a new key is due."""
        if uses > self.limits.max_uses:
            raise ValueError("one record seals more fields than a data key may")
        with self._lock:
            slot = self._write.get(purpose)
            if slot is None:
                return None
            if self._expired(slot.created_at) or slot.uses + uses > self.limits.max_uses:
                del self._write[purpose]
                return None
            slot.uses += uses
            return slot.key

    def install(self, purpose: str, key: ActiveKey, uses: int = 1) -> None:
        """Make a freshly generated key the purpose's write key (and readable without unwrapping)."""
        now = self._clock()
        with self._lock:
            self._write[purpose] = _WriteSlot(key, now, uses)
            self._remember(purpose, key.key_id, key.material, now)

    # --- reading ----------------------------------------------------------------------------
    def lookup(self, purpose: str, key_id: str) -> bytes | None:
        with self._lock:
            slot = self._read.get((purpose, key_id))
            if slot is None:
                return None
            if self._expired(slot.created_at):
                del self._read[(purpose, key_id)]
                return None
            self._read.move_to_end((purpose, key_id))
            return slot.material

    def remember(self, purpose: str, key_id: str, material: bytes) -> None:
        with self._lock:
            self._remember(purpose, key_id, material, self._clock())

    def forget(self, which: Callable[[str, str], bool]) -> None:
        """Drop the read keys `which(purpose, key id)` names (a destroyed case's keys)."""
        with self._lock:
            for slot in [slot for slot in self._read if which(*slot)]:
                del self._read[slot]

    @property
    def clock(self) -> Callable[[], float]:
        return self._clock

    def forget_all(self) -> None:
        with self._lock:
            self._write.clear()
            self._read.clear()

    def sizes(self) -> tuple[int, int]:
        """(write keys, read keys) held now; for tests and metrics."""
        with self._lock:
            return len(self._write), len(self._read)

    # --- internals --------------------------------------------------------------------------
    def _remember(self, purpose: str, key_id: str, material: bytes, now: float) -> None:
        self._read[(purpose, key_id)] = _ReadSlot(material, now)
        self._read.move_to_end((purpose, key_id))
        while len(self._read) > self.limits.max_entries:
            self._read.popitem(last=False)

    def _expired(self, created_at: float) -> bool:
        return self._clock() - created_at >= self.limits.max_age_seconds
