"""The lesion measuring step behind the photo pipeline (functions/lesionmetrics/events.py): which S3
events it takes (a photo's full rendition only), that it asks for a redelivery while the photo item is
not written yet, and the adapter that invokes the measuring function (functions/lesionmetrics/invoke.py)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from functions.lesionmetrics import events
from functions.lesionmetrics.invoke import SERIES_DETAIL_TYPE, SERIES_SOURCE, LambdaMeasurer, LambdaSeriesMeasuring
from functions.shared.errors import DependencyUnavailable
from local.events import matches


def created(key: str, bucket: str = "dermafollow-local-images") -> dict[str, Any]:
    return {"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}}}


def test_only_a_photos_full_rendition_names_a_photo() -> None:
    assert events.photo_of_rendition("cases/c1/photos/p1/full.jpg") == ("c1", "p1")
    for key in ("cases/c1/photos/p1/display.jpg", "cases/c1/photos/p1/thumb.jpg", "uploads/c1/p1",
                "cases//photos/p1/full.jpg", "cases/c1/photos/p1/full.jpg/x", "other/c1/photos/p1/full.jpg"):
        assert events.photo_of_rendition(key) is None, key


def test_the_pattern_takes_object_created_events() -> None:
    assert matches(events.OBJECT_CREATED_PATTERN, created("cases/c1/photos/p1/full.jpg"))
    assert not matches(events.OBJECT_CREATED_PATTERN, {**created("cases/c1/photos/p1/full.jpg"),
                                                       "detail-type": "Object Deleted"})


class FakeContainer:
    def __init__(self, photo: object | None) -> None:
        self.settings = type("S", (), {"image_bucket": "dermafollow-local-images"})()
        self.photo_store = type("P", (), {"get": lambda _self, case_id, photo_id: photo})()
        self.measured: list[tuple[str, str]] = []
        outer = self

        self.series: list[tuple[str, str]] = []

        class Metrics:
            def measure_photo(self, case_id: str, photo_id: str) -> str:
                outer.measured.append((case_id, photo_id))
                return "measured"

            def measure_lesion(self, case_id: str, lesion_id: str) -> str:
                outer.series.append((case_id, lesion_id))
                return f"measured={len(outer.series) + 1}"

        self.lesion_metrics = Metrics()


def test_a_rendition_before_its_photo_item_is_delivered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeContainer(photo=None)
    monkeypatch.setattr(events, "get_container", lambda: fake)
    with pytest.raises(events.PhotoNotWrittenYet):
        events.measure_rendition("dermafollow-local-images", "cases/c1/photos/p1/full.jpg")
    assert fake.measured == []


def test_the_full_rendition_of_a_written_photo_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeContainer(photo=object())
    monkeypatch.setattr(events, "get_container", lambda: fake)
    assert events.measure_rendition("dermafollow-local-images", "cases/c1/photos/p1/full.jpg") == "measured"
    assert events.measure_rendition("dermafollow-local-images", "cases/c1/photos/p1/display.jpg") \
        .startswith("ignored")
    assert events.measure_rendition("elsewhere", "cases/c1/photos/p1/full.jpg").startswith("ignored")
    assert fake.measured == [("c1", "p1")]


class FakeLambda:
    def __init__(self, answer: dict[str, Any] | None = None, error: Exception | None = None) -> None:
        self.answer, self.error = answer or {}, error
        self.calls: list[dict[str, Any]] = []

    def invoke(self, **params: Any) -> dict[str, Any]:
        self.calls.append(params)
        if self.error is not None:
            raise self.error
        return {"StatusCode": 200, "Payload": io.BytesIO(json.dumps(self.answer).encode()),
                **({"FunctionError": "Unhandled"} if self.answer.get("errorMessage") else {})}


def test_the_measuring_function_is_invoked_synchronously_with_the_request() -> None:
    client = FakeLambda({"ok": True, "photo": {"aligned": True}})
    request = {"bucket": "b", "baseline": {"key": "k0", "outline": [[0, 0], [1, 0], [1, 1]]}, "photo": {"key": "k1"}}
    assert LambdaMeasurer(lambda: client, "dermafollow-dev-lesion-measurer").measure(request) == \
        {"ok": True, "photo": {"aligned": True}}
    (call,) = client.calls
    assert call["FunctionName"] == "dermafollow-dev-lesion-measurer"
    assert call["InvocationType"] == "RequestResponse" and json.loads(call["Payload"]) == request


def test_a_refused_photo_is_an_answer_but_a_crash_or_an_unreachable_function_is_retried() -> None:
    refused = {"ok": False, "error": {"code": "unreadable_photo", "message": "The photo could not be decoded."}}
    assert LambdaMeasurer(lambda: FakeLambda(refused), "f").measure({}) == refused
    with pytest.raises(DependencyUnavailable):  # out of memory, a timeout: the event fails and is retried
        LambdaMeasurer(lambda: FakeLambda({"errorMessage": "Task timed out"}), "f").measure({})
    throttled = ClientError({"Error": {"Code": "TooManyRequestsException", "Message": "Rate"}}, "Invoke")
    with pytest.raises(DependencyUnavailable):
        LambdaMeasurer(lambda: FakeLambda(error=throttled), "f").measure({})
    with pytest.raises(DependencyUnavailable):
        LambdaMeasurer(lambda: FakeLambda(), "")


def test_a_new_baselines_series_is_handed_to_the_measuring_step_asynchronously(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from chalice.app import CloudWatchEvent

    client = FakeLambda()
    LambdaSeriesMeasuring(lambda: client, "dermafollow-dev-lesion-measuring").measure_lesion("c1", "l1")
    (call,) = client.calls
    assert call["FunctionName"] == "dermafollow-dev-lesion-measuring" and call["InvocationType"] == "Event"
    event = json.loads(call["Payload"])
    assert (event["source"], event["detail-type"], event["detail"]) == (
        SERIES_SOURCE, SERIES_DETAIL_TYPE, {"caseId": "c1", "lesionId": "l1"})
    # The step's handler reads it as the series to measure, not as a rendition.
    fake = FakeContainer(photo=None)
    monkeypatch.setattr(events, "get_container", lambda: fake)
    handler = events.measure_lesion_photo.func if hasattr(events.measure_lesion_photo, "func") \
        else events.measure_lesion_photo
    assert handler(CloudWatchEvent(event, None)) == {"outcome": "measured=2"}
    assert fake.series == [("c1", "l1")] and fake.measured == []
