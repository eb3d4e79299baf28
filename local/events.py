"""Delivers EventBridge events to the app's @app.on_cw_event handlers.

moto routes S3 "Object Created" events through an EventBridge rule into an SQS queue (see
local/provision.py) but never invokes Lambda; this poller reads that queue and calls every
handler whose event pattern matches, as EventBridge would.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from typing import Any

from chalice.app import Chalice, CloudWatchEventConfig

from local.invoke import LambdaHandler, invoke, lambda_handler

log = logging.getLogger("local")

# EventBridge retries a failed asynchronous invoke twice before giving up.
MAX_ATTEMPTS = 3


def matches(pattern: Any, event: Any) -> bool:
    """A small EventBridge pattern matcher: nested fields; lists of allowed values; and the
    content filters {"prefix": s}, {"suffix": s}, {"exists": bool}, {"anything-but": [..]}."""
    if not isinstance(pattern, dict):
        return False
    for key, expected in pattern.items():
        present = isinstance(event, dict) and key in event
        value = event.get(key) if isinstance(event, dict) else None
        if isinstance(expected, dict):
            if not present or not matches(expected, value):
                return False
        elif isinstance(expected, list):
            if not _any_allowed(expected, present, value):
                return False
        else:
            return False  # EventBridge requires leaves to be lists
    return True


def _any_allowed(allowed: list[Any], present: bool, value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in allowed:
        if isinstance(rule, dict):
            if "exists" in rule:
                if bool(rule["exists"]) == present:
                    return True
                continue
            if present and any(_content_filter(rule, v) for v in values):
                return True
        elif present and rule in values:
            return True
    return False


def _content_filter(rule: dict[str, Any], value: Any) -> bool:
    if "prefix" in rule:
        return isinstance(value, str) and value.startswith(str(rule["prefix"]))
    if "suffix" in rule:
        return isinstance(value, str) and value.endswith(str(rule["suffix"]))
    if "anything-but" in rule:
        excluded = rule["anything-but"]
        return value not in (excluded if isinstance(excluded, list) else [excluded])
    return False


@dataclass(frozen=True)
class EventHandler:
    name: str
    pattern: dict[str, Any]
    handler: LambdaHandler
    function_name: str


def find_event_handlers(app: Chalice, stage: str = "local") -> list[EventHandler]:
    return [
        EventHandler(
            name=source.name,
            pattern=source.event_pattern,
            handler=lambda_handler(app, source.name),
            function_name=f"{app.app_name}-{stage}-{source.name}",
        )
        for source in app.event_sources
        if isinstance(source, CloudWatchEventConfig)
    ]


class EventPoller:
    """One background thread: receive from the queue, deliver, delete."""

    def __init__(self, sqs: Any, queue_url: str, handlers: list[EventHandler], wait_seconds: int = 1) -> None:
        self.handlers = handlers
        self._sqs = sqs
        self._queue_url = queue_url
        self._wait = wait_seconds
        self._retry: dict[str, set[str]] = {}  # message id -> handlers that still have to succeed
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-events", daemon=True)

    def start(self) -> None:
        if self.handlers:  # no handlers: events simply wait in the queue (as in a stack without targets)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                answer = self._sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=10,
                    WaitTimeSeconds=self._wait,
                    MessageSystemAttributeNames=["ApproximateReceiveCount"],
                )
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("reading the event queue failed")
                self._stop.wait(2)
                continue
            for message in answer.get("Messages", []):
                self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        attempts = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            event = json.loads(message["Body"])
        except ValueError:
            log.warning("dropped an event that is not JSON")
            self._delete(message)
            return
        # EventBridge retries each target on its own: a retry goes only to the handlers that failed.
        failed = self.deliver(event, only=self._retry.pop(message["MessageId"], None))
        if failed and attempts < MAX_ATTEMPTS:
            self._retry[message["MessageId"]] = set(failed)
            return  # visible again after the queue's visibility timeout
        if failed:
            log.warning("gave up on a %s event after %d attempts", event.get("detail-type"), attempts)
        self._delete(message)

    def deliver(self, event: dict[str, Any], only: set[str] | None = None) -> list[str]:
        """Call every matching handler (or only those named); returns the names of those that failed."""
        failed: list[str] = []
        for target in self.handlers:
            if (only is not None and target.name not in only) or not matches(target.pattern, event):
                continue
            try:
                invoke(target.handler, event, target.function_name)
                log.info("event %s -> %s", event.get("detail-type"), target.name)
            except Exception:
                log.exception("event handler %s failed", target.name)
                failed.append(target.name)
        return failed

    def _delete(self, message: dict[str, Any]) -> None:
        try:
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        except Exception:
            log.exception("could not remove a delivered event from the queue")
