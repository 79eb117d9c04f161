"""Output analysis over replications: paired and unpaired differences between two
alternatives, the number of replications for a target precision, and the MSER-5
warm-up rule.

Everything works on plain arrays (one value per replication, or one per day), so each
rule can be checked on synthetic data. The t quantiles come from :func:`sim.stats.t975`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.stats import mean_ci, mean_ci95, t975, t_quantile

# --- differences between two alternatives ------------------------------------------


@dataclass(frozen=True)
class Difference:
    """B − A for one KPI: the mean difference and its 95% confidence interval.

    ``paired``: the interval comes from the per-replication differences (common random
    numbers: replication r of A and of B used the same seed); otherwise it is Welch's
    interval for the difference of two independent means. ``n``: the pairs used (paired)
    or the smaller sample (unpaired). Bounds are NaN when there is no spread to estimate
    (fewer than two values)."""

    mean_a: float
    mean_b: float
    mean: float
    ci95_low: float
    ci95_high: float
    n: int
    paired: bool

    @property
    def significant(self) -> bool:
        """Whether the 95% interval excludes zero (False when there is no interval)."""
        if math.isnan(self.ci95_low) or math.isnan(self.ci95_high):
            return False
        return self.ci95_low > 0 or self.ci95_high < 0


def _finite(values: Sequence[float | None]) -> np.ndarray:
    x = np.array([math.nan if v is None else v for v in values], dtype=float)
    return x[~np.isnan(x)]


def paired_difference(a: Sequence[float | None], b: Sequence[float | None]) -> Difference:
    """B − A from per-replication values of two runs made with the same seeds, in the
    same order: the t-interval of the differences ``b[r] - a[r]``. A replication in
    which either value is missing (None or NaN: the KPI is undefined there) is left out
    of the pairs."""
    if len(a) != len(b):
        raise ValueError(f"paired values need the same replications: {len(a)} and {len(b)}")
    xa = np.array([math.nan if v is None else v for v in a], dtype=float)
    xb = np.array([math.nan if v is None else v for v in b], dtype=float)
    both = ~np.isnan(xa) & ~np.isnan(xb)
    mean, low, high = mean_ci95(xb[both] - xa[both])
    return Difference(mean_a=_mean(xa[both]), mean_b=_mean(xb[both]), mean=mean,
                      ci95_low=low, ci95_high=high, n=int(both.sum()), paired=True)


def welch_difference(a: Sequence[float | None], b: Sequence[float | None]) -> Difference:
    """B − A from two independent samples (different seeds): Welch's interval, with the
    Welch–Satterthwaite degrees of freedom (not whole: the t quantile is computed for
    them, as scipy's ``ttest_ind(equal_var=False)`` does)."""
    xa, xb = _finite(a), _finite(b)
    mean_a, mean_b = _mean(xa), _mean(xb)
    n = min(len(xa), len(xb))
    if len(xa) < 2 or len(xb) < 2:
        return Difference(mean_a, mean_b, mean_b - mean_a, math.nan, math.nan, n, False)
    va, vb = xa.var(ddof=1) / len(xa), xb.var(ddof=1) / len(xb)
    se = math.sqrt(va + vb)
    if se == 0:
        df = len(xa) + len(xb) - 2
    else:
        df = (va + vb) ** 2 / (va**2 / (len(xa) - 1) + vb**2 / (len(xb) - 1))
    half = t_quantile(0.975, max(1.0, df)) * se
    diff = mean_b - mean_a
    return Difference(mean_a, mean_b, diff, diff - half, diff + half, n, False)


def _mean(x: np.ndarray) -> float:
    x = x[~np.isnan(x)]
    return float(x.mean()) if len(x) else math.nan


def finite_mean(values: Sequence[float | None]) -> float:
    """The mean of the values a KPI has (None and NaN left out; NaN if none)."""
    return _mean(_finite(values))


def half_width(values: Sequence[float | None], confidence: float = 0.95) -> tuple[float, float]:
    """(mean, half-width of the two-sided t-interval at ``confidence``, 95% by default)
    over replications (NaN left out; NaN half-width with fewer than two values)."""
    mean, low, high = mean_ci(_finite(values), confidence)
    return mean, (high - low) / 2


# --- replications for a target precision ---------------------------------------------


def replications_needed(values: Sequence[float | None], relative: float,
                        max_replications: int) -> int:
    """How many replications (in all) the values so far suggest for a 95% half-width
    within ``relative`` × |mean|: Law & Kelton's approximate number of replications,
    the smallest ``i >= n`` with ``t(0.975, i-1) · s / sqrt(i) <= relative · |mean|``
    (s and the mean held at their current values). ``len(values)`` when already there;
    ``max_replications`` when it would need more, or cannot say (a zero mean, fewer than
    two values: then one more replication is asked for, up to the maximum)."""
    x = _finite(values)
    n = len(values)
    if len(x) < 2:
        return min(max(n + 1, 2), max_replications)
    mean, sd = float(x.mean()), float(x.std(ddof=1))
    target = relative * abs(mean)
    if sd == 0:
        return n
    if target == 0:
        return max_replications
    for i in range(max(n, 2), max_replications + 1):
        if t975(i - 1) * sd / math.sqrt(i) <= target:
            return i
    return max_replications


@dataclass(frozen=True)
class KpiPrecision:
    """One KPI after :func:`run_to_precision`: mean, 95% half-width, the half-width as a
    fraction of |mean|, and whether it met the target."""

    kpi: str
    mean: float
    half_width: float
    relative_half_width: float
    reached: bool


@dataclass(frozen=True)
class PrecisionResult:
    """What :func:`run_to_precision` did: the KPI rows of every replication run (in
    replication order), how many replications that was, the batches it ran them in,
    and the precision each KPI reached."""

    rows: list[dict[str, float]]
    replications: int
    batches: list[int]
    kpis: list[KpiPrecision] = field(default_factory=list)

    @property
    def reached(self) -> bool:
        return all(k.reached for k in self.kpis)


def lacks_a_value(values: Sequence[float | None]) -> bool:
    """Whether some replication has no value (None or NaN: censored, or undefined)."""
    return any(v is None or v != v for v in values)


def precision_of(values: Sequence[float | None], relative: float, kpi: str = "") -> KpiPrecision:
    """The precision reached by per-replication ``values`` against ``relative``. A KPI
    without a value in some replication (censored: only a lower bound known; or
    undefined) has no mean to be precise about: NaN, not reached."""
    if lacks_a_value(values):
        nan = math.nan
        return KpiPrecision(kpi=kpi, mean=nan, half_width=nan, relative_half_width=nan, reached=False)
    mean, half = half_width(values)
    rel = half / abs(mean) if mean and not math.isnan(half) else math.nan
    reached = (not math.isnan(half)) and (half == 0 or rel <= relative)
    return KpiPrecision(kpi=kpi, mean=mean, half_width=half, relative_half_width=rel,
                        reached=reached)


def run_to_precision(run_batch: Callable[[range], Sequence[dict[str, float]]],
                     kpis: Sequence[str], relative: float, *, start: int = 3,
                     max_replications: int = 50) -> PrecisionResult:
    """Run replications until every KPI in ``kpis`` has a 95% CI half-width within
    ``relative`` × |mean| (e.g. 0.05: within 5% of the mean), or ``max_replications``.

    ``run_batch(range(i, j))`` runs replications i..j-1 and returns their KPI dicts in
    that order (it may run them in parallel). The first batch has ``start`` replications
    (at least 2); each further batch goes straight to the number the values so far
    suggest (:func:`replications_needed`), so a target is met in few batches.
    Deterministic: the batches depend only on the values, and replication r is the same
    whichever batch runs it."""
    if not 0 < relative < 1:
        raise ValueError(f"relative precision must be between 0 and 1, got {relative}")
    if not kpis:
        raise ValueError("run_to_precision needs at least one KPI")
    start = max(2, min(start, max_replications))
    rows: list[dict[str, float]] = []
    batches: list[int] = []
    target = start
    while True:
        batch = range(len(rows), target)
        if len(batch):
            rows.extend(run_batch(batch))
            batches.append(len(batch))
        values = {k: [r.get(k, math.nan) for r in rows] for k in kpis}
        status = [precision_of(values[k], relative, k) for k in kpis]
        # (a KPI without a value in some replication keeps none, however many more run)
        valueless = any(lacks_a_value(v) for v in values.values())
        if all(s.reached for s in status) or len(rows) >= max_replications or valueless:
            return PrecisionResult(rows=rows, replications=len(rows), batches=batches, kpis=status)
        target = max(replications_needed(values[k], relative, max_replications)
                     for k, s in zip(kpis, status, strict=True) if not s.reached)
        target = min(max(target, len(rows) + 1), max_replications)


# --- warm-up: MSER-5 ----------------------------------------------------------------

MSER_BATCH = 5


@dataclass(frozen=True)
class MserResult:
    """The MSER-``batch`` rule applied to a series.

    ``truncation``: observations to delete at the start (a multiple of ``batch``);
    ``batch_means``: the means of the complete batches; ``statistic[d]``: the MSER
    statistic with the first ``d`` batches deleted (for every ``d`` up to two batches
    before the end, for plotting); ``long_enough``: whether the series settled within
    its first half (see :func:`mser`). The regions the verdict reads, in batches
    deleted: the second half starts at ``late_from``; a minimum there counts (the run
    is then too short) up to ``late_to`` (inclusive; below ``late_from`` when too few
    batches are left for any) and only below ``late_threshold``."""

    truncation: int
    batch: int
    batch_means: np.ndarray
    statistic: np.ndarray
    long_enough: bool
    late_from: int = 0
    late_to: int = -1
    late_threshold: float = math.nan

    @property
    def late_checked(self) -> bool:
        """Whether a late settling could be seen: with fewer than
        ``2 * MSER_MIN_TAIL_BATCHES`` batches no second-half truncation keeps enough
        batches, so ``long_enough`` says only that the first half's minimum is not on
        its last batch."""
        return self.late_from <= self.late_to


# A later truncation point is trusted only while it keeps this many batches (the
# statistic of a short tail dips by chance), and only if it is clearly better.
MSER_MIN_TAIL_BATCHES = 5
MSER_LATE_MARGIN = 0.5


def mser(series: Sequence[float], batch: int = MSER_BATCH) -> MserResult:
    """MSER-``batch`` (White 1997; MSER-5 in Hoad, Robinson & Davies 2010): average the
    series in non-overlapping batches of ``batch`` (an incomplete last batch is
    dropped), and delete the ``d`` first batches that minimise

        MSER(d) = sum_{j>d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2,

    the squared standard error of the mean of what is kept.

    The truncation point is the minimum over the first half (``d < k / 2``). The run is
    judged not long enough when MSER's truncation point falls in the second half:
    either the statistic is still falling at the end of the first half (the minimum
    sits on its last batch), or a later truncation that still keeps at least
    ``MSER_MIN_TAIL_BATCHES`` batches halves the first half's minimum (the series
    settles only late). The guard against short tails is there because near the end
    the statistic, computed from a few batches, dips by chance. NaN observations (a
    day with no orders) are dropped first."""
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    k = len(x) // batch
    if k < 3:
        raise ValueError(f"MSER-{batch} needs at least {3 * batch} observations, got {len(x)}")
    z = x[: k * batch].reshape(k, batch).mean(axis=1)
    stat = np.empty(k - 1)
    for d in range(k - 1):
        tail = z[d:]
        stat[d] = float(((tail - tail.mean()) ** 2).sum()) / len(tail) ** 2
    last_first_half = math.ceil(k / 2) - 1  # the last d with d * batch < k * batch / 2
    best = int(np.argmin(stat[: last_first_half + 1]))
    late_to = k - MSER_MIN_TAIL_BATCHES  # the last d that keeps enough batches
    late = stat[last_first_half + 1: late_to + 1]
    threshold = MSER_LATE_MARGIN * float(stat[best])
    settles_late = bool(len(late)) and float(late.min()) < threshold
    return MserResult(truncation=best * batch, batch=batch, batch_means=z, statistic=stat,
                      long_enough=best < last_first_half and not settles_late,
                      late_from=last_first_half + 1, late_to=late_to, late_threshold=threshold)
