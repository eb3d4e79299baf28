"""Debian Chromium driven by Playwright. A browser that cannot start FAILS the test (never skips)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise AssertionError("Chromium is not installed (apt-get install chromium); browser tests cannot run.")
    return path


CSP_REPORT = "Content Security Policy"


class WatchedBrowser:
    """A browser whose contexts report Content Security Policy violations. The local stack sends the
    deployed security headers, so a violation here is something that would break in AWS."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser
        self.csp_violations: list[str] = []

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.on("console", self._record)
        return context

    def _record(self, message: Any) -> None:
        if message.type == "error" and CSP_REPORT in message.text:
            self.csp_violations.append(message.text)

    def assert_no_csp_violation(self) -> None:
        assert self.csp_violations == [], "the app broke its Content Security Policy:\n" + "\n".join(
            self.csp_violations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def merged_flags(defaults: list[str], extra: list[str]) -> list[str]:
    """The defaults with each switch the test names replaced, not repeated: given both
    `--use-fake-ui-for-media-stream` and `--use-fake-ui-for-media-stream=deny`, which one Chromium
    obeys is not a promise, and a denied-camera test must not depend on it."""
    named = {flag.split("=", 1)[0] for flag in extra}
    return [flag for flag in defaults if flag.split("=", 1)[0] not in named] + extra


@contextmanager
def chromium(extra_flags: list[str] | None = None) -> Iterator[Any]:
    """A WatchedBrowser; leaving the block fails on any CSP violation its pages reported."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=merged_flags(CHROMIUM_FLAGS, extra_flags or [])
        )
        watched = WatchedBrowser(browser)
        try:
            yield watched
        finally:
            browser.close()
        watched.assert_no_csp_violation()
