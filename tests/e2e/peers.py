"""WebRTC peers (aiortc) and signaling sockets for end-to-end call tests.

aiortc is an independent WebRTC implementation: if it connects through our signaling and our
TURN credentials, so does any standard client. Nothing here knows how the backend works; it only
speaks the documented protocol (REST + WebSocket frames).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceCandidate,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
    VideoStreamTrack,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtcconfiguration import RTCIceTransportPolicy
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame
from PIL import Image, ImageStat

RELAYED_TYPES = frozenset({"offer", "answer", "ice", "iceRestart"})


def loopback_host_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
    """Stand-in for aioice.ice.get_host_addresses: aioice leaves out 127.0.0.1, tests use only it."""
    return ["127.0.0.1"] if use_ipv4 else []


# --- signaling ---------------------------------------------------------------------------------------
class Signaling:
    """One user's WebSocket to the gateway. Every frame received is kept, in order, in `received`;
    `expect` hands out frames that match and have not been handed out before."""

    def __init__(self, name: str, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.name = name
        self.socket = socket
        self.received: list[dict[str, Any]] = []
        self.closed = False
        self._taken: set[int] = set()
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, name: str, session: aiohttp.ClientSession, ws_url: str, ticket: str) -> Signaling:
        socket = await session.ws_connect(f"{ws_url}?ticket={ticket}", heartbeat=None)
        return cls(name, socket)

    async def _read(self) -> None:
        try:
            async for message in self.socket:
                if message.type is not aiohttp.WSMsgType.TEXT:
                    continue
                async with self._changed:
                    self.received.append(json.loads(message.data))
                    self._changed.notify_all()
        finally:
            async with self._changed:
                self.closed = True
                self._changed.notify_all()

    async def send(self, action: str, **fields: Any) -> None:
        await self.socket.send_str(json.dumps({"action": action, **fields}))

    async def expect(self, kind: str, timeout: float = 10.0, **match: Any) -> dict[str, Any]:
        """The next unclaimed frame of type `kind` whose fields equal `match` (`from_` means `from`)."""
        wanted = {("from" if key == "from_" else key): value for key, value in match.items()}

        def find() -> int | None:
            for index, frame in enumerate(self.received):
                if index in self._taken or frame.get("type") != kind:
                    continue
                if all(frame.get(key) == value for key, value in wanted.items()):
                    return index
            return None

        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: find() is not None or self.closed), timeout)
            index = find()
            if index is None:
                raise AssertionError(f"{self.name}: no '{kind}' frame matching {wanted} within {timeout} s "
                                     f"(socket closed: {self.closed}); received: {self.received}")
            self._taken.add(index)
            return self.received[index]

    def types(self) -> list[str]:
        return [str(frame.get("type")) for frame in self.received]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.socket.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader


# --- media -------------------------------------------------------------------------------------------
class ColourTrack(VideoStreamTrack):
    """30 fps frames of one solid RGB colour, so the receiver can check what it decoded."""

    def __init__(self, rgb: tuple[int, int, int], width: int = 320, height: int = 240) -> None:
        super().__init__()
        self.rgb = rgb
        self._picture = Image.new("RGB", (width, height), rgb)

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame: VideoFrame = VideoFrame.from_image(self._picture)  # type: ignore[no-untyped-call]  # aiortc/av ship no types
        frame.pts = pts
        frame.time_base = time_base
        return frame


@dataclass(frozen=True)
class DecodedFrame:
    width: int
    height: int
    mean_rgb: tuple[float, float, float]
    max_spread: float  # largest per-channel standard deviation: ~0 for a solid picture


def describe(frame: VideoFrame) -> DecodedFrame:
    """Decode to RGB (as a renderer would) and summarise the picture."""
    stat = ImageStat.Stat(frame.to_image())  # type: ignore[no-untyped-call]  # rgb24; av ships no types
    red, green, blue = stat.mean
    return DecodedFrame(frame.width, frame.height, (red, green, blue), max(stat.stddev))


# --- peers -------------------------------------------------------------------------------------------
@dataclass
class Peer:
    """An aiortc RTCPeerConnection with what a test needs to watch: states, channel messages, frames."""

    name: str
    ice_servers: list[RTCIceServer] = field(default_factory=list)
    relay_only: bool = False
    wanted_frames: int = 10

    def __post_init__(self) -> None:
        policy = RTCIceTransportPolicy.RELAY if self.relay_only else RTCIceTransportPolicy.ALL
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=self.ice_servers or None, iceTransportPolicy=policy))
        self.states: list[str] = []
        self.connected = asyncio.Event()
        self.failed = asyncio.Event()
        self.channel: RTCDataChannel | None = None
        self.channel_open = asyncio.Event()
        self.messages: asyncio.Queue[str] = asyncio.Queue()
        self.frames: list[DecodedFrame] = []
        self.first_frame_at: float | None = None
        self.enough_frames = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.pc.on("connectionstatechange", self._on_state)
        self.pc.on("datachannel", self.bind_channel)
        self.pc.on("track", self._on_track)

    def _on_state(self) -> None:
        state = self.pc.connectionState
        self.states.append(state)
        if state == "connected":
            self.connected.set()
        elif state in ("failed", "closed"):
            self.failed.set()

    def bind_channel(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        channel.on("open", self.channel_open.set)
        channel.on("message", lambda message: self.messages.put_nowait(str(message)))
        if channel.readyState == "open":
            self.channel_open.set()

    def open_channel(self, label: str) -> RTCDataChannel:
        channel = self.pc.createDataChannel(label)
        self.bind_channel(channel)
        return channel

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "video":
            self._tasks.append(asyncio.ensure_future(self._read_frames(track)))

    async def _read_frames(self, track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if self.first_frame_at is None:
                self.first_frame_at = time.monotonic()
            assert isinstance(frame, VideoFrame)
            self.frames.append(describe(frame))
            if len(self.frames) >= self.wanted_frames:
                self.enough_frames.set()

    async def wait_connected(self, timeout: float) -> None:
        """Until connectionState is 'connected' (ICE + DTLS done); fails early on 'failed'."""
        done = asyncio.ensure_future(self.connected.wait())
        broke = asyncio.ensure_future(self.failed.wait())
        try:
            await asyncio.wait({done, broke}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            done.cancel()
            broke.cancel()
        assert self.pc.connectionState == "connected", f"{self.name}: {self.pc.connectionState} ({self.states})"

    async def next_message(self, timeout: float = 10.0) -> str:
        return await asyncio.wait_for(self.messages.get(), timeout)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.pc.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def ice_servers_from(answer: dict[str, Any]) -> list[RTCIceServer]:
    """GET /visits/ice-servers -> aiortc configuration (one RTCIceServer per entry, as a browser takes it)."""
    return [RTCIceServer(urls=list(s["urls"]), username=s.get("username"), credential=s.get("credential"))
            for s in answer["iceServers"]]


# --- SDP and candidates ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SdpCandidate:
    mid: str | None
    mline_index: int
    line: str  # "candidate:..." as in RTCIceCandidate.candidate

    def frame(self) -> dict[str, Any]:
        return {"candidate": self.line, "sdpMid": self.mid, "sdpMLineIndex": self.mline_index}


def sdp_candidates(sdp: str) -> list[SdpCandidate]:
    found: list[SdpCandidate] = []
    mline, mid = -1, None
    for raw in sdp.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            mline, mid = mline + 1, None
        elif line.startswith("a=mid:"):
            mid = line[len("a=mid:"):]
        elif line.startswith("a=candidate:"):
            found.append(SdpCandidate(mid, mline, line[len("a="):]))
    return found


def candidate_types(sdp: str) -> set[str]:
    types = set()
    for candidate in sdp_candidates(sdp):
        words = candidate.line.split()
        types.add(words[words.index("typ") + 1])
    return types


def without_candidates(sdp: str) -> str:
    """The description a trickling client sends: no candidates, no end-of-candidates."""
    kept = [line for line in sdp.split("\r\n") if not line.startswith(("a=candidate:", "a=end-of-candidates"))]
    return "\r\n".join(kept)


def candidate_from_frame(value: dict[str, Any]) -> RTCIceCandidate:
    candidate = candidate_from_sdp(str(value["candidate"]).removeprefix("candidate:"))
    candidate.sdpMid = value.get("sdpMid")
    candidate.sdpMLineIndex = value.get("sdpMLineIndex")
    return candidate


def description(frame: dict[str, Any]) -> RTCSessionDescription:
    return RTCSessionDescription(sdp=frame["sdp"]["sdp"], type=frame["sdp"]["type"])


# --- negotiation -------------------------------------------------------------------------------------
@dataclass
class Negotiation:
    offer_sdp: str  # as the offerer produced it (before any trickle stripping)
    answer_sdp: str
    offer_frame: dict[str, Any] = field(default_factory=dict)
    answer_frame: dict[str, Any] = field(default_factory=dict)
    ice_frames: list[dict[str, Any]] = field(default_factory=list)  # as the answerer received them


async def negotiate(offerer: Peer, offerer_socket: Signaling, offerer_id: str,
                    answerer: Peer, answerer_socket: Signaling, answerer_id: str,
                    *, trickle: bool, timeout: float = 10.0) -> Negotiation:
    """Offer/answer through the signaling server.

    aiortc gathers every candidate before setLocalDescription returns. With `trickle`, the offer
    goes out without candidates and each candidate follows in its own `ice` frame, then an
    end-of-candidates `ice` frame (candidate null): the answerer can only connect if the server
    relayed those frames intact. Without `trickle`, candidates travel inside the SDP.
    """
    await offerer.pc.setLocalDescription(await offerer.pc.createOffer())
    offer_sdp = offerer.pc.localDescription.sdp
    sent_sdp = without_candidates(offer_sdp) if trickle else offer_sdp
    await offerer_socket.send("offer", to=answerer_id, sdp={"type": "offer", "sdp": sent_sdp})
    if trickle:
        for candidate in sdp_candidates(offer_sdp):
            await offerer_socket.send("ice", to=answerer_id, candidate=candidate.frame())
        await offerer_socket.send("ice", to=answerer_id, candidate=None)

    offer_frame = await answerer_socket.expect("offer", timeout, from_=offerer_id)
    await answerer.pc.setRemoteDescription(description(offer_frame))
    await answerer.pc.setLocalDescription(await answerer.pc.createAnswer())
    answer_sdp = answerer.pc.localDescription.sdp
    await answerer_socket.send("answer", to=offerer_id, sdp={"type": "answer", "sdp": answer_sdp})

    ice_frames: list[dict[str, Any]] = []
    if trickle:
        while True:
            frame = await answerer_socket.expect("ice", timeout, from_=offerer_id)
            ice_frames.append(frame)
            await answerer.pc.addIceCandidate(None if frame["candidate"] is None
                                              else candidate_from_frame(frame["candidate"]))
            if frame["candidate"] is None:
                break

    answer_frame = await offerer_socket.expect("answer", timeout, from_=answerer_id)
    await offerer.pc.setRemoteDescription(description(answer_frame))
    return Negotiation(offer_sdp, answer_sdp, offer_frame, answer_frame, ice_frames)


async def round_trip_ms(sender: Peer, echoer: Peer, timeout: float = 10.0) -> float:
    """One DataChannel round trip over the media path: sender -> echoer -> sender."""
    assert sender.channel is not None and echoer.channel is not None
    token = f"{time.monotonic_ns()}"
    started = time.monotonic()
    sender.channel.send(f"ping:{token}")
    assert await echoer.next_message(timeout) == f"ping:{token}"
    echoer.channel.send(f"pong:{token}")
    assert await sender.next_message(timeout) == f"pong:{token}"
    return (time.monotonic() - started) * 1000
