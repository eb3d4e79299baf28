"""Seal and open a record's protected fields with envelope encryption.

Each value is JSON-encoded (so structured fields such as a duration or a list of goals are one
protected value) and sealed on its own, under the purpose's current data key, with the context
{table, recordId, field}. The purpose defaults to the table; tables that hold copies of the same
data (a record's entry item and its version items) share one, so one data key serves both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from functions.crypto import envelope
from functions.crypto.envelope import FieldContext
from functions.crypto.keyring import DataKeyManager
from functions.crypto.ports import DecryptError
from functions.shared.observability import log_warning, put_metrics


class EnvelopeSealer:
    def __init__(self, keys: DataKeyManager) -> None:
        self._keys = keys

    def seal(self, table: str, record_id: str, fields: Mapping[str, object], *,
             purpose: str | None = None) -> dict[str, bytes]:
        if not fields:
            return {}
        key = self._keys.for_sealing(purpose or table, uses=len(fields))
        return {
            name: envelope.seal(key.key_id, key.material, FieldContext(table, record_id, name), _encode(value))
            for name, value in fields.items()
        }

    def open(self, table: str, record_id: str, sealed: Mapping[str, bytes], *,
             purpose: str | None = None) -> dict[str, object]:
        opened: dict[str, object] = {}
        for name, blob in sealed.items():
            context = FieldContext(table, record_id, name)
            try:
                material = self._keys.for_opening(purpose or table, envelope.key_id_of(blob, context))
                opened[name] = _decode(envelope.open_sealed(blob, material, context), context)
            except DecryptError as error:
                # A value that does not open where it is stored was moved or altered: worth an alarm.
                log_warning("protected field did not open", code=error.code, reason=context.describe())
                put_metrics({"DecryptFailures": 1})
                raise
        return opened


def _encode(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def _decode(raw: bytes, context: FieldContext) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        # Authenticated bytes that are not JSON mean a writer bug, not tampering; still never garbage.
        raise DecryptError(f"A protected value of {context.describe()} is not readable.",
                           code="malformed_plaintext") from None
