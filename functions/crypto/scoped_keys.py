"""Per-case keys, wrapped locally under one KMS-wrapped key-encryption key per purpose.

Why (the figures of bench.encryption, on a virtual clock through this code)
---------------------------------------------------------------------------
With one KMS data key per purpose made by each container every 5 minutes (format 1), a clinic's
month (7,200 record writes, 4 containers) cost 564 KMS calls per 1,000 writes, and reading one
case's record written over a year (100 entries) cost 65 KMS calls: each entry named a different
data key, each one KMS Decrypt away. Here:

- each purpose has a **key-encryption key** (KEK) per calendar year, `kek<YYYY>`, made by KMS
  GenerateDataKey and stored KMS-wrapped in the data_keys table under (purpose, kek<YYYY>) exactly as
  the format-1 data keys are (same EncryptionContext {app, purpose, dataKeyId}, so `cli rewrap`
  re-wraps KEKs after a KMS key rotation like any data key). Its id is derived from the year, so every
  container finds the same one; a container keeps its plaintext for `kek_max_age_seconds` (24 h):
  one KMS call per container per purpose per day, about 4 x 30 = 120 calls a month, 16.7 per 1,000
  writes at that rate, whatever the number of cases.
- each **case** has one 256-bit key per purpose, made with os.urandom and stored AES-256-GCM-wrapped
  under the KEK current when it was made, in the data_keys table under ("case#<caseId>", purpose),
  the AAD binding {app, purpose, scope, kek}: a wrapped key moved to another case, purpose or KEK
  does not unwrap. Fields of a case name `c:<caseId>`, so a case's whole record opens with its one
  key: one DynamoDB read and at most one KMS call (its KEK) from a cold container.
- values outside any case (a visit's rating) use the purpose's shared key of the year, `p:<YYYY>`,
  stored the same way under ("shared#<purpose>", YYYY).

Erasing a case (crypto-shredding) deletes its keys and leaves a tombstone: every value sealed under
them becomes unreadable wherever it is copied (tables, backups, exports of ciphertext), and no new key
is made for the case afterwards. Containers that cached the key keep it at most
`data_key_max_age_seconds` (5 minutes); DynamoDB point-in-time recovery keeps the deleted key items
for its window (35 days), after which the erasure is final.

AES-GCM with random nonces allows about 2^32 seals per key; a case seals a few thousand values in its
life, a purpose's shared key a few hundred thousand a year, a KEK wraps one key per case and purpose.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass

from functions.crypto.cache import DataKeyCache
from functions.crypto.envelope import KEY_BYTES, NONCE_BYTES
from functions.crypto.keyring import APP_CONTEXT, DataKeyManager
from functions.crypto.ports import DataKeyStore, DecryptError, StoredDataKey
from functions.shared.clock import iso
from functions.shared.errors import Conflict, NotFound

WRAP_VERSION = 1
CASE_PREFIX = "case#"
SHARED_PREFIX = "shared#"
CASE_SCOPE = "c:"
SHARED_SCOPE = "p:"
TOMBSTONE = "erased"  # the key id, in a case's partition, that says its keys were destroyed
ERASE_PAGE = 100


class CaseErased(NotFound):
    """The case's keys were destroyed: nothing of it can be sealed or opened again (answered as a
    case that does not exist)."""


@dataclass(frozen=True)
class ErasureReport:
    case_id: str
    keys_destroyed: int
    purposes: tuple[str, ...]
    at: str


def case_scope(case_id: str) -> str:
    if not case_id or "#" in case_id:
        raise ValueError("a case id is needed for a case's key")
    return CASE_SCOPE + case_id


def _location(purpose: str, scope: str) -> tuple[str, str]:
    """Where a scope's key item lives in the data_keys table: (partition, key id)."""
    if scope.startswith(CASE_SCOPE):
        return CASE_PREFIX + scope.removeprefix(CASE_SCOPE), purpose
    if scope.startswith(SHARED_SCOPE):
        return SHARED_PREFIX + purpose, scope.removeprefix(SHARED_SCOPE)
    raise DecryptError(f"A protected value of {purpose} names an unknown key scope.", code="malformed_ciphertext")


def _aad(purpose: str, scope: str, kek_id: str) -> bytes:
    document = {"app": APP_CONTEXT, "kek": kek_id, "purpose": purpose, "scope": scope}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def wrap(kek: bytes, purpose: str, scope: str, kek_id: str, key: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return bytes([WRAP_VERSION]) + nonce + AESGCM(kek).encrypt(nonce, key, _aad(purpose, scope, kek_id))


def unwrap(kek: bytes, purpose: str, scope: str, kek_id: str, wrapped: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(wrapped) != 1 + NONCE_BYTES + KEY_BYTES + 16 or wrapped[0] != WRAP_VERSION:
        raise DecryptError(f"A wrapped key of {purpose} is malformed.", code="data_key_refused")
    try:
        return AESGCM(kek).decrypt(wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :],
                                   _aad(purpose, scope, kek_id))
    except InvalidTag:
        raise DecryptError(f"A wrapped key of {purpose} does not unwrap where it is stored.",
                           code="data_key_refused") from None


class ScopedKeys:
    """Case keys (and each purpose's shared key of the year) under the purpose's KEK."""

    def __init__(self, keys: DataKeyManager, store: DataKeyStore, cache: DataKeyCache) -> None:
        self._keys = keys  # the KEKs: KMS-wrapped, in the purpose's partition, 24 h cache
        self._store = store
        self._cache = cache  # unwrapped scope keys by (purpose, scope); bounded in age and entries

    @property
    def cache(self) -> DataKeyCache:
        return self._cache

    def scope_for(self, case_id: str | None) -> str:
        return case_scope(case_id) if case_id else SHARED_SCOPE + str(time.gmtime(self._keys.now()).tm_year)

    def for_sealing(self, purpose: str, scope: str) -> bytes:
        """The scope's key, made on the first seal (no KMS call unless the KEK is not cached)."""
        found = self._existing(purpose, scope)
        if found is not None:
            return found
        partition, key_id = _location(purpose, scope)
        kek = self._keys.current_kek(purpose)
        material = os.urandom(KEY_BYTES)
        # A case's key is stored only while the case has no tombstone, in one transaction with that
        # check: an erasure either sees the key when it lists the case's keys, or this write fails.
        # So no function but erase-case ever deletes a key (the REST role has no DeleteItem on it).
        unless = TOMBSTONE if partition.startswith(CASE_PREFIX) else None
        try:
            self._store.put(StoredDataKey(partition, key_id, wrap(kek.material, purpose, scope, kek.key_id, material),
                                          kek.key_id, iso(self._keys.now())), unless_present=unless)
        except Conflict:
            # Another container made the scope's key first (use theirs), or the case was erased.
            theirs = self._existing(purpose, scope)
            if theirs is None:
                raise
            return theirs
        self._cache.remember(purpose, scope, material)
        return material

    def for_opening(self, purpose: str, scope: str) -> bytes:
        found = self._existing(purpose, scope)
        if found is not None:
            return found
        raise DecryptError(f"A protected value of {purpose} names a key that does not exist.",
                           code="unknown_data_key")

    def _existing(self, purpose: str, scope: str) -> bytes | None:
        """The scope's key from the cache or the table; None if it was never made; CaseErased if the
        case's keys were destroyed (what sealing and opening share before either goes on)."""
        cached = self._cache.lookup(purpose, scope)
        if cached is not None:
            return cached
        found = self._load(purpose, scope)
        if found is not None:
            return found
        partition, _key_id = _location(purpose, scope)
        if partition.startswith(CASE_PREFIX) and self._erased(partition):
            raise CaseErased("The case does not exist.")
        return None

    def erase_case(self, case_id: str) -> ErasureReport:
        """Crypto-shred a case: tombstone first (no new key is made for it from now), then destroy
        every key of the case, in every purpose. Idempotent."""
        partition = CASE_PREFIX + case_scope(case_id).removeprefix(CASE_SCOPE)
        now = iso(self._keys.now())
        with contextlib.suppress(Conflict):  # erased before: finish the job in case that run stopped
            self._store.put(StoredDataKey(partition, TOMBSTONE, b"\0", TOMBSTONE, now))
        destroyed: list[str] = []
        cursor: str | None = None
        while True:
            page = self._store.page(partition, ERASE_PAGE, cursor)
            for stored in page.keys:
                if stored.key_id != TOMBSTONE:
                    self._store.delete(partition, stored.key_id)
                    destroyed.append(stored.key_id)
            cursor = page.cursor
            if not cursor:
                break
        self._cache.forget(lambda purpose, scope: scope == CASE_SCOPE + case_id)
        return ErasureReport(case_id, len(destroyed), tuple(sorted(destroyed)), now)

    def _erased(self, partition: str) -> bool:
        return self._store.get(partition, TOMBSTONE) is not None

    def _load(self, purpose: str, scope: str) -> bytes | None:
        partition, key_id = _location(purpose, scope)
        stored = self._store.get(partition, key_id)
        if stored is None:
            return None
        kek = self._keys.kek(purpose, stored.wrapping_key_id)
        material = unwrap(kek, purpose, scope, stored.wrapping_key_id, stored.wrapped)
        self._cache.remember(purpose, scope, material)
        return material
