"""The nightly analyses: run each SQL text, apply small-cell suppression, keep the results as the
small reference tables the API reads.

Small cells (fewer than 11 persons, the common minimum of CMS's cell-size suppression policy) keep
no figures at all: not even their count leaves the analysis, so nothing can be subtracted back out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from functions.analytics.engine import ANALYSES, QueryEngine, sql_text
from functions.analytics.ports import ReferenceCell, ReferenceStore
from functions.shared.clock import iso

MIN_CELL = 11
CELL_KEYS: dict[str, tuple[str, ...]] = {
    "outcomes": ("condition_code", "treatment", "instrument", "baseline_band", "week"),
    "adherence": ("condition_code",),
    "response": ("condition_code", "treatment", "instrument"),
}
SIZE_COLUMN = {"outcomes": "n", "adherence": "persons", "response": "n"}


def cell_key(analysis: str, row: dict[str, Any]) -> str:
    parts = []
    for column in CELL_KEYS[analysis]:
        value = row[column]
        parts.append(f"{int(value):02d}" if column == "week" else str(value))
    return "#".join(parts)


def _rounded(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def cells_of(analysis: str, rows: list[dict[str, Any]]) -> list[ReferenceCell]:
    cells = []
    for row in rows:
        labels = {column: (int(row[column]) if column == "week" else row[column]) for column in CELL_KEYS[analysis]}
        if int(row[SIZE_COLUMN[analysis]]) < MIN_CELL:
            figures: dict[str, Any] = {**labels, "suppressed": True}
        else:
            figures = {column: _rounded(value) for column, value in row.items() if value is not None}
            if analysis == "response" and int(row["responders"]) < MIN_CELL:
                figures.pop("median_days_to_response", None)  # a median of fewer than 11 responders
            figures["suppressed"] = False
        cells.append(ReferenceCell(analysis, cell_key(analysis, row), figures))
    return cells


class NightlyAnalyses:
    def __init__(self, engine: QueryEngine, reference: ReferenceStore, clock: Callable[[], float]) -> None:
        self._engine = engine
        self._reference = reference
        self._clock = clock

    def run(self) -> dict[str, int]:
        """Every analysis, its reference table replaced; returns the cells per analysis."""
        computed_at = iso(self._clock())
        counts = {}
        for analysis in ANALYSES:
            cells = cells_of(analysis, self._engine.run(sql_text(analysis)))
            self._reference.replace(analysis, cells, computed_at)
            counts[analysis] = len(cells)
        return counts
