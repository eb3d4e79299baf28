"""API Gateway's own refusals (no token, a deny, a throttle, an unknown path, its own faults) come in
the API's one error shape, in the template and on the local stack alike."""

from __future__ import annotations

import json

from infrastructure.gateway_responses import GATEWAY_ERRORS
from infrastructure.resources import build_template
from local.rest_gateway import UNAUTHORIZED_BODY


def test_every_refusal_of_the_gateway_has_the_error_shape_in_the_template() -> None:
    responses = {entry["Properties"]["ResponseType"]: entry["Properties"]
                 for entry in build_template()["Resources"].values()
                 if entry.get("Type") == "AWS::ApiGateway::GatewayResponse"}
    assert set(responses) == {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"}
    for response_type, properties in responses.items():
        body = json.loads(properties["ResponseTemplates"]["application/json"])
        assert set(body) == {"error"} and body["error"]["code"] == GATEWAY_ERRORS[response_type][1]
        assert body["error"]["message"]
        assert properties["RestApiId"] == {"Ref": "RestAPI"}
        assert properties["ResponseParameters"]["gatewayresponse.header.Cache-Control"] == "'no-store'"
    assert responses["UNAUTHORIZED"]["StatusCode"] == "401"


def test_the_local_gateway_answers_a_missing_token_as_the_deployed_one_does() -> None:
    assert json.loads(UNAUTHORIZED_BODY)["error"]["code"] == "not_signed_in"
