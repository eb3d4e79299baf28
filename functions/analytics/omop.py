"""The lake's tables: OMOP CDM v5.4 columns where a table applies, two extension tables, and one
deterministic Parquet encoding.

Every table is written per export batch (`<table>/batch=NNNNNN/part-0.parquet`); a row that changes
later (an amended diagnosis, a removed photo) comes again in a later batch under the same id, and the
analyses read the row of the highest batch (`batch` is the Hive partition column). pyarrow is imported
on first use: only the analytics functions load it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

EHR = 32817  # Type concept "EHR"
EHR_PRESCRIPTION = 32838  # Type concept "EHR prescription"

# column name -> Arrow type name; the order is the file's column order.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "person": (
        ("person_id", "int64"), ("gender_concept_id", "int32"), ("year_of_birth", "int32"),
        ("race_concept_id", "int32"), ("ethnicity_concept_id", "int32"), ("gender_source_value", "string"),
    ),
    "observation_period": (
        ("observation_period_id", "int64"), ("person_id", "int64"), ("observation_period_start_date", "date32"),
        ("observation_period_end_date", "date32"), ("period_type_concept_id", "int32"),
    ),
    "visit_occurrence": (
        ("visit_occurrence_id", "int64"), ("person_id", "int64"), ("visit_concept_id", "int32"),
        ("visit_start_date", "date32"), ("visit_end_date", "date32"), ("visit_type_concept_id", "int32"),
        ("visit_source_value", "string"),
    ),
    "condition_occurrence": (
        ("condition_occurrence_id", "int64"), ("person_id", "int64"), ("condition_concept_id", "int32"),
        ("condition_start_date", "date32"), ("condition_type_concept_id", "int32"),
        ("condition_status_source_value", "string"), ("condition_source_value", "string"),
        ("condition_source_concept_id", "int32"),
    ),
    "drug_exposure": (
        ("drug_exposure_id", "int64"), ("person_id", "int64"), ("drug_concept_id", "int32"),
        ("drug_exposure_start_date", "date32"), ("drug_exposure_end_date", "date32"),
        ("drug_type_concept_id", "int32"), ("stop_reason", "string"), ("route_source_value", "string"),
        ("drug_source_value", "string"), ("drug_source_concept_id", "int32"),
    ),
    "measurement": (
        ("measurement_id", "int64"), ("person_id", "int64"), ("measurement_concept_id", "int32"),
        ("measurement_date", "date32"), ("measurement_type_concept_id", "int32"), ("value_as_number", "float64"),
        ("measurement_source_value", "string"), ("measurement_source_concept_id", "int32"),
    ),
    # Extensions (not OMOP): photo cadence without images, and follow-up adherence.
    "photo_series": (
        ("photo_id", "int64"), ("person_id", "int64"), ("photo_date", "date32"), ("body_site", "string"),
        ("removed", "bool"),
    ),
    "followup_adherence": (
        ("followup_id", "int64"), ("person_id", "int64"), ("due_date", "date32"), ("modality", "string"),
        ("status", "string"),
    ),
}

# The id column of each table: what makes a row the same row across batches (and the sort key).
ID_COLUMN: dict[str, str] = {name: columns[0][0] for name, columns in TABLES.items()}


def arrow_schema(table: str) -> Any:
    import pyarrow as pa

    types = {"int64": pa.int64(), "int32": pa.int32(), "date32": pa.date32(), "float64": pa.float64(),
             "string": pa.string(), "bool": pa.bool_()}
    return pa.schema([(name, types[kind]) for name, kind in TABLES[table]])


def parquet_bytes(table: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """One Parquet file of the rows, sorted by id: the same rows always give the same bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    key = ID_COLUMN[table]
    ordered = sorted(rows, key=lambda row: row[key])
    data = pa.Table.from_pylist(ordered, schema=arrow_schema(table))
    sink = io.BytesIO()
    # No statistics timestamps or random ids are written by pyarrow; zstd keeps files small.
    pq.write_table(data, sink, compression="zstd")
    return sink.getvalue()


def object_key(table: str, batch: int) -> str:
    return f"omop/{table}/batch={batch:06d}/part-0.parquet"
