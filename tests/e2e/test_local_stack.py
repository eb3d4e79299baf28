"""The local stack end to end: real HTTP and WebSocket clients against `LocalStack` (moto, the API
Gateway emulation and the app in one process). Nothing of ours is mocked."""

from __future__ import annotations

import asyncio
import json
import queue
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from botocore.exceptions import ClientError
from chalice.app import Chalice, Rate

from local.env import PROJECT_ROOT, stage_environment
from local.scheduler import CronSchedule, RateSchedule, parse_schedule
from local.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, PAT_ALEX, PAT_BLAIR
from local.stack import LocalStack
from local.ws_gateway import FRAME_LIMIT_BYTES, IDLE_TIMEOUT_SECONDS, MAX_CONNECTION_SECONDS
from tests.e2e.conftest import Api, run


def management_client(stack: LocalStack) -> Any:
    """What the app's handlers use to reach sockets: botocore against the local @connections API."""
    import boto3

    return boto3.session.Session().client(
        "apigatewaymanagementapi", region_name="eu-west-1", endpoint_url=stack.control_url + "/_apigw",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )


# --- REST ------------------------------------------------------------------------------------------
def test_health_config_and_spa(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            status, body = await Api(session, stack).call("GET", "/health")
            assert (status, body) == (200, {"status": "ok"})
            async with session.get(stack.base_url + "/config.json") as response:
                config = await response.json()
            assert config == {"apiUrl": "/api", "wsUrl": stack.ws_url}
            async with session.get(stack.base_url + "/cases/some-client-route") as response:
                # The built SPA's shell, or the page that says how to build it.
                assert response.status in (200, 503)
                assert response.content_type == "text/html"

    run(scenario())
    banner = stack.banner()
    assert stack.api_url in banner and stack.ws_url in banner and DEMO_PASSWORD in banner


def test_every_demo_account_signs_in(stack: LocalStack) -> None:
    assert {a.username for a in stack.demo_accounts} == {a.username for a in DEMO_ACCOUNTS}

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            for account in stack.demo_accounts:
                token = await api.token(account.username, account.password)
                status, me = await api.call("GET", "/me", token=token)
                assert status == 200
                assert (me["username"], me["role"]) == (account.username, account.role.value)
            status, _ = await api.call("POST", "/auth/login", body={"username": "pat.alex", "password": "nope"})
            assert status == 401
            status, _ = await api.call("GET", "/me")
            assert status == 401

    run(scenario())


def test_a_patient_sees_only_her_own_cases(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            alex = await api.login(PAT_ALEX.username, PAT_ALEX.password)
            blair = await api.login(PAT_BLAIR.username, PAT_BLAIR.password)
            chen = await api.login("dr.chen", DEMO_PASSWORD)

            status, alex_cases = await api.call("GET", "/cases", token=alex["accessToken"])
            assert status == 200
            assert [c["condition"] for c in alex_cases["items"]] == ["Plaque psoriasis"]
            case = alex_cases["items"][0]
            assert case["patientId"] == alex["me"]["userId"]

            status, detail = await api.call("GET", f"/cases/{case['caseId']}", token=alex["accessToken"])
            assert status == 200
            assert "elbow_left" in detail["bodySites"]
            assert detail["doctors"] == [{"doctorId": chen["me"]["userId"], "kind": "assigned"}]

            status, blair_cases = await api.call("GET", "/cases", token=blair["accessToken"])
            assert status == 200
            assert blair_cases["items"]  # her own cases, and nobody else's (other tests may open more of hers)
            assert {c["patientId"] for c in blair_cases["items"]} == {blair["me"]["userId"]}
            status, _ = await api.call("GET", f"/cases/{case['caseId']}", token=blair["accessToken"])
            assert status == 404  # not 403: ids cannot be probed

            status, chen_cases = await api.call("GET", "/cases", token=chen["accessToken"])
            assert [c["caseId"] for c in chen_cases["items"]] == [case["caseId"]]

    run(scenario())


# --- WebSocket -------------------------------------------------------------------------------------
def test_websocket_ping_returns_pong(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            ticket = await api.ticket(await api.token(PAT_ALEX.username, PAT_ALEX.password))
            async with session.ws_connect(f"{stack.ws_url}?ticket={ticket}") as socket_:
                await socket_.send_str(json.dumps({"action": "ping", "ts": 1234}))
                frame = json.loads(await socket_.receive_str(timeout=10))
                assert frame["type"] == "pong" and frame["ts"] == 1234

                await socket_.send_str("not json")
                error = json.loads(await socket_.receive_str(timeout=10))
                assert (error["type"], error["code"]) == ("error", "malformed_json")

    run(scenario())


def test_reused_or_missing_ticket_is_refused_at_connect(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            ticket = await api.ticket(await api.token(PAT_BLAIR.username, PAT_BLAIR.password))
            async with session.ws_connect(f"{stack.ws_url}?ticket={ticket}"):
                pass
            for url in (f"{stack.ws_url}?ticket={ticket}", stack.ws_url, f"{stack.ws_url}?ticket=forged"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    async with session.ws_connect(url):
                        pass
                assert refused.value.status == 401

    run(scenario())


def test_management_api_answers_like_api_gateway(stack: LocalStack) -> None:
    client = management_client(stack)
    with pytest.raises(client.exceptions.GoneException):
        client.post_to_connection(ConnectionId="bm90LWEtY29ubmVjdGlvbg=", Data=b"{}")

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            async with session.post(stack.control_url + "/_apigw/@connections/unknown-id", data=b"{}") as response:
                assert response.status == 410
                assert response.headers["x-amzn-ErrorType"] == "GoneException"
                assert await response.json() == {"message": "Gone"}

            api = Api(session, stack)
            ticket = await api.ticket(await api.token("dr.okafor", DEMO_PASSWORD))
            assert stack.ws is not None
            before = set(stack.ws.connections)
            async with session.ws_connect(f"{stack.ws_url}?ticket={ticket}") as socket_:
                connection_id = await new_connection(stack, before)

                # botocore runs in a worker thread, as it does inside a handler.
                def manage() -> dict[str, Any]:
                    info: dict[str, Any] = client.get_connection(ConnectionId=connection_id)
                    client.post_to_connection(ConnectionId=connection_id, Data=b'{"type":"hello"}')
                    return info

                info = await asyncio_to_thread(manage)
                assert info["Identity"]["SourceIp"] == "127.0.0.1"
                assert info["ConnectedAt"] <= info["LastActiveAt"]
                assert json.loads(await socket_.receive_str(timeout=10)) == {"type": "hello"}

                await asyncio_to_thread(lambda: client.delete_connection(ConnectionId=connection_id))
                closing = await socket_.receive(timeout=10)
                assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            with pytest.raises(ClientError) as gone:
                await asyncio_to_thread(lambda: client.get_connection(ConnectionId=connection_id))
            assert gone.value.response["Error"]["Code"] == "GoneException"

    run(scenario())


def test_frames_over_32_kb_close_the_socket_with_1009(stack: LocalStack) -> None:
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            ticket = await api.ticket(await api.token(PAT_ALEX.username, PAT_ALEX.password))
            async with session.ws_connect(f"{stack.ws_url}?ticket={ticket}") as socket_:
                await socket_.send_str(json.dumps({"action": "ping", "pad": "x" * FRAME_LIMIT_BYTES}))
                closed = await socket_.receive(timeout=10)
                assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
                assert socket_.close_code == 1009

    run(scenario())


def test_idle_and_old_connections_are_closed_with_1001(stack: LocalStack) -> None:
    assert stack.ws is not None
    gateway = stack.ws

    async def closes_after(idle: float, max_age: float, keep_talking: bool) -> tuple[float, int | None]:
        gateway.idle_timeout, gateway.max_age = idle, max_age
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            ticket = await api.ticket(await api.token(PAT_ALEX.username, PAT_ALEX.password))
            started = time.monotonic()
            async with session.ws_connect(f"{stack.ws_url}?ticket={ticket}") as socket_:
                while True:
                    if keep_talking:
                        await socket_.send_str(json.dumps({"action": "ping"}))
                    message = await socket_.receive(timeout=10)
                    if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                        return time.monotonic() - started, socket_.close_code

    try:
        idle_for, code = run(closes_after(idle=0.5, max_age=60, keep_talking=False))
        assert code == 1001 and 0.4 < idle_for < 5
        # Activity resets the idle timer only; the idle limit stays well above a ping's round trip on a
        # loaded machine, so only the age limit can close this one.
        aged_for, code = run(closes_after(idle=2.0, max_age=4.0, keep_talking=True))
        assert code == 1001 and 3.7 < aged_for < 10
    finally:
        gateway.idle_timeout, gateway.max_age = IDLE_TIMEOUT_SECONDS, MAX_CONNECTION_SECONDS


async def new_connection(stack: LocalStack, before: set[str]) -> str:
    assert stack.ws is not None
    for _ in range(100):
        fresh = set(stack.ws.connections) - before
        if fresh:
            return fresh.pop()
        await asyncio.sleep(0.02)
    raise AssertionError("the connection was never registered")


async def asyncio_to_thread(function: Any) -> Any:
    return await asyncio.to_thread(function)


# --- persistence -----------------------------------------------------------------------------------
def test_restart_keeps_users_cases_and_files(stack: LocalStack) -> None:
    assert stack.resources is not None
    bucket = stack.resources.image_bucket
    stack.client("s3").put_object(Bucket=bucket, Key="cases/c1/photo.jpg", Body=b"\xff\xd8jpeg",
                                  ContentType="image/jpeg", Metadata={"case-id": "c1"})

    async def read_state() -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
        async with aiohttp.ClientSession() as session:
            api = Api(session, stack)
            alex = await api.login(PAT_ALEX.username, PAT_ALEX.password)
            _, cases = await api.call("GET", "/cases", token=alex["accessToken"])
            _, detail = await api.call("GET", f"/cases/{cases['items'][0]['caseId']}", token=alex["accessToken"])
            return alex["me"]["userId"], cases["items"], detail

    def user_count() -> int:
        # Every account of the pool: the demo accounts, and whatever earlier tests of the session
        # added (the synthetic clinic's patients, for one). The pool is made anew at each start.
        assert stack.resources is not None
        pages = stack.client("cognito-idp").get_paginator("list_users").paginate(
            UserPoolId=stack.resources.user_pool_id)
        return sum(len(page["Users"]) for page in pages)

    before = run(read_state())
    users = user_count()
    assert users >= len(DEMO_ACCOUNTS)
    stack.stop()
    assert not stack.running
    stack.start()  # moto starts empty: everything below came back from the data folder
    assert stack.restored is not None and stack.restored.users == users == user_count()
    assert run(read_state()) == before

    saved = stack.client("s3").get_object(Bucket=bucket, Key="cases/c1/photo.jpg")
    assert saved["Body"].read() == b"\xff\xd8jpeg"
    assert (saved["ContentType"], saved["Metadata"]) == ("image/jpeg", {"case-id": "c1"})


def test_a_handler_still_running_at_stop_is_saved_whole(stack: LocalStack) -> None:
    # A handler outlives the HTTP server's shutdown grace (a slow request, a late $disconnect): its
    # writes must be in the saved data, and the snapshot must not interleave with them (a snapshot
    # scans tables page by page, so an audit chain's entries and its head marker could be saved
    # apart, and the restarted stack would find the chain broken).
    assert stack.resources is not None
    bucket = stack.resources.image_bucket
    s3 = stack.client("s3")
    started = threading.Event()

    saved_files = stack.data_dir / "state" / "s3.json"

    def saved_at() -> float:
        return saved_files.stat().st_mtime if saved_files.exists() else 0.0

    before = saved_at()

    def slow_handler() -> None:
        started.set()
        # Outlive the server's stop: write once the stack has saved its files (as the stack did
        # before it waited for its handlers) or after 3 s, whichever comes first.
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and saved_at() == before:
            time.sleep(0.05)
        s3.put_object(Bucket=bucket, Key="cases/c1/late.txt", Body=b"written after stop() began")

    in_flight = stack._executor.submit(slow_handler)  # type: ignore[union-attr]  # the stack's Lambda threads
    assert started.wait(5)
    stack.stop()
    assert in_flight.done() and in_flight.exception() is None
    stack.start()
    saved = stack.client("s3").get_object(Bucket=bucket, Key="cases/c1/late.txt")
    assert saved["Body"].read() == b"written after stop() began"


# --- schedules and events --------------------------------------------------------------------------
IMAGE_BUCKET = stage_environment()["IMAGE_BUCKET"]
calls: queue.Queue[tuple[str, Any]] = queue.Queue()
probe = Chalice(app_name="local-stack-probe")


@probe.route("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}


@probe.schedule(Rate(1, unit=Rate.MINUTES))
def every_minute(event: Any) -> None:
    calls.put(("every_minute", event.to_dict()))


@probe.schedule("cron(0 3 ? * MON#1 *)")
def first_monday(event: Any) -> None:
    calls.put(("first_monday", event.to_dict()))


@probe.on_cw_event({"source": ["aws.s3"], "detail-type": ["Object Created"],
                    "detail": {"bucket": {"name": [IMAGE_BUCKET]}, "object": {"key": [{"prefix": "uploads/"}]}}})
def on_upload(event: Any) -> None:
    calls.put(("on_upload", event.detail["object"]["key"]))


@probe.on_cw_event({"source": ["aws.s3"], "detail": {"bucket": {"name": ["some-other-bucket"]}}})
def other_bucket(event: Any) -> None:
    calls.put(("other_bucket", event.detail["object"]["key"]))


def next_call(timeout: float = 10.0) -> tuple[str, Any]:
    return calls.get(timeout=timeout)


def test_schedules_and_events_reach_the_apps_handlers(stack_paused: LocalStack, tmp_path: Path) -> None:
    # 120x time: the one-minute rate fires every half second of real time.
    origin = time.time()

    def fast_clock() -> float:
        return origin + (time.time() - origin) * 120

    while not calls.empty():
        calls.get_nowait()
    with LocalStack(app=probe, port=0, data_dir=tmp_path, seed=False, schedule_clock=fast_clock,
                    schedule_tick=0.05) as own:
        assert own.scheduler is not None and set(own.scheduler.jobs) == {"every_minute", "first_monday"}

        name, event = next_call()
        assert name == "every_minute"
        assert (event["detail-type"], event["source"]) == ("Scheduled Event", "aws.events")

        # On demand, as `python -m local.run job NAME` does it (through the stack's runtime file).
        done = subprocess.run(
            [sys.executable, "-m", "local.run", "job", "first_monday", "--data-dir", str(tmp_path)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "ok" in done.stdout
        assert "first_monday" in {n for n, _ in drain(calls, until="first_monday")}
        unknown = subprocess.run(
            [sys.executable, "-m", "local.run", "job", "nope", "--data-dir", str(tmp_path)],
            cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
        )
        assert unknown.returncode == 1 and "every_minute" in unknown.stderr

        s3 = own.client("s3")
        s3.put_object(Bucket=IMAGE_BUCKET, Key="elsewhere/ignored.jpg", Body=b"x")
        s3.put_object(Bucket=IMAGE_BUCKET, Key="uploads/lesion.jpg", Body=b"y")
        delivered = drain(calls, until="on_upload")
        assert ("on_upload", "uploads/lesion.jpg") in delivered
        assert not any(n in ("other_bucket",) or v == "elsewhere/ignored.jpg" for n, v in delivered)

        async def route() -> int:
            async with aiohttp.ClientSession() as session, session.get(own.api_url + "/hello") as response:
                return response.status

        assert run(route()) == 200


def drain(source: queue.Queue[tuple[str, Any]], until: str, timeout: float = 15.0) -> list[tuple[str, Any]]:
    """Calls received until one named `until` arrives (scheduled runs keep interleaving)."""
    seen: list[tuple[str, Any]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            item = source.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(item)
        if item[0] == until:
            return seen
    raise AssertionError(f"{until} was not called; saw {[n for n, _ in seen]}")


def test_schedule_expressions_follow_eventbridge() -> None:
    assert isinstance(rate := parse_schedule("rate(5 minutes)"), RateSchedule) and rate.seconds == 300
    assert isinstance(parse_schedule(Rate(2, unit=Rate.HOURS)), RateSchedule)
    first_monday = parse_schedule("cron(0 3 ? * MON#1 *)")
    assert isinstance(first_monday, CronSchedule)
    assert first_monday.matches(datetime(2026, 11, 2, 3, 0, tzinfo=UTC))
    assert not first_monday.matches(datetime(2026, 11, 9, 3, 0, tzinfo=UTC))
    weekdays = parse_schedule("cron(*/15 8-17 ? * MON-FRI *)")
    assert isinstance(weekdays, CronSchedule)
    assert weekdays.matches(datetime(2026, 11, 26, 9, 45, tzinfo=UTC))  # a Thursday
    assert not weekdays.matches(datetime(2026, 11, 28, 9, 45, tzinfo=UTC))  # a Saturday
    last_day = parse_schedule("cron(30 23 L * ? *)")
    assert isinstance(last_day, CronSchedule) and last_day.matches(datetime(2026, 2, 28, 23, 30, tzinfo=UTC))
    for bad in ("cron(0 3 * * * *)", "cron(0 3 1W * ? *)", "rate(0 minutes)", "every day"):
        with pytest.raises(ValueError):
            parse_schedule(bad)


# --- command line ----------------------------------------------------------------------------------
def test_a_busy_port_is_a_one_line_error_with_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        for option in ("--port", "--moto-port"):
            args = [option, str(port)] + (["--port", "0"] if option == "--moto-port" else [])
            done = subprocess.run(
                [sys.executable, "-m", "local.run", *args, "--data-dir", str(tmp_path), "--no-seed"],
                cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
            )
            assert done.returncode == 2, done.stderr
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
            assert f"port {port}" in lines[0] and "already in use" in lines[0] and option in lines[0]


def test_a_data_folder_serves_one_stack_at_a_time(stack: LocalStack) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "local.run", "--port", "0", "--data-dir", str(stack.data_dir)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "in use by another local stack" in done.stderr
