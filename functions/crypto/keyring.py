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

from functions.crypto.cache import ActiveKey, DataKeyCache
from functions.crypto.ports import DataKeyStore, DecryptError, KeyProvider, StoredDataKey
from functions.shared.clock import Clock, iso

APP_CONTEXT = "dermafollow"
REWRAP_PAGE = 100


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


class DataKeyManager:
    def __init__(self, provider: KeyProvider, store: DataKeyStore, cache: DataKeyCache,
                 clock: Clock = time.time, make_key_id: Callable[[], str] = new_key_id) -> None:
        self._provider = provider
        self._store = store
        self._cache = cache
        self._clock = clock
        self._make_key_id = make_key_id

    @property
    def cache(self) -> DataKeyCache:
        return self._cache

    def for_sealing(self, purpose: str, uses: int) -> ActiveKey:
        """A data key good for `uses` more field seals: the cached one, or a new one (one KMS call)."""
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
