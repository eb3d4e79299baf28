"""The controlled vocabularies the lake speaks: conditions, treatments, instruments.

Only these values ever reach the lake: a prescription's drug text is matched against known
treatments and anything else becomes "other", so free text cannot leak through a drug name.
Concept ids need the OHDSI vocabulary (not shipped): they stay 0 and the source values are filled,
as OHDSI ETLs do without it.
"""

from __future__ import annotations

from dataclasses import dataclass

OTHER = "other"


@dataclass(frozen=True)
class ConditionGroup:
    name: str
    icd_prefix: str  # ICD-10-CM category
    instrument: str  # the severity score the outcome is measured with


CONDITIONS: tuple[ConditionGroup, ...] = (
    ConditionGroup("psoriasis", "L40", "PASI"),
    ConditionGroup("atopic dermatitis", "L20", "EASI"),
    ConditionGroup("acne", "L70", "IGA"),
    ConditionGroup("vitiligo", "L80", "DLQI"),
)

# Minimal clinically important improvement per instrument (points; PASI is judged as PASI75 instead).
MCID: dict[str, float] = {"EASI": 6.6, "IGA": 2, "DLQI": 4, "POEM": 3, "ITCH_NRS": 3}
PASI75 = -75.0  # percent change from baseline
INSTRUMENTS = ("PASI", "EASI", "IGA", "DLQI", "POEM", "ITCH_NRS")

# Treatment name -> lower-case spellings that name it in a prescription's drug field.
TREATMENTS: dict[str, tuple[str, ...]] = {
    "calcipotriol/betamethasone": ("calcipotriol/betamethasone", "calcipotriol + betamethasone",
                                   "calcipotriol and betamethasone", "enstilar", "dovobet"),
    "methotrexate": ("methotrexate",),
    "adalimumab": ("adalimumab", "humira"),
    "secukinumab": ("secukinumab", "cosentyx"),
    "dupilumab": ("dupilumab", "dupixent"),
    "tacrolimus topical": ("tacrolimus", "protopic"),
    "topical corticosteroid": ("mometasone", "hydrocortisone", "clobetasol", "betamethasone valerate",
                               "triamcinolone"),
    "emollients": ("emollient",),
    "adapalene/benzoyl peroxide": ("adapalene", "benzoyl peroxide", "epiduo"),
    "doxycycline": ("doxycycline",),
    "isotretinoin": ("isotretinoin",),
    "ruxolitinib cream": ("ruxolitinib",),
    "narrowband uvb": ("uvb", "phototherapy"),
}


def treatment_of(drug_text: str) -> str:
    """The known treatment a prescription names, or "other" (never the text itself)."""
    text = drug_text.strip().lower()
    for name, spellings in TREATMENTS.items():  # combinations first: dict order is the match order
        if any(spelling in text for spelling in spellings):
            return name
    return OTHER


def condition_code(icd_code: str) -> str | None:
    """The ICD-10-CM code if it belongs to a condition group the analyses follow, else None."""
    code = icd_code.strip().upper()
    return code if any(code.startswith(group.icd_prefix) for group in CONDITIONS) else None


def condition_group(icd_code: str) -> ConditionGroup | None:
    code = icd_code.strip().upper()
    return next((group for group in CONDITIONS if code.startswith(group.icd_prefix)), None)


def baseline_band(instrument: str, baseline: float) -> str:
    """The baseline severity band a cohort cell is drawn for (PASI/EASI: <10, 10-20, >20)."""
    if instrument in ("PASI", "EASI"):
        if baseline < 10:
            return "lt10"
        return "10-20" if baseline <= 20 else "gt20"
    return "all"


BAND_LABELS = {"lt10": "below 10", "10-20": "10-20", "gt20": "above 20", "all": "any"}
