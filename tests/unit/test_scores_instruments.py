"""Scoring vectors computed by hand from the instruments' published rules."""

from __future__ import annotations

from typing import Any

import pytest

from functions.scores.instruments import (
    BANDS,
    FLAG_CODES,
    Instrument,
    ScoreError,
    change,
    component_schema,
    dlqi,
    dlqi_band,
    easi,
    easi_band,
    iga,
    itch_nrs,
    nrs_band,
    pasi,
    poem,
    poem_band,
)
from functions.shared.errors import ValidationError
from functions.shared.validation import validate


def pasi_region(e: int, i: int, d: int, area: int) -> dict[str, int]:
    return {"erythema": e, "induration": i, "desquamation": d, "area": area}


def easi_region(e: float, i: float, x: float, li: float, area: int) -> dict[str, float]:
    return {"erythema": e, "induration": i, "excoriation": x, "lichenification": li, "area": area}


PASI_EXAMPLE = {
    "head": pasi_region(2, 1, 1, 2),  # (2+1+1) x 2 x 0.1 = 0.8
    "upperLimbs": pasi_region(3, 2, 2, 3),  # 7 x 3 x 0.2 = 4.2
    "trunk": pasi_region(2, 2, 1, 4),  # 5 x 4 x 0.3 = 6.0
    "lowerLimbs": pasi_region(3, 3, 3, 5),  # 9 x 5 x 0.4 = 18.0
}
EASI_REGIONS: dict[str, Any] = {
    "head": easi_region(2, 1.5, 1, 0, 2),  # 4.5 x 2 = 9 before weight
    "upperLimbs": easi_region(1, 1, 1, 1, 3),  # 4 x 3 = 12
    "trunk": easi_region(2.5, 2, 2, 1.5, 4),  # 8 x 4 = 32
    "lowerLimbs": easi_region(0, 0, 0, 0, 0),
}


def test_pasi_total_and_region_subtotals() -> None:
    scored = pasi(PASI_EXAMPLE)
    assert scored.total == 29.0
    assert scored.details["regions"] == {"head": 0.8, "upperLimbs": 4.2, "trunk": 6.0, "lowerLimbs": 18.0}


def test_pasi_range_is_0_to_72() -> None:
    worst = {region: pasi_region(4, 4, 4, 6) for region in ("head", "upperLimbs", "trunk", "lowerLimbs")}
    assert pasi(worst).total == 72.0
    clear = {region: pasi_region(0, 0, 0, 0) for region in ("head", "upperLimbs", "trunk", "lowerLimbs")}
    assert pasi(clear).total == 0.0


def test_easi_adult_weights() -> None:
    scored = easi({**EASI_REGIONS, "ageGroup": "adult"})
    # 9 x 0.1 + 12 x 0.2 + 32 x 0.3 + 0 = 0.9 + 2.4 + 9.6 = 12.9
    assert scored.total == 12.9
    assert scored.band == "moderate"


def test_easi_child_weights_double_the_head() -> None:
    scored = easi({**EASI_REGIONS, "ageGroup": "child"})
    # 9 x 0.2 + 12 x 0.2 + 32 x 0.3 + 0 x 0.3 = 1.8 + 2.4 + 9.6 = 13.8
    assert scored.total == 13.8


def test_easi_maximum_is_72_for_both_age_groups() -> None:
    worst = {r: easi_region(3, 3, 3, 3, 6) for r in ("head", "upperLimbs", "trunk", "lowerLimbs")}
    assert easi({**worst, "ageGroup": "adult"}).total == 72.0
    assert easi({**worst, "ageGroup": "child"}).total == 72.0


@pytest.mark.parametrize(("total", "band"), [(0, "clear"), (1, "almost_clear"), (7, "mild"), (7.1, "moderate"),
                                             (21, "moderate"), (50, "severe"), (50.1, "very_severe")])
def test_easi_bands(total: float, band: str) -> None:
    from functions.scores.instruments import easi_band

    assert easi_band(total) == band


def test_iga() -> None:
    assert (iga({"grade": 0}).total, iga({"grade": 0}).band) == (0, "clear")
    assert iga({"grade": 4}).band == "severe"
    with pytest.raises(ScoreError):
        iga({"grade": 5})


def test_dlqi_with_not_relevant_one_missing_and_item7_follow_up() -> None:
    items: list[Any] = [3, 2, 1, 0, "notRelevant", 1, {"prevented": False, "problem": 2}, None, 0, 3]
    scored = dlqi({"items": items})
    assert scored.total == 3 + 2 + 1 + 0 + 0 + 1 + 2 + 0 + 0 + 3 == 12
    assert scored.band == "very_large_effect"
    assert scored.details == {"unanswered": [8], "notRelevant": [5]}
    assert scored.components["items"][6] == 2


def test_dlqi_item7_yes_scores_3_and_range_is_0_to_30() -> None:
    assert dlqi({"items": [3, 3, 3, 3, 3, 3, {"prevented": True}, 3, 3, 3]}).total == 30
    assert dlqi({"items": [0] * 10}).band == "no_effect"


def test_dlqi_two_unanswered_cannot_be_scored() -> None:
    with pytest.raises(ScoreError) as raised:
        dlqi({"items": [None, None, 1, 1, 1, 1, 1, 1, 1, 1]})
    assert raised.value.code == "too_many_unanswered"


def test_dlqi_first_two_items_are_always_relevant() -> None:
    with pytest.raises(ScoreError):
        dlqi({"items": ["notRelevant", 0, 0, 0, 0, 0, 0, 0, 0, 0]})


def test_poem_total_band_and_one_missing() -> None:
    scored = poem({"items": [4, 3, 2, 1, 0, 4, None]})
    assert (scored.total, scored.band) == (14, "moderate")
    assert poem({"items": [4] * 7}).total == 28
    with pytest.raises(ScoreError):
        poem({"items": [None, None, 1, 1, 1, 1, 1]})


@pytest.mark.parametrize(("value", "band"), [(0, "none"), (3, "mild"), (4, "moderate"), (7, "severe"),
                                             (9, "very_severe")])
def test_itch_nrs(value: int, band: str) -> None:
    assert (itch_nrs({"score": value}).total, itch_nrs({"score": value}).band) == (value, band)


# --- meaningful change ---------------------------------------------------------------------------
def codes(instrument: Instrument, total: float, previous: float | None, baseline: float | None = None) -> list[str]:
    return [flag.code for flag in change(instrument, total, previous, baseline).flags]


@pytest.mark.parametrize(
    ("instrument", "previous", "total", "expected"),
    [
        (Instrument.DLQI, 12, 8, ["mcid_improved"]),
        (Instrument.DLQI, 12, 9, []),
        (Instrument.DLQI, 8, 12, ["mcid_worsened"]),
        (Instrument.POEM, 14, 11, ["mcid_improved"]),
        (Instrument.POEM, 14, 12, []),
        (Instrument.ITCH_NRS, 4, 7, ["mcid_worsened"]),
        (Instrument.ITCH_NRS, 4, 6, []),
        (Instrument.EASI, 20, 13.4, ["mcid_improved"]),
        (Instrument.EASI, 20, 13.5, []),
        (Instrument.IGA, 3, 1, ["mcid_improved", "iga_clear_or_almost_clear"]),
        (Instrument.IGA, 2, 1, ["iga_clear_or_almost_clear"]),
        (Instrument.IGA, 1, 3, ["mcid_worsened"]),
        (Instrument.IGA, 1, 0, []),
    ],
)
def test_mcid_against_the_previous_score(instrument: Instrument, previous: float, total: float,
                                         expected: list[str]) -> None:
    assert codes(instrument, total, previous) == expected


@pytest.mark.parametrize(("total", "expected", "percent"), [
    (20, [], 0.0), (10, ["pasi50"], 50.0), (9, ["pasi50"], 55.0), (5, ["pasi75"], 75.0), (2, ["pasi90"], 90.0),
    (0, ["pasi100"], 100.0), (30, [], -50.0),
])
def test_pasi_response_is_relative_to_baseline(total: float, expected: list[str], percent: float) -> None:
    moved = change(Instrument.PASI, total, previous=total + 1, baseline=20)
    assert [flag.code for flag in moved.flags] == expected
    assert moved.improvement_percent == percent


def test_first_score_has_nothing_to_compare_with() -> None:
    for instrument in Instrument:
        moved = change(instrument, 5, None, None)
        assert moved.flags == [] and moved.delta is None


# --- the strict schemas do the range checks first --------------------------------------------------
@pytest.mark.parametrize(("instrument", "components"), [
    (Instrument.PASI, {**PASI_EXAMPLE, "head": pasi_region(5, 1, 1, 2)}),
    (Instrument.PASI, {**PASI_EXAMPLE, "head": {**pasi_region(1, 1, 1, 7)}}),
    (Instrument.PASI, {k: v for k, v in PASI_EXAMPLE.items() if k != "trunk"}),
    (Instrument.PASI, {**PASI_EXAMPLE, "neck": pasi_region(1, 1, 1, 1)}),
    (Instrument.EASI, {**EASI_REGIONS, "ageGroup": "adult", "head": easi_region(0.5, 0, 0, 0, 1)}),
    (Instrument.EASI, {**EASI_REGIONS, "ageGroup": "teen"}),
    (Instrument.EASI, dict(EASI_REGIONS)),
    (Instrument.IGA, {"grade": -1}),
    (Instrument.DLQI, {"items": [0] * 9}),
    (Instrument.DLQI, {"items": [0, 0, 0, 0, 0, 0, {"prevented": False}, 0, 0, 0]}),
    (Instrument.DLQI, {"items": [0, 0, 0, 0, 0, 0, 4, 0, 0, 0]}),
    (Instrument.POEM, {"items": [5, 0, 0, 0, 0, 0, 0]}),
    (Instrument.ITCH_NRS, {"score": 11}),
    (Instrument.ITCH_NRS, {"score": "7"}),
])
def test_schema_refuses_out_of_range_components(instrument: Instrument, components: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        validate(components, component_schema(instrument), where="components")


def test_schema_accepts_valid_examples() -> None:
    validate(PASI_EXAMPLE, component_schema(Instrument.PASI), where="c")
    validate({**EASI_REGIONS, "ageGroup": "child"}, component_schema(Instrument.EASI), where="c")
    validate({"items": [3, 2, 1, 0, "notRelevant", 1, {"prevented": True}, None, 0, 3]},
             component_schema(Instrument.DLQI), where="c")


def test_the_declared_bands_are_exactly_the_ones_the_instruments_give() -> None:
    # The answers' ScoreBand enum is BANDS: a band the functions give outside it fails every answer carrying it.
    given = ({easi_band(tenth / 10) for tenth in range(0, 730)} | {dlqi_band(t) for t in range(0, 31)}
             | {poem_band(t) for t in range(0, 29)} | {nrs_band(v) for v in range(0, 11)}
             | {iga({"grade": grade}).band for grade in range(0, 5)})
    assert given == set(BANDS)


def test_the_declared_flag_codes_cover_every_flag_change_raises() -> None:
    raised = {flag.code for level in (50, 75, 90, 100)
              for flag in change(Instrument.PASI, 20 * (100 - level) / 100, 20, 20).flags}
    raised |= {flag.code for flag in change(Instrument.EASI, 1, 10, 10).flags}
    raised |= {flag.code for flag in change(Instrument.EASI, 20, 10, 10).flags}
    raised |= {flag.code for flag in change(Instrument.IGA, 1, 3, 3).flags}
    assert raised == set(FLAG_CODES)
