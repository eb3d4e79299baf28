"""The deployed admin password reset, call by call (botocore's Stubber: moto answers AdminCreateUser
RESEND by creating the account afresh, so the local stack and the functional tests skip that call)."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import ANY, Stubber

from functions.admin.adapters import CognitoAccounts
from functions.shared.errors import NotFound

POOL = "eu-west-1_pool"


def test_a_reset_sets_a_temporary_password_signs_out_and_sends_the_invitation_again() -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response("admin_get_user", {"Username": "dr.one", "UserAttributes": [{"Name": "sub", "Value": "u-1"}]},
                          {"UserPoolId": POOL, "Username": "dr.one"})
        stub.add_response("admin_set_user_password", {}, {"UserPoolId": POOL, "Username": "dr.one",
                                                          "Password": "Temp-Pass-123456!", "Permanent": False})
        stub.add_response("admin_user_global_sign_out", {}, {"UserPoolId": POOL, "Username": "dr.one"})
        stub.add_response("admin_create_user", {"User": {"Username": "dr.one"}},
                          {"UserPoolId": POOL, "Username": "dr.one", "MessageAction": "RESEND",
                           "TemporaryPassword": "Temp-Pass-123456!"})
        assert CognitoAccounts(lambda: client, POOL).reset_password("dr.one", "Temp-Pass-123456!") == "u-1"
        stub.assert_no_pending_responses()


def test_an_unknown_account_is_not_found() -> None:
    client = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_client_error("admin_get_user", "UserNotFoundException", expected_params={"UserPoolId": POOL,
                                                                                          "Username": ANY})
        with pytest.raises(NotFound):
            CognitoAccounts(lambda: client, POOL).reset_password("ghost", "Temp-Pass-123456!")
