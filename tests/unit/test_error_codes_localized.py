"""Every stable error code the API can send a person has words in the app, in both languages
(`web/src/i18n/locales/<language>/common.json`, errors.code): a new code in a service without its
message fails here, instead of showing a Chinese reader the server's English."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("en", "zh-CN")

# Codes no screen can meet: operators' tools (key ring, audit anchors, backups) and the WebSocket's own
# error frames, which the call screens turn into their own words.
NOT_FOR_PEOPLE = {
    "snapshot_corrupt", "snapshot_exists", "snapshot_format", "snapshot_invalid", "snapshot_target",
    "anchor_exists", "anchor_not_configured", "anchor_unavailable", "data_key_exists", "data_key_refused",
    "key_not_configured", "keyring_unreadable", "malformed_ciphertext", "malformed_plaintext", "unknown_data_key",
    "unknown_wrapping_key", "unknown_action", "unknown_connection",
}


def raised_codes() -> set[str]:
    """The codes the functions raise, and those API Gateway answers with before a function runs."""
    from infrastructure.gateway_responses import GATEWAY_ERRORS

    codes: set[str] = {code for _, code, _ in GATEWAY_ERRORS.values()}
    for source in (ROOT / "functions").rglob("*.py"):
        codes |= set(re.findall(r'code="([a-z_]+)"', source.read_text(encoding="utf-8")))
    return codes


def messages(language: str) -> dict[str, str]:
    document = json.loads((ROOT / "web" / "src" / "i18n" / "locales" / language / "common.json").read_text("utf-8"))
    found: dict[str, str] = document["errors"]["code"]
    return found


def test_the_scan_finds_the_codes() -> None:
    codes = raised_codes()
    assert {"invalid_credentials", "case_closed", "reads_hidden", "room_full"} <= codes
    assert len(codes) > 100


def test_every_code_a_person_can_meet_has_words_in_both_languages() -> None:
    wanted = raised_codes() - NOT_FOR_PEOPLE
    for language in LANGUAGES:
        written = messages(language)
        assert sorted(wanted - written.keys()) == [], language
        assert all(text.strip() for text in written.values()), language


def test_the_exemptions_are_still_raised() -> None:
    assert sorted(NOT_FOR_PEOPLE - raised_codes()) == []
