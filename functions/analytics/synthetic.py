"""A synthetic clinic: ~400 patients over two years, generated from a fixed seed (pure, no I/O).

Psoriasis, atopic dermatitis, acne and vitiligo with the treatments a dermatology clinic prescribes,
score trajectories that improve towards a treatment-specific plateau with noise, follow-ups every 4
weeks (some missed, some patients dropping out), photos and video visits. The same seed and end date
always give the same cohort, so the figures the analyses compute on it can be checked exactly.
Names are invented from short lists (they exist to prove the lake never carries them).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

SEED = 14
PATIENTS = 400
SPAN_DAYS = 730

GIVEN = ("Avery", "Jordan", "Riley", "Casey", "Morgan", "Quinn", "Harper", "Rowan", "Emery", "Sasha", "Noa",
         "Kai", "Ilse", "Tomas", "Ines", "Yara", "Leon", "Mira", "Oskar", "Priya", "Ravi", "Sofia", "Wen", "Zane")
FAMILY = ("Lindqvist", "Okonkwo", "Marchetti", "Haddad", "Kowalczyk", "Fairbanks", "Takahashi", "Oyelaran",
          "Brennan", "Vasquez", "Nakamura", "Abernathy", "Castellanos", "Dimitriou", "Eriksen", "Gallagher")


@dataclass(frozen=True)
class Regimen:
    treatment: str  # a name `vocabulary.treatment_of` recognises
    drug_text: str  # what a doctor would type
    route: str
    weight: float  # share among the condition's patients
    efficacy: float  # plateau improvement (fraction of baseline)
    weeks_to_half: float  # weeks to half of the plateau


@dataclass(frozen=True)
class Disease:
    code: str
    text: str
    weight: float
    instruments: tuple[tuple[str, float, float], ...]  # (instrument, low, high) baseline range
    regimens: tuple[Regimen, ...]
    sites: tuple[str, ...]


DISEASES: tuple[Disease, ...] = (
    Disease("L40.0", "Psoriasis vulgaris", 0.40, (("PASI", 6, 26), ("DLQI", 4, 18)), (
        Regimen("calcipotriol/betamethasone", "Calcipotriol/betamethasone gel", "topical", 0.40, 0.55, 3),
        Regimen("methotrexate", "Methotrexate 15 mg", "oral", 0.25, 0.60, 5),
        Regimen("adalimumab", "Adalimumab 40 mg", "subcutaneous", 0.20, 0.78, 3),
        Regimen("secukinumab", "Secukinumab 300 mg", "subcutaneous", 0.15, 0.86, 2.5),
    ), ("elbow_left", "elbow_right", "scalp", "lower_back", "knee_left", "knee_right")),
    Disease("L20.9", "Atopic dermatitis", 0.30, (("EASI", 4, 36), ("POEM", 6, 24), ("ITCH_NRS", 3, 9)), (
        Regimen("topical corticosteroid", "Mometasone furoate 0.1% cream", "topical", 0.50, 0.50, 2),
        Regimen("tacrolimus topical", "Tacrolimus 0.1% ointment", "topical", 0.25, 0.45, 3),
        Regimen("dupilumab", "Dupilumab 300 mg", "subcutaneous", 0.22, 0.70, 4),
        Regimen("emollients", "Emollient cream", "topical", 0.03, 0.20, 4),
    ), ("neck", "arm_left_lower", "arm_right_lower", "hand_left", "hand_right")),
    Disease("L70.0", "Acne vulgaris", 0.18, (("IGA", 2, 4), ("DLQI", 2, 14)), (
        Regimen("adapalene/benzoyl peroxide", "Adapalene/benzoyl peroxide gel", "topical", 0.5, 0.45, 4),
        Regimen("doxycycline", "Doxycycline 100 mg", "oral", 0.3, 0.5, 4),
        Regimen("isotretinoin", "Isotretinoin 20 mg", "oral", 0.2, 0.8, 6),
    ), ("face", "upper_back", "chest")),
    Disease("L80", "Vitiligo", 0.12, (("DLQI", 3, 16),), (
        Regimen("ruxolitinib cream", "Ruxolitinib 1.5% cream", "topical", 0.6, 0.35, 8),
        Regimen("narrowband uvb", "Narrowband UVB phototherapy", "other", 0.4, 0.30, 10),
    ), ("face", "hand_left", "hand_right")),
)

SCORE_WEEKS = (0, 4, 8, 12, 16, 20, 24, 32, 40, 52)
MISSED_VISIT = 0.15
DROP_OUT_PER_VISIT = 0.04


@dataclass(frozen=True)
class Score:
    instrument: str
    at: str  # ISO-8601 UTC
    total: float


@dataclass(frozen=True)
class FollowUp:
    due: str  # YYYY-MM-DD
    modality: str
    status: str


@dataclass(frozen=True)
class SyntheticPatient:
    number: int
    username: str
    name: str
    birth_date: str
    sex: str  # "F" | "M"
    code: str
    condition_text: str
    regimen: Regimen
    started: str  # ISO-8601 UTC: diagnosis and prescription
    note: str  # free text of the kind a doctor writes (never exported)
    scores: tuple[Score, ...]
    follow_ups: tuple[FollowUp, ...]
    photos: tuple[tuple[str, str], ...] = field(default=())  # (ISO time, body site)
    visits: tuple[str, ...] = ()  # ISO times of video visits


def _choice(rng: random.Random, options: tuple[tuple[object, float], ...]) -> object:
    point = rng.random() * sum(weight for _, weight in options)
    for option, weight in options:
        point -= weight
        if point <= 0:
            return option
    return options[-1][0]


def _at(day: date, rng: random.Random) -> str:
    moment = datetime.combine(day, time(8 + rng.randrange(10), rng.randrange(60), rng.randrange(60)))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z"


def _value(instrument: str, baseline: float, improvement: float, rng: random.Random) -> float:
    noisy = baseline * (1 - improvement) * (1 + rng.gauss(0, 0.12))
    if instrument in ("IGA", "DLQI", "POEM", "ITCH_NRS"):  # integer instruments
        top = {"IGA": 4, "DLQI": 30, "POEM": 28, "ITCH_NRS": 10}[instrument]
        return float(min(top, max(0, round(noisy))))
    return round(min(72.0, max(0.0, noisy)), 1)


def patient(number: int, rng: random.Random, end: date) -> SyntheticPatient:
    disease = _choice(rng, tuple((d, d.weight) for d in DISEASES))
    assert isinstance(disease, Disease)
    regimen = _choice(rng, tuple((r, r.weight) for r in disease.regimens))
    assert isinstance(regimen, Regimen)
    start = end - timedelta(days=rng.randrange(40, SPAN_DAYS))
    age = rng.randrange(14, 96) if disease.code != "L70.0" else rng.randrange(13, 35)
    born = start - timedelta(days=age * 365 + rng.randrange(365))
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    baselines = {name: (round(rng.uniform(low, high), 1) if name in ("PASI", "EASI") else float(
        rng.randint(int(low), int(high)))) for name, low, high in disease.instruments}
    responder = rng.random() < 0.8  # one in five does not respond to the treatment at all
    efficacy = max(0.0, min(0.97, regimen.efficacy * (1.15 if responder else 0.2) + rng.gauss(0, 0.08)))
    scores: list[Score] = []
    follow_ups: list[FollowUp] = []
    photos: list[tuple[str, str]] = []
    visits: list[str] = []
    site = rng.choice(disease.sites)
    dropped = False
    for week in SCORE_WEEKS:
        due = start + timedelta(days=7 * week)
        if due > end:
            break
        if week:
            follow_ups.append(FollowUp(due.isoformat(), rng.choice(("video", "photo-review", "scores")),
                                       "planned"))
        if dropped or (week and rng.random() < MISSED_VISIT):
            continue
        day = due + timedelta(days=0 if week == 0 else rng.randint(-5, 5))
        if day > end:
            continue
        improvement = efficacy * (1 - math.exp(-math.log(2) * week / regimen.weeks_to_half))
        for name, _, _ in disease.instruments:
            total = baselines[name] if week == 0 else _value(name, baselines[name], improvement, rng)
            scores.append(Score(name, _at(day, rng), total))
        photos.append((_at(day, rng), site))
        if rng.random() < 0.5:
            visits.append(_at(day, rng))
        if week and rng.random() < DROP_OUT_PER_VISIT:
            dropped = True
    return SyntheticPatient(
        number=number,
        username=f"syn.{given.lower()}{number:03d}",
        name=f"{given} {family}",
        birth_date=born.isoformat(),
        sex=rng.choice(("F", "M")),
        code=disease.code,
        condition_text=disease.text,
        regimen=regimen,
        started=scores[0].at if scores else _at(start, rng),
        note=f"{given} {family} reports flares after stress at work; lives near {family} Park.",
        scores=tuple(scores),
        follow_ups=tuple(follow_ups),
        photos=tuple(photos),
        visits=tuple(visits),
    )


def cohort(end: date, patients: int = PATIENTS, seed: int = SEED) -> list[SyntheticPatient]:
    """The synthetic clinic up to `end` (the last day any event may fall on)."""
    rng = random.Random(seed)
    return [patient(number, rng, end) for number in range(1, patients + 1)]
