"""The local stack serves the SPA with the security headers CloudFront sends in AWS, and a page that
breaks the Content Security Policy fails the browser tests."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from infrastructure.web_security import PERMISSIONS_POLICY, content_security_policy
from local.stack import LocalStack
from tests.e2e.browser import CHROMIUM_FLAGS, WatchedBrowser, chromium_path

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/cases/case-0001", "/config.json"])
def test_app_pages_carry_the_deployed_security_headers(stack: LocalStack, path: str) -> None:
    answer = requests.get(stack.base_url + path, timeout=10)
    assert answer.status_code == 200
    if path == "/config.json":  # data, not a page: no document policy needed
        return
    host = urlsplit(stack.base_url).netloc
    assert answer.headers["Content-Security-Policy"] == content_security_policy(
        websocket_origins=[f"ws://{host}"], image_origins=[])
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["Permissions-Policy"] == PERMISSIONS_POLICY


def test_an_inline_script_is_refused_and_reported(stack: LocalStack) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = WatchedBrowser(playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                            args=CHROMIUM_FLAGS))
        try:
            page = browser.new_context().new_page()
            page.goto(stack.base_url + "/")
            page.get_by_test_id("login-username").wait_for(timeout=15000)
            page.evaluate("""() => {
                const script = document.createElement('script');
                script.textContent = 'window.injected = true';
                document.head.appendChild(script);
            }""")
            page.wait_for_timeout(200)
            assert page.evaluate("() => window.injected === undefined")
        finally:
            browser.close()
    assert any("script-src" in violation for violation in browser.csp_violations), browser.csp_violations
    with pytest.raises(AssertionError, match="Content Security Policy"):
        browser.assert_no_csp_violation()
