"""Generated frames against the signaling WebSocket (hypothesis): two live visits side by side, and
frames from three of their four sockets interleaved: well-formed and malformed, oversized, deeply
nested, unknown actions, wrong types, and frames that aim at the other visit (its room id, its
participants as `to`). Whatever arrives:
- no crash: every frame is answered without an exception escaping the handler, and no error frame
  is the generic `internal_error`; every error frame has a stable code and a message;
- no cross-room delivery: nothing a socket of one visit receives names a participant of the other;
- the rate budget is spent on every frame, refused ones included (the connection item's `tat`
  moves on), so a flood of junk is throttled like any other traffic.
The visits are re-joined after each example, so a generated `leave` does not end the exploration."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from functions.signaling.adapters import ConnectionModel
from functions.signaling.messages import MAX_FRAME_BYTES, protocol
from tests.functional.conftest import REGION, World
from tests.functional.test_signaling import ANSWER, CANDIDATE, SDP, active_room, join, uid, ws  # noqa: F401
from tests.support.ws import Sockets

EXAMPLES = 25  # up to 5 frames each, about 100 frames: about 40 s against moto
CODE = re.compile(r"^[a-z][a-z_]{1,63}$")

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                      st.text(max_size=40))
json_value = st.recursive(json_leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                             st.dictionaries(st.text(max_size=12), inner,
                                                                             max_size=4)),
                          max_leaves=12)


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def frames(rooms: list[str], people: list[str]) -> st.SearchStrategy[str]:
    """One frame's text: a shaped frame (a known or unknown action, fields valid, foreign or junk) or raw junk."""
    actions = sorted(protocol()["actions"])
    fields: dict[str, st.SearchStrategy[Any]] = {
        "roomId": st.one_of(st.sampled_from(rooms), st.text(max_size=70), json_value),
        "to": st.one_of(st.sampled_from(people), st.text(max_size=70), json_value),
        "sdp": st.one_of(st.sampled_from([SDP, ANSWER]), json_value,
                         st.builds(lambda n: {"type": "offer", "sdp": "v" * n}, st.integers(1, 40_000))),
        "candidate": st.one_of(st.just(CANDIDATE), st.none(), json_value),
        "ref": st.one_of(st.text(max_size=70), json_value),
        "ts": st.one_of(st.integers(), st.floats(allow_nan=False), json_value),
    }
    shaped = st.builds(
        lambda action, chosen, extra: json.dumps({"action": action, **chosen, **extra}),
        st.one_of(st.sampled_from(actions), st.text(max_size=40), json_value),
        st.fixed_dictionaries({}, optional=fields),
        st.dictionaries(st.text(min_size=1, max_size=10), json_value, max_size=2),
    )
    # Well-formed frames of each action, aimed at either visit (its room, its people as `to`).
    aimed = st.one_of(
        st.builds(lambda room: {"action": "join", "roomId": room}, st.sampled_from(rooms)),
        st.builds(lambda to, sdp: {"action": "offer", "to": to, "sdp": sdp}, st.sampled_from(people), st.just(SDP)),
        st.builds(lambda to, sdp: {"action": "answer", "to": to, "sdp": sdp}, st.sampled_from(people),
                  st.just(ANSWER)),
        st.builds(lambda to: {"action": "ice", "to": to, "candidate": CANDIDATE}, st.sampled_from(people)),
        st.builds(lambda ts: {"action": "ping", "ts": ts}, st.integers(0, 2**40)),
        st.just({"action": "leave"}),
        st.from_regex(r"\A[a-z][a-zA-Z]{0,12}\Z").map(lambda name: {"action": name}),  # mostly unknown
    ).map(json.dumps)
    junk = st.one_of(
        st.text(max_size=200),  # mostly not JSON at all
        json_value.map(json.dumps),  # JSON that is not an object, or an object without an action
        st.integers(MAX_FRAME_BYTES - 40, MAX_FRAME_BYTES + 4_000).map(
            lambda n: json.dumps({"action": "ping", "ref": "x" * n})),
        st.integers(20, 5_000).map(nested),
        st.integers(20, 400).map(lambda d: '{"action": "ping", "ts": ' + nested(d) + "}"),
    )
    return st.one_of(aimed, aimed, shaped, junk)


def tat(table: Any, connection_id: str) -> float:
    item = table.get_item(TableName=ConnectionModel.Meta.table_name,
                          Key={"connectionId": {"S": connection_id}}, ConsistentRead=True)["Item"]
    return float(item["tat"]["N"])


def test_generated_frames_never_crash_never_cross_rooms_and_always_spend_budget(
    world: World, ws: Sockets,  # noqa: F811
) -> None:
    room_a = active_room(world, "pat.a", "a", "dr.one")
    room_b = active_room(world, "pat.b", "b", "dr.two")
    sockets = {"a-pat": ("pat.a", room_a), "a-doc": ("dr.one", room_a),
               "b-pat": ("pat.b", room_b), "b-doc": ("dr.two", room_b)}
    for connection, (user, room) in sockets.items():
        ws.connect(user, connection)
        join(ws, connection, room)
    ids_a = {uid(world, "pat.a"), uid(world, "dr.one")}
    ids_b = {uid(world, "pat.b"), uid(world, "dr.two")}
    other_room = {"a-pat": ids_b, "a-doc": ids_b, "b-pat": ids_a, "b-doc": ids_a}
    people = [*sorted(ids_a | ids_b), "nobody-here"]
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=world.endpoint)
    sent = 0
    codes: set[str] = set()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(st.sampled_from(["a-pat", "a-doc", "b-pat"]), frames([room_a, room_b], people)),
                    min_size=1, max_size=5))
    def run(batch: list[tuple[str, str]]) -> None:
        nonlocal sent
        for sender, text in batch:
            before = tat(dynamodb, sender)
            ws.send(sender, text)  # an exception escaping the handler fails the test here
            sent += 1
            assert tat(dynamodb, sender) > before, f"a frame was not charged to the budget: {text[:120]!r}"
        for connection in sockets:
            for frame in ws.new(connection):
                assert isinstance(frame, dict) and isinstance(frame.get("type"), str), frame
                if frame["type"] == "error":
                    assert CODE.match(str(frame.get("code"))) and frame.get("message"), frame
                    assert frame["code"] != "internal_error", frame
                    codes.add(frame["code"])
                seen = json.dumps({key: value for key, value in frame.items() if key != "ref"})
                leaked = [person for person in other_room[connection] if person in seen]
                assert not leaked, f"{connection} got a frame naming the other visit's people: {frame}"
        # Back into the visits for the next example (a generated `leave` may have taken a socket out).
        for connection, (_, room) in sockets.items():
            ws.send(connection, {"action": "join", "roomId": room})
        ws.drain(*sockets)

    run()
    print(f"ws fuzz: {sent} frames, error codes {sorted(codes)}")
    # The run reached past the envelope: malformed, oversized, unknown and foreign-room frames were all met.
    assert sent >= EXAMPLES and {"malformed_json", "frame_too_large", "unknown_action", "validation_error",
                                 "visit_not_found", "peer_not_found"} <= codes, codes
