"""Score storage in the scores table (pynamodb): pk caseId, sk "<INSTRUMENT>#<recordedAt>#<scoreId>".

One Query with begins_with on the instrument gives its series in time order; the previous score and
the baseline are each a Query with Limit=1 from either end.

Everything a score says about a person is sealed with envelope encryption (context {table "scores",
recordId "<caseId>/<scoreId>", field}): the answers (`components`, and `details` such as PASI's
per-region breakdown), and the `result`: total, band, change flags and deltas (for IGA and itch NRS
the total is the whole answer). One sealed `result` rather than one per number: a score costs three
AES-GCM seals at most, all under one cached data key.

What stays readable is what the table's keys and the discussion's reference check need: ids, the
instrument (in the sort key, which orders each series) and the time. No query filters or sorts on a
total: the trend is one Query per instrument in time order, and the worklist and follow-ups read the
flags from the timeline's (sealed) summary after opening them.

Scores stored before sealing hold plaintext (`components`, `details`, `total`, `band`, `flags`, the
deltas): `seal_legacy_page` converts them, and a reader meeting one raises NotMigrated instead of
answering the plaintext.
"""

from __future__ import annotations

import json
from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.migrations.legacy import MigrationPage, convert_page, not_migrated
from functions.scores.ports import ScoreRecord
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors
from functions.shared.errors import ValidationError
from functions.shared.transact import TransactItem, put_item

SCORE_RECORDED_LABEL = "scores.record"


class ScoreModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    scoreKey = UnicodeAttribute(range_key=True)
    scoreId = UnicodeAttribute()
    instrument = UnicodeAttribute()
    recordedAt = UnicodeAttribute()
    recordedBy = UnicodeAttribute()
    recorderRole = UnicodeAttribute()
    onBehalfOfPatient = BooleanAttribute(default=False)
    visitId = UnicodeAttribute(null=True)
    previousScoreId = UnicodeAttribute(null=True)
    # Questionnaire answers mix numbers, nulls and "notRelevant": sealed as JSON, exactly as scored.
    componentsSealed = BinaryAttribute(legacy_encoding=False, null=True)
    detailsSealed = BinaryAttribute(legacy_encoding=False, null=True)
    resultSealed = BinaryAttribute(legacy_encoding=False, null=True)  # total, band, flags, deltas
    # Plaintext, only on scores stored before sealing: read by seal_legacy_page alone, which removes them.
    components = UnicodeAttribute(null=True)
    details = UnicodeAttribute(null=True)
    total = NumberAttribute(null=True)
    band = UnicodeAttribute(null=True)
    flags = UnicodeAttribute(null=True)
    previousTotal = NumberAttribute(null=True)
    delta = NumberAttribute(null=True)
    baselineTotal = NumberAttribute(null=True)
    improvementPercent = NumberAttribute(null=True)


LEGACY_PLAINTEXT = ("components", "details", "total", "band", "flags", "previousTotal", "delta", "baselineTotal",
                    "improvementPercent")


TABLE = "scores"


def _record_id(case_id: str, score_id: str) -> str:
    return f"{case_id}/{score_id}"


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _result(record: ScoreRecord) -> dict[str, Any]:
    return {"total": record.total, "band": record.band, "flags": record.flags,
            "previousTotal": record.previous_total, "delta": record.delta, "baselineTotal": record.baseline_total,
            "improvementPercent": record.improvement_percent}


def _record(item: ScoreModel, sealer: FieldSealer) -> ScoreRecord:
    if item.componentsSealed is None or item.resultSealed is None:
        raise not_migrated(TABLE)
    sealed = {"components": bytes(item.componentsSealed), "result": bytes(item.resultSealed)}
    if item.detailsSealed is not None:
        sealed["details"] = bytes(item.detailsSealed)
    opened = sealer.open(TABLE, _record_id(item.caseId, item.scoreId), sealed)
    result = cast(dict[str, Any], opened["result"])
    return ScoreRecord(
        case_id=item.caseId,
        score_id=item.scoreId,
        instrument=item.instrument,
        recorded_at=item.recordedAt,
        recorded_by=item.recordedBy,
        recorder_role=item.recorderRole,
        on_behalf_of_patient=bool(item.onBehalfOfPatient),
        visit_id=item.visitId,
        total=float(result["total"]),
        band=result.get("band"),
        components=cast(dict[str, Any], opened["components"]),
        details=cast(dict[str, Any], opened.get("details") or {}),
        previous_score_id=item.previousScoreId,
        previous_total=_number(result.get("previousTotal")),
        delta=_number(result.get("delta")),
        baseline_total=_number(result.get("baselineTotal")),
        improvement_percent=_number(result.get("improvementPercent")),
        flags=list(result.get("flags") or []),
    )


def _legacy_values(item: ScoreModel) -> dict[str, object]:
    """The plaintext of a score stored before sealing, as the sealed fields hold it (None: nothing to seal)."""
    values: dict[str, object] = {}
    if item.componentsSealed is None:
        values["components"] = json.loads(item.components or "{}")
        if item.details:
            values["details"] = json.loads(item.details)
    if item.resultSealed is None:
        values["result"] = {
            "total": _number(item.total), "band": item.band, "flags": json.loads(item.flags) if item.flags else [],
            "previousTotal": _number(item.previousTotal), "delta": _number(item.delta),
            "baselineTotal": _number(item.baselineTotal), "improvementPercent": _number(item.improvementPercent),
        }
    return values


def seal_legacy_page(sealer: FieldSealer, cursor: str | None, page_size: int) -> MigrationPage:
    """Seal the plaintext of one Scan page of scores and remove it (see functions/migrations/legacy.py)."""

    def plan(item: ScoreModel) -> tuple[list[Any], Any] | None:
        present = [name for name in LEGACY_PLAINTEXT if getattr(item, name) is not None]
        if not present and item.componentsSealed is not None and item.resultSealed is not None:
            return None
        values = _legacy_values(item)
        sealed = sealer.seal(TABLE, _record_id(item.caseId, item.scoreId), values,
                             case_id=item.caseId) if values else {}
        actions: list[Any] = [getattr(ScoreModel, f"{name}Sealed").set(blob) for name, blob in sealed.items()]
        actions += [getattr(ScoreModel, name).remove() for name in present]
        condition = ScoreModel.scoreKey.exists()
        for name in ("components", "result"):
            if name in sealed:
                condition &= getattr(ScoreModel, f"{name}Sealed").does_not_exist()
        return actions, condition

    return convert_page(ScoreModel, cursor, page_size, plan)


class DynamoScoreStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def put_many(self, records: list[ScoreRecord]) -> None:
        """Batch-write scores (importing a clinic's history: 25 per request, no existence conditions)."""
        with translate_errors(), ScoreModel.batch_write() as batch:
            for record in records:
                batch.save(self._item(record))

    def put(self, record: ScoreRecord) -> None:
        with translate_errors(conflict_code="score_exists", conflict_message="That score was already recorded."):
            self._item(record).save(condition=ScoreModel.scoreKey.does_not_exist())

    def stage_put(self, record: ScoreRecord) -> TransactItem:
        return put_item(SCORE_RECORDED_LABEL, self._item(record), condition=ScoreModel.scoreKey.does_not_exist())

    def _item(self, record: ScoreRecord) -> ScoreModel:
        protected: dict[str, object] = {"components": record.components, "result": _result(record)}
        if record.details:
            protected["details"] = record.details
        sealed = self._sealer.seal(TABLE, _record_id(record.case_id, record.score_id), protected,
                                   case_id=record.case_id)
        return ScoreModel(
            caseId=record.case_id,
            scoreKey=record.score_key,
            scoreId=record.score_id,
            instrument=record.instrument,
            recordedAt=record.recorded_at,
            recordedBy=record.recorded_by,
            recorderRole=record.recorder_role,
            onBehalfOfPatient=record.on_behalf_of_patient,
            visitId=record.visit_id,
            previousScoreId=record.previous_score_id,
            componentsSealed=sealed["components"],
            detailsSealed=sealed.get("details"),
            resultSealed=sealed["result"],
        )

    def _one(self, case_id: str, instrument: str, newest: bool) -> ScoreRecord | None:
        with translate_errors():
            for item in ScoreModel.query(case_id, ScoreModel.scoreKey.startswith(f"{instrument}#"),
                                         scan_index_forward=not newest, limit=1, page_size=1,
                                         consistent_read=True):
                return _record(item, self._sealer)
        return None

    def latest(self, case_id: str, instrument: str) -> ScoreRecord | None:
        return self._one(case_id, instrument, newest=True)

    def first(self, case_id: str, instrument: str) -> ScoreRecord | None:
        return self._one(case_id, instrument, newest=False)

    def series(self, case_id: str, instrument: str | None, limit: int, cursor: str | None,
               newest_first: bool) -> tuple[list[ScoreRecord], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        if start is not None and instrument and not str(start.get("scoreKey", {}).get("S", "")).startswith(
                f"{instrument}#"):
            raise ValidationError("The cursor is not valid.", code="invalid_cursor")
        condition = ScoreModel.scoreKey.startswith(f"{instrument}#") if instrument else None
        with translate_errors():
            result = ScoreModel.query(case_id, condition, scan_index_forward=not newest_first, limit=limit,
                                      page_size=limit, last_evaluated_key=start)
            records = [_record(item, self._sealer) for item in result]
            return records, encode_cursor(result.last_evaluated_key)
