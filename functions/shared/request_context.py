"""Where the current request came from, for audit entries written deep inside a service.

Entrypoints set it first thing (REST: request id and source IP; WebSocket: the connection id);
code that audits without a request in hand (access refusals) reads it. A context variable, so a
warm container never carries one caller's source into the next invocation's thread or task.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestSource:
    """Where a request came from, for the `source` of its audit entries."""

    request_id: str = ""
    source_ip: str = ""


_UNKNOWN = RequestSource()
_current: ContextVar[RequestSource | None] = ContextVar("request_source", default=None)
# The cases this request has written an audit entry about. The REST entrypoint audits a route that
# touched a case only when the service did not already (one entry per disclosure, not two).
_audited_cases: ContextVar[frozenset[str]] = ContextVar("audited_cases", default=frozenset())


def set_request_source(source: RequestSource) -> None:
    """A new request begins: its source, and no case audited yet."""
    _current.set(source)
    _audited_cases.set(frozenset())


def note_audited_cases(case_ids: Iterable[str]) -> None:
    known = _audited_cases.get()
    _audited_cases.set(known | {case_id for case_id in case_ids if case_id})


def case_audited(case_id: str) -> bool:
    return case_id in _audited_cases.get()


def request_source() -> RequestSource:
    return _current.get() or _UNKNOWN
