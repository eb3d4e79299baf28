"""Data keys: generate and wrap through the key provider, keep the wrapped form, unwrap on read.

The wrapped form of each data key is stored ONCE, in the data_keys table under (purpose, key id),
and every field ciphertext names its key id in its header. That is what makes key rotation cheap:
re-wrapping rewrites one small item per data key and never touches the records' ciphertexts.

The KMS encryption context of a data key is {app, purpose, dataKeyId}: KMS refuses to unwrap it
for another purpose or under another row's id, so swapping wrapped keys between rows fails too.
A purpose is the data a key protects: one table, or tables that hold copies of the same data
(a record entry and its versions), which then share one key and one KMS call.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from functions.crypto.cache import ActiveKey, CacheLimits, DataKeyCache
from functions.crypto.ports import DataKeyStore, DecryptError, KeyProvider, StoredDataKey
from functions.shared.clock import Clock, iso
from functions.shared.errors import Conflict

APP_CONTEXT = "dermafollow"
REWRAP_PAGE = 100
KEK_MAX_AGE_SECONDS = 86_400.0  # settings: KEK_MAX_AGE_SECONDS


def key_context(purpose: str, key_id: str) -> dict[str, str]:
    """The encryption context a data key is wrapped under (KMS EncryptionContext)."""
    return {"app": APP_CONTEXT, "purpose": purpose, "dataKeyId": key_id}


def new_key_id() -> str:
    # 96 random bits: unique per purpose without coordination; short enough for every field header.
    return "dk" + secrets.token_urlsafe(12)


@dataclass
class RewrapReport:
    purpose: str
    examined: int = 0
    rewrapped: int = 0
    already_current: int = 0
    lost_races: int = 0
    failures: list[str] = field(default_factory=list)  # key ids that could not be unwrapped


def kek_id_for(now: float) -> str:
    """The key-encryption key of the year `now` falls in: every container derives the same id."""
    return f"kek{time.gmtime(now).tm_year}"


class DataKeyManager:
    """The KMS-wrapped keys of each purpose: its key-encryption keys (`kek<YYYY>`, see
    scoped_keys.py) and the format-1 data keys written before them (still opened, re-wrapped)."""

    def __init__(self, provider: KeyProvider, store: DataKeyStore, cache: DataKeyCache,
                 clock: Clock = time.time, make_key_id: Callable[[], str] = new_key_id,
                 kek_cache: DataKeyCache | None = None) -> None:
        self._provider = provider
        self._store = store
        self._cache = cache
        self._clock = clock
        self._make_key_id = make_key_id
        # KEKs: 24 h by default, a handful of entries (one per purpose and year in use).
        self._kek_cache = kek_cache or DataKeyCache(CacheLimits(max_age_seconds=KEK_MAX_AGE_SECONDS, max_entries=64),
                                                    clock=cache.clock)

    @property
    def cache(self) -> DataKeyCache:
        return self._cache

    @property
    def kek_cache(self) -> DataKeyCache:
        return self._kek_cache

    @property
    def store(self) -> DataKeyStore:
        return self._store

    def now(self) -> float:
        return self._clock()

    def current_kek(self, purpose: str) -> ActiveKey:
        """This year's KEK of the purpose: cached, fetched and unwrapped, or made (one KMS call)."""
        kek_id = kek_id_for(self._clock())
        cached = self._kek_cache.lookup(purpose, kek_id)
        if cached is not None:
            return ActiveKey(kek_id, cached)
        stored = self._store.get(purpose, kek_id)
        if stored is None:
            generated = self._provider.generate_data_key(key_context(purpose, kek_id))
            try:
                self._store.put(StoredDataKey(purpose, kek_id, generated.wrapped, generated.wrapping_key_id,
                                              self._now()))
            except Conflict:
                # Another container made it at the same moment: use theirs.
                stored = self._store.get(purpose, kek_id)
            else:
                self._kek_cache.remember(purpose, kek_id, generated.plaintext)
                return ActiveKey(kek_id, generated.plaintext)
        return ActiveKey(kek_id, self._unwrap_kek(purpose, kek_id, stored))

    def kek(self, purpose: str, kek_id: str) -> bytes:
        """A stored KEK's plaintext: cached for 24 h, else one KMS Decrypt."""
        cached = self._kek_cache.lookup(purpose, kek_id)
        if cached is not None:
            return cached
        return self._unwrap_kek(purpose, kek_id, self._store.get(purpose, kek_id))

    def _unwrap_kek(self, purpose: str, kek_id: str, stored: StoredDataKey | None) -> bytes:
        if stored is None:
            raise DecryptError(f"A key of {purpose} names a key-encryption key that does not exist.",
                               code="unknown_data_key")
        material = self._provider.decrypt_data_key(stored.wrapped, stored.wrapping_key_id,
                                                   key_context(purpose, kek_id))
        self._kek_cache.remember(purpose, kek_id, material)
        return material

    def for_sealing(self, purpose: str, uses: int) -> ActiveKey:
        """A format-1 data key good for `uses` more field seals: the cached one, or a new one (one KMS
        call). New writes use scope keys (scoped_keys.py); kept for the tests of the old format."""
        cached = self._cache.checkout(purpose, uses)
        if cached is not None:
            return cached
        key_id = self._make_key_id()
        generated = self._provider.generate_data_key(key_context(purpose, key_id))
        # Stored before any ciphertext names it: a reader can always find the key of what it reads.
        self._store.put(StoredDataKey(purpose, key_id, generated.wrapped, generated.wrapping_key_id, self._now()))
        active = ActiveKey(key_id, generated.plaintext)
        self._cache.install(purpose, active, uses)
        return active

    def for_opening(self, purpose: str, key_id: str) -> bytes:
        """The plaintext of a stored data key: cached, or fetched and unwrapped (one KMS call)."""
        cached = self._cache.lookup(purpose, key_id)
        if cached is not None:
            return cached
        stored = self._store.get(purpose, key_id)
        if stored is None:
            raise DecryptError(f"A protected value of {purpose} names a data key that does not exist.",
                               code="unknown_data_key")
        material = self._provider.decrypt_data_key(stored.wrapped, stored.wrapping_key_id,
                                                   key_context(purpose, key_id))
        self._cache.remember(purpose, key_id, material)
        return material

    def rewrap(self, purpose: str, *, force: bool = False) -> RewrapReport:
        """Re-wrap every data key of `purpose` under the current wrapping key.

        Keys already under it are skipped unless `force` (with KMS automatic rotation the key id does
        not change; forcing re-encrypts under the newest backing key). Field ciphertexts are untouched.
        """
        report = RewrapReport(purpose)
        current = self._provider.current_wrapping_key_id()
        cursor: str | None = None
        while True:
            page = self._store.page(purpose, REWRAP_PAGE, cursor)
            for stored in page.keys:
                report.examined += 1
                if stored.wrapping_key_id == current and not force:
                    report.already_current += 1
                    continue
                try:
                    wrapped, wrapping_key_id = self._provider.rewrap(
                        stored.wrapped, stored.wrapping_key_id, key_context(purpose, stored.key_id)
                    )
                except DecryptError:
                    report.failures.append(stored.key_id)
                    continue
                if self._store.replace_wrapping(stored, wrapped, wrapping_key_id, self._now()):
                    report.rewrapped += 1
                else:
                    report.lost_races += 1
            cursor = page.cursor
            if not cursor:
                return report

    def _now(self) -> str:
        return iso(self._clock())
