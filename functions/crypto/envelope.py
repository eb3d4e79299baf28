"""AES-256-GCM for one protected field, bound to where it belongs. Pure: no I/O, no clients.

Why the context lives in the AES-GCM AAD and not (only) in KMS
--------------------------------------------------------------
A data key from KMS `GenerateDataKey` is reused for many fields and many records (the key cache in
`cache.py` exists so that KMS is called a couple of times per thousand writes, not per field). KMS
can only bind a context to the *data key*; it never sees the fields. So the KMS EncryptionContext
binds what is constant for the key's lifetime (application, purpose, data-key id; see
`keyring.py`), and each field binds its own place through the GCM additional authenticated data:
the canonical JSON of `{table, recordId, field}`. A ciphertext copied into another record, another
field or another table therefore fails authentication instead of decrypting to someone else's data.

Ciphertext format (version 1)
-----------------------------
    0x01 | key-id length (1 byte) | key id (ASCII) | nonce (12 bytes) | ciphertext | tag (16 bytes)

The key id names the data key in the data_keys table (its wrapped form lives there once, not in
every field, so re-wrapping after a key rotation never touches field ciphertexts). The header is part
of the AAD too, so it cannot be edited without detection either.

Nonces are 96 random bits from `os.urandom` at call time (never at import: a SnapStart snapshot
would clone them). Random nonces allow about 2^32 messages per key before collisions become a
concern; the cache's max-uses bound keeps every data key far below that.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from functions.crypto.ports import DecryptError

FORMAT_VERSION = 1
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID_BYTES = 64


@dataclass(frozen=True)
class FieldContext:
    """Where a protected value belongs: the AAD of its ciphertext."""

    table: str
    record_id: str
    field: str

    def canonical(self) -> bytes:
        # Sorted keys, no whitespace, ASCII only: the same bytes on every machine and version.
        document = {"field": self.field, "recordId": self.record_id, "table": self.table}
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    def describe(self) -> str:
        """For error messages: names and ids only, never the value."""
        return f"{self.table}/{self.field}"


def _header(key_id: str) -> bytes:
    raw = key_id.encode("ascii")
    if not raw or len(raw) > MAX_KEY_ID_BYTES:
        raise ValueError("data-key ids are 1 to 64 ASCII characters")
    return bytes([FORMAT_VERSION, len(raw)]) + raw


def seal(key_id: str, data_key: bytes, context: FieldContext, plaintext: bytes) -> bytes:
    """Encrypt one field under a data key; the result carries everything but the key itself."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(data_key) != KEY_BYTES:
        raise ValueError("data keys are 256-bit")
    header = _header(key_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(data_key).encrypt(nonce, plaintext, header + context.canonical())


def key_id_of(blob: bytes, context: FieldContext) -> str:
    """The data-key id a ciphertext was made with (to find its key before decrypting)."""
    return _parse(blob, context)[1]


def open_sealed(blob: bytes, data_key: bytes, context: FieldContext) -> bytes:
    """Decrypt one field; DecryptError when the key, the context or any byte is wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header, _key_id, nonce, body = _parse(blob, context)
    if len(data_key) != KEY_BYTES:
        raise DecryptError(f"The data key for {context.describe()} is malformed.")
    try:
        return AESGCM(data_key).decrypt(nonce, body, header + context.canonical())
    except InvalidTag:
        raise DecryptError(
            f"A protected value of {context.describe()} failed authentication (wrong record, field or key, "
            "or altered bytes).",
        ) from None


def _parse(blob: bytes, context: FieldContext) -> tuple[bytes, str, bytes, bytes]:
    if not isinstance(blob, bytes | bytearray) or len(blob) < 2:
        raise DecryptError(
            f"A protected value of {context.describe()} is not a ciphertext.", code="malformed_ciphertext"
        )
    blob = bytes(blob)
    if blob[0] != FORMAT_VERSION:
        raise DecryptError(
            f"A protected value of {context.describe()} has an unknown format version.", code="malformed_ciphertext"
        )
    id_length = blob[1]
    body_start = 2 + id_length + NONCE_BYTES
    if id_length == 0 or len(blob) < body_start + TAG_BYTES:
        raise DecryptError(f"A protected value of {context.describe()} is truncated.", code="malformed_ciphertext")
    try:
        key_id = blob[2 : 2 + id_length].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptError(
            f"A protected value of {context.describe()} names no valid key.", code="malformed_ciphertext"
        ) from None
    return blob[: 2 + id_length], key_id, blob[2 + id_length : body_start], blob[body_start:]
