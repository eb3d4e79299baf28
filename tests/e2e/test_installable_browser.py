"""DermaFollow can be added to a phone's home screen: Chromium's own installability check finds no
error in the manifest, icons and service worker, and the service worker keeps the app shell only,
never an API answer, a photo or the runtime config, even after a session that used all of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.seed import PAT_ALEX
from local.stack import LocalStack
from tests.e2e.browser import CHROMIUM_FLAGS, chromium_path
from tests.e2e.test_case_tracking_browser import PHONE, WAIT_MS

pytestmark = pytest.mark.browser

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""


def test_the_app_is_installable_and_caches_only_its_shell(stack: LocalStack, browser: Any, tmp_path: Path) -> None:
    # A profile on disk: Chromium never offers to install from an off-the-record context (the
    # default for Playwright's contexts), so its check would answer only "in-incognito".
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS, **PHONE)
    page = context.pages[0] if context.pages else context.new_page()
    page.goto(stack.base_url + "/")
    page.get_by_test_id("login-username").fill(PAT_ALEX.username)
    page.get_by_test_id("login-password").fill(PAT_ALEX.password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("home-patient").wait_for(timeout=WAIT_MS)
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == stack.base_url + "/"

    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and manifest["url"].endswith("/manifest.webmanifest")
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    # A session's worth of API traffic through a page the worker now controls: none of it is kept.
    page.reload()
    page.get_by_test_id("home-patient").wait_for(timeout=WAIT_MS)
    assert page.evaluate("() => navigator.serviceWorker.controller !== null")
    page.locator("a[href^='/cases/']").first.click()
    page.wait_for_load_state("networkidle")
    cached = page.evaluate(CACHED_URLS)
    assert "/index.html" in cached and any(url.startswith("/assets/") for url in cached), cached
    assert all(url == "/index.html" or url == "/manifest.webmanifest" or url.startswith(("/assets/", "/icons/"))
               for url in cached), cached
    context.close()
