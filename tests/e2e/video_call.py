"""Shared machinery of the browser video-call test and `python -m bench.call_setup`.

- Known pictures: each side's fake camera plays a generated y4m clip (`--use-file-for-fake-video-capture`
  is per browser, so each side runs its own Chromium). The patient's clip is 1280x720 (stills must be at
  least 800x600): a solid magenta centre, so the doctor can check the colour it receives, inside a border
  of changing luma noise, which gives the photo check its sharpness and the encoder real work to do. The
  doctor's clip is solid cyan, 640x480.
- An init script wraps RTCPeerConnection and getUserMedia, so a test can read getStats and sender
  parameters, see the times at which video frames were decoded, and check that every track was stopped,
  without any hook in the app itself.
- Network impairment through Chrome DevTools `Network.emulateNetworkConditions`. It only applies to
  sockets created while an emulation is active, so `attach_network_emulation` sets a harmless 1 ms latency
  BEFORE the call: later changes (loss, offline) then reach the call's UDP sockets.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, CDPSession, Page

from local.seed import DemoAccount
from tests.e2e.browser import CHROMIUM_FLAGS, WatchedBrowser, chromium, chromium_path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DIST = PROJECT_ROOT / "web" / "dist"

MAGENTA = (255, 0, 255)
CYAN = (0, 255, 255)
PATIENT_CLIP = (1280, 720)
DOCTOR_CLIP = (640, 480)
CLIP_FRAMES = 8
NOISE_AMPLITUDE = 12
PATIENT_VIEWPORT = {"width": 390, "height": 844}
DOCTOR_VIEWPORT = {"width": 1440, "height": 900}
NEUTRAL_NETWORK = {"offline": False, "latency": 1, "downloadThroughput": -1, "uploadThroughput": -1}


# --- pictures ------------------------------------------------------------------------------------------
def rgb_to_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """BT.601 limited range, as Chromium's fake capture expects."""
    r, g, b = rgb
    y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256
    u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256
    v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256
    return round(y), round(u), round(v)


def write_y4m(path: Path, size: tuple[int, int], rgb: tuple[int, int, int], *, noisy_border: bool,
              frames: int = CLIP_FRAMES, seed: int = 7) -> Path:
    """A y4m clip (I420): solid `rgb`, optionally with a border of luma noise that changes every frame.

    The noise covers everything outside the central half of each dimension."""
    width, height = size
    y, u, v = rgb_to_yuv(rgb)
    rng = random.Random(seed)
    # Low-amplitude noise around the picture's own luma: texture for the photo check's sharpness and
    # steady work for the encoder, yet cheap enough at a high quantiser to keep the frame rate up.
    band = bytes(max(16, min(235, y - NOISE_AMPLITUDE + (value * 2 * NOISE_AMPLITUDE) // 255)) for value in range(256))
    left, right = width // 4, width - width // 4
    top, bottom = height // 4, height - height // 4
    solid_centre = bytes([y]) * (right - left)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            if not noisy_border:
                out.write(bytes([y]) * (width * height))
            else:
                noise = rng.randbytes(width * height).translate(band)
                rows = bytearray()
                for row in range(height):
                    line = noise[row * width:(row + 1) * width]
                    if top <= row < bottom:
                        line = line[:left] + solid_centre + line[right:]
                    rows += line
                out.write(rows)
            out.write(bytes([u]) * (width * height // 4))
            out.write(bytes([v]) * (width * height // 4))
    return path


def write_clips(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    patient = write_y4m(folder / "patient-magenta.y4m", PATIENT_CLIP, MAGENTA, noisy_border=True)
    doctor = write_y4m(folder / "doctor-cyan.y4m", DOCTOR_CLIP, CYAN, noisy_border=False)
    return patient, doctor


def require_built_app() -> None:
    """The stack serves web/dist: it must exist and contain the call UI."""
    index = DIST / "index.html"
    if not index.exists():
        raise AssertionError("web/dist is missing: build the web app first (cd web && npm run build)")
    bundles = list((DIST / "assets").glob("*.js"))
    if not any("call-remote-video" in bundle.read_text(errors="ignore") for bundle in bundles):
        raise AssertionError("web/dist predates the video-call UI: rebuild it (cd web && npm run build)")


# --- in-page instrumentation ------------------------------------------------------------------------------
INIT_SCRIPT = """
(() => {
  const NativePC = window.RTCPeerConnection;
  const pcs = [];
  const streams = [];
  const frames = { changes: [], first: null };
  window.__df = { pcs, streams, frames };
  window.RTCPeerConnection = class extends NativePC {
    constructor(...args) { super(...args); pcs.push(this); }
  };
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    const stream = await gum(constraints);
    streams.push(stream);
    return stream;
  };
  // Times (ms since epoch) at which decoded video frames went up, polled every 25 ms.
  const last = new WeakMap();
  setInterval(async () => {
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      let decoded = 0;
      try {
        const report = await pc.getStats();
        report.forEach((s) => { if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0; });
      } catch { continue; }
      const before = last.get(pc) || 0;
      if (decoded > before) {
        const now = Date.now();
        frames.changes.push(now);
        if (frames.changes.length > 4000) frames.changes.splice(0, 2000);
        if (frames.first === null) frames.first = now;
      }
      last.set(pc, decoded);
    }
  }, 25);
})();
"""

STATS_JS = """
async () => {
  const pc = window.__df.pcs.filter((p) => p.connectionState !== 'closed').at(-1);
  if (!pc) return null;
  const out = { bytesSent: 0, framesDecoded: 0, bytesReceived: 0, at: Date.now(), ice: pc.iceConnectionState };
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'outbound-rtp' && s.kind === 'video') {
      // Media only: retransmissions (which grow with loss) are not what the encoder was asked for.
      out.bytesSent += (s.bytesSent || 0) - (s.retransmittedBytesSent || 0);
      out.frameWidth = s.frameWidth;
      out.targetBitrate = s.targetBitrate !== undefined ? s.targetBitrate : null;
    }
    if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out.framesDecoded += s.framesDecoded || 0;
      out.bytesReceived += s.bytesReceived || 0;
    }
  });
  const sender = pc.getSenders().find((s) => s.track && s.track.kind === 'video');
  const enc = sender ? sender.getParameters().encodings[0] : undefined;
  out.maxBitrate = enc && enc.maxBitrate !== undefined ? enc.maxBitrate : null;
  out.scale = enc && enc.scaleResolutionDownBy !== undefined ? enc.scaleResolutionDownBy : null;
  out.active = enc ? enc.active !== false : null;
  out.degradation = sender ? (sender.getParameters().degradationPreference || null) : null;
  return out;
}
"""

REMOTE_COLOUR_JS = """
() => {
  const video = document.querySelector('[data-testid="call-remote-video"]');
  if (!video || video.videoWidth === 0 || video.readyState < 2) return null;
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth; canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(video, 0, 0);
  const size = 16;
  const x = Math.floor(canvas.width / 2 - size / 2);
  const y = Math.floor(canvas.height / 2 - size / 2);
  const data = ctx.getImageData(x, y, size, size).data;
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) { sum[0] += data[i]; sum[1] += data[i + 1]; sum[2] += data[i + 2]; }
  const n = data.length / 4;
  return { rgb: sum.map((v) => Math.round(v / n)), width: video.videoWidth, height: video.videoHeight };
}
"""

REMOTE_UFRAG_JS = """
() => {
  const pc = window.__df.pcs.filter((p) => p.connectionState !== 'closed').at(-1);
  const match = pc && pc.remoteDescription ? /a=ice-ufrag:(\\S+)/.exec(pc.remoteDescription.sdp) : null;
  return match ? match[1] : null;
}
"""

TRACKS_ENDED_JS = """
() => window.__df.streams.flatMap((s) => s.getTracks()).every((t) => t.readyState === 'ended')
"""


def colour_close(actual: list[int], expected: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def wait_until(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Polls `condition` until it returns something truthy; fails with `what` and the last value."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


# --- the two sides --------------------------------------------------------------------------------------
@dataclass
class Side:
    browser: WatchedBrowser
    context: BrowserContext
    page: Page
    cdp: CDPSession | None = None
    console: list[str] = field(default_factory=list)

    def emulate(self, **conditions: Any) -> None:
        assert self.cdp is not None, "network emulation was not attached to this side"
        self.cdp.send("Network.emulateNetworkConditions", {**NEUTRAL_NETWORK, **conditions})

    def stats(self) -> dict[str, Any] | None:
        result: dict[str, Any] | None = self.page.evaluate(STATS_JS)
        return result

    def frame_changes(self) -> list[int]:
        changes: list[int] = self.page.evaluate("() => window.__df.frames.changes.slice()")
        return changes

    def reset_frames(self) -> None:
        self.page.evaluate("() => { window.__df.frames.changes.length = 0; window.__df.frames.first = null; }")

    def first_frame_at(self) -> int | None:
        first: int | None = self.page.evaluate("() => window.__df.frames.first")
        return first

    def remote_colour(self) -> dict[str, Any] | None:
        colour: dict[str, Any] | None = self.page.evaluate(REMOTE_COLOUR_JS)
        return colour

    def remote_ufrag(self) -> str | None:
        ufrag: str | None = self.page.evaluate(REMOTE_UFRAG_JS)
        return ufrag

    def logged(self, text: str) -> bool:
        """Whether the app's call log has a line with `text` so far. Playwright delivers console
        events only while it is called, so this makes a call first."""
        self.page.evaluate("() => 0")
        return any(text in line for line in self.console)

    def tracks_ended(self) -> bool:
        return bool(self.page.evaluate(TRACKS_ENDED_JS))


def _side(browser: WatchedBrowser, viewport: dict[str, int], *, mobile: bool, emulate_network: bool) -> Side:
    context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile)  # type: ignore[arg-type]
    context.add_init_script(INIT_SCRIPT)
    # The app's call diagnostics (signaling, ICE) go to the console, kept for failure reports.
    context.add_init_script("localStorage.setItem('dermafollow.debug', '1')")
    page = context.new_page()
    side = Side(browser, context, page)
    page.on("console", lambda message: side.console.append(f"{time.time():.3f} {message.text}"))
    if emulate_network:
        side.cdp = context.new_cdp_session(page)
        side.cdp.send("Network.enable")
        side.emulate()
    return side


@contextmanager
def open_sides(patient_clip: Path, doctor_clip: Path,
               extra_flags: list[str] | None = None) -> Iterator[tuple[Side, Side]]:
    """Two Chromium browsers (the fake-camera clip is a browser-wide flag): a phone-sized patient page with
    network emulation attached, and a desk-sized doctor page. Chromium that cannot start raises."""
    extra = extra_flags or []
    with chromium([f"--use-file-for-fake-video-capture={patient_clip}", *extra]) as patient_browser:
        doctor_browser = WatchedBrowser(patient_browser.browser_type.launch(
            executable_path=chromium_path(), headless=True,
            args=[*CHROMIUM_FLAGS, f"--use-file-for-fake-video-capture={doctor_clip}", *extra],
        ))
        try:
            patient = _side(patient_browser, PATIENT_VIEWPORT, mobile=True, emulate_network=True)
            doctor = _side(doctor_browser, DOCTOR_VIEWPORT, mobile=False, emulate_network=False)
            try:
                yield patient, doctor
            finally:
                patient.context.close()
                doctor.context.close()
        finally:
            doctor_browser.close()
        doctor_browser.assert_no_csp_violation()


@contextmanager
def console_on_failure(**sides: Side) -> Iterator[None]:
    """On a failure, prints the last console lines of each page (the app's call log) before re-raising."""
    try:
        yield
    except BaseException:
        for name, side in sides.items():
            print(f"--- {name} console (last 80 lines) ---")
            print("\n".join(side.console[-80:]))
        raise


def sign_in(page: Page, base_url: str, account: DemoAccount, landing_testid: str) -> None:
    page.goto(base_url + "/")
    page.get_by_test_id("login-username").fill(account.username)
    page.get_by_test_id("login-password").fill(account.password)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id(landing_testid).wait_for(timeout=15000)


def bitrate_kbps(side: Side, seconds: float = 2.0) -> tuple[float, dict[str, Any], dict[str, Any]]:
    """Outgoing video bitrate (media, without retransmissions) from getStats over `seconds`, with the
    stats at both ends of the interval."""
    first = side.stats()
    time.sleep(seconds)
    second = side.stats()
    assert first is not None and second is not None
    kbps = 8 * (second["bytesSent"] - first["bytesSent"]) / ((second["at"] - first["at"]) / 1000) / 1000
    return kbps, first, second


def frames_after(side: Side, moment_ms: int) -> int:
    return sum(1 for change in side.frame_changes() if change > moment_ms)


def first_frame_after(side: Side, moment_ms: int) -> int | None:
    return next((change for change in side.frame_changes() if change > moment_ms), None)


def dump(value: Any) -> str:
    return json.dumps(value, default=str)


def env_flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false")
