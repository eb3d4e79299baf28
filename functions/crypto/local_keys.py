"""Key provider for the embedded local stack: a key-encryption key (KEK) in a file.

moto's KMS makes new key material in every process, so anything wrapped by it is unreadable after
a restart. The local stack therefore wraps data keys with its own 256-bit KEK, kept in a keyring
file in the data folder (`LOCAL_KEY_FILE`, mode 0600): the file and the data_keys table are both
kept across restarts, so the data stay readable.

The keyring holds every KEK ever used; `rotate()` adds a new current one and keeps the old ones,
so old data keys still unwrap and `DataKeyManager.rewrap` can move them to the new KEK.

Never for deployed stages: the settings refuse KEY_PROVIDER=local outside the local stage.

Wrapped data key:  0x01 | nonce (12) | AES-256-GCM(KEK, data key, AAD = context + KEK id) | tag
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from functions.crypto.envelope import KEY_BYTES, NONCE_BYTES
from functions.crypto.ports import DecryptError, KeyUnavailable, NewDataKey

KEYRING_FORMAT = 1
WRAP_VERSION = 1
ID_PREFIX = "local:"


def _aad(context: Mapping[str, str], kek_id: str) -> bytes:
    document = {"context": dict(context), "kek": kek_id}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


class LocalKeyProvider:
    def __init__(self, keyring_path: Path) -> None:
        self._path = keyring_path
        self._lock = threading.Lock()
        self._current: str | None = None
        self._keys: dict[str, bytes] = {}

    @property
    def path(self) -> Path:
        return self._path

    def generate_data_key(self, context: Mapping[str, str]) -> NewDataKey:
        kek_id, kek = self._current_kek()
        plaintext = os.urandom(KEY_BYTES)
        return NewDataKey(plaintext, self._wrap(kek_id, kek, plaintext, context), ID_PREFIX + kek_id)

    def decrypt_data_key(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> bytes:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        kek_id = wrapping_key_id.removeprefix(ID_PREFIX)
        kek = self._kek(kek_id)
        if len(wrapped) < 1 + NONCE_BYTES + KEY_BYTES or wrapped[0] != WRAP_VERSION:
            raise DecryptError("A wrapped data key is malformed.", code="data_key_refused")
        nonce, body = wrapped[1 : 1 + NONCE_BYTES], wrapped[1 + NONCE_BYTES :]
        try:
            return AESGCM(kek).decrypt(nonce, body, _aad(context, kek_id))
        except InvalidTag:
            raise DecryptError("The local key refused to unwrap a data key (wrong context or key).",
                               code="data_key_refused") from None

    def rewrap(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> tuple[bytes, str]:
        plaintext = self.decrypt_data_key(wrapped, wrapping_key_id, context)
        kek_id, kek = self._current_kek()
        return self._wrap(kek_id, kek, plaintext, context), ID_PREFIX + kek_id

    def current_wrapping_key_id(self) -> str:
        return ID_PREFIX + self._current_kek()[0]

    def rotate(self) -> str:
        """Add a new KEK and make it current (old ones stay for unwrapping); returns its id."""
        with self._lock, self._file_lock():
            current, keys = self._read() if self._path.exists() else (None, {})
            kek_id = _new_kek_id()
            keys[kek_id] = os.urandom(KEY_BYTES)
            self._write(kek_id, keys, replace=current is not None)
            self._current, self._keys = kek_id, keys
            return ID_PREFIX + kek_id

    # --- internals --------------------------------------------------------------------------
    def _wrap(self, kek_id: str, kek: bytes, plaintext: bytes, context: Mapping[str, str]) -> bytes:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(NONCE_BYTES)
        return bytes([WRAP_VERSION]) + nonce + AESGCM(kek).encrypt(nonce, plaintext, _aad(context, kek_id))

    def _current_kek(self) -> tuple[str, bytes]:
        with self._lock:
            if self._current is None:
                self._load_or_create()
            assert self._current is not None
            return self._current, self._keys[self._current]

    def _kek(self, kek_id: str) -> bytes:
        with self._lock:
            if kek_id not in self._keys:
                # Another process may have rotated since we read the file.
                self._load_or_create()
            kek = self._keys.get(kek_id)
        if kek is None:
            raise KeyUnavailable("The local keyring does not hold the key a data key was wrapped with.",
                                 code="unknown_wrapping_key")
        return kek

    def _load_or_create(self) -> None:
        if not self._path.exists():
            with self._file_lock():
                if not self._path.exists():
                    kek_id = _new_kek_id()
                    self._write(kek_id, {kek_id: os.urandom(KEY_BYTES)}, replace=False)
        self._current, self._keys = self._read()

    def _read(self) -> tuple[str, dict[str, bytes]]:
        try:
            document = json.loads(self._path.read_text())
            keys = {str(k): base64.b64decode(v) for k, v in document["keys"].items()}
            current = str(document["current"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyUnavailable("The local keyring file cannot be read.", code="keyring_unreadable") from exc
        if document.get("format") != KEYRING_FORMAT or current not in keys or any(
            len(k) != KEY_BYTES for k in keys.values()
        ):
            raise KeyUnavailable("The local keyring file is not a valid keyring.", code="keyring_unreadable")
        return current, keys

    def _write(self, current: str, keys: dict[str, bytes], *, replace: bool) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        document = {
            "format": KEYRING_FORMAT,
            "current": current,
            "keys": {k: base64.b64encode(v).decode() for k, v in sorted(keys.items())},
        }
        temporary = self._path.with_name(f".{self._path.name}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(json.dumps(document, indent=2) + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            if replace:
                os.replace(temporary, self._path)
            else:
                # link() fails if the keyring appeared meanwhile: never overwrite someone's keys.
                with contextlib.suppress(FileExistsError):
                    os.link(temporary, self._path)
        finally:
            if temporary.exists():
                temporary.unlink()

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Across processes: creating or rotating the keyring must never lose a key."""
        import fcntl

        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lock_path = self._path.with_name(self._path.name + ".lock")
        with open(lock_path, "a") as lock_file:
            fcntl.flock(lock_file, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)


def _new_kek_id() -> str:
    return "kek" + secrets.token_hex(6)
