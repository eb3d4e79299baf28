"""Operator commands for field encryption keys.

    python -m functions.crypto.cli rewrap [--purpose emr ...] [--force]
        Re-wrap every stored data key that is not under the current wrapping key (KMS_KEY_ID, or
        the local keyring's current key). Field ciphertexts are not touched: they name their data
        key, and only the data key's wrapped form changes. `--force` re-wraps keys already under
        the current key id too (after KMS automatic rotation: the newest backing key).
    python -m functions.crypto.cli erase-case --case CASE_ID --operator NAME
        Crypto-shred one case: destroy its keys (every purpose) and leave a tombstone, so nothing
        sealed for it opens again and no new key is made for it; audited in the patient's chain as
        `case.erase` by NAME. Needs dynamodb:DeleteItem on data_keys (an operator's role).
    python -m functions.crypto.cli rotate-local
        Local stack only: add a new key-encryption key to LOCAL_KEY_FILE and make it current (the
        old ones stay, so everything stays readable); then run `rewrap`.

Runs with the functions' environment (TABLE_PREFIX, KEY_PROVIDER, KMS_KEY_ID or LOCAL_KEY_FILE).
For KMS it needs kms:ReEncryptFrom on the old key and kms:ReEncryptTo on the new one; the
functions' own role deliberately has neither.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from functions.bootstrap import get_container
from functions.cases.adapters import TABLE as CASES_KEY_PURPOSE
from functions.consultation.adapters import KEY_PURPOSE as CONSULTATION_KEY_PURPOSE
from functions.discussion.adapters import TABLE as DISCUSSION_KEY_PURPOSE
from functions.emr.adapters import KEY_PURPOSE as EMR_KEY_PURPOSE
from functions.feedback.adapters import TABLE as RATINGS_KEY_PURPOSE
from functions.identity.adapters import TICKETS_TABLE as TICKETS_KEY_PURPOSE
from functions.lesions.adapters import TABLE as LESIONS_KEY_PURPOSE
from functions.scores.adapters import TABLE as SCORES_KEY_PURPOSE
from functions.shared.errors import DomainError
from functions.timeline.adapters import TABLE as TIMELINE_KEY_PURPOSE
from functions.visits.adapters import KEY_PURPOSE as VISITS_KEY_PURPOSE

# Every purpose with data keys; a capability that starts sealing fields adds its purpose here.
KEY_PURPOSES = (EMR_KEY_PURPOSE, CASES_KEY_PURPOSE, LESIONS_KEY_PURPOSE, SCORES_KEY_PURPOSE, RATINGS_KEY_PURPOSE,
                CONSULTATION_KEY_PURPOSE, DISCUSSION_KEY_PURPOSE, TIMELINE_KEY_PURPOSE,
                VISITS_KEY_PURPOSE, TICKETS_KEY_PURPOSE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.crypto.cli", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rewrap = commands.add_parser("rewrap", help="re-wrap stored data keys under the current wrapping key")
    rewrap.add_argument("--purpose", action="append", choices=KEY_PURPOSES, help="only this purpose's keys")
    rewrap.add_argument("--force", action="store_true", help="also re-wrap keys already under the current key id")
    commands.add_parser("rotate-local", help="add a new local key-encryption key and make it current")
    erase = commands.add_parser("erase-case", help="destroy a case's keys: nothing of it opens again")
    erase.add_argument("--case", required=True, help="the case id")
    erase.add_argument("--operator", required=True, help="who erases (recorded in the audit trail)")
    args = parser.parse_args(argv)

    container = get_container()
    try:
        if args.command == "erase-case":
            erased = container.case_erasure.erase(args.operator, args.case)
            print(json.dumps({"ok": True, "case": erased.case_id, "keysDestroyed": erased.keys_destroyed,
                              "purposes": list(erased.purposes), "at": erased.at}))
            return 0
        if args.command == "rotate-local":
            from functions.crypto.local_keys import LocalKeyProvider

            provider = container.key_provider
            if not isinstance(provider, LocalKeyProvider):
                print(json.dumps({"ok": False, "error": "KEY_PROVIDER is not local"}))
                return 2
            print(json.dumps({"ok": True, "current": provider.rotate()}))
            return 0
        reports = [container.data_keys.rewrap(purpose, force=args.force) for purpose in args.purpose or KEY_PURPOSES]
    except DomainError as error:
        print(json.dumps({"ok": False, "error": {"code": error.code, "message": error.message}}))
        return 2
    view = [
        {"purpose": r.purpose, "examined": r.examined, "rewrapped": r.rewrapped,
         "alreadyCurrent": r.already_current, "lostRaces": r.lost_races, "failures": r.failures}
        for r in reports
    ]
    ok = not any(r.failures for r in reports)
    print(json.dumps({"ok": ok, "purposes": view}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
