"""The migration that seals what older releases stored in plaintext, run over items written the old
way (score answers in plaintext; sealed answers with a plaintext total, band, flags and deltas; plaintext
lesion labels; plaintext timeline summaries): resumable page by page, idempotent, and afterwards the
API answers the same values while the raw items hold no plaintext."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3

from functions.bootstrap import get_container
from functions.migrations import cli
from tests.functional.conftest import World
from tests.functional.test_lesions import READABLE_LESION_ATTRIBUTES
from tests.functional.test_photos import READABLE_INTENT_ATTRIBUTES, READABLE_PHOTO_ATTRIBUTES
from tests.functional.test_scores import READABLE_SCORE_ATTRIBUTES
from tests.functional.test_timeline import READABLE_TIMELINE_ATTRIBUTES

PREFIX = "dermafollow-local-"


def _client(world: World) -> Any:
    return boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=world.endpoint)


def _score_item(case: str, score_id: str, at: str, user: str, instrument: str, **extra: dict[str, Any]
                ) -> dict[str, Any]:
    return {"caseId": {"S": case}, "scoreKey": {"S": f"{instrument}#{at}#{score_id}"}, "scoreId": {"S": score_id},
            "instrument": {"S": instrument}, "recordedAt": {"S": at}, "recordedBy": {"S": user},
            "recorderRole": {"S": "patient"}, "onBehalfOfPatient": {"BOOL": False}, **extra}


def write_the_old_way(world: World) -> None:
    """Items exactly as the two older releases wrote them."""
    client, case, user = _client(world), world.cases["a"], world.users["pat.a"].user_id
    # Before answers were sealed: everything in plaintext.
    client.put_item(TableName=PREFIX + "scores", Item=_score_item(
        case, "sc_legacy0001", "2026-01-01T00:00:00.000Z", user, "DLQI",
        total={"N": "12"}, band={"S": "very_large_effect"},
        components={"S": '{"items":[3,3,1,1,1,1,0,1,1,0]}'}))
    # After answers were sealed, before totals were: sealed components, plaintext result.
    sealed = get_container().field_sealer.seal("scores", f"{case}/sc_legacy0002", {"components": {"score": 6}})
    client.put_item(TableName=PREFIX + "scores", Item=_score_item(
        case, "sc_legacy0002", "2026-01-02T00:00:00.000Z", user, "ITCH_NRS",
        total={"N": "6"}, componentsSealed={"B": sealed["components"]}))
    client.put_item(TableName=PREFIX + "scores", Item=_score_item(
        case, "sc_legacy0003", "2026-01-03T00:00:00.000Z", user, "ITCH_NRS",
        total={"N": "9"}, componentsSealed={"B": get_container().field_sealer.seal(
            "scores", f"{case}/sc_legacy0003", {"components": {"score": 9}})["components"]},
        previousScoreId={"S": "sc_legacy0002"}, previousTotal={"N": "6"}, delta={"N": "3"},
        baselineTotal={"N": "6"}, flags={"S": '[{"code":"mcid_worsened","message":"Worse by 3"}]'}))
    # Before labels were sealed (everything in plaintext), and after (the position in plaintext).
    client.put_item(TableName=PREFIX + "lesions", Item={
        "caseId": {"S": case}, "lesionId": {"S": "les_legacy0000"}, "bodySite": {"S": "scalp"},
        "view": {"S": "front"}, "x": {"N": "0.5"}, "y": {"N": "0.05"}, "label": {"S": "Old scalp patch"},
        "createdAt": {"S": "2026-01-01T00:00:00+00:00"}, "createdBy": {"S": user}})
    label = get_container().field_sealer.seal("lesions", f"{case}/les_legacy0001", {"label": "Rash near the groin"},
                                              case_id=case)["label"]
    client.put_item(TableName=PREFIX + "lesions", Item={
        "caseId": {"S": case}, "lesionId": {"S": "les_legacy0001"}, "bodySite": {"S": "genital_area"},
        "view": {"S": "front"}, "x": {"N": "0.5"}, "y": {"N": "0.52"}, "labelSealed": {"B": label},
        "createdAt": {"S": "2026-01-01T00:00:00+00:00"}, "createdBy": {"S": user}})
    # Before a photo's facts were sealed: body site and capture time in plaintext, the site in the index key.
    photo = "ph019b8a7c5e00aaaaaaaaaaaaaaaa"
    client.put_item(TableName=PREFIX + "photos", Item={
        "caseId": {"S": case}, "photoId": {"S": photo}, "caseSite": {"S": f"{case}#genital_area"},
        "bodySite": {"S": "genital_area"}, "capturedAt": {"S": "2026-01-04T03:12:00+00:00"},
        "uploadedAt": {"S": "2026-01-04T03:13:00+00:00"}, "processedAt": {"S": "2026-01-04T03:13:05+00:00"},
        "uploadedBy": {"S": user}, "uploaderRole": {"S": "patient"}, "source": {"S": "camera"},
        "width": {"N": "1024"}, "height": {"N": "768"}, "sizeBytes": {"N": "300000"}, "sha256": {"S": "ab" * 32},
        "quality": {"M": {}}})
    # ... and an upload intent from before timeline summaries were sealed ahead.
    client.put_item(TableName=PREFIX + "photo_uploads", Item={
        "photoId": {"S": photo}, "caseId": {"S": case}, "uploaderId": {"S": user}, "uploaderRole": {"S": "patient"},
        "bodySite": {"S": "genital_area"}, "contentType": {"S": "image/jpeg"}, "sizeBytes": {"N": "2000000"},
        "capturedAt": {"S": "2026-01-04T03:12:00+00:00"}, "source": {"S": "camera"},
        "createdAt": {"S": "2026-01-04T03:13:00+00:00"}, "uploadBy": {"S": "2026-01-04T03:18:00+00:00"},
        "status": {"S": "accepted"}, "expiresAtEpoch": {"N": "4102444800"}})
    # A socket connected before usernames were sealed.
    client.put_item(TableName=PREFIX + "connections", Item={
        "connectionId": {"S": "conn-legacy-1"}, "userId": {"S": user}, "username": {"S": "pat.a"},
        "roles": {"S": "patient"}, "connectedAt": {"S": "2026-01-04T03:00:00+00:00"}, "tat": {"N": "0"},
        "expiresAtEpoch": {"N": "4102444800"}})
    for n, summary in enumerate([
        {"instrument": {"S": "ITCH_NRS"}, "total": {"N": "9"}, "flags": {"L": [{"S": "mcid_worsened"}]}},
        {"bodySite": {"S": "genital_area"}, "capturedAt": {"S": "2026-01-04T08:00:00+00:00"},
         "source": {"S": "camera"}},
    ]):
        key = f"2026-01-0{n + 3}T00:00:00.000Z#ev_legacy000{n}"
        client.put_item(TableName=PREFIX + "timeline", Item={
            "caseId": {"S": case}, "eventKey": {"S": key}, "eventId": {"S": f"ev_legacy000{n}"},
            "type": {"S": "score" if n == 0 else "photo"}, "occurredAt": {"S": key.split("#")[0]},
            "actorId": {"S": user}, "refId": {"S": f"ev_legacy000{n}"}, "summary": {"M": summary}})


def migrate(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    with redirect_stdout(out):
        code = cli.main(["seal-legacy", *args])
    answer: dict[str, Any] = json.loads(out.getvalue())
    assert code == 0 and answer["ok"], answer
    return answer


def test_the_migration_seals_legacy_items_resumably_and_idempotently(world: World) -> None:
    write_the_old_way(world)
    case = world.cases["a"]
    assert world.request("GET", f"/cases/{case}/scores", user="pat.a").status_code == 503

    # One page of one item, then resume from the printed cursor: nothing is skipped or done twice.
    first = migrate("--table", "scores", "--page-size", "1", "--max-pages", "1")["tables"][0]
    assert (first["examined"], first["sealed"], first["done"]) == (1, 1, False) and first["cursor"]
    rest = migrate("--table", "scores", "--page-size", "1", "--cursor", first["cursor"])["tables"][0]
    assert (rest["examined"], rest["sealed"], rest["done"]) == (2, 2, True)
    everything = {t["table"]: t for t in migrate("--page-size", "2")["tables"]}
    assert {name: (t["sealed"], t["already_sealed"]) for name, t in everything.items()} == {
        "scores": (0, 3), "lesions": (2, 0), "timeline": (2, 0), "visits": (0, 0), "waiting_room": (0, 0),
        "photos": (1, 0), "photo_uploads": (1, 0), "connections": (1, 0)}
    again = {t["table"]: (t["sealed"], t["already_sealed"]) for t in migrate()["tables"]}
    assert again == {"scores": (0, 3), "lesions": (0, 2), "timeline": (0, 2), "visits": (0, 0),
                     "waiting_room": (0, 0), "photos": (0, 1), "photo_uploads": (0, 1),
                     "connections": (0, 1)}, "a second run changes nothing"

    client = _client(world)
    for item in client.scan(TableName=PREFIX + "scores")["Items"]:
        assert set(item) - READABLE_SCORE_ATTRIBUTES <= {"componentsSealed", "detailsSealed", "resultSealed"}
    for item in client.scan(TableName=PREFIX + "lesions")["Items"]:
        assert set(item) - READABLE_LESION_ATTRIBUTES == {"labelSealed", "positionSealed"}
        assert "patch" not in repr(item) and "groin" not in repr(item) and "genital" not in repr(item)
    for item in client.scan(TableName=PREFIX + "timeline")["Items"]:
        assert set(item) - READABLE_TIMELINE_ATTRIBUTES == {"summarySealed"}
        assert "genital" not in repr(item)
    (photo_item,) = client.scan(TableName=PREFIX + "photos")["Items"]
    assert set(photo_item) - READABLE_PHOTO_ATTRIBUTES == {"factsSealed"}
    (intent_item,) = client.scan(TableName=PREFIX + "photo_uploads")["Items"]
    assert set(intent_item) - READABLE_INTENT_ATTRIBUTES == {"factsSealed", "timelineSummarySealed"}
    for item in (photo_item, intent_item):
        assert "genital" not in repr(item) and "03:12" not in repr(item), item
    (socket,) = client.scan(TableName=PREFIX + "connections")["Items"]
    assert "username" not in socket and "pat.a" not in repr(socket) and set(socket["usernameSealed"]) == {"B"}
    registry = get_container().connections
    assert registry.username(registry.get("conn-legacy-1")) == "pat.a"  # type: ignore[arg-type]

    # The API answers what the old items said.
    series = world.request("GET", f"/cases/{case}/scores", user="dr.one").json_body["items"]
    by_id = {s["scoreId"]: s for s in series}
    assert (by_id["sc_legacy0001"]["total"], by_id["sc_legacy0001"]["band"]) == (12, "very_large_effect")
    assert by_id["sc_legacy0001"]["components"] == {"items": [3, 3, 1, 1, 1, 1, 0, 1, 1, 0]}
    assert by_id["sc_legacy0003"]["components"] == {"score": 9}
    assert by_id["sc_legacy0003"]["change"] == {"previousScoreId": "sc_legacy0002", "previousTotal": 6, "delta": 3,
                                                "baselineTotal": 6, "improvementPercent": None}
    assert by_id["sc_legacy0003"]["flags"] == [{"code": "mcid_worsened", "message": "Worse by 3"}]
    lesions = world.request("GET", f"/cases/{case}/lesions", user="pat.a").json_body["items"]
    assert sorted((lesion["label"], lesion["bodySite"], lesion["y"]) for lesion in lesions) == [
        ("Old scalp patch", "scalp", 0.05), ("Rash near the groin", "genital_area", 0.52)]
    events = world.request("GET", f"/cases/{case}/timeline", user="dr.one").json_body["items"]
    assert [e["summary"] for e in events] == [
        {"bodySite": "genital_area", "capturedAt": "2026-01-04T08:00:00+00:00", "source": "camera"},
        {"instrument": "ITCH_NRS", "total": 9, "flags": ["mcid_worsened"]}]
    photos = world.request("GET", f"/cases/{case}/photos?bodySite=genital_area", user="dr.one").json_body["items"]
    assert [(p["photoId"], p["capturedAt"]) for p in photos] == [("ph019b8a7c5e00aaaaaaaaaaaaaaaa",
                                                                  "2026-01-04T03:12:00+00:00")]
    upload = world.request("GET", f"/cases/{case}/photos/uploads/ph019b8a7c5e00aaaaaaaaaaaaaaaa", user="pat.a")
    assert upload.json_body["bodySite"] == "genital_area", upload.body
    # A new score finds the migrated one before it, and its baseline.
    after = world.request("POST", f"/cases/{case}/scores", user="pat.a",
                          body={"instrument": "ITCH_NRS", "components": {"score": 2}}).json_body
    assert (after["change"]["previousTotal"], after["change"]["baselineTotal"]) == (9, 6)


def test_a_lost_race_is_counted_and_the_other_runners_value_stays(world: World) -> None:
    from functions.lesions.adapters import seal_legacy_page
    from functions.shared.tables import LESIONS

    write_the_old_way(world)
    container = get_container()
    container.bind(LESIONS)
    client, case = _client(world), world.cases["a"]
    real = container.field_sealer

    class SecondRunnerFirst:
        """Between this runner's read and its write, another runner converts the same item."""

        def seal(self, table: str, record_id: str, fields: Any, **kwargs: Any) -> dict[str, bytes]:
            theirs = real.seal(table, record_id, fields)
            lesion_id = record_id.split("/")[1]
            client.update_item(TableName=PREFIX + "lesions", Key={"caseId": {"S": case}, "lesionId": {"S": lesion_id}},
                               UpdateExpression="SET " + ", ".join(f"{name}Sealed = :{name}" for name in theirs)
                                                + " REMOVE label, bodySite, #view, x, y",
                               ExpressionAttributeNames={"#view": "view"},
                               ExpressionAttributeValues={f":{name}": {"B": value} for name, value in theirs.items()})
            return real.seal(table, record_id, fields)

        def open(self, *args: Any, **kwargs: Any) -> Any:
            return real.open(*args, **kwargs)

    page = seal_legacy_page(SecondRunnerFirst(), None, 10)
    assert (page.examined, page.sealed, page.lost_races) == (2, 0, 2)
    lesions = world.request("GET", f"/cases/{case}/lesions", user="pat.a").json_body["items"]
    assert sorted(lesion["label"] for lesion in lesions) == ["Old scalp patch", "Rash near the groin"]
