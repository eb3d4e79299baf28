"""Sockets and addresses: bind listening ports up front (so a busy port is a clear error, not a
traceback from a server thread) and find this machine's LAN addresses for phone access."""

from __future__ import annotations

import errno
import ipaddress
import socket

WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class StartupError(Exception):
    """A problem the user can fix (busy port, bad address): printed as one line, exit code 2."""


class PortInUseError(StartupError):
    def __init__(self, host: str, port: int, option: str) -> None:
        super().__init__(f"port {port} on {host} is already in use (choose another with {option}; 0 picks a free one)")
        self.host = host
        self.port = port
        self.option = option


def bind_listener(host: str, port: int, option: str, *, blocking: bool = False) -> socket.socket:
    """A listening TCP socket, or PortInUseError / StartupError."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise StartupError(f"cannot listen on '{host}': {exc.strerror}") from None
    sock = socket.socket(family, kind, proto)
    try:
        # Same options as aiohttp's own sites: a restart may reuse a port in TIME_WAIT, but two
        # listeners on one port still fail on Linux.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6 and host in WILDCARD_HOSTS:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(host, port, option) from None
        raise StartupError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    sock.setblocking(blocking)
    return sock


def bound_port(sock: socket.socket) -> int:
    return int(sock.getsockname()[1])


def is_wildcard(host: str) -> bool:
    return host in WILDCARD_HOSTS


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """A host as it appears in a URL (IPv6 in brackets; a wildcard becomes the loopback address)."""
    if is_wildcard(host):
        return "127.0.0.1"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def lan_addresses() -> list[str]:
    """IPv4 addresses other devices on the network can reach this machine at (best effort)."""
    found: set[str] = set()
    try:
        # Connecting a UDP socket sends nothing; it only makes the kernel pick the outgoing address.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 1))
            found.add(str(probe.getsockname()[0]))
    except OSError:
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    except OSError:
        pass
    return sorted(ip for ip in found if not ipaddress.ip_address(ip).is_loopback)
