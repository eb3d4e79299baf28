"""Score storage in the scores table (pynamodb): pk caseId, sk "<INSTRUMENT>#<recordedAt>#<scoreId>".

One Query with begins_with on the instrument gives its series in time order; the previous score and
the baseline are each a Query with Limit=1 from either end.

The answers behind a score (`components`, and `details` such as PASI's per-region breakdown) say how
a person's skin and life are: they are sealed with envelope encryption (context {table "scores",
recordId "<caseId>/<scoreId>", field}). The total, its band and the change flags stay readable: they
are what trends and the timeline show. Scores saved before answers were sealed still read.
"""

from __future__ import annotations

import json
from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
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
    total = NumberAttribute()
    band = UnicodeAttribute(null=True)
    # Questionnaire answers mix numbers, nulls and "notRelevant": sealed as JSON, exactly as scored.
    componentsSealed = BinaryAttribute(legacy_encoding=False, null=True)
    detailsSealed = BinaryAttribute(legacy_encoding=False, null=True)
    components = UnicodeAttribute(null=True)  # plaintext JSON, only on scores saved before sealing
    details = UnicodeAttribute(null=True)  # likewise
    flags = UnicodeAttribute(null=True)
    previousScoreId = UnicodeAttribute(null=True)
    previousTotal = NumberAttribute(null=True)
    delta = NumberAttribute(null=True)
    baselineTotal = NumberAttribute(null=True)
    improvementPercent = NumberAttribute(null=True)


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


TABLE = "scores"


def _record_id(case_id: str, score_id: str) -> str:
    return f"{case_id}/{score_id}"


def _answers(item: ScoreModel, sealer: FieldSealer) -> tuple[dict[str, Any], dict[str, Any]]:
    if item.componentsSealed is None:  # saved before answers were sealed
        return json.loads(item.components or "{}"), json.loads(item.details) if item.details else {}
    sealed = {"components": bytes(item.componentsSealed)}
    if item.detailsSealed is not None:
        sealed["details"] = bytes(item.detailsSealed)
    opened = sealer.open(TABLE, _record_id(item.caseId, item.scoreId), sealed)
    return cast(dict[str, Any], opened["components"]), cast(dict[str, Any], opened.get("details") or {})


def _record(item: ScoreModel, sealer: FieldSealer) -> ScoreRecord:
    def number(value: Any) -> float | None:
        return None if value is None else float(value)

    components, details = _answers(item, sealer)
    return ScoreRecord(
        case_id=item.caseId,
        score_id=item.scoreId,
        instrument=item.instrument,
        recorded_at=item.recordedAt,
        recorded_by=item.recordedBy,
        recorder_role=item.recorderRole,
        on_behalf_of_patient=bool(item.onBehalfOfPatient),
        visit_id=item.visitId,
        total=float(item.total),
        band=item.band,
        components=components,
        details=details,
        previous_score_id=item.previousScoreId,
        previous_total=number(item.previousTotal),
        delta=number(item.delta),
        baseline_total=number(item.baselineTotal),
        improvement_percent=number(item.improvementPercent),
        flags=json.loads(item.flags) if item.flags else [],
    )


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
        answers: dict[str, object] = {"components": record.components}
        if record.details:
            answers["details"] = record.details
        sealed = self._sealer.seal(TABLE, _record_id(record.case_id, record.score_id), answers)
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
            total=record.total,
            band=record.band,
            componentsSealed=sealed["components"],
            detailsSealed=sealed.get("details"),
            flags=_dump(record.flags) if record.flags else None,
            previousScoreId=record.previous_score_id,
            previousTotal=record.previous_total,
            delta=record.delta,
            baselineTotal=record.baseline_total,
            improvementPercent=record.improvement_percent,
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
