"""Timeline page cost: the first page of 50 events of a case with 50 events vs one with 10,000.

The timeline is one partition per case, sorted by "<occurredAt>#<eventId>", read newest first with
one Query of Limit=50; the access check is one GetItem. So the work per page should not depend on
the length of the case's history. Measured through TimelineService.page (what the route calls),
against a moto server in its own process (bench/backend.py), items read counted from DynamoDB's own
answers (ScannedCount for Query, one per GetItem) via botocore events on the app's shared client.

Baseline in the same run: the naive read a history-blind design would do (Query the whole partition,
sort, keep 50), on the 10,000-event case.

    python -m bench.timeline            # BENCH_ROUNDS=30 by default
Last line: {"items_read_ratio", "latency_ratio", ...}; targets: items_read_ratio <= 1.0,
latency_ratio <= 1.5.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.backend import seeded_backend
from functions.bootstrap import get_container
from functions.shared.auth import Principal, Role
from functions.shared.dynamo import shared_connection
from functions.shared.settings import get_settings
from functions.timeline.ports import EventType, TimelineEvent

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "30"))
BASELINE_ROUNDS = int(os.environ.get("BENCH_BASELINE_ROUNDS", "1"))
PAGE = 50
SMALL, LARGE = 50, 10_000
TARGETS = {"items_read_ratio": 1.0, "latency_ratio": 1.5}


@dataclass
class Reads:
    requests: int = 0
    items_read: int = 0
    items_returned: int = 0
    operations: Counter[str] = field(default_factory=Counter)


class Meter:
    """Counts DynamoDB work from the answers botocore parses (not from moto's ConsumedCapacity, which
    is a constant per call whatever the item count)."""

    def __init__(self, client: Any) -> None:
        self.current: Reads | None = None
        client.meta.events.register("after-call.dynamodb", self._after)

    def _after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if self.current is None:
            return
        name = model.name
        self.current.requests += 1
        self.current.operations[name] += 1
        if name in ("Query", "Scan"):
            self.current.items_read += int(parsed.get("ScannedCount", 0))
            self.current.items_returned += int(parsed.get("Count", 0))
        elif name == "GetItem":
            self.current.items_read += 1  # a miss is billed too
            self.current.items_returned += 1 if parsed.get("Item") else 0

    def run(self, work: Callable[[], Any]) -> tuple[float, Reads, Any]:
        self.current = Reads()
        started = time.perf_counter()
        try:
            result = work()
        finally:
            elapsed = time.perf_counter() - started
            reads, self.current = self.current, None
        return elapsed, reads, result


def history(case_id: str, count: int, actor: str) -> list[TimelineEvent]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    kinds = (EventType.PHOTO, EventType.SCORE, EventType.VISIT, EventType.NOTE)
    return [
        TimelineEvent(
            case_id=case_id,
            event_id=f"evt{n:06d}",
            type=kinds[n % len(kinds)],
            occurred_at=(start + timedelta(minutes=37 * n)).isoformat(timespec="seconds"),
            actor_id=actor,
            ref_id=f"ref{n:06d}",
            summary={"n": n, "title": "benchmark event"},
        )
        for n in range(count)
    ]


def naive_first_page(client: Any, table: str, case_id: str) -> list[dict[str, Any]]:
    """Baseline: read the whole history, sort in memory, keep the newest 50."""
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="caseId = :c", ExpressionAttributeValues={":c": {"S": case_id}}
    ):
        items += page["Items"]
    items.sort(key=lambda item: str(item["eventKey"]["S"]), reverse=True)
    return items[:PAGE]


def summary(samples: list[float], reads: list[Reads]) -> dict[str, Any]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p90_ms": round(sorted(samples)[max(0, int(len(samples) * 0.9) - 1)] * 1000, 2),
        "items_read": reads[0].items_read,
        "items_returned": reads[0].items_returned,
        "requests": reads[0].requests,
        "operations": dict(sorted(reads[0].operations.items())),
    }


def main() -> int:
    with seeded_backend():
        container = get_container()
        doctor = Principal(user_id="bench-doctor", username="bench.doctor", roles=frozenset({Role.DOCTOR}))
        cases = {SMALL: "case_bench_small_0001", LARGE: "case_bench_large_0001"}
        seeding_started = time.perf_counter()
        for count, case_id in cases.items():
            container.access.open_case(case_id, "bench-patient", [doctor.user_id], granted_by=doctor.user_id)
            container.timeline_store.append_many(history(case_id, count, doctor.user_id))
        seeding_s = time.perf_counter() - seeding_started
        print(f"seeded {SMALL} + {LARGE} events in {seeding_s:.1f} s", file=sys.stderr)

        meter = Meter(shared_connection(get_settings()).client)
        timeline = container.timeline

        def first_page(case_id: str) -> Callable[[], Any]:
            return lambda: timeline.page(doctor, case_id, PAGE, None)

        for case_id in cases.values():  # warm up connections, caches, the JIT-less interpreter's paths
            for _ in range(3):
                meter.run(first_page(case_id))

        samples: dict[int, list[float]] = {SMALL: [], LARGE: []}
        reads: dict[int, list[Reads]] = {SMALL: [], LARGE: []}
        for round_number in range(ROUNDS):
            # Alternate the order so drift (GC, moto state, CPU frequency) hits both arms alike.
            order = (SMALL, LARGE) if round_number % 2 == 0 else (LARGE, SMALL)
            for count in order:
                elapsed, counted, page = meter.run(first_page(cases[count]))
                assert len(page["items"]) == PAGE, len(page["items"])
                assert page["items"][0]["eventId"] == f"evt{count - 1:06d}", "newest first"
                samples[count].append(elapsed)
                reads[count].append(counted)
        assert len({r.items_read for r in reads[SMALL]}) == 1 and len({r.items_read for r in reads[LARGE]}) == 1

        # The baseline gets its own client: moto needs far longer than the app's 5 s read timeout to
        # serve a 10,000-item partition page by page.
        from functions.shared.aws import make_client
        from functions.shared.tables import TIMELINE

        settings = get_settings()
        naive_client = make_client("dynamodb", settings.region, read_timeout=300)
        naive_meter = Meter(naive_client)
        table = settings.table_name(TIMELINE.logical_name)
        baseline_samples: list[float] = []
        baseline_reads: list[Reads] = []
        for _ in range(BASELINE_ROUNDS):
            elapsed, counted, page = naive_meter.run(lambda: naive_first_page(naive_client, table, cases[LARGE]))
            assert page[0]["eventId"]["S"] == f"evt{LARGE - 1:06d}"
            baseline_samples.append(elapsed)
            baseline_reads.append(counted)

    small, large = summary(samples[SMALL], reads[SMALL]), summary(samples[LARGE], reads[LARGE])
    baseline = summary(baseline_samples, baseline_reads)
    result = {
        "benchmark": "timeline_first_page",
        "page_size": PAGE,
        "events": [SMALL, LARGE],
        "rounds": ROUNDS,
        "items_read_ratio": round(large["items_read"] / small["items_read"], 3),
        "latency_ratio": round(large["median_ms"] / small["median_ms"], 3),
        "small_case": small,
        "large_case": large,
        "naive_baseline_large_case": baseline,
        "naive_items_read_ratio": round(baseline["items_read"] / small["items_read"], 1),
        "naive_latency_ratio": round(baseline["median_ms"] / small["median_ms"], 1),
        "targets": TARGETS,
        "seeding_seconds": round(seeding_s, 1),
        "note": "moto's Query walks the whole partition before applying Limit, so moto latency grows a little "
                "with history while items read (what DynamoDB bills and what bounds real latency) do not.",
    }
    result["meets_targets"] = all(result[key] <= limit for key, limit in TARGETS.items())
    print(json.dumps(result, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
