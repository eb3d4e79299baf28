"""A real coturn server for one test: loopback only, a free port, a random shared secret.

    with turn_server(tmp_path) as turn:
        turn.url            # turn:127.0.0.1:P?transport=udp
        turn.secret         # what TURN_SHARED_SECRET must be for our credentials to work
        turn.log()          # coturn's log so far (verbose: allocations, permissions, 401s)

A missing `turnserver` binary FAILS the test (apt-get install coturn); it never skips.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
REALM = "dermafollow"
RELAY_PORTS = 100  # relay endpoints per server; a call needs one per peer
START_TIMEOUT_SECONDS = 10.0
STUN_MAGIC_COOKIE = 0x2112A442
STUN_BINDING_REQUEST = 0x0001
STUN_BINDING_SUCCESS = 0x0101


@dataclass(frozen=True)
class TurnServer:
    port: int
    secret: str
    min_port: int
    max_port: int
    log_path: Path
    output_path: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"turn:{HOST}:{self.port}?transport=udp"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def diagnostics(self) -> str:
        output = self.output_path.read_text(errors="replace") if self.output_path.exists() else ""
        return (output + self.log())[-3000:]


def turnserver_path() -> str:
    path = shutil.which("turnserver")
    if not path:
        raise AssertionError("coturn is not installed (apt-get install coturn): the TURN tests cannot run.")
    return path


def free_port() -> int:
    """A port free for both UDP and TCP on loopback (coturn listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise AssertionError("no free port for coturn")


def relay_port_range() -> tuple[int, int]:
    """A random block below the kernel's ephemeral range, so it does not fight the OS for ports."""
    low = 20000 + secrets.randbelow(100) * RELAY_PORTS
    return low, low + RELAY_PORTS - 1


def stun_answers(port: int, timeout: float = 0.3) -> bool:
    """True once a STUN Binding request to the port gets its success response."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", STUN_BINDING_REQUEST, 0, STUN_MAGIC_COOKIE) + transaction
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(timeout)
        try:
            probe.sendto(request, (HOST, port))
            data, _ = probe.recvfrom(2048)
        except OSError:  # refused (not bound yet) or timed out
            return False
    return len(data) >= 20 and struct.unpack("!H", data[:2])[0] == STUN_BINDING_SUCCESS and data[8:20] == transaction


@contextmanager
def turn_server(workdir: Path) -> Iterator[TurnServer]:
    binary = turnserver_path()
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    secret = secrets.token_urlsafe(24)
    min_port, max_port = relay_port_range()
    # A log file, not --log-file=stdout: coturn flushes its file after every line, while stdout
    # redirected to a file is block-buffered and a test reading it mid-run sees an incomplete log.
    log_path = workdir / "turnserver.log"
    output_path = workdir / "turnserver.out"
    command = [
        binary,
        "-n",  # no configuration file: only these options (a system turnserver.conf must not leak in)
        f"--listening-ip={HOST}",
        f"--relay-ip={HOST}",
        f"--listening-port={port}",
        f"--min-port={min_port}",
        f"--max-port={max_port}",
        "--use-auth-secret",
        f"--static-auth-secret={secret}",
        f"--realm={REALM}",
        "--allow-loopback-peers",
        "--no-cli",
        "--no-tls",
        "--no-dtls",
        "--verbose",  # logs each ALLOCATE / CREATE_PERMISSION / 401 with the session's username
        f"--log-file={log_path}",
        "--simple-log",  # that exact file name: no date or pid appended, no rollover
        "--no-stdout-log",
        f"--pidfile={workdir / 'turnserver.pid'}",
        f"--userdb={workdir / 'turndb'}",
    ]
    with output_path.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   env={**os.environ, "LC_ALL": "C"})
    server = TurnServer(port, secret, min_port, max_port, log_path, output_path, process)
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not stun_answers(port):
            if process.poll() is not None:
                raise AssertionError(f"turnserver exited with {process.returncode}:\n{server.diagnostics()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"turnserver did not answer STUN on {HOST}:{port} within "
                                     f"{START_TIMEOUT_SECONDS:.0f} s:\n{server.diagnostics()}")
            time.sleep(0.05)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
