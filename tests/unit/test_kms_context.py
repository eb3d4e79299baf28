"""Every call the code makes on the field key carries the application's encryption context: the key's
policy (infrastructure/storage.py field_key_policy) refuses any call without it."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

from functions.admin.health_probes import key_probe
from functions.crypto.keyring import APP_CONTEXT, DataKeyManager
from functions.crypto.ports import NewDataKey
from infrastructure.storage import FIELD_KEY_CONTEXT


class RecordingProvider:
    def __init__(self) -> None:
        self.contexts: list[dict[str, str]] = []

    def generate_data_key(self, context: Mapping[str, str]) -> NewDataKey:
        self.contexts.append(dict(context))
        return NewDataKey(b"k" * 32, b"wrapped", "arn:aws:kms:eu-west-1:123456789012:key/field")


def test_the_health_probe_asks_for_a_data_key_in_the_apps_context() -> None:
    provider = RecordingProvider()
    key_probe(SimpleNamespace(key_provider=provider))()
    assert [context["app"] for context in provider.contexts] == [APP_CONTEXT]


def test_sealing_asks_for_a_data_key_in_the_apps_context() -> None:
    from functions.crypto.cache import CacheLimits, DataKeyCache

    provider = RecordingProvider()
    stored: list[object] = []
    store = SimpleNamespace(put=stored.append)
    manager = DataKeyManager(provider, store, DataKeyCache(CacheLimits()))  # type: ignore[arg-type]
    manager.for_sealing("cases", uses=1)
    (context,) = provider.contexts
    assert context["app"] == APP_CONTEXT and context["purpose"] == "cases" and context["dataKeyId"]


def test_the_key_policy_condition_names_the_same_context() -> None:
    assert FIELD_KEY_CONTEXT == {"StringEquals": {"kms:EncryptionContext:app": APP_CONTEXT}}
