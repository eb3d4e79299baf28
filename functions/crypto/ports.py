"""Ports of the encryption capability: who wraps data keys, where wrapped keys are kept, and errors.

A *data key* encrypts fields (AES-256-GCM, see `envelope.py`). A *wrapping key* (a KMS key, or the
local key-encryption key) encrypts data keys; its plaintext never reaches this process when it is
KMS. `context` below is the KMS-style encryption context bound to a wrapped data key: unwrapping
with any other context fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from functions.shared.errors import DomainError


class DecryptError(DomainError):
    """A stored ciphertext or wrapped key does not open: moved, altered, or under an unknown key.

    Never answered with partial or garbled data: the request fails as a server-side integrity error.
    """

    status = 500
    default_code = "decryption_failed"


class KeyUnavailable(DomainError):
    """The key service cannot be reached or refuses the key (disabled, throttled, not configured)."""

    status = 503
    default_code = "key_unavailable"


@dataclass(frozen=True)
class NewDataKey:
    plaintext: bytes
    wrapped: bytes
    wrapping_key_id: str  # the KMS key ARN or local key id that wrapped it


@dataclass(frozen=True)
class StoredDataKey:
    purpose: str  # the data the key encrypts (a table, or tables holding the same data); in its context
    key_id: str
    wrapped: bytes
    wrapping_key_id: str
    created_at: str
    rewrapped_at: str | None = None


class KeyProvider(Protocol):
    def generate_data_key(self, context: Mapping[str, str]) -> NewDataKey:
        """A fresh 256-bit data key, in plaintext and wrapped under the current wrapping key."""
        ...

    def decrypt_data_key(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> bytes:
        """Unwrap; DecryptError if the context or bytes are wrong, KeyUnavailable if the key is."""
        ...

    def rewrap(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> tuple[bytes, str]:
        """The same data key wrapped under the current wrapping key: (wrapped, wrapping key id)."""
        ...

    def current_wrapping_key_id(self) -> str:
        """The id new data keys are wrapped under (what `rewrap` converges to)."""
        ...


@dataclass(frozen=True)
class DataKeyPage:
    keys: list[StoredDataKey]
    cursor: str | None


class DataKeyStore(Protocol):
    def put(self, key: StoredDataKey, *, unless_present: str | None = None) -> None:
        """Store a new wrapped key; never overwrites (Conflict). With `unless_present`, only while the
        partition holds no item of that id (one transaction; Conflict otherwise): a case's tombstone."""
        ...

    def get(self, purpose: str, key_id: str) -> StoredDataKey | None: ...

    def page(self, purpose: str, limit: int, cursor: str | None) -> DataKeyPage:
        """The purpose's keys in id order, one Query page at a time (for re-wrapping)."""
        ...

    def replace_wrapping(self, key: StoredDataKey, wrapped: bytes, wrapping_key_id: str, now: str) -> bool:
        """Swap the wrapped form if it is still `key.wrapped` (False if someone else re-wrapped it)."""
        ...

    def delete(self, purpose: str, key_id: str) -> None:
        """Destroy a key (crypto-shredding a case); nothing happens if it is gone already."""
        ...


class FieldSealer(Protocol):
    """What repositories use for protected fields: values in, per-field ciphertexts out.

    `table` and `record_id` (with each field's name) form the encryption context: a sealed value
    opens only at the table, record and field it was sealed for. `purpose` names the data keys
    used (default: the table); tables holding copies of the same data share one purpose.
    """

    def seal(self, table: str, record_id: str, fields: Mapping[str, object], *,
             purpose: str | None = None, case_id: str | None = None) -> dict[str, bytes]:
        """With `case_id`, under the case's own key (erasable with the case); else under the
        purpose's shared key of the year."""
        ...

    def open(self, table: str, record_id: str, sealed: Mapping[str, bytes], *,
             purpose: str | None = None) -> dict[str, object]: ...


class FieldTagger(Protocol):
    """Equality tags ("blind indexes") for values an index key must group by without showing them."""

    def tag(self, table: str, field: str, value: str, *, case_id: str, purpose: str | None = None) -> str:
        """A short keyed hash of `value` under the case's key of `purpose` (default: the table): equal
        values of one case and field get equal tags; without the key a tag says nothing of its value,
        and erasing the case (its keys) leaves tags nobody can link to anything."""
        ...


class TaggingSealer(FieldSealer, FieldTagger, Protocol):
    """A sealer that also tags (functions/crypto/sealer.py): what an adapter with an index on a
    protected value needs."""
