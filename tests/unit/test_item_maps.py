"""One mapping per model: a record written through its ItemMap reads back equal, under the stored
attribute names (no database: pynamodb model instances in memory)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from functions.images.adapters import INTENT_ITEM, PHOTO_ITEM
from functions.images.ports import Photo, PhotoFacts, UploadIntent, UploadStatus
from functions.images.projection import photo_event
from functions.shared.dynamo import camel
from functions.timeline.adapters import from_item as timeline_event_of
from functions.timeline.adapters import to_item as timeline_item_of
from functions.timeline.ports import EventType, TimelineEvent

FACTS = PhotoFacts(case_id="case-0001", photo_id="ph0000000001aa", body_site="elbow_left", lesion_id=None,
                   captured_at="2026-03-01T09:00:00+00:00", source="camera", uploaded_at="2026-03-01T09:01:00+00:00",
                   uploaded_by="pat-a", uploader_role="patient")


def intent(**changes: object) -> UploadIntent:
    fields = {**vars(FACTS), "content_type": "image/jpeg", "size_bytes": 2_000_000,
              "upload_by": "2026-03-01T09:06:00+00:00", "status": UploadStatus.PENDING,
              "expires_at_epoch": 1_772_400_000, **changes}
    return UploadIntent(**fields)  # type: ignore[arg-type]


def test_camel_case_names() -> None:
    assert (camel("case_id"), camel("expires_at_epoch"), camel("sha256")) == ("caseId", "expiresAtEpoch", "sha256")


def test_an_intent_round_trips_under_the_names_it_was_first_stored_under() -> None:
    original = intent(lesion_id="les-00001", claim="v1", status=UploadStatus.REJECTED, reason_code="blurry",
                      reason_message="Hold still.")
    item = INTENT_ITEM.to_item(original)
    assert (item.uploaderId, item.createdAt, item.status, item.sizeBytes) == ("pat-a", FACTS.uploaded_at,
                                                                              "rejected", 2_000_000)
    assert INTENT_ITEM.from_item(item) == original


def test_a_photo_round_trips_with_its_index_keys() -> None:
    # The intent's sealed facts and site tag go onto the photo as they are; the site index names the tag.
    photo = Photo.of(intent(lesion_id="les-00001", sealed_facts=b"sealed", site_tag="t4g"),
                     processed_at="2026-03-01T09:02:00+00:00", width=1024,
                     height=768, size_bytes=300_000, sha256="ab" * 32, quality={"sharpness": 36.5})
    assert (photo.sealed_facts, photo.site_tag) == (b"sealed", "t4g")
    item = PHOTO_ITEM.to_item(photo)
    assert (item.caseSite, item.caseLesion, item.factsSealed) == ("case-0001#t4g", "case-0001#les-00001", b"sealed")
    assert PHOTO_ITEM.from_item(item) == photo
    assert PHOTO_ITEM.to_item(Photo.of(FACTS, processed_at="x", width=1, height=1, size_bytes=1,
                                       sha256="s")).caseLesion is None  # sparse: no lesion, no key


def test_a_photo_its_intent_and_its_timeline_event_share_one_set_of_facts() -> None:
    photo = Photo.of(intent(), processed_at="2026-03-01T09:02:00+00:00", width=1024, height=768,
                     size_bytes=300_000, sha256="ab" * 32)
    assert photo.facts() == intent().facts() == FACTS
    accepted, removed = photo_event(intent()), photo_event(photo, removal={"reason": "duplicate"})
    assert accepted.event_key == removed.event_key  # the removal rewrites the same event
    assert removed.summary == {**accepted.summary, "removed": {"reason": "duplicate"}}


class ContextSealer:
    """Stands in for the envelope sealer: a "sealed" value names its context and opens only there."""

    def seal(self, table: str, record_id: str, fields: Mapping[str, object], *,
             purpose: str | None = None, case_id: str | None = None) -> dict[str, bytes]:
        return {name: json.dumps([table, record_id, name, value]).encode() for name, value in fields.items()}

    def open(self, table: str, record_id: str, sealed: Mapping[str, bytes], *,
             purpose: str | None = None) -> dict[str, object]:
        opened: dict[str, object] = {}
        for name, blob in sealed.items():
            where_table, where_record, where_name, value = json.loads(blob)
            assert (where_table, where_record, where_name) == (table, record_id, name)
            opened[name] = value
        return opened


def test_a_timeline_event_round_trips_with_its_sort_key_and_its_summary_sealed() -> None:
    event = TimelineEvent(case_id="case-0001", event_id="ev-1", type=EventType.SCORE,
                          occurred_at="2026-03-01T09:00:00.000+00:00", actor_id="dr-one", ref_id="sc-1",
                          summary={"instrument": "DLQI", "total": 7})
    item = timeline_item_of(event, ContextSealer())
    assert (item.eventKey, item.type) == ("2026-03-01T09:00:00.000+00:00#ev-1", "score")
    assert item.summary is None, "no plaintext summary is written"
    assert json.loads(item.summarySealed)[:3] == ["timeline", "case-0001/2026-03-01T09:00:00.000+00:00#ev-1",
                                                  "summary"]
    assert timeline_event_of(item, ContextSealer()) == event


def test_a_grant_round_trips_with_and_without_an_expiry() -> None:
    from functions.access.adapters import GRANT_ITEM
    from functions.access.ports import Grant, GrantKind

    for expires in (None, 1_772_400_000):
        grant = Grant("case-0001", "dr-two", GrantKind.INVITED, "dr-one", "2026-03-01T09:00:00+00:00", expires)
        item = GRANT_ITEM.to_item(grant)
        assert (item.kind, item.expiresAtEpoch) == ("invited", expires)
        assert GRANT_ITEM.from_item(item) == grant


def test_a_connection_item_carries_its_rate_budget_and_ttl_beside_the_record() -> None:
    from functions.signaling.adapters import connection_item, connection_of
    from functions.signaling.ports import Connection, Member

    # The username rides sealed (the registry seals it in `add`); a stored connection reads it back sealed.
    connection = Connection("conn-1", "pat-a", "", "patient", "2026-03-01T09:00:00+00:00", room_id=None,
                            username_sealed=b"sealed")
    item = connection_item(connection, tat=1_772_400_000.5, expires_at_epoch=1_772_407_200)
    assert (item.connectionId, item.tat, item.expiresAtEpoch) == ("conn-1", 1_772_400_000.5, 1_772_407_200)
    assert item.roomId is None
    assert connection_of(item) == connection
    assert item.username is None and item.usernameSealed == b"sealed"
    in_room = Connection("conn-2", "dr-b", "", "doctor", "2026-03-01T09:00:00+00:00", room_id="room-1",
                         grant_expires_at_epoch=1_772_403_600,
                         members=(Member("conn-1", "pat-a"), Member("conn-2", "dr-b", 1_772_403_600)),
                         username_sealed=b"sealed")
    assert connection_of(connection_item(in_room, tat=1.0, expires_at_epoch=2)) == in_room
    # A member list left from another room is never read as this room's.
    item = connection_item(in_room, tat=1.0, expires_at_epoch=2)
    item.roomId = "room-2"
    assert connection_of(item).members == ()
