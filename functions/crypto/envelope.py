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

Ciphertext formats
------------------
    version | name length (1 byte) | name (ASCII) | nonce (12 bytes) | ciphertext | tag (16 bytes)

- version 1 (written until per-case keys, still opened): the name is a data-key id of the purpose,
  a key made by KMS GenerateDataKey and stored KMS-wrapped in the data_keys table.
- version 2 (every new write): the name is a key *scope*: `c:<caseId>` (the case's key for the
  purpose) or `p:<year>` (the purpose's shared key of that year, for values outside any case). Scope
  keys are made locally and stored wrapped under the purpose's KMS-wrapped key-encryption key
  (`scoped_keys.py` explains why, with the KMS call counts).

The key named lives once in the data_keys table, not in every field, so re-wrapping after a key
rotation never touches field ciphertexts. The header is part of the AAD too, so it cannot be edited
without detection either (a v1 blob relabelled v2 or the reverse fails authentication).

Nonces are 96 random bits from `os.urandom` at call time (never at import: a SnapStart snapshot
would clone them). Random nonces allow about 2^32 messages per key before collisions become a
concern; the cache's max-uses bound keeps every data key far below that.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from functions.crypto.ports import DecryptError

FORMAT_VERSION = 2  # what new seals write
LEGACY_VERSION = 1  # data-key ids, still opened
VERSIONS = frozenset({LEGACY_VERSION, FORMAT_VERSION})
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12
TAG_BYTES = 16
MAX_KEY_ID_BYTES = 64  # version 1 ids
MAX_NAME_BYTES = 200  # version 2 scopes: "c:" and a case id


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


def _header(name: str, version: int) -> bytes:
    raw = name.encode("ascii")
    limit = MAX_KEY_ID_BYTES if version == LEGACY_VERSION else MAX_NAME_BYTES
    if version not in VERSIONS or not raw or len(raw) > limit:
        raise ValueError(f"key names of format {version} are 1 to {limit} ASCII characters")
    return bytes([version, len(raw)]) + raw


def seal(key_name: str, data_key: bytes, context: FieldContext, plaintext: bytes, *,
         version: int = FORMAT_VERSION) -> bytes:
    """Encrypt one field under a key; the result carries everything but the key itself."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if len(data_key) != KEY_BYTES:
        raise ValueError("data keys are 256-bit")
    header = _header(key_name, version)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(data_key).encrypt(nonce, plaintext, header + context.canonical())


def key_of(blob: bytes, context: FieldContext) -> tuple[int, str]:
    """(format version, key name) of a ciphertext: which key to find before decrypting."""
    header, name, _nonce, _body = _parse(blob, context)
    return header[0], name


def key_id_of(blob: bytes, context: FieldContext) -> str:
    """The key name a ciphertext was made with (a data-key id in version 1, a scope in version 2)."""
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
    if blob[0] not in VERSIONS:
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
