"""HIPAA Safe Harbor de-identification (45 CFR 164.514(b)(2)) for the lake.

- Identifiers become keyed pseudonyms: HMAC-SHA256 under a secret key (Secrets Manager; locally a
  configured value), cut to a positive 63-bit integer because OMOP ids are BIGINT. Without the key a
  pseudonym cannot be linked back to an account, and the same account always gets the same id, so
  re-running an export writes the same files.
- Every date of a person is shifted by that person's own secret offset (1-365 days back), derived from
  the same key: intervals within a person (weeks since baseline, time to response) stay exact, while
  no exported date is a real one. Years only are kept for birth (`year_of_birth`).
- Ages over 89 are grouped: such a person's year of birth is exported as the year that makes them 90.
- Names, usernames, e-mail addresses and free text never reach this module's output: callers hand it
  ids, codes from controlled vocabularies, numbers and dates only.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

MAX_SHIFT_DAYS = 365
OLDEST_AGE = 90  # "90 or older" is one group


class Deidentifier:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the pseudonym key must have at least 128 bits")
        self._key = key

    def _digest(self, purpose: str, value: str) -> bytes:
        return hmac.new(self._key, f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()

    def pseudonym(self, purpose: str, value: str) -> int:
        """A positive BIGINT standing for `value` (e.g. purpose "person", value a user id)."""
        return int.from_bytes(self._digest(purpose, value)[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF

    def shift_days(self, person_key: str) -> int:
        digest = self._digest("date-shift", person_key)
        return 1 + int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS

    def shifted(self, person_key: str, when: str) -> date:
        """The person's shifted date of an ISO-8601 date or timestamp."""
        return date.fromisoformat(when[:10]) - timedelta(days=self.shift_days(person_key))

    @staticmethod
    def year_of_birth(birth_date: str | None, as_of: date) -> int | None:
        """The birth year, with everyone aged 90 or more in one group (the year that makes them 90)."""
        if not birth_date:
            return None
        born = date.fromisoformat(birth_date[:10])
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        return as_of.year - OLDEST_AGE if age >= OLDEST_AGE else born.year
