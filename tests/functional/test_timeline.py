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
