"""Lesion measurements in the lesion_metrics table (pynamodb): pk caseId, sk metricKey.

- `b#<lesionId>`: the lesion's baseline: the photo and the doctor's outline on it;
- `m#<lesionId>#<photoId>`: the measurement of another photo of the lesion (photo ids start with the
  capture time, so one Query with begins_with gives a lesion's series in time order);
- `o#<lesionId>#<photoId>`: a doctor's accepted (confirmed or corrected) outline of that photo, kept
  apart from the measurement so that a re-measurement never loses it.

Outlines and figures (area, redness, their change, the proposed outline) describe a person's skin:
they are sealed with envelope encryption (context {table "lesion_metrics", recordId
"<caseId>/<metricKey>", field}). Whether alignment worked and whether the change is meaningful stay
readable: they are what a worklist flag needs, like a score's flags.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from pynamodb.attributes import BinaryAttribute, BooleanAttribute, UnicodeAttribute
from pynamodb.models import Model

from functions.crypto.ports import FieldSealer
from functions.lesionmetrics.ports import AcceptedOutline, LesionBaseline, LesionMeasurement, OutlineSource
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
    baselineSetAt = UnicodeAttribute(null=True)  # measurements and accepted outlines
    outlineSource = UnicodeAttribute(null=True)  # measurements ("proposed", ...) and accepted outlines
    outlineBy = UnicodeAttribute(null=True)
    outlineAt = UnicodeAttribute(null=True)
    sealed = BinaryAttribute(legacy_encoding=False)


TABLE = "lesion_metrics"

log = logging.getLogger(__name__)


def baseline_key(lesion_id: str) -> str:
    return f"b#{lesion_id}"


def measurement_key(lesion_id: str, photo_id: str) -> str:
    return f"m#{lesion_id}#{photo_id}"


def outline_key(lesion_id: str, photo_id: str) -> str:
    return f"o#{lesion_id}#{photo_id}"


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
        with translate_errors():
            LesionMetricModel(caseId=measurement.case_id, metricKey=key, lesionId=measurement.lesion_id,
                              photoId=measurement.photo_id, baselinePhotoId=measurement.baseline_photo_id,
                              at=measurement.measured_at, aligned=measurement.aligned, flagged=measurement.flagged,
                              baselineSetAt=measurement.baseline_set_at or None,
                              outlineSource=measurement.outline_source, outlineBy=measurement.outline_by,
                              outlineAt=measurement.outline_at,
                              sealed=self._seal(measurement.case_id, key, "figures", measurement.figures)).save()

    def _measurement_of(self, item: LesionMetricModel) -> LesionMeasurement:
        return LesionMeasurement(item.caseId, item.lesionId, item.photoId, item.baselinePhotoId or "", item.at,
                                 bool(item.aligned), bool(item.flagged),
                                 cast(dict[str, Any], self._open(item, "figures")), item.baselineSetAt or "",
                                 item.outlineSource or OutlineSource.PROPOSED, item.outlineBy, item.outlineAt)

    def measurement(self, case_id: str, lesion_id: str, photo_id: str) -> LesionMeasurement | None:
        from pynamodb.exceptions import DoesNotExist

        with translate_errors():
            try:
                item = LesionMetricModel.get(case_id, measurement_key(lesion_id, photo_id), consistent_read=True)
            except DoesNotExist:
                return None
        return self._measurement_of(item)

    def measurements(self, case_id: str, lesion_id: str, limit: int,
                     cursor: str | None) -> tuple[list[LesionMeasurement], str | None]:
        start = decode_cursor(cursor, partition=("caseId", case_id))
        with translate_errors():
            result = LesionMetricModel.query(case_id, LesionMetricModel.metricKey.startswith(f"m#{lesion_id}#"),
                                             limit=limit, page_size=limit, last_evaluated_key=start)
            items = [self._measurement_of(item) for item in result]
            return items, encode_cursor(result.last_evaluated_key)

    def put_outline(self, outline: AcceptedOutline) -> None:
        key = outline_key(outline.lesion_id, outline.photo_id)
        with translate_errors():
            LesionMetricModel(caseId=outline.case_id, metricKey=key, lesionId=outline.lesion_id,
                              photoId=outline.photo_id, at=outline.at, baselineSetAt=outline.baseline_set_at,
                              outlineSource=outline.source, outlineBy=outline.by, outlineAt=outline.at,
                              sealed=self._seal(outline.case_id, key, "outline", outline.outline)).save()

    def outlines(self, case_id: str, lesion_id: str) -> list[AcceptedOutline]:
        # A lesion has a handful of photos a year: its accepted outlines fit one Query page.
        with translate_errors():
            found = LesionMetricModel.query(case_id, LesionMetricModel.metricKey.startswith(f"o#{lesion_id}#"),
                                            consistent_read=True)
            return [AcceptedOutline(item.caseId, item.lesionId, item.photoId, item.baselineSetAt or "",
                                    cast(list[list[float]], self._open(item, "outline")),
                                    item.outlineSource or OutlineSource.CORRECTED, item.outlineBy or "", item.at)
                    for item in found]

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


class BackgroundSeriesMeasuring:
    """Measures a lesion's series on one worker thread of this interpreter (the local stack), after the
    request that set its baseline has answered: the stand-in for the measuring trigger's function
    invoked asynchronously in AWS. One worker: measurements run one at a time, as a Lambda with a
    reserved concurrency of 1 would, and the stack's two cores stay free for requests."""

    def __init__(self, measure_lesion: Callable[[str, str], str]) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._measure_lesion = measure_lesion
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lesion-series")

    def _run(self, case_id: str, lesion_id: str) -> None:
        try:
            outcome = self._measure_lesion(case_id, lesion_id)
            log.info("lesion series measured: %s", outcome)  # ids stay out of the log
        except Exception:  # a worker thread has nobody to answer: the log says it, the photos stay pending
            log.exception("lesion series measuring failed")

    def measure_lesion(self, case_id: str, lesion_id: str) -> None:
        self._worker.submit(self._run, case_id, lesion_id)
