"""Objective lesion change through the stack: photos of a lesion (from the generated corpus, with the
reference card) go through the real upload and processing path into moto; a doctor sets the baseline
outline; the pipeline's measuring step measures the follow-up; the figures are stored sealed and read
back by the case's people.

The measuring function runs in this process (`handler.measure_request` reading the renditions from
moto's S3), standing in for its own Lambda, which is not in the template yet (layers/README.md)."""

from __future__ import annotations

import re
import time
from typing import Any

import boto3
import cv2
import numpy as np
import pytest

from functions.bootstrap import get_container
from functions.lesionmetrics import synthetic
from functions.lesionmetrics.handler import measure_request
from functions.lesionmetrics.service import LesionMetricsService
from functions.shared.settings import get_settings
from tests.functional.conftest import REGION, World
from tests.functional.test_photos import upload_photo


class InProcessMeasurer:
    """The measuring function's entry, run here, reading the renditions from moto's S3."""

    def __init__(self, s3: Any) -> None:
        self._s3 = s3
        self.requests: list[dict[str, Any]] = []

    def measure(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)

        def read(bucket: str, key: str) -> bytes:
            body: bytes = self._s3.get_object(Bucket=bucket, Key=key)["Body"].read()
            return body

        return {"ok": True, **measure_request(request, read)}


def apply_homography(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    moved = np.c_[points, np.ones(len(points))] @ matrix.T
    return np.asarray(moved[:, :2] / moved[:, 2:])


def jpeg(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return bytes(data.tobytes())


def test_a_followup_is_measured_against_the_doctors_baseline(world: World, s3: Any) -> None:
    case = world.cases["a"]
    lesion = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                           body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4,
                                 "label": "Plaque"}).json_body
    lesion_id = lesion["lesionId"]
    corpus = synthetic.series(41, True, unchanged=0, grown=1)
    baseline_id = upload_photo(world, s3, jpeg(corpus.baseline.image), lesionId=lesion_id,
                               capturedAt="2026-01-02T09:30:00+00:00")["photoId"]
    followup_id = upload_photo(world, s3, jpeg(corpus.grown[0].image), lesionId=lesion_id,
                               capturedAt="2026-02-02T09:30:00+00:00")["photoId"]
    outline = synthetic.hand_drawn(corpus.baseline.outline_px, 5).round(1).tolist()
    baseline_path = f"/cases/{case}/lesions/{lesion_id}/baseline"

    # Only a doctor of the case sets the baseline; another patient's case answers 404.
    assert world.request("PUT", baseline_path, user="pat.a",
                         body={"photoId": baseline_id, "outline": outline}).status_code == 403
    assert world.request("PUT", baseline_path, user="dr.two",
                         body={"photoId": baseline_id, "outline": outline}).status_code == 404
    outside = world.request("PUT", baseline_path, user="dr.one",
                            body={"photoId": baseline_id, "outline": [[10, 10], [5000, 10], [10, 50]]})
    assert outside.status_code == 400 and outside.json_body["error"]["code"] == "outline_outside_photo"
    set_ = world.request("PUT", baseline_path, user="dr.one", body={"photoId": baseline_id, "outline": outline})
    assert set_.status_code == 200, set_.json_body
    assert set_.json_body["photoId"] == baseline_id and set_.json_body["outline"] == outline

    container = get_container()
    measurer = InProcessMeasurer(s3)
    service = LesionMetricsService(container.lesion_metrics_store, container.access, container.lesion_store,
                                   container.photo_store, get_settings().image_bucket, measurer)
    assert service.measure_photo(case, baseline_id) == "ignored:baseline"
    assert service.measure_photo(case, followup_id) == "measured"
    assert service.measure_photo(case, followup_id) == "ignored:measured_already"  # a redelivered event
    assert measurer.requests[0]["photo"]["key"] == f"cases/{case}/photos/{followup_id}/full.jpg"

    for user in ("dr.one", "pat.a"):
        series = world.request("GET", f"/cases/{case}/lesions/{lesion_id}/measurements", user=user)
        assert series.status_code == 200, series.json_body
        body = series.json_body
        assert body["baseline"]["photoId"] == baseline_id and len(body["items"]) == 1
        item = body["items"][0]
        assert item["photoId"] == followup_id and item["aligned"] and item["alignment"]["method"] == "features"
        assert item["areaMm2"] == pytest.approx(corpus.grown[0].area_mm2, rel=0.05)
        assert item["change"]["areaChanged"] and 5 < item["change"]["areaPct"] < 15
        assert item["change"]["erythemaBasis"] == "calibrated" and not item["flagged"]
        # The alignment the screens overlay with: the follow-up's lesion edge lands on the true place.
        found = np.array(item["alignment"]["homography"])
        truth = synthetic.true_followup_to_baseline(corpus.baseline, corpus.grown[0])
        edge = corpus.grown[0].outline_px
        assert np.abs(apply_homography(found, edge) - apply_homography(truth, edge)).max() < 5.0
    assert world.request("GET", f"/cases/{case}/lesions/{lesion_id}/measurements", user="pat.b").status_code == 404

    # Sealed at rest: the item holds ciphertext, no figure and no outline point in the clear.
    dynamo = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    table = get_settings().table_name("lesion_metrics")
    items = dynamo.scan(TableName=table)["Items"]
    assert {item["metricKey"]["S"] for item in items} == {f"b#{lesion_id}", f"m#{lesion_id}#{followup_id}"}
    raw = repr(items)
    # (`outlineSource` says whose outline it is, "proposed" here: no point of it.)
    assert "areaMm2" not in raw and not re.search(r"\boutline\b", raw) and str(outline[0][0]) not in raw
    assert all("B" in item["sealed"] for item in items)


def test_a_meaningful_change_is_flagged_on_the_doctors_worklist(world: World, s3: Any) -> None:
    case = world.cases["a"]
    lesion_id = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                              body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4,
                                    "label": "Plaque"}).json_body["lesionId"]
    corpus = synthetic.series(43, False, unchanged=0, grown=1, growth=1.30)  # no card: relative area only
    baseline_id = upload_photo(world, s3, jpeg(corpus.baseline.image), lesionId=lesion_id,
                               capturedAt="2026-01-02T09:30:00+00:00")["photoId"]
    outline = synthetic.hand_drawn(corpus.baseline.outline_px, 6).round(1).tolist()
    assert world.request("PUT", f"/cases/{case}/lesions/{lesion_id}/baseline", user="dr.one",
                         body={"photoId": baseline_id, "outline": outline}).status_code == 200
    assert world.request("POST", f"/cases/{case}/reviewed", user="dr.one", body={}).status_code == 200
    worklist = world.request("GET", "/worklist/activity", user="dr.one").json_body["items"]
    assert not [row for row in worklist if row["caseId"] == case]

    # The photo's timeline place is its upload time in whole seconds, the mark has milliseconds: a photo
    # in the mark's own second would sort before it.
    time.sleep(1.1)
    followup_id = upload_photo(world, s3, jpeg(corpus.grown[0].image), lesionId=lesion_id)["photoId"]
    container = get_container()
    service = LesionMetricsService(container.lesion_metrics_store, container.access, container.lesion_store,
                                   container.photo_store, get_settings().image_bucket, InProcessMeasurer(s3))
    assert service.measure_photo(case, followup_id) == "measured"
    item = world.request("GET", f"/cases/{case}/lesions/{lesion_id}/measurements", user="dr.one").json_body["items"][0]
    assert item["areaMm2"] is None and item["flagged"] and item["change"]["reasons"] == ["area_increase"]
    assert item["change"]["areaPct"] == pytest.approx(30.0, abs=3.0)

    rows = world.request("GET", "/worklist/activity", user="dr.one").json_body["items"]
    row = next(row for row in rows if row["caseId"] == case)
    assert row["changedLesions"] == [lesion_id] and row["newPhotos"] == 1 and row is rows[0]


class MeasuredAtOnce:
    """SeriesMeasuring that measures the series before the doctor's request answers (the stack's
    worker thread would do it just after): the test reads the outcome without waiting."""

    def __init__(self) -> None:
        self.service: LesionMetricsService | None = None
        self.outcomes: list[str] = []

    def measure_lesion(self, case_id: str, lesion_id: str) -> None:
        assert self.service is not None
        self.outcomes.append(self.service.measure_lesion(case_id, lesion_id))


def scaled(outline: list[list[float]], factor: float) -> list[list[float]]:
    """The outline shrunk or grown about its mean point (area by factor squared)."""
    cx = sum(x for x, _ in outline) / len(outline)
    cy = sum(y for _, y in outline) / len(outline)
    return [[round(cx + (x - cx) * factor, 1), round(cy + (y - cy) * factor, 1)] for x, y in outline]


def test_a_baseline_measures_earlier_photos_and_a_doctor_corrects_a_followups_outline(
        world: World, s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    case = world.cases["a"]
    lesion_id = world.request("POST", f"/cases/{case}/lesions", user="pat.a",
                              body={"bodySite": "elbow_left", "view": "back", "x": 0.2, "y": 0.4,
                                    "label": "Plaque"}).json_body["lesionId"]
    corpus = synthetic.series(47, True, unchanged=2, grown=0)
    baseline_id = upload_photo(world, s3, jpeg(corpus.baseline.image), lesionId=lesion_id,
                               capturedAt="2026-01-02T09:30:00+00:00")["photoId"]
    first_id = upload_photo(world, s3, jpeg(corpus.unchanged[0].image), lesionId=lesion_id,
                            capturedAt="2026-02-02T09:30:00+00:00")["photoId"]
    container = get_container()
    measurer = InProcessMeasurer(s3)
    series_measuring = MeasuredAtOnce()
    service = LesionMetricsService(container.lesion_metrics_store, container.access, container.lesion_store,
                                   container.photo_store, get_settings().image_bucket, measurer,
                                   series_measuring=series_measuring)
    series_measuring.service = service
    monkeypatch.setitem(container.__dict__, "lesion_metrics", service)  # the routes' service measures
    series_path = f"/cases/{case}/lesions/{lesion_id}/measurements"
    outline = synthetic.hand_drawn(corpus.baseline.outline_px, 7).round(1).tolist()

    # The follow-up arrived before the baseline: the pipeline had nothing to measure it against...
    assert service.measure_photo(case, first_id) == "ignored:no_baseline"
    # ...setting the baseline measures it.
    assert world.request("PUT", f"/cases/{case}/lesions/{lesion_id}/baseline", user="dr.one",
                         body={"photoId": baseline_id, "outline": outline}).status_code == 200
    assert series_measuring.outcomes == ["measured=1"]
    body = world.request("GET", series_path, user="dr.one").json_body
    [item] = body["items"]
    assert item["photoId"] == first_id and item["outlineSource"] == "proposed"
    assert item["baselineSetAt"] == body["baseline"]["setAt"] and abs(item["change"]["areaPct"]) < 5
    proposal = item["photoOutline"]  # in the follow-up photo's own px: on the lesion there
    truth = corpus.unchanged[0].outline_px

    def centre(points: Any) -> np.ndarray:
        m = cv2.moments(np.asarray(points, np.float32))
        return np.array([m["m10"] / m["m00"], m["m01"] / m["m00"]])

    assert np.abs(centre(proposal) - centre(truth)).max() < 3.0

    # A doctor corrects it on the follow-up photo: a smaller outline (area x 0.81), measured again.
    outline_path = f"{series_path}/{first_id}/outline"
    corrected = scaled(proposal, 0.9)
    assert world.request("PUT", outline_path, user="pat.a", body={"outline": corrected}).status_code == 403
    assert world.request("PUT", outline_path, user="dr.two", body={"outline": corrected}).status_code == 404
    outside = world.request("PUT", outline_path, user="dr.one", body={"outline": [[1, 1], [9000, 1], [1, 9]]})
    assert outside.status_code == 400 and outside.json_body["error"]["code"] == "outline_outside_photo"
    on_baseline = world.request("PUT", f"{series_path}/{baseline_id}/outline", user="dr.one",
                                body={"outline": corrected})
    assert on_baseline.status_code == 409 and on_baseline.json_body["error"]["code"] == "outline_is_baseline"
    for bad in ({"outline": [[1, 1], [2, 2]]}, {"outline": corrected, "extra": 1}, {}):
        refused = world.request("PUT", outline_path, user="dr.one", body=bad)
        assert refused.status_code == 400 and refused.json_body["error"]["code"], refused.json_body
    answer = world.request("PUT", outline_path, user="dr.one", body={"outline": corrected})
    assert answer.status_code == 200, answer.json_body
    assert answer.json_body["outlineSource"] == "corrected"
    assert answer.json_body["change"]["areaPct"] == pytest.approx(-19.0, abs=3.0)
    assert measurer.requests[-1]["photo"]["outline"] is not None  # measured from the doctor's outline
    assert world.request("GET", series_path, user="pat.a").json_body["items"][0]["outlineSource"] == "corrected"

    # The next follow-up's proposal is seeded from that corrected outline, not from the baseline's.
    second_id = upload_photo(world, s3, jpeg(corpus.unchanged[1].image), lesionId=lesion_id,
                             capturedAt="2026-03-02T09:30:00+00:00")["photoId"]
    assert service.measure_photo(case, second_id) == "measured"
    seed = measurer.requests[-1]["previousOutline"]
    accepted = container.lesion_metrics_store.outlines(case, lesion_id)
    assert [o.photo_id for o in accepted] == [first_id] and seed == accepted[0].outline
    # Confirming a proposal: the outline sent back unchanged; nothing is measured again.
    second = next(i for i in world.request("GET", series_path, user="dr.one").json_body["items"]
                  if i["photoId"] == second_id)
    count = len(measurer.requests)
    confirmed = world.request("PUT", f"{series_path}/{second_id}/outline", user="dr.one",
                              body={"outline": second["photoOutline"]})
    assert confirmed.status_code == 200 and confirmed.json_body["outlineSource"] == "confirmed"
    assert confirmed.json_body["change"] == second["change"] and len(measurer.requests) == count

    # A new baseline (redrawn on the same photo) re-measures the series against it.
    assert world.request("PUT", f"/cases/{case}/lesions/{lesion_id}/baseline", user="dr.one",
                         body={"photoId": baseline_id, "outline": outline}).status_code == 200
    assert series_measuring.outcomes[-1] == "measured=2"
    body = world.request("GET", series_path, user="dr.one").json_body
    assert {i["baselineSetAt"] for i in body["items"]} == {body["baseline"]["setAt"]}
    assert all(abs(i["change"]["areaPct"]) < 5 and i["outlineSource"] == "proposed" for i in body["items"])

    # Where nothing measures (the measuring function not deployed), a correction is kept and the
    # series says the photo waits to be measured again from it; the measuring step then does.
    waiting = LesionMetricsService(container.lesion_metrics_store, container.access, container.lesion_store,
                                   container.photo_store, get_settings().image_bucket, None)
    monkeypatch.setitem(container.__dict__, "lesion_metrics", waiting)
    proposal = next(i for i in body["items"] if i["photoId"] == second_id)["photoOutline"]
    kept = world.request("PUT", f"{series_path}/{second_id}/outline", user="dr.one",
                         body={"outline": scaled(proposal, 1.1)})
    assert kept.status_code == 200 and kept.json_body["remeasuring"] is True
    assert kept.json_body["outlineSource"] == "proposed"  # the figures are still the proposal's
    items = world.request("GET", series_path, user="dr.one").json_body["items"]
    assert [i["remeasuring"] for i in items] == [False, True]
    assert service.measure_lesion(case, lesion_id) == "ignored:measured_already=1,measured=1"
    items = world.request("GET", series_path, user="dr.one").json_body["items"]
    assert [(i["remeasuring"], i["outlineSource"]) for i in items] == [(False, "proposed"), (False, "corrected")]
    assert items[1]["change"]["areaPct"] == pytest.approx(21.0, abs=4.0)  # area x 1.21
