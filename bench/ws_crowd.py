"""Many idle WebSocket clients in a process of their own (the broadcast baseline's chat users).

In the gateway's process they would share its GIL: reading 1,000 copies of every broadcast there
slowed the gateway and the handlers it measures. Here they read on the other core. The process
counts, per sequence number, how many measured signals its clients received (a shared array), so
the benchmark can wait for each broadcast to finish before sending the next.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from multiprocessing.sharedctypes import SynchronizedArray
from typing import Any

from bench.ws_clients import Client, connect, read_signal, unlimited_session

# spawn, not fork: the parent runs a gateway with threads, which a fork would copy mid-flight.
_CONTEXT = multiprocessing.get_context("spawn")


def _run(url: str, count: int, copies: Any, half: Any, measured_in: Any, ready: Any, stop: Any) -> None:
    asyncio.run(_crowd(url, count, copies, half, measured_in, ready, stop))


async def _crowd(url: str, count: int, copies: Any, half: Any, measured_in: Any, ready: Any, stop: Any) -> None:
    def heard(_: float, text: str) -> None:
        signal = read_signal(text)
        if signal is not None and 0 <= signal.seq < len(copies):
            copies[signal.seq] += 1  # this process is the only writer

    async def batch(session: Any, start: int, stop_at: int) -> list[Client]:
        return list(await asyncio.gather(*(connect(session, url, f"chat-user-{i}", heard)
                                           for i in range(start, stop_at))))

    async with unlimited_session() as session:
        clients = await batch(session, 0, count // 2)
        half.set()
        if not await asyncio.to_thread(measured_in.wait, 300):
            raise RuntimeError("the measured clients never connected")
        clients += await batch(session, count // 2, count)
        ready.set()
        await asyncio.to_thread(stop.wait)
        await asyncio.gather(*(client.close() for client in clients))


class Crowd:
    """`count` clients of `url`, connected half before and half after the caller's own clients."""

    def __init__(self, url: str, count: int, max_seq: int) -> None:
        self.count = count
        self.copies: SynchronizedArray[int] = _CONTEXT.Array("i", max_seq + 1, lock=False)  # type: ignore[assignment]
        self._half, self._measured_in = _CONTEXT.Event(), _CONTEXT.Event()
        self._ready, self._stop = _CONTEXT.Event(), _CONTEXT.Event()
        self._process = _CONTEXT.Process(
            target=_run, name="ws-crowd", daemon=True,
            args=(url, count, self.copies, self._half, self._measured_in, self._ready, self._stop))

    def _wait(self, event: Any, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not event.wait(0.2):
            if not self._process.is_alive():
                raise RuntimeError(f"the crowd process died before {what}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the crowd process timed out before {what}")

    def start(self) -> None:
        """Start the process; return once its first half is connected."""
        self._process.start()
        self._wait(self._half, "its first half connected", 300)

    def finish_connecting(self) -> None:
        """The caller's clients are in: connect the second half; return once it is."""
        self._measured_in.set()
        self._wait(self._ready, "its second half connected", 300)

    def alive(self) -> bool:
        return self._process.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._process.join(timeout=60)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=10)
