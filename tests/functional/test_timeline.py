"""The case timeline: newest first, cursor pages, same access rules as the case."""

from __future__ import annotations

import pytest

from functions.bootstrap import get_container
from functions.timeline.ports import EventType, TimelineEvent
from tests.functional.conftest import World


def _append(world: World, case: str, count: int) -> list[str]:
    store = get_container().timeline_store
    ids = []
    for n in range(count):
        event_id = f"evt{n:04d}"
        store.append(TimelineEvent(case, event_id, EventType.NOTE, f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}+00:00",
                                   world.users["dr.one"].user_id, event_id, {"title": f"n{n}"}))
        ids.append(event_id)
    return ids


def test_timeline_pages_newest_first_without_repeats(world: World) -> None:
    case = world.cases["a"]
    ids = _append(world, case, 7)
    seen: list[str] = []
    cursor = None
    while True:
        path = f"/cases/{case}/timeline?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = world.request("GET", path, user="pat.a").json_body
        seen += [e["eventId"] for e in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_a_completed_visit_lands_on_the_timeline(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WS_MANAGEMENT_ENDPOINT", world.endpoint)
    case = world.cases["a"]
    room = world.request("POST", "/visits", user="pat.a", body={"caseId": case}).json_body["roomId"]
    assert world.request("POST", f"/visits/{room}/admit", user="dr.one").status_code == 200
    assert world.request("POST", f"/visits/{room}/end", user="dr.one").status_code == 200
    items = world.request("GET", f"/cases/{case}/timeline", user="dr.one").json_body["items"]
    assert [(e["type"], e["refId"]) for e in items] == [("visit", room)]
    assert items[0]["summary"]["endReason"] == "completed"


@pytest.mark.parametrize(("user", "status"), [("pat.b", 404), ("dr.two", 404), ("ops", 403)])
def test_timeline_of_someone_elses_case(world: World, user: str, status: int) -> None:
    assert world.request("GET", f"/cases/{world.cases['a']}/timeline", user=user).status_code == status


def test_a_cursor_from_another_case_is_refused(world: World) -> None:
    _append(world, world.cases["b"], 3)
    cursor = world.request("GET", f"/cases/{world.cases['b']}/timeline?limit=1", user="pat.b").json_body["nextCursor"]
    response = world.request("GET", f"/cases/{world.cases['a']}/timeline?cursor={cursor}", user="pat.a")
    assert response.status_code == 400
    assert response.json_body["error"]["code"] == "invalid_cursor"


# What a timeline item may hold readable: keys, ids, the event's type and times. The summary is sealed.
READABLE_TIMELINE_ATTRIBUTES = {"caseId", "eventKey", "eventId", "type", "occurredAt", "actorId", "refId",
                                "changeDay", "changeKey"}


def test_summaries_are_sealed_at_rest_and_answered_unchanged(world: World) -> None:
    import boto3

    from functions.images.ports import PhotoFacts
    from functions.images.projection import photo_event

    case = world.cases["a"]
    facts = PhotoFacts(case_id=case, photo_id="ph0000000001aa", body_site="genital_area", lesion_id=None,
                       captured_at="2026-03-01T09:00:00+00:00", source="camera",
                       uploaded_at="2026-03-01T09:01:00+00:00", uploaded_by=world.users["pat.a"].user_id,
                       uploader_role="patient")
    get_container().timeline_store.append(photo_event(facts))
    score = world.request("POST", f"/cases/{case}/scores", user="dr.one",
                          body={"instrument": "IGA", "components": {"grade": 3}})
    assert score.status_code == 201, score.body

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    items = client.scan(TableName="dermafollow-local-timeline")["Items"]
    assert len(items) == 2
    for item in items:
        assert set(item) - READABLE_TIMELINE_ATTRIBUTES == {"summarySealed"}
        assert set(item["summarySealed"]) == {"B"}
        assert not any(word in repr(item) for word in ("genital", "IGA", "09:00:00", "moderate"))

    events = world.request("GET", f"/cases/{case}/timeline", user="dr.one").json_body["items"]
    by_type = {event["type"]: event["summary"] for event in events}
    assert by_type["photo"]["bodySite"] == "genital_area"
    assert by_type["photo"]["capturedAt"] == "2026-03-01T09:00:00+00:00"
    assert by_type["score"] == {"instrument": "IGA", "total": 3.0, "band": score.json_body["band"], "flags": []}


def test_an_event_stored_with_a_plaintext_summary_is_not_answered_until_migrated(world: World) -> None:
    import boto3

    client = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)
    case = world.cases["a"]
    client.put_item(TableName="dermafollow-local-timeline", Item={
        "caseId": {"S": case}, "eventKey": {"S": "2026-01-01T00:00:00.000Z#sc_legacy0001"},
        "eventId": {"S": "sc_legacy0001"}, "type": {"S": "score"}, "occurredAt": {"S": "2026-01-01T00:00:00.000Z"},
        "actorId": {"S": world.users["pat.a"].user_id}, "refId": {"S": "sc_legacy0001"},
        "summary": {"M": {"instrument": {"S": "ITCH_NRS"}, "total": {"N": "6"}}},
    })
    answer = world.request("GET", f"/cases/{case}/timeline", user="pat.a")
    assert answer.status_code == 503, answer.body
    assert "ITCH_NRS" not in answer.body.decode()
