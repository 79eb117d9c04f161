"""Output analysis against outside truth: confidence intervals against scipy's t
distribution, the number of replications against a brute-force search, MSER-5 on
synthetic series whose transient is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.analysis import (
    mser,
    paired_difference,
    precision_of,
    replications_needed,
    run_to_precision,
    welch_difference,
)
from sim.stats import mean_ci, mean_ci95, t975, t_quantile

SAMPLES = [
    [12.1, 9.8, 11.4, 10.9, 10.2],
    [0.31, 0.29, 0.35, 0.30, 0.33, 0.28, 0.36, 0.31],
    list(np.random.default_rng(1).normal(50, 7, 40)),
]


@pytest.mark.parametrize("df", [1, 2, 5, 10, 29, 30, 31, 45, 100, 1000])
def test_t975_matches_scipy(df):
    """Exact (the intervals match scipy's and R's): a table to 3 decimals was up to
    2.3e-4 off until 0.7.0."""
    assert t975(df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-9)


@pytest.mark.parametrize("p", [0.55, 0.8, 0.9, 0.95, 0.99, 0.995, 0.9995])
@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 8, 29, 30, 31, 100, 400])
def test_t_quantile_matches_scipy(p, df):
    assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.99])
@pytest.mark.parametrize("sample", SAMPLES)
def test_mean_ci_at_other_confidences_matches_scipy(sample, confidence):
    _, low, high = mean_ci(np.array(sample), confidence)
    want = stats.t.interval(confidence, len(sample) - 1, loc=np.mean(sample), scale=stats.sem(sample))
    assert (low, high) == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("sample", SAMPLES)
def test_mean_ci95_matches_scipy(sample):
    mean, low, high = mean_ci95(np.array(sample))
    want = stats.t.interval(0.95, len(sample) - 1, loc=np.mean(sample), scale=stats.sem(sample))
    assert mean == pytest.approx(np.mean(sample))
    assert (low, high) == pytest.approx(want, rel=1e-4)


def test_paired_difference_matches_scipy_ttest_rel():
    rng = np.random.default_rng(3)
    a = rng.normal(100, 10, 12)
    b = a + rng.normal(2, 1, 12)  # strongly correlated with a, as under common random numbers
    d = paired_difference(list(a), list(b))
    ci = stats.ttest_rel(b, a).confidence_interval(0.95)
    assert d.paired and d.n == 12
    assert d.mean == pytest.approx(np.mean(b - a))
    assert (d.ci95_low, d.ci95_high) == pytest.approx((ci.low, ci.high), rel=1e-4)
    assert d.significant == (stats.ttest_rel(b, a).pvalue < 0.05)


def test_paired_difference_leaves_out_missing_pairs():
    d = paired_difference([1.0, None, 3.0, 4.0], [2.0, 5.0, math.nan, 6.0])
    assert d.n == 2 and d.mean == pytest.approx(1.5)


def test_welch_difference_matches_scipy():
    rng = np.random.default_rng(4)
    a, b = rng.normal(10, 1, 8), rng.normal(11, 3, 11)
    d = welch_difference(list(a), list(b))
    assert not d.paired
    assert d.mean == pytest.approx(b.mean() - a.mean())
    # The Welch–Satterthwaite degrees of freedom as they are (they were rounded down: with
    # 3 and 4 replications, df 2.88 became 2 and the interval 32% wider).
    scipy_ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (d.ci95_low, d.ci95_high) == pytest.approx((scipy_ci.low, scipy_ci.high), rel=1e-9)
    few_a, few_b = [97.0, 97.9, 96.6], [99.4, 99.6, 100.1, 99.8]  # (df 2.9, as the audit's runs)
    d = welch_difference(few_a, few_b)
    scipy_ci = stats.ttest_ind(few_b, few_a, equal_var=False).confidence_interval(0.95)
    assert (d.ci95_low, d.ci95_high) == pytest.approx((scipy_ci.low, scipy_ci.high), rel=1e-9)


@pytest.mark.parametrize("df", [1.0, 1.3, 2.88, 4.5, 7.25, 29.9, 150.5])
@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_quantile_of_any_degrees_of_freedom_matches_scipy(p, df):
    from sim.stats import t_quantile

    assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)


def test_no_interval_without_spread_estimate():
    d = paired_difference([1.0], [2.0])
    assert math.isnan(d.ci95_low) and not d.significant


@pytest.mark.parametrize("relative", [0.01, 0.03, 0.1])
def test_replications_needed_matches_brute_force(relative):
    values = list(np.random.default_rng(5).normal(40, 6, 5))
    mean, sd = np.mean(values), np.std(values, ddof=1)
    brute = next(i for i in range(5, 10_000)
                 if stats.t.ppf(0.975, i - 1) * sd / math.sqrt(i) <= relative * abs(mean))
    assert replications_needed(values, relative, 10_000) == brute
    assert replications_needed(values, relative, 7) == min(brute, 7)


def _normal_batches(mean: float, sd: float):
    """A stand-in for replications: replication r's KPI is the r-th draw of a stream."""
    draws = np.random.default_rng(7).normal(mean, sd, 10_000)
    calls = []

    def run_batch(replications: range):
        calls.append(replications)
        return [{"kpi": float(draws[r])} for r in replications]

    return run_batch, calls


def test_run_to_precision_reaches_the_target():
    run_batch, calls = _normal_batches(100.0, 10.0)
    found = run_to_precision(run_batch, ["kpi"], 0.02, start=3, max_replications=500)
    assert found.reached
    # Replications were run once each, in order.
    assert [r for batch in calls for r in batch] == list(range(found.replications))
    values = [row["kpi"] for row in found.rows]
    half = stats.t.ppf(0.975, len(values) - 1) * stats.sem(values)
    assert half <= 0.02 * abs(np.mean(values))
    # Theory: about (z * sd / (0.02 * mean))^2 = 96 replications.
    assert 50 <= found.replications <= 200
    assert len(found.batches) <= 6


def test_run_to_precision_stops_at_the_maximum():
    run_batch, _ = _normal_batches(100.0, 10.0)
    found = run_to_precision(run_batch, ["kpi"], 0.001, start=3, max_replications=20)
    assert not found.reached and found.replications == 20
    assert found.kpis[0].relative_half_width > 0.001


def test_precision_of_a_constant_kpi_is_reached():
    assert precision_of([5.0, 5.0, 5.0], 0.01).reached


def test_a_kpi_without_a_value_in_some_replication_never_reaches_a_precision():
    """A censored replication (only a lower bound known) is one of the longest: the
    others' mean is not the KPI's, however tight it looks. The search stops: more
    replications cannot give that one a value."""
    status = precision_of([100.0, 100.1, math.nan, 99.9], 0.05)
    assert not status.reached and math.isnan(status.mean) and math.isnan(status.relative_half_width)
    calls = []

    def run_batch(reps):
        calls.append(reps)
        return [{"kpi": math.nan if r == 1 else 100.0 + r % 2} for r in reps]

    found = run_to_precision(run_batch, ["kpi"], 0.05, start=3, max_replications=50)
    assert not found.reached and found.replications == 3 and calls == [range(0, 3)]


def _step_series(length: int, transient: int, shift: float, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(0.0, 1.0, length)
    x[:transient] += shift
    return x


@pytest.mark.parametrize("seed", range(8))
def test_mser5_finds_a_known_transient(seed):
    """The first 40 observations sit 3 standard deviations high: MSER-5 deletes them
    (to within a batch or two), and no more."""
    result = mser(_step_series(300, 40, 3.0, seed))
    assert 35 <= result.truncation <= 50
    assert result.truncation % 5 == 0
    assert result.long_enough


def test_mser5_on_a_stationary_series_deletes_little():
    truncations = [mser(np.random.default_rng(s).normal(0, 1, 300)).truncation for s in range(10)]
    assert np.median(truncations) <= 30  # a tenth of the series at most, typically
    assert all(mser(np.random.default_rng(s).normal(0, 1, 300)).long_enough for s in range(10))


def test_mser5_says_a_run_that_never_settles_is_too_short():
    """A series still climbing at its end: MSER is still falling at mid-run."""
    t = np.arange(100, dtype=float)
    series = -50 * np.exp(-t / 300) + np.random.default_rng(2).normal(0, 0.05, 100)
    result = mser(series)
    assert not result.long_enough
    assert result.truncation == 45  # the end of the first half: the statistic still falls


@pytest.mark.parametrize("seed", range(5))
def test_mser5_says_a_transient_over_half_the_run_is_too_short(seed):
    """A transient over the first 60% of the run: the series settles in its second half."""
    assert not mser(_step_series(100, 60, 5.0, seed)).long_enough


def test_mser_batches_and_statistic():
    series = np.arange(23, dtype=float)  # 4 complete batches of 5, 3 left over
    result = mser(series)
    assert list(result.batch_means) == [2.0, 7.0, 12.0, 17.0]
    # MSER(0): sum of squared deviations of the 4 batch means over 4^2.
    assert result.statistic[0] == pytest.approx(np.var([2, 7, 12, 17]) * 4 / 16)
    with pytest.raises(ValueError):
        mser(np.arange(14.0))


def test_the_precision_line_says_why_a_kpi_has_no_half_width():
    import math

    from sim.analysis import KpiPrecision, PrecisionResult
    from sim.precision import precision_line

    found = PrecisionResult(rows=[], replications=4, batches=[3, 1], kpis=[
        KpiPrecision("lead_time_hours_p95", math.nan, math.nan, math.nan, False),
        KpiPrecision("lead_time_hours_mean", 80.0, 2.0, 0.025, True)])
    line = precision_line(found, 0.05, 4)
    assert "nan" not in line.lower()
    assert "lead_time_hours_p95: no value in some replication (censored or undefined" in line
    assert "lead_time_hours_mean ±2.5%" in line


def test_the_precision_line_of_a_kpi_that_is_zero():
    """0 in every replication (no saturated pool) is reached, and was reported as 'no
    value in some replication'; a mean of 0 with spread has no relative precision."""
    from sim.analysis import PrecisionResult, precision_of
    from sim.precision import precision_line

    zero = precision_of([0.0, 0.0, 0.0], 0.001, "saturated_pools")
    spread = precision_of([1.0, -1.0, 0.0], 0.05, "change")
    assert zero.reached and not spread.reached
    line = precision_line(PrecisionResult(rows=[], replications=3, batches=[3], kpis=[zero, spread]), 0.05, 3)
    assert "saturated_pools: 0 in every replication" in line
    assert "change: mean 0 (±2.48): no relative precision to reach" in line
    assert "no value" not in line
