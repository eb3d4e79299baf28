"""Key providers: the KMS adapter against moto (EncryptionContext enforced) and the local key file."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from functions.crypto.adapters import DataKeyModel, DynamoDataKeyStore
from functions.crypto.cache import CacheLimits, DataKeyCache
from functions.crypto.keyring import DataKeyManager, key_context
from functions.crypto.kms import KmsKeyProvider
from functions.crypto.local_keys import LocalKeyProvider
from functions.crypto.ports import DecryptError, KeyUnavailable
from functions.crypto.sealer import EnvelopeSealer
from functions.shared.dynamo import bind_model, forget_connections
from functions.shared.settings import Settings
from functions.shared.tables import DATA_KEYS

REGION = "eu-west-1"
CONTEXT = key_context("records", "dk-test")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    forget_connections()
    with mock_aws():
        yield
    forget_connections()


def kms_client() -> Any:
    return boto3.client("kms", region_name=REGION)


def new_key(alias: str | None = None) -> str:
    kms = kms_client()
    arn = str(kms.create_key(Description="test")["KeyMetadata"]["Arn"])
    if alias:
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
    return arn


def test_kms_wraps_under_the_context_and_unwraps_only_with_it(aws: None) -> None:
    arn = new_key("alias/dermafollow-test")
    provider = KmsKeyProvider(kms_client, "alias/dermafollow-test")
    generated = provider.generate_data_key(CONTEXT)
    assert len(generated.plaintext) == 32 and generated.wrapping_key_id == arn
    assert provider.decrypt_data_key(generated.wrapped, arn, CONTEXT) == generated.plaintext
    assert provider.current_wrapping_key_id() == arn


@pytest.mark.parametrize(
    "misused",
    [
        key_context("record_versions", "dk-test"),  # another table
        key_context("records", "dk-other"),  # another data-key row
        {},  # no context at all
    ],
)
def test_kms_refuses_a_wrapped_key_under_another_context(aws: None, misused: dict[str, str]) -> None:
    arn = new_key("alias/dermafollow-test")
    provider = KmsKeyProvider(kms_client, "alias/dermafollow-test")
    generated = provider.generate_data_key(CONTEXT)
    with pytest.raises(DecryptError) as raised:
        provider.decrypt_data_key(generated.wrapped, arn, misused)
    assert raised.value.code == "data_key_refused"


def test_kms_refuses_a_wrapped_key_named_under_another_key(aws: None) -> None:
    new_key("alias/dermafollow-test")
    other = new_key()
    provider = KmsKeyProvider(kms_client, "alias/dermafollow-test")
    generated = provider.generate_data_key(CONTEXT)
    # KMS answers IncorrectKeyException (-> DecryptError); moto answers AccessDeniedException
    # (-> KeyUnavailable). Either way nothing is unwrapped.
    with pytest.raises((DecryptError, KeyUnavailable)):
        provider.decrypt_data_key(generated.wrapped, other, CONTEXT)


def test_kms_outage_is_key_unavailable_not_a_decrypt_error(aws: None) -> None:
    provider = KmsKeyProvider(kms_client, "alias/does-not-exist")
    with pytest.raises(KeyUnavailable):
        provider.generate_data_key(CONTEXT)
    with pytest.raises(KeyUnavailable) as raised:
        KmsKeyProvider(kms_client, "").generate_data_key(CONTEXT)
    assert raised.value.code == "key_not_configured"


def test_kms_rotation_to_a_new_key_rewraps_stored_data_keys_and_fields_stay_readable(aws: None) -> None:
    """Old records stay readable before the re-wrap, and afterwards without the old key being named."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(**DATA_KEYS.create_table_kwargs(f"dermafollow-test-{DATA_KEYS.logical_name}"))
    settings = Settings.from_environ()
    settings = Settings(**{**settings.__dict__, "table_prefix": "dermafollow-test-"})
    bind_model(DataKeyModel, DATA_KEYS, settings)
    old = new_key("alias/dermafollow-test")
    store = DynamoDataKeyStore()

    def manager() -> DataKeyManager:
        provider = KmsKeyProvider(kms_client, "alias/dermafollow-test")
        return DataKeyManager(provider, store, DataKeyCache(CacheLimits()))

    sealed = EnvelopeSealer(manager()).seal("records", "case/dx/v1", {"text": "Psoriasis vulgaris"})
    new = new_key()
    kms_client().update_alias(AliasName="alias/dermafollow-test", TargetKeyId=new)
    assert EnvelopeSealer(manager()).open("records", "case/dx/v1", sealed) == {"text": "Psoriasis vulgaris"}

    report = manager().rewrap("records")
    assert (report.examined, report.rewrapped, report.failures) == (1, 1, [])
    (stored,) = store.page("records", 10, None).keys
    assert stored.wrapping_key_id == new != old and stored.rewrapped_at
    assert EnvelopeSealer(manager()).open("records", "case/dx/v1", sealed) == {"text": "Psoriasis vulgaris"}
    assert manager().rewrap("records").already_current == 1


# --- the local key provider --------------------------------------------------------------------------
def test_local_keyring_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "local-kek.json"
    before = LocalKeyProvider(path)
    generated = before.generate_data_key(CONTEXT)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    after = LocalKeyProvider(path)  # a new process reading the same file
    assert after.decrypt_data_key(generated.wrapped, generated.wrapping_key_id, CONTEXT) == generated.plaintext
    assert after.current_wrapping_key_id() == before.current_wrapping_key_id() == generated.wrapping_key_id


def test_local_provider_refuses_another_context(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "kek.json")
    generated = provider.generate_data_key(CONTEXT)
    with pytest.raises(DecryptError):
        provider.decrypt_data_key(generated.wrapped, generated.wrapping_key_id, key_context("records", "dk-2"))


def test_local_rotation_keeps_old_keys_and_rewrap_moves_to_the_new_one(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    provider = LocalKeyProvider(path)
    generated = provider.generate_data_key(CONTEXT)
    new_id = provider.rotate()
    assert new_id != generated.wrapping_key_id
    reader = LocalKeyProvider(path)
    assert reader.decrypt_data_key(generated.wrapped, generated.wrapping_key_id, CONTEXT) == generated.plaintext
    wrapped, wrapping_key_id = reader.rewrap(generated.wrapped, generated.wrapping_key_id, CONTEXT)
    assert wrapping_key_id == new_id
    assert LocalKeyProvider(path).decrypt_data_key(wrapped, wrapping_key_id, CONTEXT) == generated.plaintext


def test_an_unreadable_keyring_is_key_unavailable(tmp_path: Path) -> None:
    path = tmp_path / "kek.json"
    path.write_text("{not json")
    with pytest.raises(KeyUnavailable) as raised:
        LocalKeyProvider(path).generate_data_key(CONTEXT)
    assert raised.value.code == "keyring_unreadable"


def test_a_key_missing_from_the_keyring_is_key_unavailable(tmp_path: Path) -> None:
    provider = LocalKeyProvider(tmp_path / "kek.json")
    generated = provider.generate_data_key(CONTEXT)
    with pytest.raises(KeyUnavailable):
        LocalKeyProvider(tmp_path / "other.json").decrypt_data_key(generated.wrapped, generated.wrapping_key_id,
                                                                   CONTEXT)


@pytest.mark.parametrize("stage", ["dev", "prod", "staging", "demo"])
def test_every_stage_but_local_refuses_the_local_key_file(stage: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.bootstrap import Container

    monkeypatch.setenv("STAGE", stage)
    monkeypatch.setenv("KEY_PROVIDER", "local")
    monkeypatch.setenv("LOCAL_KEY_FILE", str(tmp_path / "kek.json"))
    with pytest.raises(KeyUnavailable) as raised:
        _ = Container(Settings.from_environ()).key_provider
    assert raised.value.code == "key_not_configured"
