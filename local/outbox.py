"""The local stack's outbox: the invitations and reset codes Cognito would send, which moto does not
send, and the follow-up reminders the app sent through SES and SNS, which moto keeps instead of delivering.

An account an admin creates in the app has a temporary password that the user pool's invitation
message (e-mail or SMS) delivers in AWS. Locally there is no mail, so this page shows, for each account
still waiting for its first sign-in, the message its owner would receive. Only callers on this machine
may open it (it carries passwords), and nothing of it is written to the console or the log.

A forgotten-password request makes moto keep a confirmation code on the account
("moto-confirmation-code:" and six digits; moto checks only codes with that prefix and accepts any
other). The page shows that code whole, as the message Cognito would send, so a reset typed from it
is really checked.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from local.moto_aws import cognito_backend, ses_backend, sns_backend

OUTBOX_PATH = "/outbox"


@dataclass(frozen=True)
class Message:
    to: str
    channel: str  # "email" or "sms"
    text: str
    username: str
    kind: str = "invitation"  # or "reset_code", "reminder"
    code: str = ""


def invitations(account_id: str, region: str, user_pool_id: str) -> list[Message]:
    pool: Any = cognito_backend(account_id, region).user_pools.get(user_pool_id)
    if pool is None:
        return []
    messages = []
    for user in pool.users.values():
        attributes = {a["Name"]: a["Value"] for a in user.attributes}
        code = getattr(user, "confirmation_code", None)
        if code:
            text = f"Your DermaFollow password reset code is {code}. If you did not ask for it, ignore this message."
            for channel, address in (("email", attributes.get("email")), ("sms", attributes.get("phone_number"))):
                if address:
                    messages.append(Message(address, channel, text, user.username, "reset_code", code))
        if user.status != "FORCE_CHANGE_PASSWORD" or not user.password:
            continue
        text = (f"Welcome to DermaFollow. Your username is {user.username} and your temporary password is "
                f"{user.password}. Sign in within 3 days to choose your own password.")
        for channel, address in (("email", attributes.get("email")), ("sms", attributes.get("phone_number"))):
            if address:
                messages.append(Message(address, channel, text, user.username))
    return sorted(messages, key=lambda m: (m.username, m.kind, m.channel))


def sent_messages(account_id: str, region: str) -> list[Message]:
    """E-mail the app sent through SES and SMS through SNS, oldest first (reminders carry no PHI)."""
    messages = []
    for sent in ses_backend(account_id, region).sent_messages:
        for address in getattr(sent, "destinations", {}).get("ToAddresses", []):
            messages.append(Message(address, "email", f"{sent.subject}: {sent.body}", "", "reminder"))
    for phone, text in sns_backend(account_id, region).sms_messages.values():
        messages.append(Message(phone, "sms", text, "", "reminder"))
    return messages


def outbox_page(messages: list[Message]) -> str:
    rows = "".join(
        f'<li data-testid="outbox-message" data-username="{html.escape(m.username)}" data-channel="{m.channel}"'
        f' data-kind="{m.kind}"><strong>{m.channel} to {html.escape(m.to)}</strong><p>{html.escape(m.text)}</p>'
        + (f'<p>Code: <code data-testid="outbox-code">{html.escape(m.code)}</code></p>' if m.code else "")
        + "</li>"
        for m in messages
    ) or "<li>No message yet.</li>"
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>DermaFollow local outbox</title>"
            f"<h1>Local outbox</h1><p>What the user pool would send (nothing leaves this machine).</p><ul>{rows}</ul>")
