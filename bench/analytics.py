"""Analytics: what an incremental lake export costs as history grows, and DuckDB vs pandas.

1. Export: a run after 1,000 new changes (100 cases x (1 diagnosis entry + 9 scores)) on a timeline
   history of 10,000 changes vs 100,000, all written the same day (the worst case for the day-keyed
   change index). The history was exported before (the watermark stands after it, as the previous
   run left it). DynamoDB items read are counted from DynamoDB's own answers (ScannedCount for a
   Query, one per returned key of a BatchGetItem) on the app's client, against a moto server in its
   own process; seconds are wall time of `LakeExport.run`. Target `export_cost_ratio_100k_vs_10k`
   (items read) <= 1.2.
2. Outcome analysis over 1,000,000 measurement rows (100,000 persons x 10 visits), written as the
   export writes them: the analysis's one SQL text in DuckDB vs the same result with pandas
   (bench/lake_pandas.py) from the same Parquet files, best of BENCH_ROUNDS each; the two results
   are compared. Target `duckdb_vs_pandas` (DuckDB seconds / pandas seconds) <= 0.5.

    python -m bench.analytics
Last line: JSON with both figures, the parameters and `targets_met`.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HISTORIES = (10_000, 100_000)
NEW_CHANGES = 1_000
NEW_CASES = 100
ROWS = int(os.environ.get("BENCH_MEASUREMENT_ROWS", "1000000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGETS = {"export_cost_ratio_100k_vs_10k": 1.2, "duckdb_vs_pandas": 0.5}
DAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


# --- 1. export cost -------------------------------------------------------------------------------
def export_run(history: int) -> dict[str, Any]:
    from bench.backend import moto_backend
    from bench.dynamo_meter import DynamoMeter
    from functions.analytics.ports import ExportState
    from functions.bootstrap import get_container, reset_container
    from functions.cases.ports import CaseRecord
    from functions.emr.kinds import EntryKind, EntryStatus, VersionAction
    from functions.emr.ports import Links, RecordEntry, RecordVersion
    from functions.shared.dynamo import shared_connection
    from functions.shared.settings import get_settings
    from functions.shared.tables import RECORD_VERSIONS, RECORDS
    from functions.timeline.adapters import DynamoTimelineStore
    from functions.timeline.ports import EventType, TimelineEvent

    with moto_backend(seed_demo=False):
        # moto answers a Query on an index by walking the whole table (see FIELD-NOTES): with 100,000
        # items that takes longer than the app's 5 s read timeout. DynamoDB reads only the matched keys
        # (what items_read counts), so only this benchmark waits longer.
        os.environ.update({"LAKE_PSEUDONYM_KEY": secrets.token_hex(32), "LAKE_FIRST_DAY": DAY.date().isoformat(),
                           "DYNAMODB_READ_TIMEOUT_SECONDS": "120"})
        reset_container()
        container = get_container()
        container.timeline_store  # noqa: B018 - binds the timeline model
        written = DAY.timestamp()
        old = [TimelineEvent(case_id=f"old{n % 1000:04d}", event_id=f"h{n:07d}", type=EventType.SCORE,
                             occurred_at="2026-06-01T10:00:00.000Z", actor_id="d", ref_id=f"h{n:07d}",
                             summary={"instrument": "PASI", "total": 10.0}) for n in range(history)]
        DynamoTimelineStore(container.field_sealer, lambda: written).append_many(old)
        export = container.lake_export
        last = f"{DAY.strftime('%Y-%m-%dT%H:%M:%S')}.000Z#~"
        export._save(ExportState(day=DAY.date().isoformat(), after=last, batch=1))  # history: exported before

        later = written + 3600
        events: list[TimelineEvent] = []
        entries: list[RecordEntry] = []
        for number in range(NEW_CASES):
            case_id, patient_id = f"new{number:04d}", f"patient{number:04d}"
            container.case_store.create(CaseRecord(case_id, patient_id, "Psoriasis", "open", "2026-11-30T09:00:00Z",
                                                   "2026-11-30T09:00:00Z"))
            entry_id = f"dx_{number:027d}"
            version = RecordVersion(case_id=case_id, entry_id=entry_id, patient_id=patient_id,
                                    kind=EntryKind.DIAGNOSIS, version=1, status=EntryStatus.ACTIVE,
                                    action=VersionAction.CREATE, content={"code": "L40.0", "text": "x",
                                                                          "clinicalStatus": "active"},
                                    links=Links(), author_id="d", author_role="doctor", at="2026-11-30T09:00:00Z")
            entries.append(RecordEntry(version, "2026-11-30T09:00:00Z", "d"))
            events.append(TimelineEvent(case_id=case_id, event_id=f"{entry_id}-v1", type=EventType.RECORD,
                                        occurred_at="2026-11-30T09:00:00Z", actor_id="d", ref_id=entry_id,
                                        summary={"kind": "diagnosis", "version": 1, "status": "active"}))
            for visit in range(NEW_CHANGES // NEW_CASES - 1):
                events.append(TimelineEvent(case_id=case_id, event_id=f"s{number:04d}{visit}", type=EventType.SCORE,
                                            occurred_at=f"2026-11-{10 + visit:02d}T10:00:00Z", actor_id="d",
                                            ref_id=f"s{number:04d}{visit}",
                                            summary={"instrument": "PASI", "total": 12.0 - visit}))
        container.bind(RECORDS, RECORD_VERSIONS)
        from functions.emr.adapters import DynamoRecordStore

        DynamoRecordStore(container.field_sealer).import_entries(entries)
        DynamoTimelineStore(container.field_sealer, lambda: later).append_many(events)

        meter = DynamoMeter(shared_connection(get_settings()).client)
        export._clock = lambda: later + 1  # the run comes right after the new changes
        with meter.measure() as tally:
            started = time.perf_counter()
            report = export.run(lag_seconds=0)
            seconds = time.perf_counter() - started
        assert report.changes == NEW_CHANGES, report
        return {"history": history, "changes": report.changes, "items_read": tally.items_read,
                "requests": tally.requests, "seconds": round(seconds, 3), "rows": report.rows}


# --- 2. DuckDB vs pandas --------------------------------------------------------------------------
def write_lake(root: Path, rows: int) -> None:
    from functions.analytics.omop import object_key, parquet_bytes

    rng = np.random.default_rng(14)
    persons = rows // 10
    person_ids = np.arange(1, persons + 1, dtype=np.int64)
    codes = np.array(["L40.0", "L20.9", "L70.0", "L80"])[rng.integers(0, 4, persons)]
    instrument_of = {"L40.0": "PASI", "L20.9": "EASI", "L70.0": "IGA", "L80": "DLQI"}
    treatments = np.array(["calcipotriol/betamethasone", "methotrexate", "adalimumab", "dupilumab"])[
        rng.integers(0, 4, persons)]
    start = date(2025, 1, 1)
    starts = np.array([start + timedelta(days=int(d)) for d in rng.integers(0, 365, persons)])
    conditions = [{"condition_occurrence_id": int(p) * 10, "person_id": int(p), "condition_concept_id": 0,
                   "condition_start_date": s, "condition_type_concept_id": 32817,
                   "condition_status_source_value": "active", "condition_source_value": str(c),
                   "condition_source_concept_id": 0} for p, s, c in zip(person_ids, starts, codes, strict=True)]
    drugs = [{"drug_exposure_id": int(p) * 10 + 1, "person_id": int(p), "drug_concept_id": 0,
              "drug_exposure_start_date": s, "drug_exposure_end_date": s + timedelta(days=84),
              "drug_type_concept_id": 32838, "stop_reason": None, "route_source_value": "topical",
              "drug_source_value": str(t), "drug_source_concept_id": 0}
             for p, s, t in zip(person_ids, starts, treatments, strict=True)]
    for table, table_rows in (("condition_occurrence", conditions), ("drug_exposure", drugs)):
        path = root / object_key(table, 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(parquet_bytes(table, table_rows))
    weeks = np.array([0, 4, 8, 12, 16, 20, 24, 32, 40, 52])
    import pyarrow as pa
    import pyarrow.parquet as pq

    from functions.analytics.omop import arrow_schema

    per_file = 10
    chunk = persons // per_file
    for batch in range(per_file):
        ids = np.repeat(person_ids[batch * chunk:(batch + 1) * chunk], 10)
        offsets = np.tile(weeks * 7, chunk) + rng.integers(-5, 6, chunk * 10) * (np.tile(weeks, chunk) > 0)
        epoch_days = [(s - date(1970, 1, 1)).days for s in starts[batch * chunk:(batch + 1) * chunk]]
        base_days = np.repeat(np.array(epoch_days), 10)
        instruments = np.repeat(np.array([instrument_of[c] for c in codes[batch * chunk:(batch + 1) * chunk]]), 10)
        baseline = np.repeat(rng.uniform(4, 30, chunk), 10)
        improvement = np.tile(1 - np.exp(-weeks / 6.0), chunk) * np.repeat(rng.uniform(0.1, 0.95, chunk), 10)
        values = np.round(baseline * (1 - improvement) * rng.normal(1, 0.1, chunk * 10), 1).clip(0, 72)
        table = pa.table({
            "measurement_id": pa.array(ids * 100 + np.tile(np.arange(10), chunk), pa.int64()),
            "person_id": pa.array(ids, pa.int64()),
            "measurement_concept_id": pa.array(np.zeros(chunk * 10, dtype=np.int32)),
            "measurement_date": pa.array((base_days + offsets).astype("int32"), pa.date32()),
            "measurement_type_concept_id": pa.array(np.full(chunk * 10, 32817, dtype=np.int32)),
            "value_as_number": pa.array(values, pa.float64()),
            "measurement_source_value": pa.array(instruments, pa.string()),
            "measurement_source_concept_id": pa.array(np.zeros(chunk * 10, dtype=np.int32)),
        }, schema=arrow_schema("measurement"))
        path = root / object_key("measurement", batch + 1)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path, compression="zstd")


def analysis_race(rows: int) -> dict[str, Any]:
    from bench.lake_pandas import CELL, outcomes
    from functions.analytics.engine import DuckDbEngine, sql_text

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_lake(root, rows)
        duck_times, panda_times = [], []
        duck: list[dict[str, Any]] = []
        expected = pd.DataFrame()
        for _ in range(ROUNDS):
            started = time.perf_counter()
            duck = DuckDbEngine(root).run(sql_text("outcomes"))
            duck_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            expected = outcomes(root)
            panda_times.append(time.perf_counter() - started)
        frame = pd.DataFrame(duck).sort_values(CELL).reset_index(drop=True)
        same = (len(frame) == len(expected) and (frame["n"].values == expected["n"].values).all()
                and np.allclose(frame["median_change_pct"].values, expected["median_change_pct"].values))
        return {"rows": rows, "cells": len(frame), "duckdb_seconds": round(min(duck_times), 3),
                "pandas_seconds": round(min(panda_times), 3), "results_match": bool(same)}


def main() -> None:
    runs = [export_run(history) for history in HISTORIES]
    for run in runs:
        print(json.dumps(run))
    race = analysis_race(ROWS)
    print(json.dumps(race))
    small, large = runs
    figures = {
        "export_cost_ratio_100k_vs_10k": round(large["items_read"] / small["items_read"], 3),
        "export_seconds_ratio_100k_vs_10k": round(large["seconds"] / small["seconds"], 3),
        "export_items_read_10k": small["items_read"], "export_items_read_100k": large["items_read"],
        "export_seconds_10k": small["seconds"], "export_seconds_100k": large["seconds"],
        "duckdb_vs_pandas": round(race["duckdb_seconds"] / race["pandas_seconds"], 3),
        "duckdb_seconds": race["duckdb_seconds"], "pandas_seconds": race["pandas_seconds"],
        "results_match": race["results_match"],
        "parameters": {"histories": list(HISTORIES), "new_changes": NEW_CHANGES, "new_cases": NEW_CASES,
                       "measurement_rows": ROWS, "rounds": ROUNDS},
    }
    figures["targets_met"] = bool(
        figures["export_cost_ratio_100k_vs_10k"] <= TARGETS["export_cost_ratio_100k_vs_10k"]
        and figures["duckdb_vs_pandas"] <= TARGETS["duckdb_vs_pandas"] and race["results_match"])
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
