"""Throttling at the edge, before a request reaches a function: the REST API's stage and its sign-in
routes, the WebSocket API's routes, and Cognito's threat protection.

The app backs off per account and per address (functions/identity/throttle.py), but each refused try
still runs a function; these limits stop a flood before it costs a function or Cognito's quota.
Cognito's sign-in calls (InitiateAuth, RespondToAuthChallenge, RevokeToken...) share a default quota of
120 requests per second per account, and every signed-in person's refresh spends it: the public
sign-in routes together get at most 60 per second so that refreshes keep the other half.
"""

from __future__ import annotations

from typing import Any

from infrastructure.cfn import ref
from infrastructure.naming import CHALICE_REST_API, CHALICE_WEBSOCKET_API, USER_POOL

# Whole REST stage: 200 requests per second, bursts of 400, far above a clinic's day (a busy clinic of
# 50 doctors and 2,000 patients peaks near 30) and below Lambda's default 1,000 concurrent executions.
STAGE_RATE, STAGE_BURST = 200, 400
# The public routes that reach Cognito, each (rate, burst); together 60 per second (see above).
PUBLIC_ROUTES: dict[tuple[str, str], tuple[int, int]] = {
    ("/auth/login", "POST"): (15, 30),
    ("/auth/refresh", "POST"): (20, 40),
    ("/auth/new-password", "POST"): (5, 10),
    ("/auth/mfa/answer", "POST"): (5, 10),
    ("/auth/forgot-password", "POST"): (5, 10),
    ("/auth/reset-password", "POST"): (5, 10),
    ("/auth/logout", "POST"): (5, 10),
}
# WebSocket routes: the app's own budget is 20 frames per second per connection; the stage's default
# caps the whole API at 1,000 per second (about 50 calls exchanging ICE candidates at once).
WEBSOCKET_RATE, WEBSOCKET_BURST = 1_000, 2_000


def _resource_path(path: str) -> str:
    # API Gateway's method settings write each "/" of the path as "~1", after a leading "/":
    # /auth/login is "/~1auth~1login".
    return "/" + path.replace("/", "~1")


def throttling_resources() -> dict[str, Any]:
    settings = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": STAGE_RATE,
                 "ThrottlingBurstLimit": STAGE_BURST}]
    settings += [{"ResourcePath": _resource_path(path), "HttpMethod": method, "ThrottlingRateLimit": rate,
                  "ThrottlingBurstLimit": burst} for (path, method), (rate, burst) in PUBLIC_ROUTES.items()]
    return {
        # Partial entries: `chalice package --merge-template` merges them into the resources it generates.
        CHALICE_REST_API: {"Properties": {"MethodSettings": settings}},
        # Per-route metrics too: the WebSocket alarms watch $connect and $default apart
        # (infrastructure/telemetry.py).
        f"{CHALICE_WEBSOCKET_API}Stage": {"Properties": {"DefaultRouteSettings": {
            "ThrottlingRateLimit": WEBSOCKET_RATE, "ThrottlingBurstLimit": WEBSOCKET_BURST,
            "DetailedMetricsEnabled": True}}},
        # Threat protection: compromised-credential checks and adaptive authentication on every sign-in
        # (Cognito's Plus tier); enforced in prod, audit-only (logged, not blocking) in dev.
        USER_POOL: {"Properties": {
            "UserPoolTier": "PLUS",
            "UserPoolAddOns": {"AdvancedSecurityMode": {"Fn::FindInMap": ["StageSettings", ref("Stage"),
                                                                          "ThreatProtection"]}},
        }},
    }
