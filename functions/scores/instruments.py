"""Severity scores and patient-reported outcomes: components, totals, bands and meaningful change.

Pure functions (no I/O), unit-tested against hand-computed examples. Components arrive already
checked by the instrument's strict JSON Schema (`component_schema`), so ranges are enforced before
any arithmetic; the functions still refuse impossible input on their own (they are also used
directly by tests and could be by importers).

Sources for the rules (published instrument manuals and validation papers):
- PASI: 4 regions (head, upper limbs, trunk, lower limbs) x (erythema + induration + desquamation,
  each 0-4) x area score (0-6) x weights 0.1/0.2/0.3/0.4; 0-72. Response is relative to baseline:
  PASI50/75/90/100 = an improvement of at least 50/75/90/100%.
- EASI: 4 regions x (erythema + induration/papulation + excoriation + lichenification, each 0-3,
  half steps allowed from 1 up) x area (0-6) x weights 0.1/0.2/0.3/0.4 (age >= 8) or
  0.2/0.2/0.3/0.3 (age 0-7); 0-72. MCID 6.6. Bands (Leshem 2015): 0 clear, 0.1-1 almost clear,
  1.1-7 mild, 7.1-21 moderate, 21.1-50 severe, 50.1-72 very severe.
- IGA: 0 clear, 1 almost clear, 2 mild, 3 moderate, 4 severe. A change of 2 grades is meaningful;
  reaching 0/1 from 2 or more is the usual treatment-success end point.
- DLQI: 10 items 0-3 (0-30); items 3-10 may be "not relevant" (scores 0); item 7 is a yes/no question
  ("prevented you from working or studying?": yes = 3) with a follow-up if no (a lot 2, a little 1,
  not at all 0). One unanswered item scores 0; two or more: the questionnaire cannot be scored.
  MCID 4. Bands: 0-1 no effect, 2-5 small, 6-10 moderate, 11-20 very large, 21-30 extremely large.
- POEM: 7 items 0-4 (days in the last week: 0, 1-2, 3-4, 5-6, every day); 0-28. One unanswered item
  scores 0; two or more: not scored. MCID 3. Bands: 0-2 clear/almost clear, 3-7 mild, 8-16 moderate,
  17-24 severe, 25-28 very severe.
- Itch NRS (peak itch, last 24 h): 0-10. MCID 3. Bands: 0 none, 1-3 mild, 4-6 moderate, 7-8 severe,
  9-10 very severe.
Lower is better for every instrument here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Instrument(StrEnum):
    PASI = "PASI"
    EASI = "EASI"
    IGA = "IGA"
    DLQI = "DLQI"
    POEM = "POEM"
    ITCH_NRS = "ITCH_NRS"


# Clinician-rated instruments need an examination: doctors only. Patient-reported outcomes are the
# patient's own answers; a doctor may enter them on the patient's behalf (e.g. read out in a visit).
CLINICIAN_RATED = frozenset({Instrument.PASI, Instrument.EASI, Instrument.IGA})
PATIENT_REPORTED = frozenset({Instrument.DLQI, Instrument.POEM, Instrument.ITCH_NRS})

REGIONS: tuple[str, ...] = ("head", "upperLimbs", "trunk", "lowerLimbs")
PASI_WEIGHTS: dict[str, Decimal] = dict(zip(REGIONS, map(Decimal, ("0.1", "0.2", "0.3", "0.4")), strict=True))
EASI_WEIGHTS: dict[str, dict[str, Decimal]] = {
    "adult": PASI_WEIGHTS,  # age 8 and over
    "child": dict(zip(REGIONS, map(Decimal, ("0.2", "0.2", "0.3", "0.3")), strict=True)),  # age 0-7
}
PASI_SIGNS: tuple[str, ...] = ("erythema", "induration", "desquamation")
EASI_SIGNS: tuple[str, ...] = ("erythema", "induration", "excoriation", "lichenification")
EASI_LEVELS: tuple[float, ...] = (0, 1, 1.5, 2, 2.5, 3)
MAX_TOTAL: dict[Instrument, float] = {
    Instrument.PASI: 72, Instrument.EASI: 72, Instrument.IGA: 4, Instrument.DLQI: 30, Instrument.POEM: 28,
    Instrument.ITCH_NRS: 10,
}
# Minimal clinically important difference vs the previous score of the same instrument (PASI is judged
# relative to baseline instead).
MCID: dict[Instrument, float] = {
    Instrument.EASI: 6.6, Instrument.IGA: 2, Instrument.DLQI: 4, Instrument.POEM: 3, Instrument.ITCH_NRS: 3,
}
PASI_RESPONSE_LEVELS: tuple[int, ...] = (100, 90, 75, 50)
IGA_LABELS = ("clear", "almost_clear", "mild", "moderate", "severe")


class ScoreError(ValueError):
    """Components that cannot be scored (the message names the field, never a patient's value)."""

    def __init__(self, message: str, code: str = "invalid_components") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Scored:
    total: float
    band: str | None
    components: dict[str, Any]  # normalised (what is stored)
    details: dict[str, Any] = field(default_factory=dict)  # e.g. region subtotals, missing items


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


@dataclass(frozen=True)
class Change:
    previous_total: float | None
    delta: float | None  # current - previous (negative = better)
    baseline_total: float | None
    improvement_percent: float | None  # vs baseline, PASI only
    flags: list[Flag]


# --- JSON Schemas of the components -------------------------------------------------------------
def _int(maximum: int) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "maximum": maximum}


def _strict(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _regions(signs: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    region = _strict({**signs, "area": _int(6)}, [*signs, "area"])
    properties: dict[str, Any] = {**dict.fromkeys(REGIONS, region), **(extra or {})}
    return _strict(properties, list(properties))


_NOT_RELEVANT = {"const": "notRelevant"}
_DLQI_ITEM = {"oneOf": [_int(3), {"type": "null"}]}
_DLQI_ITEM_NR = {"oneOf": [_int(3), {"type": "null"}, _NOT_RELEVANT]}
_DLQI_ITEM7 = {
    "oneOf": [
        _int(3),
        {"type": "null"},
        _NOT_RELEVANT,
        _strict({"prevented": {"const": True}}, ["prevented"]),
        _strict({"prevented": {"const": False}, "problem": _int(2)}, ["prevented", "problem"]),
    ]
}

COMPONENT_SCHEMAS: dict[Instrument, dict[str, Any]] = {
    Instrument.PASI: _regions({sign: _int(4) for sign in PASI_SIGNS}),
    Instrument.EASI: _regions(
        {sign: {"type": "number", "enum": list(EASI_LEVELS)} for sign in EASI_SIGNS},
        {"ageGroup": {"type": "string", "enum": sorted(EASI_WEIGHTS)}},
    ),
    Instrument.IGA: _strict({"grade": _int(4)}, ["grade"]),
    Instrument.DLQI: _strict(
        {
            "items": {
                "type": "array",
                "minItems": 10,
                "maxItems": 10,
                # Tuple validation (draft-07 array form): items 1-2 are answered or left empty, 3-10 may
                # also be "not relevant", item 7 has its own yes/no form.
                "items": [_DLQI_ITEM, _DLQI_ITEM, *[_DLQI_ITEM_NR] * 4, _DLQI_ITEM7, *[_DLQI_ITEM_NR] * 3],
            }
        },
        ["items"],
    ),
    Instrument.POEM: _strict(
        {"items": {"type": "array", "minItems": 7, "maxItems": 7, "items": {"oneOf": [_int(4), {"type": "null"}]}}},
        ["items"],
    ),
    Instrument.ITCH_NRS: _strict({"score": _int(10)}, ["score"]),
}


def component_schema(instrument: Instrument) -> dict[str, Any]:
    return COMPONENT_SCHEMAS[instrument]


# --- totals -------------------------------------------------------------------------------------
def score(instrument: Instrument, components: dict[str, Any]) -> Scored:
    return _SCORERS[instrument](components)


def pasi(components: dict[str, Any]) -> Scored:
    subtotals = {
        region: _region_score(components, region, PASI_SIGNS, 4, PASI_WEIGHTS[region]) for region in REGIONS
    }
    total = sum(subtotals.values(), Decimal(0))
    normalised = {region: {k: components[region][k] for k in (*PASI_SIGNS, "area")} for region in REGIONS}
    return Scored(_number(total), None, normalised, {"regions": {k: _number(v) for k, v in subtotals.items()}})


def easi(components: dict[str, Any]) -> Scored:
    age_group = components.get("ageGroup")
    if age_group not in EASI_WEIGHTS:
        raise ScoreError("ageGroup must be 'adult' (8 years or older) or 'child' (0-7 years).")
    weights = EASI_WEIGHTS[age_group]
    subtotals = {region: _region_score(components, region, EASI_SIGNS, 3, weights[region]) for region in REGIONS}
    for region in REGIONS:
        for sign in EASI_SIGNS:
            if float(components[region][sign]) not in EASI_LEVELS:
                raise ScoreError(f"{region}.{sign} must be one of 0, 1, 1.5, 2, 2.5, 3.")
    total = sum(subtotals.values(), Decimal(0))
    normalised: dict[str, Any] = {
        region: {k: components[region][k] for k in (*EASI_SIGNS, "area")} for region in REGIONS
    }
    normalised["ageGroup"] = age_group
    return Scored(_number(total), easi_band(_number(total)), normalised,
                  {"regions": {k: _number(v) for k, v in subtotals.items()}})


def iga(components: dict[str, Any]) -> Scored:
    grade = _bounded(components.get("grade"), 0, 4, "grade")
    return Scored(grade, IGA_LABELS[grade], {"grade": grade})


def dlqi(components: dict[str, Any]) -> Scored:
    items = components.get("items")
    if not isinstance(items, list) or len(items) != 10:
        raise ScoreError("items must list the 10 DLQI answers.")
    scores: list[int] = []
    missing: list[int] = []
    not_relevant: list[int] = []
    normalised: list[Any] = []
    for number, answer in enumerate(items, start=1):
        if answer is None:
            missing.append(number)
            scores.append(0)
            normalised.append(None)
            continue
        if answer == "notRelevant":
            if number < 3:
                raise ScoreError(f"item {number} cannot be answered 'not relevant'.")
            not_relevant.append(number)
            scores.append(0)
            normalised.append("notRelevant")
            continue
        if number == 7 and isinstance(answer, dict):
            value = _dlqi_item7(answer)
        else:
            value = _bounded(answer, 0, 3, f"item {number}")
        scores.append(value)
        normalised.append(value)
    if len(missing) > 1:
        raise ScoreError("Two or more DLQI questions are unanswered: the questionnaire cannot be scored.",
                         code="too_many_unanswered")
    total = sum(scores)
    return Scored(total, dlqi_band(total), {"items": normalised},
                  {"unanswered": missing, "notRelevant": not_relevant})


def _dlqi_item7(answer: dict[str, Any]) -> int:
    # "Over the last week, has your skin prevented you from working or studying?" Yes scores 3;
    # No leads to "how much has your skin been a problem at work or studying?" (2/1/0).
    if answer.get("prevented") is True:
        return 3
    if answer.get("prevented") is False:
        return _bounded(answer.get("problem"), 0, 2, "item 7 problem")
    raise ScoreError("item 7 needs prevented: true, or prevented: false with problem 0-2.")


def poem(components: dict[str, Any]) -> Scored:
    items = components.get("items")
    if not isinstance(items, list) or len(items) != 7:
        raise ScoreError("items must list the 7 POEM answers.")
    missing = [number for number, answer in enumerate(items, start=1) if answer is None]
    if len(missing) > 1:
        raise ScoreError("Two or more POEM questions are unanswered: the questionnaire cannot be scored.",
                         code="too_many_unanswered")
    values = [0 if answer is None else _bounded(answer, 0, 4, f"item {n}") for n, answer in enumerate(items, 1)]
    total = sum(values)
    normalised = [None if answer is None else value for answer, value in zip(items, values, strict=True)]
    return Scored(total, poem_band(total), {"items": normalised}, {"unanswered": missing})


def itch_nrs(components: dict[str, Any]) -> Scored:
    value = _bounded(components.get("score"), 0, 10, "score")
    return Scored(value, nrs_band(value), {"score": value})


_SCORERS = {
    Instrument.PASI: pasi, Instrument.EASI: easi, Instrument.IGA: iga, Instrument.DLQI: dlqi,
    Instrument.POEM: poem, Instrument.ITCH_NRS: itch_nrs,
}


def _region_score(components: dict[str, Any], region: str, signs: tuple[str, ...], sign_max: int,
                  weight: Decimal) -> Decimal:
    part = components.get(region)
    if not isinstance(part, dict):
        raise ScoreError(f"{region} is missing.")
    severity = Decimal(0)
    for sign in signs:
        value = part.get(sign)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= sign_max:
            raise ScoreError(f"{region}.{sign} must be between 0 and {sign_max}.")
        severity += Decimal(str(value))
    area = _bounded(part.get("area"), 0, 6, f"{region}.area")
    return severity * area * weight


def _bounded(value: Any, low: int, high: int, name: str) -> int:
    if isinstance(value, float) and value.is_integer():  # JSON 2.0 is the whole number 2
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ScoreError(f"{name} must be a whole number from {low} to {high}.")
    return value


def _number(value: Decimal) -> float:
    # Totals are multiples of 0.05 at most (EASI half steps x 0.1 weight); two decimals are exact.
    return float(round(value, 2))


# --- bands --------------------------------------------------------------------------------------
# Each instrument's bands by their upper limit (inclusive); above the last is the closing label.
EASI_BANDS = ((1, "almost_clear"), (7, "mild"), (21, "moderate"), (50, "severe"))
DLQI_BANDS = ((1, "no_effect"), (5, "small_effect"), (10, "moderate_effect"), (20, "very_large_effect"))
POEM_BANDS = ((2, "clear_or_almost_clear"), (7, "mild"), (16, "moderate"), (24, "severe"))
NRS_BANDS = ((3, "mild"), (6, "moderate"), (8, "severe"))


def easi_band(total: float) -> str:
    if total == 0:
        return "clear"
    for limit, label in EASI_BANDS:
        if total <= limit:
            return label
    return "very_severe"


def dlqi_band(total: int) -> str:
    for limit, label in DLQI_BANDS:
        if total <= limit:
            return label
    return "extremely_large_effect"


def poem_band(total: int) -> str:
    for limit, label in POEM_BANDS:
        if total <= limit:
            return label
    return "very_severe"


def nrs_band(value: int) -> str:
    if value == 0:
        return "none"
    for limit, label in NRS_BANDS:
        if value <= limit:
            return label
    return "very_severe"


# Every band a score can carry (the answers' enum; PASI has none).
BANDS: tuple[str, ...] = tuple(sorted(
    {label for table in (EASI_BANDS, DLQI_BANDS, POEM_BANDS, NRS_BANDS) for _, label in table}
    | set(IGA_LABELS) | {"clear", "very_severe", "extremely_large_effect", "none"}
))
# Every flag code change() raises.
FLAG_CODES: tuple[str, ...] = (*(f"pasi{level}" for level in sorted(PASI_RESPONSE_LEVELS)), "mcid_improved",
                               "mcid_worsened", "iga_clear_or_almost_clear")


# --- change -------------------------------------------------------------------------------------
def change(instrument: Instrument, total: float, previous: float | None, baseline: float | None) -> Change:
    """Flags for a new score given the previous and the first (baseline) score of the same
    instrument on the case. Nothing to compare with: no flags."""
    flags: list[Flag] = []
    delta = None if previous is None else round(total - previous, 2)
    improvement = None
    if instrument is Instrument.PASI:
        if baseline is not None and baseline > 0:
            improvement = round((baseline - total) / baseline * 100, 1)
            for level in PASI_RESPONSE_LEVELS:
                if improvement >= level:
                    flags.append(Flag(f"pasi{level}", f"PASI improved by {improvement:g}% from baseline "
                                                      f"(PASI{level} reached)."))
                    break
    elif delta is not None:
        threshold = MCID[instrument]
        if delta <= -threshold:
            flags.append(Flag("mcid_improved", f"{instrument.value} improved by {abs(delta):g} "
                                               f"(meaningful change is {threshold:g})."))
        elif delta >= threshold:
            flags.append(Flag("mcid_worsened", f"{instrument.value} worsened by {delta:g} "
                                               f"(meaningful change is {threshold:g})."))
        if instrument is Instrument.IGA and previous is not None and previous >= 2 and total <= 1:
            flags.append(Flag("iga_clear_or_almost_clear", "IGA reached clear or almost clear."))
    return Change(previous, delta, baseline, improvement, flags)
