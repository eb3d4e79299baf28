"""The local stack's outbox: the invitations Cognito would send, which moto does not send.

An account an admin creates in the app has a temporary password that the user pool's invitation
message (e-mail or SMS) delivers in AWS. Locally there is no mail, so this page shows, for each account
still waiting for its first sign-in, the message its owner would receive. Only callers on this machine
may open it (it carries passwords), and nothing of it is written to the console or the log.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from local.moto_aws import cognito_backend

OUTBOX_PATH = "/outbox"


@dataclass(frozen=True)
class Message:
    to: str
    channel: str  # "email" or "sms"
    text: str
    username: str


def invitations(account_id: str, region: str, user_pool_id: str) -> list[Message]:
    pool: Any = cognito_backend(account_id, region).user_pools.get(user_pool_id)
    if pool is None:
        return []
    messages = []
    for user in pool.users.values():
        if user.status != "FORCE_CHANGE_PASSWORD" or not user.password:
            continue
        attributes = {a["Name"]: a["Value"] for a in user.attributes}
        text = (f"Welcome to DermaFollow. Your username is {user.username} and your temporary password is "
                f"{user.password}. Sign in within 3 days to choose your own password.")
        for channel, address in (("email", attributes.get("email")), ("sms", attributes.get("phone_number"))):
            if address:
                messages.append(Message(address, channel, text, user.username))
    return sorted(messages, key=lambda m: (m.username, m.channel))


def outbox_page(messages: list[Message]) -> str:
    rows = "".join(
        f'<li data-testid="outbox-message" data-username="{html.escape(m.username)}" data-channel="{m.channel}">'
        f"<strong>{m.channel} to {html.escape(m.to)}</strong><p>{html.escape(m.text)}</p></li>"
        for m in messages
    ) or "<li>No message yet.</li>"
    return ("<!doctype html><html lang=en><meta charset=utf-8><title>DermaFollow local outbox</title>"
            f"<h1>Local outbox</h1><p>What the user pool would send (nothing leaves this machine).</p><ul>{rows}</ul>")
