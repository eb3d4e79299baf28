"""The month keys the rating and consultation-round indexes are read by."""

from __future__ import annotations

from datetime import UTC, datetime

from functions.shared.clock import iso, last_months


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_last_months_cross_the_new_year_oldest_first() -> None:
    assert last_months(_at("2027-02-10T00:00:00"), 4) == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_last_months_take_the_month_in_utc() -> None:
    # 23:30 on 31 March in UTC is already April in Shanghai; the index keys are UTC months.
    assert last_months(_at("2026-03-31T23:30:00"), 1) == ["2026-03"]
    assert last_months(_at("2026-12-01T00:00:00"), 13)[0] == "2025-12"


def test_iso_is_utc_with_an_explicit_offset() -> None:
    assert iso(_at("2026-03-01T09:30:00")) == "2026-03-01T09:30:00+00:00"
