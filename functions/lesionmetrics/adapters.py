"""Lesion measurements in the lesion_metrics table (pynamodb): pk caseId, sk metricKey.

- `b#<lesionId>`: the lesion's baseline: the photo and the doctor's outline on it;
- `m#<lesionId>#<photoId>`: the measurement of a later photo (photo ids start with the capture time,
  so one Query with begins_with gives a lesion's series in time order).

Outlines and figures (area, redness, their change, the proposed outline) describe a person's skin:
they are sealed with envelope encryption (context {table "lesion_metrics", recordId
"<caseId>/<metricKey>", field}). Whether alignment worked and whether the change is meaningful stay
readable: they are what a worklist flag needs, like a score's flags.
"""

from __future__ import annotations

from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.lesionmetrics.ports import LesionBaseline, LesionMeasurement
from functions.shared.dynamo import decode_cursor, encode_cursor, translate_errors


class LesionMetricModel(Model):
    class Meta:
        table_name = "unbound"

    caseId = UnicodeAttribute(hash_key=True)
    metricKey = UnicodeAttribute(range_key=True)
    lesionId = UnicodeAttribute()
    photoId = UnicodeAttribute()
    baselinePhotoId = UnicodeAttribute(null=True)  # measurements
    at = UnicodeAttribute()  # set (baseline) or measured (measurement)
    setBy = UnicodeAttribute(null=True)  # baselines
    aligned = BooleanAttribute(null=True)
    flagged = BooleanAttribute(null=True)
    sealed = BinaryAttribute(legacy_encoding=False)


TABLE = "lesion_metrics"


def baseline_key(lesion_id: str) -> str:
    return f"b#{lesion_id}"


def measurement_key(lesion_id: str, photo_id: str) -> str:
    return f"m#{lesion_id}#{photo_id}"


def _record_id(case_id: str, item_key: str) -> str:
    return f"{case_id}/{item_key}"


class DynamoMetricsStore:
    def __init__(self, sealer: FieldSealer) -> None:
        self._sealer = sealer

    def _seal(self, case_id: str, item_key: str, name: str, value: object) -> bytes:
        return self._sealer.seal(TABLE, _record_id(case_id, item_key), {name: value})[name]

    def _open(self, item: LesionMetricModel, name: str) -> Any:
        return self._sealer.open(TABLE, _record_id(item.caseId, item.metricKey), {name: bytes(item.sealed)})[name]

    def put_baseline(self, baseline: LesionBaseline) -> None:
        key = baseline_key(baseline.lesion_id)
        with translate_errors():
            LesionMetricModel(caseId=baseline.case_id, metricKey=key, lesionId=baseline.lesion_id,
                              photoId=baseline.photo_id, at=baseline.set_at, setBy=baseline.set_by,
                              sealed=self._seal(baseline.case_id, key, "outline", baseline.outline)).save()

    def baseline(self, case_id: str, lesion_id: str) -> LesionBaseline | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = LesionMetricModel.get(case_id, baseline_key(lesion_id), consistent_read=True)
            except DoesNotExist:
                return None
        return LesionBaseline(item.caseId, item.lesionId, item.photoId,
                              cast(list[list[float]], self._open(item, "outline")), item.setBy or "", item.at)

    def put_measurement(self, measurement: LesionMeasurement) -> None:
        key = measurement_key(measurement.lesion_id, measurement.photo_id)
        with translate_errors(conflict_code="measured_already", conflict_message="That photo was measured already."):
            LesionMetricModel(caseId=measurement.case_id, metricKey=key, lesionId=measurement.lesion_id,
                              photoId=measurement.photo_id, baselinePhotoId=measurement.baseline_photo_id,
                              at=measurement.measured_at, aligned=measurement.aligned, flagged=measurement.flagged,
                              sealed=self._seal(measurement.case_id, key, "figures", measurement.figures),
                              ).save(condition=LesionMetricModel.metricKey.does_not_exist())

    def measurements(self, case_id: str, lesion_id: str, limit: int,
                     cursor: str | None) -> tuple[list[LesionMeasurement], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = LesionMetricModel.query(case_id, LesionMetricModel.metricKey.startswith(f"m#{lesion_id}#"),
                                             limit=limit, page_size=limit, last_evaluated_key=start)
            items = [LesionMeasurement(item.caseId, item.lesionId, item.photoId, item.baselinePhotoId or "",
                                       item.at, bool(item.aligned), bool(item.flagged),
                                       cast(dict[str, Any], self._open(item, "figures"))) for item in result]
            return items, encode_cursor(result.last_evaluated_key)

    def flagged_since(self, case_id: str, since: str) -> list[str]:
        # One Query over the case's measurements, filtered server-side on the two readable attributes;
        # a case has a few measurements per lesion per month, and this runs only for worklist rows.
        with translate_errors():
            found = LesionMetricModel.query(
                case_id, LesionMetricModel.metricKey.startswith("m#"),
                filter_condition=(LesionMetricModel.flagged == True) & (LesionMetricModel.at > since),  # noqa: E712
                attributes_to_get=["lesionId"])
            return sorted({item.lesionId for item in found})


class InProcessMeasurer:
    """The measuring function's entry run in this interpreter (the local stack): the same request and
    answer as the Lambda (handler.py), the photos read from S3 with the caller's client. OpenCV and
    numpy load on the first measurement, never when the app is imported."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3

    def _read(self, bucket: str, key: str) -> bytes:
        body: bytes = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return body

    def measure(self, request: dict[str, Any]) -> dict[str, Any]:
        from functions.lesionmetrics.handler import MeasureError, measure_request

        try:
            return {"ok": True, **measure_request(request, self._read)}
        except MeasureError as error:
            return {"ok": False, "error": {"code": error.code, "message": str(error)}}
