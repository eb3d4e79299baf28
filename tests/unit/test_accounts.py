"""Account changes with a fake directory: the temporary password meets the pool's policy, is new each
time and never leaves the service; each change is audited under the account's id."""

from __future__ import annotations

import re
from typing import Any

from functions.admin.accounts import AccountService, NewAccount, temporary_password
from functions.audit.chain import AuditEvent
from functions.shared.auth import Principal, Role

ADMIN = Principal(user_id="admin-1", username="ops", roles=frozenset({Role.ADMIN}))


class FakeDirectory:
    def __init__(self) -> None:
        self.passwords: list[str] = []
        self.names: list[str] = []

    def create(self, account: NewAccount, temporary: str) -> str:
        self.passwords.append(temporary)
        return f"id-{account.username}"

    def set_enabled(self, username: str, enabled: bool) -> str:
        return f"id-{username}"

    def rename(self, username: str, name: str) -> str:
        self.names.append(name)
        return f"id-{username}"

    def reset_password(self, username: str, temporary: str) -> str:
        self.passwords.append(temporary)
        return f"id-{username}"


class FakeAudit:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> Any:
        self.events.append(event)


def test_temporary_passwords_meet_every_rule_and_differ() -> None:
    made = {temporary_password() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert len(password) >= 16
        assert all(re.search(p, password) for p in ("[a-z]", "[A-Z]", "[0-9]", "[^A-Za-z0-9]"))


def test_each_change_is_audited_and_the_answer_holds_no_password() -> None:
    directory, audit = FakeDirectory(), FakeAudit()
    service = AccountService(directory, audit)
    created = service.create(ADMIN, NewAccount("dr.new", Role.DOCTOR, "Dr. New", email="n@example.org"))
    service.set_enabled(ADMIN, "dr.new", False)
    service.set_enabled(ADMIN, "dr.new", True)
    service.rename(ADMIN, "dr.new", "  Dr. Newer ")
    reset = service.reset_password(ADMIN, "dr.new")
    assert directory.passwords[1] != directory.passwords[0] and directory.passwords[1] not in str(reset)
    assert directory.names == ["Dr. Newer"]
    assert directory.passwords[0] not in str(created)
    assert [(e.action, e.resource_type, e.resource_id, e.actor_id) for e in audit.events] == [
        ("account.create", "account", "id-dr.new", "admin-1"),
        ("account.disable", "account", "id-dr.new", "admin-1"),
        ("account.enable", "account", "id-dr.new", "admin-1"),
        ("account.rename", "account", "id-dr.new", "admin-1"),
        ("account.reset_password", "account", "id-dr.new", "admin-1"),
    ]
    assert not any(p in str(audit.events) for p in directory.passwords)
    assert "Newer" not in str(audit.events)  # the name stays out of the trail
