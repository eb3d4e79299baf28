"""The agreement figures the runtime computes in pure Python, checked against reference implementations
on random data: statsmodels' `inter_rater` (Cohen's and Fleiss' kappa), the `krippendorff` package
(alpha), statsmodels' Wilson interval, and numpy's percentile over the same bootstrap resamples."""

from __future__ import annotations

import math
import random
from typing import Literal

import krippendorff
import numpy as np
import pytest
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

from functions.consultation import agreement

SEEDS = [1, 2, 3, 7, 11, 42, 2024]
CODES = ["L40.0", "L20.9", "L30.9", "L70.0", "B35.4"]


def reference_cohen(pairs: list[tuple[str, str]]) -> tuple[float, float, float]:
    categories = sorted({c for pair in pairs for c in pair})
    table = np.zeros((len(categories), len(categories)))
    for a, b in pairs:
        table[categories.index(a), categories.index(b)] += 1
    result = cohens_kappa(table)
    return float(result.kappa), float(result.kappa_low), float(result.kappa_upp)


def reference_fleiss(subjects: list[list[str]]) -> float:
    categories = sorted({c for s in subjects for c in s})
    coded = np.array([[categories.index(c) for c in s] for s in subjects])
    table, _ = aggregate_raters(coded, n_cat=len(categories))
    return float(fleiss_kappa(table, method="fleiss"))


def reliability(units: list[list[int | None]]) -> np.ndarray:
    # krippendorff wants raters x units with NaN where a rater did not rate.
    return np.array([[np.nan if v is None else float(v) for v in unit] for unit in units]).T


def reference_alpha(units: list[list[int | None]], level: Literal["ordinal", "nominal"]) -> float:
    return float(krippendorff.alpha(reliability_data=reliability(units), level_of_measurement=level))


def biased_pick(rng: random.Random, truth: str, accuracy: float) -> str:
    return truth if rng.random() < accuracy else rng.choice(CODES)


# --- Cohen's kappa --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_cohens_kappa_and_its_interval_match_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(5, 120)
    accuracy = rng.random()
    truths = [rng.choice(CODES[: rng.randint(2, 5)]) for _ in range(n)]
    pairs = [(biased_pick(rng, t, accuracy), biased_pick(rng, t, accuracy)) for t in truths]
    ours = agreement.cohen_kappa(pairs)
    kappa, low, high = reference_cohen(pairs)
    if math.isnan(kappa):  # every rating the same single code: 0/0
        assert ours.value is None and ours.undefined == "no_variation"
        return
    assert ours.n == n and ours.method == "analytic"
    assert ours.value == pytest.approx(kappa, abs=1e-9)
    assert ours.low == pytest.approx(low, abs=1e-9) and ours.high == pytest.approx(high, abs=1e-9)


def test_cohens_kappa_edge_cases() -> None:
    perfect = [("L40.0", "L40.0"), ("L20.9", "L20.9"), ("L40.0", "L40.0")]
    ours = agreement.cohen_kappa(perfect)
    kappa, low, high = reference_cohen(perfect)
    assert ours.value == pytest.approx(kappa) == 1.0
    assert ours.low == pytest.approx(low) and ours.high == pytest.approx(high)
    # One category only: statsmodels divides 0 by 0 (NaN); ours says so.
    with np.errstate(invalid="ignore", divide="ignore"):
        assert math.isnan(reference_cohen([("L40.0", "L40.0")] * 4)[0])
    assert agreement.cohen_kappa([("L40.0", "L40.0")] * 4).undefined == "no_variation"
    assert agreement.cohen_kappa([("L40.0", "L20.9")]).undefined == "too_few"
    # Complete disagreement on two codes: kappa -1 exactly.
    opposite = [("a", "b"), ("b", "a")]
    assert agreement.cohen_kappa(opposite).value == pytest.approx(reference_cohen(opposite)[0]) == -1.0


# --- Fleiss' kappa --------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_fleiss_kappa_matches_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    raters = rng.randint(2, 6)
    accuracy = rng.random()
    subjects = [[biased_pick(rng, truth, accuracy) for _ in range(raters)]
                for truth in (rng.choice(CODES) for _ in range(rng.randint(3, 80)))]
    reference = reference_fleiss(subjects)
    ours = agreement.fleiss_kappa_value(subjects)
    if math.isnan(reference):
        assert ours is None
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS[:4])
def test_fleiss_interval_is_the_percentile_bootstrap_of_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    rounds: list[list[str]] = []
    for _ in range(rng.randint(6, 30)):
        truth = rng.choice(CODES)
        rounds.append([biased_pick(rng, truth, 0.7) for _ in range(rng.choice([2, 3, 3, 3]))])
    ours = agreement.fleiss_kappa(rounds)
    used = agreement.fleiss_subjects(rounds)
    assert all(len(r) == len(used[0]) for r in used) and ours.n == len(used)
    assert ours.value == pytest.approx(reference_fleiss([[str(c) for c in r] for r in used]), abs=1e-9)
    with np.errstate(invalid="ignore", divide="ignore"):
        figures = [reference_fleiss([[str(c) for c in used[i]] for i in sample])
                   for sample in agreement.resample_indices(len(used))]
    figures = [f for f in figures if not math.isnan(f)]
    assert ours.method == "bootstrap"
    assert ours.low == pytest.approx(float(np.percentile(figures, 2.5)), abs=1e-9)
    assert ours.high == pytest.approx(float(np.percentile(figures, 97.5)), abs=1e-9)


def test_fleiss_uses_the_most_common_number_of_reads_and_defines_the_edges() -> None:
    rounds = [["a", "a"], ["a", "b"], ["a", "a", "b"], ["b", "b"], ["c"]]
    assert agreement.fleiss_subjects(rounds) == [["a", "a"], ["a", "b"], ["b", "b"]]
    perfect = agreement.fleiss_kappa([["a", "a", "a"], ["b", "b", "b"], ["a", "a", "a"]])
    assert perfect.value == pytest.approx(reference_fleiss([["a"] * 3, ["b"] * 3, ["a"] * 3])) == 1.0
    one_category = agreement.fleiss_kappa([["a", "a"]] * 5)
    with np.errstate(invalid="ignore", divide="ignore"):
        assert math.isnan(reference_fleiss([["a", "a"]] * 5))
    assert (one_category.value, one_category.undefined) == (None, "no_variation")
    assert agreement.fleiss_kappa([["a", "b"]]).undefined == "too_few"


# --- Krippendorff's alpha -------------------------------------------------------------------------
@pytest.mark.parametrize("level", ["ordinal", "nominal"])
@pytest.mark.parametrize("seed", SEEDS)
def test_krippendorff_alpha_matches_the_package_with_missing_reads(seed: int,
                                                                  level: Literal["ordinal", "nominal"]) -> None:
    rng = random.Random(seed)
    raters = rng.randint(2, 6)
    units: list[list[int | None]] = []
    for _ in range(rng.randint(3, 60)):
        truth = rng.randint(0, 4)
        unit: list[int | None] = [min(4, max(0, truth + rng.choice([-1, 0, 0, 1]))) for _ in range(raters)]
        for i in range(raters):  # not every doctor reads every round
            if rng.random() < 0.3:
                unit[i] = None
        units.append(unit)
    present = [[v for v in unit if v is not None] for unit in units]
    try:
        reference: float | None = reference_alpha(units, level)
    except ValueError:  # one value only, or no pairable unit
        reference = None
    ours = agreement.krippendorff_alpha_value(present, level)  # type: ignore[arg-type]
    if reference is None:
        assert ours is None
    else:
        assert ours == pytest.approx(reference, abs=1e-9)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_alpha_interval_is_the_percentile_bootstrap_of_the_package(seed: int) -> None:
    rng = random.Random(seed)
    grades = [[rng.randint(0, 4) for _ in range(rng.choice([2, 3]))] for _ in range(rng.randint(8, 25))]
    ours = agreement.krippendorff_alpha(grades, "ordinal")
    width = max(len(g) for g in grades)

    def package(sample: list[list[int]]) -> float:
        padded: list[list[int | None]] = [[*g, *([None] * (width - len(g)))] for g in sample]
        try:
            return reference_alpha(padded, "ordinal")
        except ValueError:
            return math.nan

    figures = [package([grades[i] for i in sample]) for sample in agreement.resample_indices(len(grades))]
    figures = [f for f in figures if not math.isnan(f)]
    assert ours.value == pytest.approx(package(grades), abs=1e-9) and ours.n == len(grades)
    assert ours.low == pytest.approx(float(np.percentile(figures, 2.5)), abs=1e-9)
    assert ours.high == pytest.approx(float(np.percentile(figures, 97.5)), abs=1e-9)


def test_alpha_edges() -> None:
    perfect = [[2, 2], [3, 3, 3], [0, 0]]
    padded: list[list[int | None]] = [[2, 2, None], [3, 3, 3], [0, 0, None]]
    assert agreement.krippendorff_alpha(perfect, "ordinal").value == pytest.approx(reference_alpha(padded, "ordinal"))
    assert agreement.krippendorff_alpha(perfect, "ordinal").value == 1.0
    with pytest.raises(ValueError):  # the package refuses a single value; ours is undefined
        reference_alpha([[1, 1], [1, 1]], "ordinal")
    assert agreement.krippendorff_alpha([[1, 1], [1, 1]], "ordinal").undefined == "no_variation"
    assert agreement.krippendorff_alpha([[1, 2], [3]], "ordinal").undefined == "too_few"


# --- raw agreement, Wilson interval, the bootstrap's determinism ----------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_raw_agreement_is_fleiss_p_i_and_wilson_matches_statsmodels(seed: int) -> None:
    rng = random.Random(seed)
    values = [rng.choice(CODES[:3]) for _ in range(rng.randint(2, 8))]
    counts = [values.count(c) for c in set(values)]
    k = len(values)
    assert agreement.pairwise_agreement(values) == pytest.approx((sum(c * c for c in counts) - k) / (k * (k - 1)))
    n = rng.randint(1, 200)
    successes = rng.randint(0, n)
    low, high = proportion_confint(successes, n, alpha=0.05, method="wilson")
    ours = agreement.wilson(successes, n)
    assert ours.value == pytest.approx(successes / n)
    assert ours.low == pytest.approx(low, abs=1e-12) and ours.high == pytest.approx(high, abs=1e-12)


def test_raw_agreement_and_wilson_edges() -> None:
    assert agreement.pairwise_agreement(["L40.0"]) is None
    assert agreement.pairwise_agreement(["a", "a", "a"]) == 1.0
    assert agreement.pairwise_agreement(["a", "b", "c"]) == 0.0
    assert agreement.wilson(0, 0).undefined == "too_few"
    assert agreement.wilson(5, 5).high == 1.0


def test_the_bootstrap_is_reproducible_and_its_percentile_is_numpys() -> None:
    assert agreement.resample_indices(17) == agreement.resample_indices(17)
    values = sorted(random.Random(5).random() for _ in range(101))
    for q in (0.0, 0.025, 0.5, 0.975, 1.0):
        assert agreement.percentile(values, q) == pytest.approx(float(np.percentile(values, q * 100)))
