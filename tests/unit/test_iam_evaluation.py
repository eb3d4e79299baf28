"""The packaging tests' IAM evaluator (tests/support/iam.py) against the IAM User Guide's own rules and
examples ("Condition operators", "Multivalued context keys", "Policy evaluation logic") and the KMS
Developer Guide's ("Key policies", "Determining access")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.iam import Request, allowed, conditions_hold, decision, key_allows, wildcard

ROOT = "arn:aws:iam::111122223333:root"
ROLE = "arn:aws:iam::111122223333:role/app"


def test_several_keys_are_anded_and_several_values_ored() -> None:
    # The guide's example: aws:PrincipalTag/department is HR or Finance, and the tag role is audit.
    condition = {"StringEquals": {"aws:PrincipalTag/department": ["HR", "Finance"],
                                  "aws:PrincipalTag/role": "audit"}}
    assert conditions_hold(condition, {"aws:PrincipalTag/department": "Finance", "aws:PrincipalTag/role": "audit"})
    assert not conditions_hold(condition, {"aws:PrincipalTag/department": "Finance", "aws:PrincipalTag/role": "x"})
    assert not conditions_hold(condition, {"aws:PrincipalTag/department": "Legal", "aws:PrincipalTag/role": "audit"})


def test_several_operators_are_anded() -> None:
    condition = {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"},
                 "StringLike": {"kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bucket/*"}}
    context = {"kms:ViaService": "s3.eu-west-1.amazonaws.com",
               "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::bucket/a"}
    assert conditions_hold(condition, context)
    assert not conditions_hold(condition, {**context, "kms:EncryptionContext:aws:s3:arn": "arn:aws:s3:::other/a"})


def test_a_missing_key_fails_a_positive_operator_and_satisfies_a_negated_one() -> None:
    # "If the key ... is not present in the request context, the values do not match ... If the policy
    # condition requires that the key is not matched, such as StringNotLike ..., the condition is true."
    assert not conditions_hold({"StringEquals": {"kms:EncryptionContext:app": "a"}}, {})
    assert not conditions_hold({"StringLike": {"s3:prefix": "*"}}, {})
    assert conditions_hold({"StringNotEquals": {"kms:EncryptionContext:app": "a"}}, {})
    assert conditions_hold({"StringNotLike": {"s3:prefix": "home/*"}}, {})


def test_string_operators_are_case_sensitive_in_values_but_not_in_key_names() -> None:
    assert conditions_hold({"StringEquals": {"AWS:SourceArn": "arn:aws:x"}}, {"aws:sourcearn": "arn:aws:x"})
    assert not conditions_hold({"StringEquals": {"kms:EncryptionContext:app": "Derma"}},
                               {"kms:EncryptionContext:app": "derma"})


def test_string_like_wildcards() -> None:
    assert wildcard("home/*", "home/") and wildcard("home/*", "home/a/b")
    assert not wildcard("home/*", "home")
    assert wildcard("a?c", "abc") and not wildcard("a?c", "ac") and not wildcard("a?c", "abbc")
    assert not wildcard("a.c", "abc")  # only * and ? are special
    assert wildcard("*", "")
    assert wildcard("KMS:Decrypt", "kms:decrypt", ignore_case=True) and not wildcard("Abc", "abc")
    with pytest.raises(ValueError):
        wildcard("home/${aws:username}/*", "home/x/y")


def test_negated_operators_want_no_policy_value_to_match() -> None:
    condition = {"StringNotLike": {"s3:prefix": ["home/*", "tmp/*"]}}
    assert conditions_hold(condition, {"s3:prefix": "etc/x"})
    assert not conditions_hold(condition, {"s3:prefix": "tmp/x"})


def test_for_any_value_and_for_all_values_on_multivalued_keys() -> None:
    # The guide: ForAnyValue is false for a missing or empty key, ForAllValues true.
    any_alias = {"ForAnyValue:StringEquals": {"kms:ResourceAliases": "alias/a"}}
    assert conditions_hold(any_alias, {"kms:ResourceAliases": ["alias/b", "alias/a"]})
    assert not conditions_hold(any_alias, {"kms:ResourceAliases": ["alias/b"]})
    assert not conditions_hold(any_alias, {"kms:ResourceAliases": []})
    assert not conditions_hold(any_alias, {})
    all_tags = {"ForAllValues:StringEquals": {"aws:TagKeys": ["Environment", "CostCenter"]}}
    assert conditions_hold(all_tags, {"aws:TagKeys": ["Environment"]})
    assert not conditions_hold(all_tags, {"aws:TagKeys": ["Environment", "Owner"]})
    assert conditions_hold(all_tags, {})
    assert conditions_hold(all_tags, {"aws:TagKeys": []})


def test_for_any_value_with_a_negated_operator() -> None:
    # "Deny an UpdateItem unless every leading key is a head": one non-head key is enough.
    not_head = {"ForAnyValue:StringNotLike": {"dynamodb:LeadingKeys": ["head#*"]}}
    assert not conditions_hold(not_head, {"dynamodb:LeadingKeys": ["head#c1"]})
    assert conditions_hold(not_head, {"dynamodb:LeadingKeys": ["c1"]})
    assert conditions_hold(not_head, {"dynamodb:LeadingKeys": ["head#c1", "c1"]})
    assert not conditions_hold(not_head, {})


def test_null_and_bool() -> None:
    assert conditions_hold({"Null": {"aws:TokenIssueTime": "true"}}, {})
    assert not conditions_hold({"Null": {"aws:TokenIssueTime": "true"}}, {"aws:TokenIssueTime": "t"})
    assert conditions_hold({"Null": {"aws:TokenIssueTime": "false"}}, {"aws:TokenIssueTime": "t"})
    insecure = {"Bool": {"aws:SecureTransport": "false"}}
    assert conditions_hold(insecure, {"aws:SecureTransport": "false"})
    assert conditions_hold(insecure, {"aws:SecureTransport": "FALSE"})
    assert not conditions_hold(insecure, {"aws:SecureTransport": "true"})
    assert not conditions_hold(insecure, {})


@pytest.mark.parametrize("condition", [
    {"ArnLike": {"aws:SourceArn": "arn:aws:*"}},  # not used by the template: refused, not guessed
    {"StringEqualsIfExists": {"kms:ViaService": "x"}},
    {"StringEquals": {"kms:ResourceAliases": "alias/a"}},  # single-valued operator, multivalued key
    {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}},
])
def test_what_the_evaluator_does_not_know_it_refuses(condition: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        conditions_hold(condition, {"aws:SourceArn": "arn:aws:x", "kms:ResourceAliases": ["alias/a"]})


ALLOW_READ = {"Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::b/*"}


def test_an_explicit_deny_wins_and_nothing_matched_is_the_implicit_deny() -> None:
    request = Request("s3:GetObject", "arn:aws:s3:::b/private/x")
    deny = {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/private/*"}
    assert decision([ALLOW_READ], request) == "Allow" and allowed([ALLOW_READ], request)
    assert decision([ALLOW_READ, deny], request) == "Deny"
    assert decision([ALLOW_READ], Request("s3:PutObject", "arn:aws:s3:::b/x")) == "Neutral"
    # A failed condition on an Allow does not deny: it just does not allow.
    conditional = {**ALLOW_READ, "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert decision([conditional], request) == "Neutral"
    with pytest.raises(ValueError):
        decision([{**ALLOW_READ, "NotResource": "x"}], request)


KEY_ADMIN = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:Describe*", "Resource": "*"}
KEY_USE = {"Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": "kms:Decrypt", "Resource": "*",
           "Condition": {"StringEquals": {"kms:EncryptionContext:app": "a"}}}
IAM_ANY_KMS = [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]


def test_a_key_policy_naming_the_role_suffices_and_the_account_needs_iam_too() -> None:
    decrypt = Request("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/k", {"kms:EncryptionContext:app": "a"})
    describe = Request("kms:DescribeKey", "arn:aws:kms:eu-west-1:111122223333:key/k")
    assert key_allows([KEY_ADMIN, KEY_USE], [], decrypt, ROLE, ROOT)
    other = "arn:aws:iam::111122223333:role/other"
    # The account may only administer, so no IAM policy gives another role Decrypt.
    assert not key_allows([KEY_ADMIN, KEY_USE], IAM_ANY_KMS, decrypt, other, ROOT)
    assert key_allows([KEY_ADMIN, KEY_USE], IAM_ANY_KMS, describe, other, ROOT)
    assert not key_allows([KEY_ADMIN, KEY_USE], [], describe, other, ROOT)
    deny = [{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*"}]
    assert not key_allows([KEY_ADMIN, KEY_USE], deny, decrypt, ROLE, ROOT)
    assert not key_allows([KEY_ADMIN, KEY_USE], [], Request(decrypt.action, decrypt.resource, {}), ROLE, ROOT)
