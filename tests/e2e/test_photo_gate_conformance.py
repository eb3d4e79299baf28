"""The browser's photo gate and the server's agree: the same generated files judged by the Python gate
(functions/images/processing.py) and by the TypeScript gate running in Chromium (the app's own
preparePhoto, bundled by web/vite.harness.config.ts).

Outside the browser's stated margin (capture_rules.json, browserMargin) the verdicts must be identical:
a photo the browser passes silently is accepted by the server, and a photo the browser refuses is
refused by the server with the same code. Inside the margin the browser uploads with a notice, and the
figures of both sides must still lie within the margin of each other (the premise of the margin).
A disagreement prints every figure of both sides."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.images.processing import ImageRejected, figures_of, process_image
from functions.images.rules import RULES
from tests.e2e.browser import chromium
from tests.support.gate_corpus import Sample, corpus

pytestmark = pytest.mark.browser

WEB = Path(__file__).resolve().parents[2] / "web"
MARGIN = RULES["browserMargin"]
SIZE_CODES = {"too_small", "too_many_pixels", "too_large"}


@pytest.fixture(scope="module")
def gate_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("gate-harness")
    vite = WEB / "node_modules" / ".bin" / "vite"
    if not vite.exists():
        raise AssertionError("web/node_modules is missing: run `npm ci` in web/ (make deps) first.")
    subprocess.run([str(vite), "build", "--config", "vite.harness.config.ts", "--outDir", str(out), "--logLevel",
                    "warn"], cwd=WEB, check=True, timeout=120)
    with chromium() as browser:
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.set_content("<!doctype html><html><body></body></html>")
        page.add_script_tag(path=str(out / "gate-harness.js"))
        page.wait_for_function("() => window.photoGate !== undefined")
        yield page
        assert errors == [], errors


def server_verdict(sample: Sample) -> tuple[str | None, dict[str, float] | None]:
    """(refusal code or None, figures or None when the size rules refuse before measuring)."""
    try:
        process_image(sample.data, sample.content_type)
        code = None
    except ImageRejected as rejected:
        code = rejected.code
    if code in SIZE_CODES:
        return code, None
    quality = figures_of(sample.data)
    return code, {
        "sharpness": quality.sharpness,
        "mean_luminance": quality.mean_luminance,
        "dark_fraction": quality.dark_fraction,
        "bright_fraction": quality.bright_fraction,
    }


def within_margin(server: dict[str, float], browser: dict[str, float]) -> list[str]:
    """The figures that differ by more than the margin. Sharpness is judged relative to the larger of
    the server's value and the threshold: far above the threshold a few % more or less decides nothing."""
    threshold = RULES["thresholds"]["blurMinVariance"]
    off = []
    if abs(server["sharpness"] - browser["sharpness"]) > MARGIN["sharpnessRelative"] * max(
            server["sharpness"], threshold):
        off.append("sharpness")
    if abs(server["mean_luminance"] - browser["mean_luminance"]) > MARGIN["luminance"]:
        off.append("mean_luminance")
    for name in ("dark_fraction", "bright_fraction"):
        if abs(server[name] - browser[name]) > MARGIN["fraction"]:
            off.append(name)
    return off


def test_the_browser_and_the_server_judge_every_corpus_photo_alike(gate_page: Any) -> None:
    rows: list[str] = []
    disagreements: list[str] = []
    outcomes: dict[str, set[str]] = {"refused": set(), "passed": set(), "notice": set()}
    for sample in corpus():
        server_code, server_figures = server_verdict(sample)
        browser = gate_page.evaluate(
            "([data, type]) => window.photoGate.judge(data, type)",
            [base64.b64encode(sample.data).decode(), sample.content_type],
        )
        row = (f"{sample.name:28} server={server_code or 'accepted':12} browser="
               f"{(browser['code'] or ('notice:' + browser['notice'] if browser['notice'] else 'passed')):20} "
               f"server figures={server_figures} browser figures={browser['figures']}")
        rows.append(row)
        if not browser["ok"]:
            outcomes["refused"].add(browser["code"])
            if browser["code"] != server_code:
                disagreements.append("refused in the browser, not so by the server: " + row)
        elif browser["notice"] is not None:
            outcomes["notice"].add(browser["notice"])
        else:
            outcomes["passed"].add(sample.name)
            if server_code is not None:
                disagreements.append("passed by the browser, refused by the server: " + row)
        if server_figures is not None:
            assert browser["figures"] is not None, row
            off = within_margin(server_figures, browser["figures"])
            if off:
                disagreements.append(f"figures {off} differ by more than the margin: " + row)
    report = "\n".join(rows)
    print(report)  # shown with `pytest -rP`: the figures of both sides, sample by sample
    assert disagreements == [], "\n".join(disagreements) + "\n\nall samples:\n" + report
    # The corpus exercises every verdict, so the comparison above is not vacuous.
    assert {"too_small", "blurry", "too_dark", "overexposed"} <= outcomes["refused"], report
    assert {"blurry", "too_dark", "overexposed"} <= outcomes["notice"], report
    assert len(outcomes["passed"]) >= 5, report
