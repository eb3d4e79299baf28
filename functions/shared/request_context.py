"""Where the current request came from, for audit entries written deep inside a service.

Entrypoints set it first thing (REST: request id and source IP; WebSocket: the connection id);
code that audits without a request in hand (access refusals) reads it. A context variable, so a
warm container never carries one caller's source into the next invocation's thread or task.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestSource:
    """Where a request came from, for the `source` of its audit entries."""

    request_id: str = ""
    source_ip: str = ""


_UNKNOWN = RequestSource()
_current: ContextVar[RequestSource | None] = ContextVar("request_source", default=None)


def set_request_source(source: RequestSource) -> None:
    _current.set(source)


def request_source() -> RequestSource:
    return _current.get() or _UNKNOWN
