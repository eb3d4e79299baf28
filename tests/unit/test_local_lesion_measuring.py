"""The local stack's lesion-measuring trigger: which S3 events it takes (the full rendition of a photo
only) and that it asks for a redelivery while the photo item is not written yet."""

from __future__ import annotations

from typing import Any

import pytest

from local import measuring
from local.events import matches


def created(key: str, bucket: str = "dermafollow-local-images") -> dict[str, Any]:
    return {"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}}}


def test_only_a_photos_full_rendition_names_a_photo() -> None:
    assert measuring.photo_of_rendition("cases/c1/photos/p1/full.jpg") == ("c1", "p1")
    for key in ("cases/c1/photos/p1/display.jpg", "cases/c1/photos/p1/thumb.jpg", "cases/c1/uploads/p1",
                "cases//photos/p1/full.jpg", "cases/c1/photos/p1/full.jpg/x", "other/c1/photos/p1/full.jpg"):
        assert measuring.photo_of_rendition(key) is None, key


def test_the_pattern_takes_case_objects_only() -> None:
    assert matches(measuring.PATTERN, created("cases/c1/photos/p1/full.jpg"))
    assert not matches(measuring.PATTERN, created("audit/anchor.json"))


class FakeContainer:
    def __init__(self, photo: object | None) -> None:
        self.settings = type("S", (), {"image_bucket": "dermafollow-local-images"})()
        self.photo_store = type("P", (), {"get": lambda _self, case_id, photo_id: photo})()
        self.measured: list[tuple[str, str]] = []
        outer = self

        class Metrics:
            def measure_photo(self, case_id: str, photo_id: str) -> str:
                outer.measured.append((case_id, photo_id))
                return "measured"

        self.lesion_metrics = Metrics()


def test_a_rendition_before_its_photo_item_is_delivered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeContainer(photo=None)
    monkeypatch.setattr(measuring, "get_container", lambda: fake)
    with pytest.raises(measuring.PhotoNotWrittenYet):
        measuring.measure_lesion_photo(created("cases/c1/photos/p1/full.jpg"), None)
    assert fake.measured == []


def test_the_full_rendition_of_a_written_photo_is_measured(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeContainer(photo=object())
    monkeypatch.setattr(measuring, "get_container", lambda: fake)
    assert measuring.measure_lesion_photo(created("cases/c1/photos/p1/full.jpg"), None) == {"outcome": "measured"}
    assert measuring.measure_lesion_photo(created("cases/c1/photos/p1/display.jpg"), None)["outcome"] \
        .startswith("ignored")
    assert measuring.measure_lesion_photo(created("cases/c1/photos/p1/full.jpg", bucket="elsewhere"), None)[
        "outcome"].startswith("ignored")
    assert fake.measured == [("c1", "p1")]
