"""Field encryption without AWS: the AES-GCM envelope, the data-key cache and the key manager."""

from __future__ import annotations

import os
from collections.abc import Mapping

import pytest

from functions.crypto import envelope
from functions.crypto.cache import ActiveKey, CacheLimits, DataKeyCache
from functions.crypto.envelope import NONCE_BYTES, FieldContext
from functions.crypto.keyring import DataKeyManager, key_context
from functions.crypto.ports import DataKeyPage, DecryptError, NewDataKey, StoredDataKey
from functions.crypto.scoped_keys import CaseErased
from functions.crypto.sealer import SCOPE_CACHE_ENTRIES, EnvelopeSealer
from functions.shared.errors import Conflict

KEY = bytes(range(32))


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


CONTEXT = FieldContext("records", "case_1/dx_1/v1", "text")


def test_round_trip() -> None:
    blob = envelope.seal("dk1", KEY, CONTEXT, b"Psoriasis vulgaris")
    assert envelope.key_id_of(blob, CONTEXT) == "dk1"
    assert envelope.open_sealed(blob, KEY, CONTEXT) == b"Psoriasis vulgaris"
    assert b"Psoriasis" not in blob


@pytest.mark.parametrize(
    "elsewhere",
    [
        FieldContext("record_versions", "case_1/dx_1/v1", "text"),  # another table
        FieldContext("records", "case_2/dx_1/v1", "text"),  # another case
        FieldContext("records", "case_1/dx_9/v1", "text"),  # another entry
        FieldContext("records", "case_1/dx_1/v2", "text"),  # another version
        FieldContext("records", "case_1/dx_1/v1", "note"),  # another field
    ],
)
def test_a_ciphertext_moved_anywhere_else_fails_to_decrypt(elsewhere: FieldContext) -> None:
    blob = envelope.seal("dk1", KEY, CONTEXT, b"secret")
    with pytest.raises(DecryptError) as raised:
        envelope.open_sealed(blob, KEY, elsewhere)
    assert raised.value.code == "decryption_failed"
    assert "secret" not in raised.value.message


def test_every_flipped_byte_is_detected() -> None:
    blob = envelope.seal("dk1", KEY, CONTEXT, b"calcipotriol")
    for index in range(len(blob)):
        tampered = bytearray(blob)
        tampered[index] ^= 0x01
        with pytest.raises(DecryptError):
            envelope.open_sealed(bytes(tampered), KEY, CONTEXT)


def test_the_wrong_key_fails() -> None:
    blob = envelope.seal("dk1", KEY, CONTEXT, b"x")
    with pytest.raises(DecryptError):
        envelope.open_sealed(blob, os.urandom(32), CONTEXT)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x03\x03dk1" + bytes(40), b"\x01\x00" + bytes(40),
                                  b"\x01\x03dk1" + bytes(10)])
def test_malformed_ciphertexts_are_a_clear_error(blob: bytes) -> None:
    with pytest.raises(DecryptError) as raised:
        envelope.open_sealed(blob, KEY, CONTEXT)
    assert raised.value.code == "malformed_ciphertext"


def test_nonces_are_fresh_for_every_seal() -> None:
    header = len(envelope.seal("dk1", KEY, CONTEXT, b"")) - NONCE_BYTES - envelope.TAG_BYTES
    nonces = {envelope.seal("dk1", KEY, CONTEXT, b"same")[header : header + NONCE_BYTES] for _ in range(20_000)}
    assert len(nonces) == 20_000


def test_context_is_canonical_json() -> None:
    assert CONTEXT.canonical() == b'{"field":"text","recordId":"case_1/dx_1/v1","table":"records"}'


# --- the cache ------------------------------------------------------------------------------------
def test_write_key_is_reused_until_max_uses() -> None:
    cache = DataKeyCache(CacheLimits(max_age_seconds=60, max_uses=10, max_entries=8), clock=Clock(0))
    cache.install("records", ActiveKey("dk1", KEY), uses=4)
    assert cache.checkout("records", 6) == ActiveKey("dk1", KEY)
    assert cache.checkout("records", 1) is None  # 11 > 10: a new key is due
    assert cache.checkout("records", 1) is None  # and the exhausted one is gone


def test_keys_expire_at_max_age_on_both_sides() -> None:
    clock = Clock(100.0)
    cache = DataKeyCache(CacheLimits(max_age_seconds=300, max_uses=1000, max_entries=8), clock=clock)
    cache.install("records", ActiveKey("dk1", KEY))
    clock.advance(299)
    assert cache.checkout("records") is not None
    assert cache.lookup("records", "dk1") == KEY
    clock.advance(1)
    assert cache.checkout("records") is None
    assert cache.lookup("records", "dk1") is None


def test_read_side_keeps_the_most_recently_used_keys() -> None:
    cache = DataKeyCache(CacheLimits(max_age_seconds=60, max_uses=10, max_entries=2), clock=Clock(0))
    cache.remember("records", "a", b"A" * 32)
    cache.remember("records", "b", b"B" * 32)
    assert cache.lookup("records", "a") is not None  # a is now the most recent
    cache.remember("records", "c", b"C" * 32)
    assert cache.lookup("records", "b") is None
    assert cache.lookup("records", "a") is not None and cache.lookup("records", "c") is not None
    assert cache.sizes() == (0, 2)


def test_purposes_do_not_share_write_keys() -> None:
    cache = DataKeyCache(CacheLimits(), clock=Clock(0))
    cache.install("records", ActiveKey("dk1", KEY))
    assert cache.checkout("record_versions") is None
    assert cache.lookup("record_versions", "dk1") is None


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        CacheLimits(max_age_seconds=0)


# --- the key manager with a fake provider ------------------------------------------------------------
class FakeProvider:
    """Wraps by XOR with a per-wrapping-key pad and remembers the context (no crypto needed here)."""

    def __init__(self) -> None:
        self.current = "kek-1"
        self.generated = 0
        self.decrypted = 0
        self.contexts: dict[bytes, dict[str, str]] = {}

    def _pad(self, wrapping_key_id: str) -> bytes:
        return (wrapping_key_id.encode() * 32)[:32]

    def generate_data_key(self, context: Mapping[str, str]) -> NewDataKey:
        self.generated += 1
        plaintext = os.urandom(32)
        wrapped = bytes(a ^ b for a, b in zip(plaintext, self._pad(self.current), strict=True))
        self.contexts[wrapped] = dict(context)
        return NewDataKey(plaintext, wrapped, self.current)

    def decrypt_data_key(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> bytes:
        self.decrypted += 1
        if self.contexts.get(wrapped) != dict(context):
            raise DecryptError("wrong context", code="data_key_refused")
        return bytes(a ^ b for a, b in zip(wrapped, self._pad(wrapping_key_id), strict=True))

    def rewrap(self, wrapped: bytes, wrapping_key_id: str, context: Mapping[str, str]) -> tuple[bytes, str]:
        plaintext = self.decrypt_data_key(wrapped, wrapping_key_id, context)
        rewrapped = bytes(a ^ b for a, b in zip(plaintext, self._pad(self.current), strict=True))
        self.contexts[rewrapped] = dict(context)
        return rewrapped, self.current

    def current_wrapping_key_id(self) -> str:
        return self.current


class MemoryKeyStore:
    def __init__(self) -> None:
        self.keys: dict[tuple[str, str], StoredDataKey] = {}

    def put(self, key: StoredDataKey, *, unless_present: str | None = None) -> None:
        if (key.purpose, key.key_id) in self.keys or (key.purpose, unless_present) in self.keys:
            raise Conflict("exists", code="data_key_exists")
        self.keys[(key.purpose, key.key_id)] = key

    def delete(self, purpose: str, key_id: str) -> None:
        self.keys.pop((purpose, key_id), None)

    def get(self, purpose: str, key_id: str) -> StoredDataKey | None:
        return self.keys.get((purpose, key_id))

    def page(self, purpose: str, limit: int, cursor: str | None) -> DataKeyPage:
        return DataKeyPage([k for (p, _), k in sorted(self.keys.items()) if p == purpose], None)

    def replace_wrapping(self, key: StoredDataKey, wrapped: bytes, wrapping_key_id: str, now: str) -> bool:
        stored = self.keys[(key.purpose, key.key_id)]
        if stored.wrapped != key.wrapped:
            return False
        self.keys[(key.purpose, key.key_id)] = StoredDataKey(key.purpose, key.key_id, wrapped, wrapping_key_id,
                                                             key.created_at, now)
        return True


def manager(provider: FakeProvider, store: MemoryKeyStore, clock: Clock | None = None,
            max_uses: int = 100_000) -> DataKeyManager:
    cache = DataKeyCache(CacheLimits(max_age_seconds=300, max_uses=max_uses, max_entries=64), clock=clock or Clock(0))
    return DataKeyManager(provider, store, cache, clock=Clock(1_795_680_000.0))


def test_a_thousand_records_cost_one_generate_and_no_decrypt() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    sealer = EnvelopeSealer(manager(provider, store))
    sealed = [sealer.seal("records", f"case/e{n}/v1", {"text": f"value {n}", "code": "L40.0"}) for n in range(1000)]
    assert [sealer.open("records", f"case/e{n}/v1", s)["text"] for n, s in enumerate(sealed)][-1] == "value 999"
    assert (provider.generated, provider.decrypted) == (1, 0)
    # The purpose's KEK of the year (KMS-wrapped) and its shared key of the year (wrapped under it).
    assert set(store.keys) == {("records", "kek2026"), ("shared#records", "2026")}


def test_a_new_process_unwraps_the_kek_once_whatever_the_number_of_keys() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    writers = [EnvelopeSealer(manager(provider, store)) for _ in range(3)]
    sealed = [writers[n % 3].seal("records", f"r{n}", {"f": n}, case_id=f"case_{n}") for n in range(30)]
    assert (provider.generated, provider.decrypted) == (1, 2)  # one KEK made, two writers unwrapped it
    reader = EnvelopeSealer(manager(provider, store))
    assert [reader.open("records", f"r{n}", blob)["f"] for n, blob in enumerate(sealed)] == list(range(30))
    # 30 case keys, unwrapped locally: one KMS call for the reader.
    assert provider.decrypted == 3
    assert sum(1 for partition, _ in store.keys if partition.startswith("case#")) == 30


def test_max_uses_rotates_the_format_1_data_key() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    keys = manager(provider, store, max_uses=10)
    for _ in range(10):
        keys.for_sealing("records", uses=2)
    assert provider.generated == 2


def test_the_kek_is_bound_to_its_purpose_and_id_in_kms() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    EnvelopeSealer(manager(provider, store)).seal("records", "r1", {"f": 1}, case_id="case_1")
    assert provider.contexts[store.keys[("records", "kek2026")].wrapped] == key_context("records", "kek2026")
    case_key = store.keys[("case#case_1", "records")]
    assert case_key.wrapping_key_id == "kek2026" and len(case_key.wrapped) == 1 + 12 + 32 + 16


def test_a_case_key_moved_to_another_case_or_purpose_does_not_unwrap() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    sealer = EnvelopeSealer(manager(provider, store))
    sealer.seal("records", "case_1/e1", {"f": 1}, case_id="case_1")
    blob = sealer.seal("records", "case_2/e1", {"f": 2}, case_id="case_2")
    moved = store.keys[("case#case_1", "records")]
    store.keys[("case#case_2", "records")] = StoredDataKey("case#case_2", "records", moved.wrapped, "kek2026", "t")
    with pytest.raises(DecryptError) as raised:
        EnvelopeSealer(manager(provider, store)).open("records", "case_2/e1", blob)
    assert raised.value.code == "data_key_refused"
    store.keys[("case#case_1", "lesions")] = StoredDataKey("case#case_1", "lesions", moved.wrapped, "kek2026", "t")
    store.keys[("lesions", "kek2026")] = store.keys[("records", "kek2026")]
    with pytest.raises(DecryptError):
        EnvelopeSealer(manager(provider, store)).scoped.for_opening("lesions", "c:case_1")


def test_values_sealed_in_format_1_still_open_and_new_ones_use_format_2() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    keys = manager(provider, store)
    legacy = keys.for_sealing("records", uses=1)
    old = envelope.seal(legacy.key_id, legacy.material, FieldContext("records", "case_1/e1", "text"), b'"old words"',
                        version=envelope.LEGACY_VERSION)
    reader = EnvelopeSealer(manager(provider, store))
    assert reader.open("records", "case_1/e1", {"text": old}) == {"text": "old words"}
    new = reader.seal("records", "case_1/e2", {"text": "new words"}, case_id="case_1")["text"]
    assert new[0] == envelope.FORMAT_VERSION == 2 and envelope.key_id_of(new, CONTEXT) == "c:case_1"
    # A format-1 header relabelled 2 (or the reverse) fails: the header is in the AAD.
    with pytest.raises(DecryptError):
        reader.open("records", "case_1/e1", {"text": bytes([2]) + old[1:]})


def test_erasing_a_case_destroys_its_keys_and_nothing_of_it_opens_or_seals_again() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    writer = EnvelopeSealer(manager(provider, store))
    gone = writer.seal("records", "case_1/e1", {"text": "erase me"}, case_id="case_1")
    label = writer.seal("lesions", "case_1/l1", {"label": "left elbow"}, case_id="case_1")
    kept = writer.seal("records", "case_2/e1", {"text": "keep me"}, case_id="case_2")
    report = writer.scoped.erase_case("case_1")
    assert (report.keys_destroyed, report.purposes) == (2, ("lesions", "records"))
    for sealer in (writer, EnvelopeSealer(manager(provider, store))):  # this process, and a cold one
        with pytest.raises(CaseErased):
            sealer.open("records", "case_1/e1", gone)
        with pytest.raises(CaseErased):
            sealer.open("lesions", "case_1/l1", label)
        with pytest.raises(CaseErased):
            sealer.seal("records", "case_1/e2", {"text": "new"}, case_id="case_1")
        assert sealer.open("records", "case_2/e1", kept) == {"text": "keep me"}
    assert not any(key.wrapped and partition == "case#case_1" and key_id != "erased"
                   for (partition, key_id), key in store.keys.items())
    assert writer.scoped.erase_case("case_1").keys_destroyed == 0  # idempotent


def test_a_case_key_made_while_the_case_is_erased_is_destroyed_too() -> None:
    """The erasure writes its tombstone and lists the case's keys while another request makes the
    case's first key: whichever sees the other, no key of the case survives."""
    provider = FakeProvider()

    class ErasedMeanwhile(MemoryKeyStore):
        def put(self, key: StoredDataKey, *, unless_present: str | None = None) -> None:
            if key.purpose == "case#case_1" and key.key_id == "records":
                super().put(StoredDataKey("case#case_1", "erased", b"\0", "erased", "t"))  # the erasure's
            super().put(key, unless_present=unless_present)

    store = ErasedMeanwhile()
    with pytest.raises(CaseErased):
        EnvelopeSealer(manager(provider, store)).seal("records", "case_1/e1", {"text": "x"}, case_id="case_1")
    assert [key_id for partition, key_id in store.keys if partition == "case#case_1"] == ["erased"]


def test_the_scope_key_cache_is_bounded() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    sealer = EnvelopeSealer(manager(provider, store))
    for n in range(SCOPE_CACHE_ENTRIES + 50):
        sealer.seal("records", f"r{n}", {"f": n}, case_id=f"case_{n}")
    assert sealer.scoped.cache.sizes() == (0, SCOPE_CACHE_ENTRIES)


def test_a_missing_data_key_is_a_clear_error() -> None:
    provider = FakeProvider()
    blob = envelope.seal("dkunknown", KEY, FieldContext("records", "r1", "f"), b"1", version=envelope.LEGACY_VERSION)
    with pytest.raises(DecryptError) as raised:
        EnvelopeSealer(manager(provider, MemoryKeyStore())).open("records", "r1", {"f": blob})
    assert raised.value.code == "unknown_data_key"
    scoped = envelope.seal("c:case_9", KEY, FieldContext("records", "r1", "f"), b"1")
    with pytest.raises(DecryptError) as raised:
        EnvelopeSealer(manager(provider, MemoryKeyStore())).open("records", "r1", {"f": scoped})
    assert raised.value.code == "unknown_data_key"


def test_rewrap_moves_keys_to_the_current_wrapping_key_without_touching_fields() -> None:
    provider, store = FakeProvider(), MemoryKeyStore()
    sealed = EnvelopeSealer(manager(provider, store)).seal("records", "r1", {"text": "kept"})
    provider.current = "kek-2"
    report = manager(provider, store).rewrap("records")
    assert (report.examined, report.rewrapped, report.failures) == (1, 1, [])
    # The KEK moved to the new KMS key; the shared key stays wrapped under the KEK (untouched).
    assert {k.wrapping_key_id for (p, _), k in store.keys.items() if p == "records"} == {"kek-2"}
    assert EnvelopeSealer(manager(provider, store)).open("records", "r1", sealed) == {"text": "kept"}
    again = manager(provider, store).rewrap("records")
    assert (again.rewrapped, again.already_current) == (0, 1)
