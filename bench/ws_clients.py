"""WebSocket client code shared by the signaling benchmarks (aiohttp).

Every measured frame is an `ice` signal whose candidate string carries a sequence number and whose
usernameFragment carries the sender's tag, so any relay (ours, a bare forwarder, the Scan-based
chat sample) can be measured with the same client code: the receiver finds both in what arrives.
An `offer` carries the two in its SDP's origin line (`o=<sender> <seq> ...`).
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

TextHandler = Callable[[float, str], None]


def ice_frame(seq: int, sender: str) -> dict[str, Any]:
    """A relayable `ice` action (docs/api.md) whose payload says who sent it and which one it is."""
    return {
        "action": "ice",
        "candidate": {
            "candidate": f"candidate:{seq} 1 udp 2122260223 127.0.0.1 {40000 + seq % 20000} typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
            "usernameFragment": sender,
        },
    }


def offer_frame(seq: int, sender: str) -> dict[str, Any]:
    """A relayable `offer` action whose SDP origin line says who sent it and which one it is."""
    sdp = f"v=0\r\no={sender} {seq} 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    return {"action": "offer", "sdp": {"type": "offer", "sdp": sdp}}


def _offer_origin(frame: dict[str, Any]) -> tuple[int, str] | None:
    description = frame.get("sdp")
    if not isinstance(description, dict):
        return None
    for line in str(description.get("sdp", "")).split("\r\n"):
        if line.startswith("o="):
            parts = line[2:].split(" ")
            if len(parts) >= 2 and parts[1].isdigit():
                return int(parts[1]), parts[0]
    return None


@dataclass(frozen=True)
class Signal:
    seq: int
    sender: str  # the tag the sending client put in the payload
    relayed_from: str | None  # what the relay says (`from`), if it says anything
    kind: str


def read_signal(text: str) -> Signal | None:
    """The measured signal inside a received frame, or None for anything else (joins, errors)."""
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    if not isinstance(frame, dict):
        return None
    relayed_from = frame.get("from")
    kind = str(frame.get("type") or frame.get("action") or "")
    if kind == "offer":
        origin = _offer_origin(frame)
        if origin is None:
            return None
        return Signal(origin[0], origin[1], str(relayed_from) if relayed_from is not None else None, kind)
    candidate = frame.get("candidate")
    if not isinstance(candidate, dict):
        return None
    line = str(candidate.get("candidate", ""))
    if not line.startswith("candidate:"):
        return None
    try:
        seq = int(line[len("candidate:"):].split(" ", 1)[0])
    except ValueError:
        return None
    return Signal(seq, str(candidate.get("usernameFragment", "")),
                  str(relayed_from) if relayed_from is not None else None, kind)


def describe(text: str) -> str:
    """A short label for a frame: `signal` for a measured one, else its type (an error: its code)."""
    if read_signal(text) is not None:
        return "signal"
    try:
        frame = json.loads(text)
    except ValueError:
        return "not-json"
    if not isinstance(frame, dict):
        return "other"
    if frame.get("type") == "error":
        return f"error:{frame.get('code')}"
    return str(frame.get("type") or frame.get("message") or "other")


class Client:
    """One socket and its reader task; each text frame is timestamped (perf_counter) on arrival.

    Frames go to `on_text` if given, else into `inbox`. Frames the waits below pass over are
    counted in `skipped` by type (errors by code), so nothing unexpected goes unnoticed.
    """

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, name: str, on_text: TextHandler | None = None) -> None:
        self.socket = ws
        self.name = name
        self.inbox: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
        self.skipped: Counter[str] = Counter()
        self._on_text = on_text
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            arrived = time.perf_counter()
            if self._on_text is not None:
                self._on_text(arrived, message.data)
            else:
                self.inbox.put_nowait((arrived, message.data))

    def listen(self, on_text: TextHandler) -> None:
        """From now on hand every frame to `on_text` (frames already queued first, in order)."""
        while not self.inbox.empty():
            on_text(*self.inbox.get_nowait())
        self._on_text = on_text

    async def send(self, frame: dict[str, Any] | str) -> None:
        await self.socket.send_str(frame if isinstance(frame, str) else json.dumps(frame, separators=(",", ":")))

    async def next_frame(self, accept: Callable[[dict[str, Any]], bool], timeout: float = 10.0) -> dict[str, Any]:
        """The next JSON frame `accept` likes; earlier frames are dropped."""
        deadline = time.monotonic() + timeout
        while True:
            _, text = await asyncio.wait_for(self.inbox.get(), max(0.0, deadline - time.monotonic()))
            try:
                frame = json.loads(text)
            except ValueError:
                self.skipped["not-json"] += 1
                continue
            if isinstance(frame, dict) and accept(frame):
                return frame
            self.skipped[describe(text)] += 1

    async def signal_arrival(self, seq: int, sender: str, timeout: float = 30.0) -> float:
        """When the signal `seq` from `sender` arrived (frames before it are dropped)."""
        deadline = time.monotonic() + timeout
        while True:
            arrived, text = await asyncio.wait_for(self.inbox.get(), max(0.0, deadline - time.monotonic()))
            signal = read_signal(text)
            if signal is not None and signal.seq == seq and signal.sender == sender:
                return arrived
            self.skipped[describe(text)] += 1

    async def close(self) -> None:
        await self.socket.close()
        await self._reader


async def connect(session: aiohttp.ClientSession, url: str, name: str, on_text: TextHandler | None = None) -> Client:
    ws = await session.ws_connect(url, autoping=True, max_msg_size=0)
    return Client(ws, name, on_text)


async def join(client: Client, room_id: str, timeout: float = 30.0) -> dict[str, Any]:
    await client.send({"action": "join", "roomId": room_id})
    frame = await client.next_frame(lambda f: f.get("type") in ("joined", "error"), timeout)
    if frame["type"] != "joined":
        raise RuntimeError(f"join refused: {frame}")
    return frame


def unlimited_session() -> aiohttp.ClientSession:
    """aiohttp caps a session at 100 connections by default; a WebSocket holds one for good."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


async def sequential_latency(first: Client, second: Client, count: int, *, wrap: Callable[[dict[str, Any]], str],
                             interval: float, warmup: int = 0,
                             settle: Callable[[int], Awaitable[None]] | None = None,
                             timeout: float = 30.0, progress: Callable[[int], None] | None = None) -> list[float]:
    """Send `warmup + count` signals one at a time, alternating direction; ms until the peer has each.

    A signal is sent only after the previous one arrived (and `settle` returned), and never sooner
    than `interval` seconds after the previous send: each client stays within the rate budget.
    """
    latencies: list[float] = []
    for seq in range(1, warmup + count + 1):
        sender, receiver = (first, second) if seq % 2 else (second, first)
        started = time.perf_counter()
        await sender.send(wrap(ice_frame(seq, sender.name)))
        arrived = await receiver.signal_arrival(seq, sender.name, timeout)
        if seq > warmup:
            latencies.append((arrived - started) * 1000)
            if progress is not None:
                progress(seq - warmup)
        if settle is not None:
            await settle(seq)
        rest = started + interval - time.perf_counter()
        if rest > 0:
            await asyncio.sleep(rest)
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


class BareRelay:
    """The floor: an aiohttp WebSocket server on 127.0.0.1 that forwards each text frame to the
    other sockets, unchanged (no auth, no storage). It runs on its own loop in a thread, as the
    local gateway does."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="bare-relay", daemon=True)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        peer = web.WebSocketResponse()
        await peer.prepare(request)
        self._sockets.append(peer)
        try:
            async for message in peer:
                if message.type == aiohttp.WSMsgType.TEXT:
                    for other in self._sockets:
                        if other is not peer and not other.closed:
                            await other.send_str(message.data)
        finally:
            self._sockets.remove(peer)
        return peer

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/ws", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        self.port = int(listener.getsockname()[1])
        await web.SockSite(self._runner, listener).start()

    async def _stop(self) -> None:
        for peer in list(self._sockets):
            await peer.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def __enter__(self) -> BareRelay:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
