"""The analyses' SQL and the engines that run it: DuckDB over local Parquet files (the embedded
default, and the local stack) and Athena over the Glue tables of the lake (the distributed one).

Each analysis is ONE SQL text (`sql/<name>.sql`) in the subset of SQL both Trino and DuckDB accept;
tests parse every text as both dialects and run it in DuckDB. The texts name the lake's tables
(`measurement`, `condition_occurrence`, ...): Athena resolves them in the Glue database, DuckDB in
views this module creates over the files. duckdb is imported on first use (analytics functions only).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from functions.analytics.omop import TABLES
from functions.shared.errors import DependencyUnavailable

ANALYSES: tuple[str, ...] = ("outcomes", "adherence", "response")
SQL_DIR = Path(__file__).resolve().parent / "sql"


@cache
def sql_text(name: str) -> str:
    if name not in ANALYSES:
        raise KeyError(name)
    return (SQL_DIR / f"{name}.sql").read_text()


class QueryEngine(Protocol):
    def run(self, sql: str) -> list[dict[str, Any]]: ...


_DUCK_TYPES = {"int64": "BIGINT", "int32": "INTEGER", "date32": "DATE", "float64": "DOUBLE", "string": "VARCHAR",
               "bool": "BOOLEAN"}


class DuckDbEngine:
    """DuckDB over `<root>/omop/<table>/batch=NNNNNN/*.parquet` (the lake's layout, mirrored locally)."""

    def __init__(self, root: Path, threads: int | None = None) -> None:
        self._root = root
        self._threads = threads

    def connect(self) -> Any:
        import duckdb

        connection = duckdb.connect(":memory:")
        if self._threads:
            connection.execute(f"SET threads = {int(self._threads)}")
        for table, columns in TABLES.items():
            folder = self._root / "omop" / table
            if any(folder.glob("batch=*/*.parquet")):
                pattern = str(folder / "batch=*" / "*.parquet").replace("'", "''")
                # Table names are the constants above and the path is quoted: nothing comes from a request.
                connection.execute(
                    f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{pattern}', hive_partitioning = true, "  # noqa: S608
                    "hive_types = {'batch': BIGINT})"
                )
            else:  # no batch yet: an empty table of the same shape, so every analysis still runs
                typed = ", ".join(f"CAST(NULL AS {_DUCK_TYPES[kind]}) AS {name}" for name, kind in columns)
                connection.execute(f"CREATE VIEW {table} AS SELECT {typed}, CAST(NULL AS BIGINT) AS batch LIMIT 0")
        return connection

    def run(self, sql: str) -> list[dict[str, Any]]:
        connection = self.connect()
        try:
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            connection.close()


class AthenaEngine:
    """Athena in the stack's workgroup (encrypted results bucket) over the Glue database."""

    def __init__(self, athena: Callable[[], Any], workgroup: str, database: str,
                 sleep: Callable[[float], None] = time.sleep, timeout_seconds: float = 600) -> None:
        self._athena = athena
        self._workgroup = workgroup
        self._database = database
        self._sleep = sleep
        self._timeout = timeout_seconds

    def run(self, sql: str) -> list[dict[str, Any]]:
        client = self._athena()
        started = client.start_query_execution(QueryString=sql, WorkGroup=self._workgroup,
                                               QueryExecutionContext={"Database": self._database})
        query_id = started["QueryExecutionId"]
        waited = 0.0
        while True:
            status = client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            if status["State"] == "SUCCEEDED":
                break
            if status["State"] in ("FAILED", "CANCELLED"):
                raise DependencyUnavailable("An analysis query failed.", code="analysis_failed")
            if waited > self._timeout:
                client.stop_query_execution(QueryExecutionId=query_id)
                raise DependencyUnavailable("An analysis query timed out.", code="analysis_timeout")
            self._sleep(2.0)
            waited += 2.0
        rows: list[dict[str, Any]] = []
        names: list[str] = []
        types: list[str] = []
        for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=query_id):
            meta = page["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
            names, types = [c["Name"] for c in meta], [c["Type"] for c in meta]
            for row in page["ResultSet"]["Rows"]:
                values = [cell.get("VarCharValue") for cell in row["Data"]]
                if values == names:  # the header row
                    continue
                rows.append({name: _typed(value, kind) for name, value, kind in zip(names, values, types,
                                                                                     strict=True)})
        return rows


def _typed(value: str | None, kind: str) -> Any:
    if value is None:
        return None
    if kind in ("bigint", "integer", "smallint", "tinyint"):
        return int(value)
    if kind in ("double", "real", "float", "decimal"):
        return float(value)
    return value


def mirror(lake: Any, root: Path) -> int:
    """Copy the lake's Parquet files that are not here yet into `root` (same keys); returns how many.
    A batch's files never change once its watermark moved on, so a file present is up to date."""
    copied = 0
    for key in lake.keys("omop/"):
        target = root / key
        if target.exists() or not key.endswith(".parquet"):
            continue
        data = lake.get(key)
        if data is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(data)
        partial.replace(target)
        copied += 1
    return copied


class MirroredDuckDb:
    """DuckDB over a local mirror of the lake, brought up to date before each query."""

    def __init__(self, lake: Any, root: Path) -> None:
        self._lake = lake
        self._root = root

    def run(self, sql: str) -> list[dict[str, Any]]:
        mirror(self._lake, self._root)
        return DuckDbEngine(self._root).run(sql)
