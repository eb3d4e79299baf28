"""Inter-rater agreement, in pure Python (the API's Lambda carries no numpy; figures are small).

What each figure is, and how its 95% confidence interval is obtained:

- raw agreement of one round: the share of pairs of reads that agree (same ICD-10 code; same IGA
  grade). With k reads there are k(k-1)/2 pairs; it is Fleiss' P_i of that round. Under 2 reads: none.
- Cohen's kappa for a pair of doctors (nominal: the diagnosis code), over the closed rounds both read.
  The CI is analytic: kappa +/- 1.96 x the asymptotic standard error of Fleiss, Cohen and Everitt
  (1969), exactly as `statsmodels.stats.inter_rater.cohens_kappa` computes `kappa_low`/`kappa_upp`.
- Fleiss' kappa for the clinic (nominal: the diagnosis code). It needs the same number of raters per
  subject, so it is computed over the closed rounds with the most common number of reads (ties: the
  larger number); `n` says how many rounds that was.
- Krippendorff's alpha for the clinic (ordinal: the IGA grade 0-4), over every closed round with at
  least two reads (alpha allows any number of raters per unit).
- Fleiss' kappa and alpha have no standard closed-form interval: theirs is a percentile bootstrap over
  rounds (1,000 resamples with replacement, a fixed seed, so the same rounds always give the same
  interval; resamples where the figure is undefined are left out).
- a doctor's agreement with the consensus: the share of their reads whose code is the consensus code,
  with Wilson's score interval.

A figure is undefined (None, with the reason) when it cannot be computed: fewer than two pairs of
ratings, or no variation at all (everyone always gave the same single category, so chance agreement
is 1 and kappa is 0/0). That is the reference implementations' NaN or ValueError, made explicit.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal

Z95 = NormalDist().inv_cdf(0.975)  # 1.959963984540054
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20_240_613
Method = Literal["analytic", "bootstrap", "wilson", "none"]
Undefined = Literal["too_few", "no_variation"]


@dataclass(frozen=True)
class Estimate:
    """A figure with its sample size and 95% interval (None where undefined, with `undefined` saying why)."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None
    method: Method = "none"
    undefined: Undefined | None = None

    def view(self, digits: int = 3) -> dict[str, Any]:
        def rounded(x: float | None) -> float | None:
            return None if x is None else round(x, digits)

        view: dict[str, Any] = {"value": rounded(self.value), "n": self.n, "ciLow": rounded(self.low),
                                "ciHigh": rounded(self.high), "ciMethod": self.method}
        if self.undefined is not None:
            view["undefined"] = self.undefined
        return view


# --- one round ---------------------------------------------------------------------------------
def pairwise_agreement(values: Sequence[Hashable]) -> float | None:
    """The share of pairs of ratings that agree (None under two ratings)."""
    k = len(values)
    if k < 2:
        return None
    agreeing = sum(count * (count - 1) for count in Counter(values).values())
    return agreeing / (k * (k - 1))


# --- Cohen's kappa (two raters, nominal) ---------------------------------------------------------
def cohen_kappa(pairs: Sequence[tuple[Hashable, Hashable]]) -> Estimate:
    """Kappa of two raters over subjects both rated, with the asymptotic 95% CI."""
    n = len(pairs)
    if n < 2:
        return Estimate(None, n, undefined="too_few")
    categories = sorted({value for pair in pairs for value in pair}, key=repr)
    index = {category: i for i, category in enumerate(categories)}
    size = len(categories)
    table = [[0.0] * size for _ in range(size)]
    for first, second in pairs:
        table[index[first]][index[second]] += 1
    probs = [[cell / n for cell in row] for row in table]
    rows = [sum(row) for row in probs]
    cols = [sum(probs[i][j] for i in range(size)) for j in range(size)]
    observed = sum(probs[i][i] for i in range(size))
    expected = sum(rows[i] * cols[i] for i in range(size))
    if expected >= 1 - 1e-12:
        return Estimate(None, n, undefined="no_variation")
    kappa = (observed - expected) / (1 - expected)
    # Fleiss, Cohen & Everitt (1969), as statsmodels: diagonal, off-diagonal, and the correction term.
    term_a = sum(probs[i][i] * (1 - (rows[i] + cols[i]) * (1 - kappa)) ** 2 for i in range(size))
    term_b = (1 - kappa) ** 2 * sum(probs[i][j] * (cols[i] + rows[j]) ** 2
                                    for i in range(size) for j in range(size) if i != j)
    term_c = (kappa - expected * (1 - kappa)) ** 2
    variance = (term_a + term_b - term_c) / (1 - expected) ** 2 / n
    if variance < 0:  # rounding on a perfect table can leave -1e-17
        variance = 0.0
    delta = Z95 * math.sqrt(variance)
    return Estimate(kappa, n, kappa - delta, kappa + delta, "analytic")


# --- Fleiss' kappa (m raters per subject, nominal) ----------------------------------------------
# The bootstrap recomputes a figure 1,000 times. Rounds with the same multiset of answers contribute
# the same, so each figure is computed from the distinct kinds of rounds and how often each occurs
# (a resample is only new multiplicities): 300 rounds then take tens of milliseconds, not seconds.
def _kinds(units: Sequence[Sequence[Hashable]]) -> tuple[list[tuple[Hashable, ...]], list[int]]:
    """The distinct units (as sorted tuples), and for each unit the index of its kind."""
    index: dict[tuple[Hashable, ...], int] = {}
    kind_of = [index.setdefault(tuple(sorted(unit, key=repr)), len(index)) for unit in units]
    return list(index), kind_of


def _multiplicities(kind_of: Sequence[int], kinds: int, indices: Iterable[int]) -> list[int]:
    weights = [0] * kinds
    for i in indices:
        weights[kind_of[i]] += 1
    return weights


class _Fleiss:
    def __init__(self, kinds: list[tuple[Hashable, ...]]) -> None:
        self.raters = len(kinds[0])
        self.counts = [Counter(kind) for kind in kinds]
        m = self.raters
        self.agreement = [(sum(c * c for c in counts.values()) - m) / (m * (m - 1)) for counts in self.counts]

    def value(self, weights: Sequence[int]) -> float | None:
        subjects = sum(weights)
        totals: Counter[Hashable] = Counter()
        agreement = 0.0
        for w, counts, p_i in zip(weights, self.counts, self.agreement, strict=True):
            if w:
                agreement += w * p_i
                for category, c in counts.items():
                    totals[category] += w * c
        everyone = subjects * self.raters
        chance = sum((count / everyone) ** 2 for count in totals.values())
        if chance >= 1 - 1e-12:
            return None
        return (agreement / subjects - chance) / (1 - chance)


def fleiss_kappa_value(subjects: Sequence[Sequence[Hashable]]) -> float | None:
    """Fleiss' kappa of subjects each rated by the same number (>= 2) of raters; None when undefined."""
    if not subjects:
        return None
    raters = len(subjects[0])
    if raters < 2 or any(len(ratings) != raters for ratings in subjects):
        raise ValueError("Fleiss' kappa needs the same number (at least 2) of ratings for every subject.")
    kinds, kind_of = _kinds(subjects)
    return _Fleiss(kinds).value(_multiplicities(kind_of, len(kinds), range(len(subjects))))


def fleiss_subjects(rounds: Sequence[Sequence[Hashable]]) -> list[Sequence[Hashable]]:
    """The rounds Fleiss' kappa is computed over: those with the most common number (>= 2) of reads."""
    sizes = Counter(len(ratings) for ratings in rounds if len(ratings) >= 2)
    if not sizes:
        return []
    size = max(sizes, key=lambda k: (sizes[k], k))
    return [ratings for ratings in rounds if len(ratings) == size]


def fleiss_kappa(rounds: Sequence[Sequence[Hashable]]) -> Estimate:
    subjects = fleiss_subjects(rounds)
    if len(subjects) < 2:
        return Estimate(None, len(subjects), undefined="too_few")
    value = fleiss_kappa_value(subjects)
    if value is None:
        return Estimate(None, len(subjects), undefined="no_variation")
    kinds, kind_of = _kinds(subjects)
    low, high = bootstrap_interval(kind_of, len(kinds), _Fleiss(kinds).value)
    return Estimate(value, len(subjects), low, high, "bootstrap")


# --- Krippendorff's alpha (any raters per unit; ordinal or nominal) -------------------------------
class _Alpha:
    def __init__(self, kinds: list[tuple[Hashable, ...]], level: Literal["ordinal", "nominal"]) -> None:
        self.level = level
        self.domain: list[Hashable] = sorted({v for kind in kinds for v in kind}, key=_order)
        position = {c: i for i, c in enumerate(self.domain)}
        # Each kind's coincidences: (c, k) -> pairs c-k within the unit / (m - 1).
        self.coincidences: list[list[tuple[int, int, float]]] = []
        for kind in kinds:
            m, counts = len(kind), Counter(kind)
            self.coincidences.append([
                (position[c], position[k], (n_c * (n_k - 1) if c == k else n_c * n_k) / (m - 1))
                for c, n_c in counts.items() for k, n_k in counts.items() if (n_k > 1 or c != k)
            ])

    def value(self, weights: Sequence[int]) -> float | None:
        size = len(self.domain)
        o = [[0.0] * size for _ in range(size)]
        for w, cells in zip(weights, self.coincidences, strict=True):
            if w:
                for c, k, value in cells:
                    o[c][k] += w * value
        n_v = [sum(row) for row in o]
        present = [c for c in range(size) if n_v[c] > 0]
        if len(present) < 2:
            return None
        total = sum(n_v)
        prefix = [0.0]
        for count in n_v:
            prefix.append(prefix[-1] + count)

        def distance(c: int, k: int) -> float:
            if c == k:
                return 0.0
            if self.level == "nominal":
                return 1.0
            low, high = min(c, k), max(c, k)
            return (prefix[high + 1] - prefix[low] - (n_v[c] + n_v[k]) / 2) ** 2

        observed = sum(o[c][k] * distance(c, k) for c in present for k in present)
        expected = sum(n_v[c] * n_v[k] * distance(c, k) for c in present for k in present) / (total - 1)
        if expected <= 0:
            return None
        return 1 - observed / expected


def _order(value: Hashable) -> tuple[int, float, str]:
    # Grades sort as numbers (the ordinal scale); anything else by its text.
    return (0, float(value), "") if isinstance(value, int | float) else (1, 0.0, repr(value))


def krippendorff_alpha_value(units: Sequence[Sequence[int]], level: Literal["ordinal", "nominal"]) -> float | None:
    """Alpha over units (each the values its raters gave; units with fewer than two are not pairable)."""
    pairable = [unit for unit in units if len(unit) >= 2]
    if not pairable:
        return None
    kinds, kind_of = _kinds(pairable)
    return _Alpha(kinds, level).value(_multiplicities(kind_of, len(kinds), range(len(pairable))))


def krippendorff_alpha(units: Sequence[Sequence[int]], level: Literal["ordinal", "nominal"]) -> Estimate:
    pairable = [values for values in units if len(values) >= 2]
    if len(pairable) < 2:
        return Estimate(None, len(pairable), undefined="too_few")
    kinds, kind_of = _kinds(pairable)
    alpha = _Alpha(kinds, level)
    value = alpha.value(_multiplicities(kind_of, len(kinds), range(len(pairable))))
    if value is None:
        return Estimate(None, len(pairable), undefined="no_variation")
    low, high = bootstrap_interval(kind_of, len(kinds), alpha.value)
    return Estimate(value, len(pairable), low, high, "bootstrap")


# --- intervals ---------------------------------------------------------------------------------
def resample_indices(n: int, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> list[list[int]]:
    """The bootstrap's resamples of n rounds: the same for the same n, always (a fixed seed)."""
    rng = random.Random(seed)
    population = range(n)
    return [rng.choices(population, k=n) for _ in range(resamples)]


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1) with linear interpolation between order statistics (numpy's default)."""
    h = (len(sorted_values) - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


def bootstrap_interval(kind_of: Sequence[int], kinds: int, statistic: Callable[[list[int]], float | None]
                       ) -> tuple[float | None, float | None]:
    """The 2.5th and 97.5th percentiles of `statistic` (of each kind's multiplicity) over the resamples
    of the units; resamples where it is undefined are left out."""
    figures = []
    for indices in resample_indices(len(kind_of)):
        value = statistic(_multiplicities(kind_of, kinds, indices))
        if value is not None:
            figures.append(value)
    if not figures:
        return None, None
    figures.sort()
    return percentile(figures, 0.025), percentile(figures, 0.975)


def wilson(successes: int, n: int) -> Estimate:
    """A proportion with Wilson's score interval."""
    if n == 0:
        return Estimate(None, 0, undefined="too_few")
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, n, max(0.0, centre - half), min(1.0, centre + half), "wilson")
