"""A small IAM policy evaluator for the packaging tests: statements with their conditions, as IAM
reads them for one request (an action on a resource by a principal, with the condition keys IAM sets
for that call).

Why our own: moto's access control turns a failed condition on an Allow into an explicit deny and
knows only StringEquals; policyuniverse parses statements but does not evaluate conditions; the
Python simulators that do (principalmapper) are unmaintained. So this module does exactly what the
template needs and refuses the rest (an unknown operator, a policy variable, a single-valued operator
on a multivalued key, NotAction/NotResource/NotPrincipal raise), so a template that grows a new
construct fails its tests instead of being read wrongly.

IAM's rules followed here (IAM User Guide, "Policy evaluation logic", "Condition operators",
"Single-valued vs. multivalued context keys"):
- An explicit Deny wins; otherwise an Allow whose Action, Resource (and Principal, in a resource
  policy) match and whose every condition holds; otherwise the implicit deny.
- Conditions: every operator block must hold (AND), every key inside one (AND); a key's several
  policy values are ORed for a positive operator and NORed for a negated one (StringNotLike: the
  request value must match none).
- A key absent from the request fails a positive operator and satisfies a negated one; `Null` tests
  presence; `ForAnyValue:` holds if at least one request value satisfies the operator (false when
  the key is absent or empty); `ForAllValues:` holds if every request value does (true when absent).
- Condition key names are case-insensitive; String* values are case-sensitive; `Bool` compares
  "true"/"false" case-insensitively. StringLike's `*` matches any run of characters (also none),
  `?` one character; nothing else is special.
- Action names match case-insensitively with the same wildcards; Resource ARNs case-sensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Context keys IAM documents as multivalued (a set of values per request).
MULTIVALUED_KEYS = frozenset({
    "kms:resourcealiases", "kms:encryptioncontextkeys", "dynamodb:leadingkeys", "dynamodb:attributes",
    "aws:tagkeys",
})

Context = Mapping[str, str | Sequence[str]]


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def wildcard(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match: `*` any run of characters, `?` exactly one, the rest literal."""
    if "${" in pattern:
        raise ValueError(f"policy variables are not supported: {pattern!r}")
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(body, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None


def _string_equals(policy: str, value: str) -> bool:
    if "${" in policy:
        raise ValueError(f"policy variables are not supported: {policy!r}")
    return policy == value


def _bool(policy: str, value: str) -> bool:
    return str(policy).lower() == str(value).lower()


# Base operators: does one request value match one policy value? And is the operator negated?
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringLike": (wildcard, False),
    "StringNotLike": (wildcard, True),
    "Bool": (_bool, False),
}


def _one_value_holds(operator: str, policy_values: list[Any], value: str) -> bool:
    match, negated = _OPERATORS[operator]
    hit = any(match(str(policy), value) for policy in policy_values)
    return not hit if negated else hit


def _key_holds(qualified: str, key: str, policy_values: list[Any], context: Mapping[str, list[str]]) -> bool:
    prefix, _, operator = qualified.rpartition(":")
    if operator == "Null":
        if prefix:
            raise ValueError(f"{qualified} is not an IAM operator")
        (wanted,) = policy_values
        return (key not in context) is _bool(str(wanted), "true")
    if operator not in _OPERATORS:
        raise ValueError(f"condition operator {qualified!r} is not supported by this evaluator")
    values = context.get(key)
    if prefix == "ForAnyValue":
        return bool(values) and any(_one_value_holds(operator, policy_values, v) for v in values or [])
    if prefix == "ForAllValues":
        return all(_one_value_holds(operator, policy_values, v) for v in values or [])
    if prefix:
        raise ValueError(f"{qualified} is not an IAM operator")
    if key in MULTIVALUED_KEYS:
        raise ValueError(f"{qualified} on the multivalued key {key}: use ForAnyValue or ForAllValues")
    if values is None:
        return _OPERATORS[operator][1]  # absent: a negated operator holds, a positive one fails
    (value,) = values
    return _one_value_holds(operator, policy_values, value)


def _normalised(context: Context) -> dict[str, list[str]]:
    return {key.lower(): ([value] if isinstance(value, str) else list(value)) for key, value in context.items()}


def conditions_hold(condition: Mapping[str, Mapping[str, Any]] | None, context: Context) -> bool:
    """Does a statement's Condition block hold for a request with these condition keys?"""
    request = _normalised(context)
    return all(_key_holds(operator, key.lower(), _listed(values), request)
               for operator, keys in (condition or {}).items() for key, values in keys.items())


def _principal_matches(statement: Mapping[str, Any], principal: str | None) -> bool:
    """A resource policy's Principal: `*` or the principal's ARN (ask for the account's root ARN to
    learn what the policy hands to the account, i.e. to its IAM policies)."""
    if principal is None:  # an identity policy: the principal is whoever holds it
        if "Principal" in statement:
            raise ValueError("a resource policy statement evaluated without a principal")
        return True
    named = statement.get("Principal")
    if named is None:
        raise ValueError("an identity policy statement evaluated with a principal")
    if named == "*":
        return True
    listed = _listed(named.get("AWS", []))
    return principal in listed or "*" in listed


def _statement_matches(statement: Mapping[str, Any], request: Request, principal: str | None) -> bool:
    for unsupported in ("NotAction", "NotResource", "NotPrincipal"):
        if unsupported in statement:
            raise ValueError(f"{unsupported} is not supported by this evaluator")
    return (any(wildcard(p, request.action, ignore_case=True) for p in _listed(statement["Action"]))
            and any(wildcard(p, request.resource) for p in _listed(statement["Resource"]))
            and _principal_matches(statement, principal)
            and conditions_hold(statement.get("Condition"), request.context))


@dataclass(frozen=True)
class Request:
    """One call as IAM sees it: the action, the resource's ARN and the condition keys set for it."""

    action: str
    resource: str
    context: Context = field(default_factory=dict)


def decision(statements: Iterable[Mapping[str, Any]], request: Request, principal: str | None = None) -> str:
    """'Deny' (an explicit deny matched), 'Allow' (an allow matched, no deny) or 'Neutral' (neither:
    the implicit deny, unless another policy allows)."""
    matched = [st["Effect"] for st in statements if _statement_matches(st, request, principal)]
    if "Deny" in matched:
        return "Deny"
    return "Allow" if "Allow" in matched else "Neutral"


def allowed(statements: Iterable[Mapping[str, Any]], request: Request) -> bool:
    """An identity policy on its own: allowed only by an Allow and no Deny."""
    return decision(statements, request) == "Allow"


def key_allows(key_policy: Iterable[Mapping[str, Any]], identity: Iterable[Mapping[str, Any]], request: Request,
               principal: str, account_root: str) -> bool:
    """A KMS call by `principal` (a role of `account_root`'s account): the key policy must allow it,
    either to the role itself or to the account, and then the role's own policy must allow it too;
    an explicit deny in either refuses (AWS KMS Developer Guide, "Determining access to a KMS key")."""
    key_policy, identity = list(key_policy), list(identity)
    own = decision(key_policy, request, principal)
    via_account = decision(key_policy, request, account_root)
    role = decision(identity, request)
    if "Deny" in (own, via_account, role):
        return False
    return own == "Allow" or (via_account == "Allow" and role == "Allow")
