"""KMS calls of the field encryption over weeks and a year, on a virtual clock (used by bench.encryption).

The production code seals and opens: `DataKeyManager` (functions/crypto/keyring.py: each purpose's
KMS-wrapped key-encryption key, cached KEK_MAX_AGE_SECONDS, 24 h), `ScopedKeys` (scoped_keys.py: the
case keys wrapped under it, cached DATA_KEY_MAX_AGE_SECONDS, 300 s, at most SCOPE_KEY_CACHE_ENTRIES),
`EnvelopeSealer`, and the record repository (`DynamoRecordStore`, whose entry and version items share
the case's `emr` key), against moto's KMS and DynamoDB, with the deployed limits. Only the clock is
virtual: the caches and the key manager are given one that the scenario moves to each write's time,
so 30 days run in seconds. Each Lambda container is its own key manager with its own empty caches.

- 30 days at a clinic's rate: the clinic is open 08:00-18:00 every day; WRITES_PER_DAY record writes a
  day come as case sessions (a doctor writes a note, a diagnosis and a prescription on one case, one
  minute apart), sessions start at random times in opening hours on a random case out of CASES; each
  request lands on one of CONTAINERS warm containers at random (API Gateway spreads them). A write is
  sealed exactly as the repository seals it (`stage_create`: the entry item and its version item);
  the transaction is not committed (DynamoDB writes call no KMS, and moto slows with a full table).
- a case's whole record, cold: 100 entries written over a year (25 visits of 4 entries a minute
  apart, on random days in opening hours, random containers), committed; then a new container
  (empty cache) reads the whole record the way `GET /cases/{id}/records` does (`for_case`, every page).

Alongside, from the same write traces, what other key schemes cost (counted, not run; the format-1
scheme, `purpose_key`, is what ran before per-case keys): see `what_if`.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from functions.crypto.adapters import DynamoDataKeyStore
from functions.crypto.cache import CacheLimits, DataKeyCache
from functions.crypto.keyring import DataKeyManager
from functions.crypto.ports import KeyProvider
from functions.crypto.scoped_keys import ScopedKeys
from functions.crypto.sealer import EnvelopeSealer
from functions.emr.adapters import DynamoRecordStore
from functions.emr.kinds import EntryKind, EntryStatus, VersionAction
from functions.emr.ports import Links, RecordEntry, RecordVersion
from functions.shared.transact import commit

DAYS = 30
WRITES_PER_DAY = 240
CASES = 400
CONTAINERS = 4
SESSION_WRITES = 3
YEAR_VISITS = 25
YEAR_VISIT_WRITES = 4
OPENS_AT_S = 8 * 3600
CLOSES_AT_S = 18 * 3600
DAY_S = 86_400
START = datetime(2026, 1, 5, tzinfo=UTC).timestamp()
KINDS = (EntryKind.NOTE, EntryKind.DIAGNOSIS, EntryKind.PRESCRIPTION)
WHAT_IF_AGES_S = (300, 3600, 28_800, 86_400)


class VirtualClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Limits:
    """The three caches of a container, at the deployed settings."""

    data_keys: CacheLimits  # format-1 data keys (read side only now)
    keks: CacheLimits  # each purpose's key-encryption key
    scopes: CacheLimits  # unwrapped case keys


@dataclass(frozen=True)
class Write:
    at: float
    container: int
    case_id: str
    n: int


def clinic_month(rng: random.Random) -> list[Write]:
    writes: list[Write] = []
    sessions_per_day = WRITES_PER_DAY // SESSION_WRITES
    for day in range(DAYS):
        for _ in range(sessions_per_day):
            start = START + day * DAY_S + rng.uniform(OPENS_AT_S, CLOSES_AT_S - 60 * SESSION_WRITES)
            case_id = f"clinic-case-{rng.randrange(CASES):04d}"
            for k in range(SESSION_WRITES):
                writes.append(Write(start + 60 * k, rng.randrange(CONTAINERS), case_id, len(writes)))
    return sorted(writes, key=lambda w: w.at)


def case_year(rng: random.Random, case_id: str) -> list[Write]:
    writes: list[Write] = []
    for _ in range(YEAR_VISITS):
        start = START + rng.randrange(365) * DAY_S + rng.uniform(OPENS_AT_S, CLOSES_AT_S - 60 * YEAR_VISIT_WRITES)
        for k in range(YEAR_VISIT_WRITES):
            writes.append(Write(start + 60 * k, rng.randrange(CONTAINERS), case_id, len(writes)))
    return sorted(writes, key=lambda w: w.at)


def entry_for(write: Write, contents: dict[EntryKind, dict[str, Any]]) -> RecordEntry:
    kind = KINDS[write.n % len(KINDS)]
    at = datetime.fromtimestamp(write.at, UTC).isoformat(timespec="seconds")
    version = RecordVersion(
        case_id=write.case_id, entry_id=f"note_{write.n:06d}_{int(write.at)}", patient_id="bench-patient",
        kind=kind, version=1, status=EntryStatus.ACTIVE, action=VersionAction.CREATE,
        content=dict(contents[kind]), links=Links(), author_id="bench-doctor", author_role="doctor", at=at,
        changed_fields=tuple(sorted(contents[kind])),
    )
    return RecordEntry(version, at, version.author_id)


class Containers:
    """CONTAINERS record repositories, each on its own key manager and empty caches, one virtual clock."""

    def __init__(self, provider: KeyProvider, limits: Limits, clock: VirtualClock, count: int) -> None:
        self.stores = [self.new_store(provider, limits, clock) for _ in range(count)]

    @staticmethod
    def new_store(provider: KeyProvider, limits: Limits, clock: Callable[[], float]) -> DynamoRecordStore:
        store = DynamoDataKeyStore()
        keys = DataKeyManager(provider, store, DataKeyCache(limits.data_keys, clock=clock), clock=clock,
                              kek_cache=DataKeyCache(limits.keks, clock=clock))
        scoped = ScopedKeys(keys, store, DataKeyCache(limits.scopes, clock=clock))
        return DynamoRecordStore(EnvelopeSealer(keys, scoped))


def cache_misses(writes: list[Write], key_of: Callable[[Write], Hashable], max_age_s: float) -> int:
    """How many times a container must fetch a key, if it caches each key for max_age_s from fetching
    (DataKeyCache's rule: age counts from when the key was made or unwrapped, not from last use)."""
    fetched_at: dict[tuple[int, Hashable], float] = {}
    misses = 0
    for write in writes:
        slot = (write.container, key_of(write))
        at = fetched_at.get(slot)
        if at is None or write.at - at >= max_age_s:
            fetched_at[slot] = write.at
            misses += 1
    return misses


def what_if(month: list[Write], year: list[Write]) -> dict[str, Any]:
    """KMS calls other schemes would make on the same traces (counted, not run).

    - purpose_key (today's scheme, longer DATA_KEY_MAX_AGE_SECONDS): one KMS call per container per
      key age; the cold read unwraps every distinct key the case's entries name.
    - case_key: one KMS-wrapped data key per case: a container unwraps (or first generates) a case's
      key when it has none cached; the cold read unwraps one key.
    - case_key_under_kek: per-case data keys wrapped locally (AES key wrap) under one KMS-wrapped key-
      encryption key per purpose: KMS is called only to unwrap the KEK, once per container per age;
      the cold read unwraps the KEK once. What runs now (format 2), at age 86,400 s.
    """
    per_1000 = 1000 / len(month)
    figures: dict[str, Any] = {}
    for age in WHAT_IF_AGES_S:
        purpose_month = cache_misses(month, lambda w: "emr", age)
        figures[f"age_{age}s"] = {
            "purpose_key": {"kms_calls_per_1000_writes_30d": round(purpose_month * per_1000, 1),
                            "kms_calls_cold_case_read": cache_misses(year, lambda w: "emr", age)},
            "case_key": {"kms_calls_per_1000_writes_30d": round(cache_misses(month, lambda w: w.case_id, age)
                                                                * per_1000, 1),
                         "kms_calls_cold_case_read": 1},
            "case_key_under_kek": {"kms_calls_per_1000_writes_30d": round(purpose_month * per_1000, 1),
                                   "kms_calls_cold_case_read": 1},
        }
    return figures


def run(provider: KeyProvider, limits: Limits, contents: dict[EntryKind, dict[str, Any]],
        count_kms: Callable[[str], Counter[str]]) -> dict[str, Any]:
    """The two scenarios through the production code; `count_kms(phase)` starts counting a phase and
    returns the counter of KMS calls by "phase:operation"."""
    rng = random.Random(17)
    clock = VirtualClock(START)

    month = clinic_month(rng)
    containers = Containers(provider, limits, clock, CONTAINERS)
    calls = count_kms("month")
    for write in month:
        clock.now = write.at
        containers.stores[write.container].stage_create(entry_for(write, contents))
    month_calls = sum(n for name, n in calls.items() if name.startswith("month:"))

    year = case_year(rng, "bench-year-case")
    writers = Containers(provider, limits, clock, CONTAINERS)
    year_calls = count_kms("year_write")
    for write in year:
        clock.now = write.at
        commit(writers.stores[write.container].stage_create(entry_for(write, contents)))
    clock.now = START + 366 * DAY_S
    reader = Containers.new_store(provider, limits, clock)
    calls = count_kms("cold_read")
    entries: list[RecordEntry] = []
    cursor: str | None = None
    while True:
        page = reader.for_case("bench-year-case", None, True, 50, cursor)
        entries.extend(page.entries)
        cursor = page.cursor
        if not cursor:
            break
    if len(entries) != len(year) or any(e.current.content != contents[e.current.kind] for e in entries):
        raise AssertionError("the year's record did not read back as written")
    cold_calls = sum(n for name, n in calls.items() if name.startswith("cold_read:"))
    year_keks = year_calls["year_write:GenerateDataKey"]
    return {
        "kms_calls_per_1000_writes_30d": round(month_calls * 1000 / len(month), 1),
        "kms_calls_cold_case_read": cold_calls,
        "month": {"writes": len(month), "kms_calls": month_calls,
                  "counted_same_trace": cache_misses(month, lambda w: "emr", limits.keks.max_age_seconds)},
        "cold_read": {"entries": len(entries), "kms_calls": cold_calls, "keks_made_while_writing": year_keks},
        "what_if": what_if(month, year),
        "params": {"days": DAYS, "writes_per_day": WRITES_PER_DAY, "hours": "08:00-18:00 every day",
                   "session_writes": SESSION_WRITES, "session_gap_s": 60, "cases": CASES,
                   "containers": CONTAINERS, "year_entries": len(year), "year_visits": YEAR_VISITS,
                   "kek_max_age_s": limits.keks.max_age_seconds, "scope_key_max_age_s": limits.scopes.max_age_seconds,
                   "scope_key_cache_entries": limits.scopes.max_entries,
                   "format_1_max_age_s": limits.data_keys.max_age_seconds},
    }

