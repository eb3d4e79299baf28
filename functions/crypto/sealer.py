"""Seal and open a record's protected fields with envelope encryption.

Each value is JSON-encoded (so structured fields such as a duration or a list of goals are one
protected value) and sealed on its own, with the context {table, recordId, field}, under a scope
key (scoped_keys.py): the case's key of the purpose when the caller names the case (`case_id`), else
the purpose's shared key of the year. The purpose defaults to the table; tables that hold copies of
the same data (a record's entry item and its version items) share one, so one key serves both.
Values sealed in format 1 (a purpose data key per container and 5 minutes) still open.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from functions.crypto import envelope
from functions.crypto.cache import CacheLimits, DataKeyCache
from functions.crypto.envelope import FieldContext
from functions.crypto.keyring import DataKeyManager
from functions.crypto.ports import DecryptError
from functions.crypto.scoped_keys import ScopedKeys
from functions.shared.observability import log_warning, put_metrics

# Unwrapped scope keys a container keeps (32 bytes each): the cases its requests touch in
# data_key_max_age_seconds; past it, the least recently used is unwrapped again (a DynamoDB read).
SCOPE_CACHE_ENTRIES = 1024
TAG_KEY_LABEL = b"dermafollow/field-tag/v1"  # derives the tagging key from a scope key


class EnvelopeSealer:
    def __init__(self, keys: DataKeyManager, scoped: ScopedKeys | None = None) -> None:
        self._keys = keys
        self._scoped = scoped or ScopedKeys(keys, keys.store, DataKeyCache(
            CacheLimits(keys.cache.limits.max_age_seconds, keys.cache.limits.max_uses, SCOPE_CACHE_ENTRIES),
            clock=keys.cache.clock))

    @property
    def scoped(self) -> ScopedKeys:
        return self._scoped

    def seal(self, table: str, record_id: str, fields: Mapping[str, object], *,
             purpose: str | None = None, case_id: str | None = None) -> dict[str, bytes]:
        if not fields:
            return {}
        purpose = purpose or table
        scope = self._scoped.scope_for(case_id)
        material = self._scoped.for_sealing(purpose, scope)
        return {
            name: envelope.seal(scope, material, FieldContext(table, record_id, name), _encode(value))
            for name, value in fields.items()
        }

    def open(self, table: str, record_id: str, sealed: Mapping[str, bytes], *,
             purpose: str | None = None) -> dict[str, object]:
        purpose = purpose or table
        opened: dict[str, object] = {}
        for name, blob in sealed.items():
            context = FieldContext(table, record_id, name)
            try:
                version, key_name = envelope.key_of(blob, context)
                if version == envelope.LEGACY_VERSION:
                    material = self._keys.for_opening(purpose, key_name)
                else:
                    material = self._scoped.for_opening(purpose, key_name)
                opened[name] = _decode(envelope.open_sealed(blob, material, context), context)
            except DecryptError as error:
                # A value that does not open where it is stored was moved or altered: worth an alarm.
                log_warning("protected field did not open", code=error.code, reason=context.describe())
                put_metrics({"DecryptFailures": 1})
                raise
        return opened


    def tag(self, table: str, field: str, value: str, *, case_id: str, purpose: str | None = None) -> str:
        # HMAC-SHA256 under a key derived from the case's key (never the key itself, which seals),
        # over the field's place and the value; 128 bits are kept: no collision among a case's values.
        purpose = purpose or table
        material = self._scoped.for_sealing(purpose, self._scoped.scope_for(case_id))
        derived = hmac.new(material, TAG_KEY_LABEL, hashlib.sha256).digest()
        message = json.dumps([table, field, value], separators=(",", ":"), ensure_ascii=True).encode()
        digest = hmac.new(derived, message, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _encode(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(raw: bytes, context: FieldContext) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        # Authenticated bytes that are not JSON mean a writer bug, not tampering; still never garbage.
        raise DecryptError(f"A protected value of {context.describe()} is not readable.",
                           code="malformed_plaintext") from None
