"""The SPA's security headers, defined once: CloudFront sends them in AWS (infrastructure/web.py)
and the local stack sends the same (local/http_server.py), so the app is tested under the policy it
is deployed with; the browser tests fail on any Content Security Policy violation.

The policy allows the app itself, its WebSocket API and the image store; nothing inline but styles,
no framing, camera and microphone for the app's own origin only.
"""

from __future__ import annotations

from collections.abc import Sequence

PERMISSIONS_POLICY = "camera=(self), microphone=(self), display-capture=(), geolocation=()"
HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 3600
REFERRER_POLICY = "no-referrer"
FRAME_OPTIONS = "DENY"


def content_security_policy(*, websocket_origins: Sequence[str], image_origins: Sequence[str]) -> str:
    images = "".join(f" {origin}" for origin in image_origins)
    sockets = "".join(f" {origin}" for origin in websocket_origins)
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:{images}; media-src 'self' blob:; connect-src 'self'{sockets}{images}; "
        "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def response_headers(csp: str, *, https: bool) -> dict[str, str]:
    """The headers as the local stack sends them (CloudFront builds the same from its policy)."""
    headers = {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTIONS,
        "Referrer-Policy": REFERRER_POLICY,
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains; preload"
    return headers
