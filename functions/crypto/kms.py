"""Key provider on AWS KMS: GenerateDataKey / Decrypt / ReEncrypt with an EncryptionContext.

The data key's plaintext comes back from GenerateDataKey and lives only in memory (in the cache);
its wrapped form is what gets stored. ReEncrypt re-wraps under the current key inside KMS, so a
re-wrap never brings the data key's plaintext into this process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from functions.crypto.envelope import KEY_BYTES
from functions.crypto.ports import DecryptError, KeyUnavailable, NewDataKey
from functions.shared.aws import error_code

# KMS answers these when the ciphertext, its context or the named key do not match: the data are
# not ours to read, not an outage.
_DECRYPT_REFUSALS = frozenset({"InvalidCiphertextException", "IncorrectKeyException"})


class KmsKeyProvider:
    def __init__(self, client_factory: Callable[[], Any], key_id: str) -> None:
        # A factory: boto3 loads only when a protected field is first sealed or opened.
        self._client_factory = client_factory
        self._key_id = key_id
        self._client: Any = None
        self._current: str | None = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client

    def generate_data_key(self, context: Mapping[str, str]) -> NewDataKey:
        if not self._key_id:
            raise KeyUnavailable("No KMS key is configured (KMS_KEY_ID).", code="key_not_configured")
        response = self._call("generate_data_key", KeyId=self._key_id, KeySpec="AES_256",
                              EncryptionContext=dict(context))
        plaintext = bytes(response["Plaintext"])
        if len(plaintext) != KEY_BYTES:
            raise KeyUnavailable("KMS returned a data key of the wrong size.")
        return NewDataKey(plaintext, bytes(response["CiphertextBlob"]), str(response["KeyId"]))

    def decrypt_data_key(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> bytes:
        # Naming the key makes KMS refuse a ciphertext made under any other key.
        response = self._call("decrypt", CiphertextBlob=wrapped, KeyId=wrapping_key_id,
                              EncryptionContext=dict(context))
        return bytes(response["Plaintext"])

    def rewrap(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> tuple[bytes, str]:
        response = self._call("re_encrypt", CiphertextBlob=wrapped, SourceKeyId=wrapping_key_id,
                              SourceEncryptionContext=dict(context), DestinationKeyId=self._key_id,
                              DestinationEncryptionContext=dict(context))
        return bytes(response["CiphertextBlob"]), str(response["KeyId"])

    def current_wrapping_key_id(self) -> str:
        if self._current is None:
            self._current = str(self._call("describe_key", KeyId=self._key_id)["KeyMetadata"]["Arn"])
        return self._current

    def _call(self, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(**kwargs)
        except ClientError as exc:
            if error_code(exc) in _DECRYPT_REFUSALS:
                raise DecryptError("KMS refused to unwrap a data key (wrong context or key).",
                                   code="data_key_refused") from None
            raise KeyUnavailable("The key service is unavailable; try again.") from exc
        except BotoCoreError as exc:
            raise KeyUnavailable("The key service is unavailable; try again.") from exc
