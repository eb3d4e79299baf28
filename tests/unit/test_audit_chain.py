"""The audit hash chain: appending, and verification that catches altered, removed, reordered entries."""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from functions.audit.chain import (
    GENESIS_HASH,
    Anchor,
    AuditEntry,
    AuditEvent,
    ChainHead,
    Outcome,
    Problem,
    chain_for,
    chain_names,
    entry_hash,
    next_entry,
    verify_chain,
)
from functions.audit.ports import AuditPage, HeadMoved, StagedWriteRejected
from functions.audit.service import (
    APPEND_BUDGET_SECONDS,
    MAX_BACKOFF_SECONDS,
    MIN_ROUND_TRIP_SECONDS,
    AuditTrail,
)
from functions.shared.errors import DependencyUnavailable
from functions.shared.transact import TransactItem


def event(n: int, patient: str = "pat-1") -> AuditEvent:
    return AuditEvent(actor_id=f"dr-{n}", role="doctor", action="record.read", resource_type="record",
                      resource_id=f"dx_{n}", outcome=Outcome.SUCCESS, patient_id=patient, case_id="case_1",
                      request_id=f"req-{n}", source_ip="192.0.2.1")


def build_chain(length: int, chain: str = "c00") -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    head: ChainHead | None = None
    for n in range(length):
        entry = next_entry(chain, head, event(n), f"2026-01-01T00:00:{n:02d}.000000+00:00")
        entries.append(entry)
        head = ChainHead(chain, entry.seq, entry.hash)
    return entries


def head_of(entries: list[AuditEntry]) -> ChainHead:
    return ChainHead(entries[-1].chain, entries[-1].seq, entries[-1].hash)


def test_entries_link_from_the_genesis_hash() -> None:
    entries = build_chain(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    assert all(entry_hash(e) == e.hash for e in entries)


def test_an_intact_chain_verifies() -> None:
    entries = build_chain(5)
    report = verify_chain("c00", entries, head_of(entries))
    assert report.ok and report.entries == 5


def test_an_altered_entry_is_found() -> None:
    entries = build_chain(5)
    entries[2] = dataclasses.replace(entries[2], event=dataclasses.replace(entries[2].event, actor_id="intruder"))
    report = verify_chain("c00", entries, head_of(entries))
    assert (report.first_bad_seq, report.problem) == (3, Problem.ALTERED)


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() -> None:
    entries = build_chain(5)
    forged = dataclasses.replace(entries[1], event=dataclasses.replace(entries[1].event, outcome=Outcome.DENIED))
    entries[1] = dataclasses.replace(forged, hash=entry_hash(forged))
    report = verify_chain("c00", entries, head_of(entries))
    assert (report.first_bad_seq, report.problem) == (3, Problem.BROKEN_LINK)


def test_a_removed_entry_is_found() -> None:
    entries = build_chain(5)
    del entries[2]
    report = verify_chain("c00", entries, head_of(entries))
    assert (report.first_bad_seq, report.problem) == (3, Problem.MISSING)


def test_reordered_entries_are_found() -> None:
    entries = build_chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    report = verify_chain("c00", entries, head_of(entries))
    assert (report.first_bad_seq, report.problem) == (2, Problem.MISSING)


def test_swapped_contents_under_the_same_keys_are_found() -> None:
    entries = build_chain(5)
    second, third = entries[1], entries[2]
    entries[1] = dataclasses.replace(third, seq=2)
    entries[2] = dataclasses.replace(second, seq=3)
    report = verify_chain("c00", entries, head_of(build_chain(5)))
    assert (report.first_bad_seq, report.problem) == (2, Problem.ALTERED)


def test_a_removed_tail_is_found_by_the_head() -> None:
    entries = build_chain(5)
    report = verify_chain("c00", entries[:3], head_of(entries))
    assert (report.first_bad_seq, report.problem) == (4, Problem.HEAD_MISMATCH)


def test_a_head_marker_that_lags_is_only_a_note() -> None:
    entries = build_chain(5)
    report = verify_chain("c00", entries, head_of(entries[:4]))
    assert report.ok and report.notes == ["head marker lags by 1 (an append in flight or interrupted)"]


def test_a_head_marker_naming_a_different_entry_is_found() -> None:
    entries = build_chain(5)
    report = verify_chain("c00", entries, ChainHead("c00", 3, "ff" * 32))
    assert (report.first_bad_seq, report.problem) == (3, Problem.HEAD_MISMATCH)


def test_a_chain_rewritten_consistently_is_found_by_its_anchor() -> None:
    original = build_chain(5)
    anchor = Anchor("2026-01-01T00:10:00+00:00", {"c00": head_of(original)})
    rewritten: list[AuditEntry] = []
    head: ChainHead | None = None
    for n in range(5):
        entry = next_entry("c00", head, event(n + 100), f"2026-01-01T00:00:{n:02d}.000000+00:00")
        rewritten.append(entry)
        head = ChainHead("c00", entry.seq, entry.hash)
    report = verify_chain("c00", rewritten, head_of(rewritten), [anchor])
    assert (report.first_bad_seq, report.problem) == (5, Problem.ANCHOR_MISMATCH)


def test_a_chain_cut_below_its_anchor_is_found() -> None:
    entries = build_chain(5)
    anchor = Anchor("2026-01-01T00:10:00+00:00", {"c00": head_of(entries)})
    report = verify_chain("c00", entries[:3], head_of(entries[:3]), [anchor])
    assert (report.first_bad_seq, report.problem) == (4, Problem.TRUNCATED)


def test_anchor_documents_round_trip() -> None:
    anchor = Anchor("2026-01-01T00:10:00+00:00", {"c01": ChainHead("c01", 7, "ab" * 32)})
    assert Anchor.from_document(anchor.document()).heads == anchor.heads


def test_a_patient_always_lands_on_the_same_chain() -> None:
    assert chain_for("patient-1", 16) == chain_for("patient-1", 16)
    assert len({chain_for(f"patient-{n}", 16) for n in range(400)}) == 16
    assert chain_names(3) == ["c00", "c01", "c02"]
    with pytest.raises(ValueError):
        chain_names(0)


# --- the trail's append protocol, on an in-memory store --------------------------------------------
class MemoryAuditStore:
    """Keeps the store contract: an entry is written only if its seq is free, else HeadMoved."""

    def __init__(self) -> None:
        self.entries_by_chain: dict[str, list[AuditEntry]] = {}
        self.head_items: dict[str, ChainHead] = {}
        self.lock = threading.Lock()
        self.moves_to_fake = 0
        self.reject_staged = False

    def tail(self, chain: str) -> ChainHead | None:
        entries = self.entries_by_chain.get(chain)
        return ChainHead(chain, entries[-1].seq, entries[-1].hash) if entries else None

    def heads(self, chains: Sequence[str]) -> dict[str, ChainHead]:
        return {c: self.head_items[c] for c in chains if c in self.head_items}

    def commit(self, entry: AuditEntry, staged: Sequence[TransactItem] = ()) -> None:
        with self.lock:
            if self.reject_staged and staged:
                raise StagedWriteRejected([item.label for item in staged])
            if self.moves_to_fake:
                self.moves_to_fake -= 1
                raise HeadMoved()
            if any(e.seq == entry.seq for e in self.entries_by_chain.get(entry.chain, [])):
                raise HeadMoved()
            self.entries_by_chain.setdefault(entry.chain, []).append(entry)
            self.head_items[entry.chain] = ChainHead(entry.chain, entry.seq, entry.hash)

    def entries(self, chain: str, after_seq: int = 0) -> Iterator[AuditEntry]:
        yield from (e for e in self.entries_by_chain.get(chain, []) if e.seq > after_seq)

    def for_patient(self, patient_id: str, limit: int, cursor: str | None, only: Any = None) -> AuditPage:
        found = [e for es in self.entries_by_chain.values() for e in es if e.event.patient_id == patient_id]
        return AuditPage(sorted(found, key=lambda e: e.at, reverse=True)[:limit], None)


class MemoryAnchors:
    def __init__(self) -> None:
        self.anchors: list[Anchor] = []

    def put(self, anchor: Anchor) -> str:
        self.anchors.append(anchor)
        return f"anchors/{len(self.anchors)}.json"

    def all(self) -> Iterator[Anchor]:
        yield from self.anchors


class FakeTime:
    """A monotonic clock that only sleeping moves; remembers every pause."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def trail(store: MemoryAuditStore, anchors: MemoryAnchors | None = None, chains: int = 4,
          time: FakeTime | None = None) -> AuditTrail:
    time = time or FakeTime()
    return AuditTrail(store, anchors, chains, clock=lambda: 1_795_680_000.0, sleep=time.sleep,
                      monotonic=time.monotonic)


def test_concurrent_appenders_keep_one_gapless_chain() -> None:
    store = MemoryAuditStore()
    writers = [trail(store, chains=1) for _ in range(4)]  # four processes, each with its own cached head

    def append(writer: AuditTrail, n: int) -> None:
        for k in range(25):
            writer.record(event(n * 100 + k))

    threads = [threading.Thread(target=append, args=(w, n)) for n, w in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    entries = store.entries_by_chain["c00"]
    assert [e.seq for e in entries] == list(range(1, 101))
    assert verify_chain("c00", entries, store.heads(["c00"])["c00"]).ok


def test_append_retries_when_the_head_moved() -> None:
    store = MemoryAuditStore()
    store.moves_to_fake = 3
    entry = trail(store).record(event(1))
    assert entry.seq == 1


def test_a_rejected_staged_write_is_not_retried() -> None:
    store = MemoryAuditStore()
    store.reject_staged = True
    staged = [TransactItem("records.entry", "put", {}, None)]
    with pytest.raises(StagedWriteRejected) as raised:
        trail(store).record(event(1), staged=staged)
    assert raised.value.labels == ("records.entry",) and raised.value.status == 409
    assert not store.entries_by_chain


def test_a_loser_backs_off_in_a_window_that_grows_with_the_contention_it_measured() -> None:
    store = MemoryAuditStore()
    store.moves_to_fake = 9
    time = FakeTime()
    entry = trail(store, time=time).record(event(1))
    assert entry.seq == 1
    # Nine losses, nine pauses, each within the doubling window (5 ms round trip floor), capped.
    assert len(time.pauses) == 9
    windows = [min(MAX_BACKOFF_SECONDS, MIN_ROUND_TRIP_SECONDS * 2 ** min(n, 6)) for n in range(9)]
    assert all(0 <= pause <= window for pause, window in zip(time.pauses, windows, strict=True))


def test_twenty_lost_rounds_no_longer_exhaust_the_append() -> None:
    """8 attempts failed the ninth of nine racers; the budget is time, not attempts (20 losses
    sleep at most 0.635 + 13 x 0.32 = 4.8 s of the 8 s budget)."""
    store = MemoryAuditStore()
    store.moves_to_fake = 20
    time = FakeTime()
    assert trail(store, time=time).record(event(1)).seq == 1
    assert time.now < APPEND_BUDGET_SECONDS


def test_a_busy_chain_gives_up_with_503_and_tells_operations(capsys: pytest.CaptureFixture[str]) -> None:
    store = MemoryAuditStore()
    store.moves_to_fake = 10_000
    time = FakeTime()
    with pytest.raises(DependencyUnavailable) as raised:
        trail(store, time=time).record(event(1))
    assert raised.value.code == "audit_unavailable"
    # It gave up because the time budget ran out, not after a fixed handful of attempts.
    assert APPEND_BUDGET_SECONDS - MAX_BACKOFF_SECONDS <= time.now <= APPEND_BUDGET_SECONDS
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert [m.get("AuditUnavailable") for m in metrics] == [1]


def test_a_written_entry_emits_no_alarm_metric(capsys: pytest.CaptureFixture[str]) -> None:
    trail(MemoryAuditStore()).record(event(1))
    assert "AuditUnavailable" not in capsys.readouterr().out


def test_anchor_and_verify_through_the_trail() -> None:
    store, anchors = MemoryAuditStore(), MemoryAnchors()
    audit = trail(store, anchors)
    for n in range(10):
        audit.record(event(n, patient=f"pat-{n % 3}"))
    anchored = audit.anchor()
    assert sum(h.seq for h in anchored.heads.values()) == 10
    assert audit.verify().ok
    chain, stored = next(iter(store.entries_by_chain.items()))
    stored[0] = dataclasses.replace(stored[0], at="2025-01-01T00:00:00.000000+00:00")
    report = audit.verify()
    assert not report.ok
    bad = next(r for r in report.chains if not r.ok)
    assert (bad.chain, bad.first_bad_seq, bad.problem) == (chain, 1, Problem.ALTERED)


# --- entry MACs ------------------------------------------------------------------------------------------
def _macs(entries: list[AuditEntry], key: bytes = b"k" * 32) -> list[AuditEntry]:
    import hashlib
    import hmac

    return [dataclasses.replace(e, mac=hmac.new(key, e.hash.encode(), hashlib.sha256).hexdigest()) for e in entries]


def _mac_valid(entry: AuditEntry) -> bool:
    return _macs([entry])[0].mac == entry.mac


def test_macs_are_required_after_the_cut_over_and_after_the_first_macd_entry() -> None:
    entries = build_chain(4)  # stamped 2026-01-01T00:00:00..03
    mixed = entries[:2] + _macs(entries[2:])
    report = verify_chain("c00", mixed, head_of(entries), mac_valid=_mac_valid)
    assert report.ok and report.legacy == 2
    late = verify_chain("c00", mixed, head_of(entries), mac_valid=_mac_valid, mac_since="2026-01-01T00:00:01")
    assert (late.first_bad_seq, late.problem) == (2, Problem.UNAUTHENTICATED)
    downgraded = _macs(entries[:2]) + entries[2:]
    report = verify_chain("c00", downgraded, head_of(entries), mac_valid=_mac_valid)
    assert (report.first_bad_seq, report.problem) == (3, Problem.UNAUTHENTICATED)
    forged = _macs(entries, key=b"x" * 32)
    report = verify_chain("c00", forged, head_of(entries), mac_valid=_mac_valid)
    assert (report.first_bad_seq, report.problem) == (1, Problem.UNAUTHENTICATED)
    assert verify_chain("c00", forged, head_of(entries)).ok  # without a key the MACs are not checked
