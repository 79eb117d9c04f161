"""fsim check's verdict rule on made-up replications, where the right answer is known:
the paired interval against scipy's, the tolerance on both sides, noise, unmistakable
changes without an interval, censored KPIs and the flags."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.baseline import KpiSamples, Measurement
from sim.regression import (
    BASE_CENSORED,
    BETTER,
    CENSORED,
    CHANGED,
    DEFAULT_KPIS,
    FLAGS,
    MISSING,
    NOT_IN_BASELINE,
    OK,
    REGRESSION,
    SAME,
    SATURATED,
    WITHIN,
    compare,
    judge,
    judge_censoring,
    judge_saturation,
)

NAN = math.nan
BASE = [100.0, 104.0, 97.0, 101.0, 99.0]
JITTER = [0.01, -0.02, 0.015, 0.0, -0.005]  # so that the paired differences vary a little


def samples(values, bounds=None) -> KpiSamples:
    values = tuple(float(v) for v in values)
    return KpiSamples(values, tuple(float(b) for b in bounds) if bounds else (NAN,) * len(values))


def moved(rel: float) -> list[float]:
    """BASE with every replication moved by ``rel`` (a share), give or take the jitter."""
    return [x * (1 + rel) + j for x, j in zip(BASE, JITTER, strict=True)]


def verdict(now, direction="higher", tolerance=0.05, base=BASE):
    return judge("kpi", samples(base), samples(now), direction, tolerance)


def test_the_interval_is_the_paired_t_interval():
    now = [103.0, 101.0, 99.5, 108.0, 97.0]
    v = verdict(now)
    diffs = [b - a for a, b in zip(BASE, now, strict=True)]
    low, high = stats.t.interval(0.95, len(diffs) - 1, loc=stats.tmean(diffs), scale=stats.sem(diffs))
    assert v.ci95_low == pytest.approx(low, abs=2e-3)
    assert v.ci95_high == pytest.approx(high, abs=2e-3)
    assert v.change == pytest.approx(sum(diffs) / len(diffs))
    assert v.relative == pytest.approx(v.change / (sum(BASE) / len(BASE)))


@pytest.mark.parametrize("direction,worse", [("higher", -1), ("lower", +1)])
def test_the_tolerance_is_respected_on_both_sides(direction, worse):
    """Worse by 4% (significant): within a 5% tolerance; by 6%: a regression; better by
    6% or 40%: better, never a failure. A 10% tolerance lets 6% through."""
    assert verdict(moved(worse * 0.04), direction).verdict == WITHIN
    assert verdict(moved(worse * 0.06), direction).verdict == REGRESSION
    assert verdict(moved(worse * 0.06), direction, tolerance=0.10).verdict == WITHIN
    for gain in (0.06, 0.40):
        v = verdict(moved(-worse * gain), direction)
        assert v.verdict == BETTER and not v.failed
    assert verdict(moved(-worse * 0.04), direction).verdict == WITHIN
    # A zero tolerance fails any significant worsening.
    assert verdict(moved(worse * 0.001), direction, tolerance=0.0).verdict == REGRESSION


def test_noise_does_not_fail_however_large_the_mean_change():
    """Worse by 10% on average, but replications disagree: the interval includes zero."""
    now = [60.0, 144.0, 67.0, 91.0, 87.0]
    v = verdict(now)
    assert v.relative < -0.05 and v.ci95_low < 0 < v.ci95_high
    assert v.verdict == OK and not v.failed


def test_every_replication_worse_is_evidence_only_where_a_sign_test_says_so():
    """Every pair worse beyond the tolerance, by very different amounts, so that the
    t-interval includes zero: with 6 pairs a sign test says the change is real (2**-6
    under noise, below the interval's 2.5%); with 3 or 2 it is no evidence (1 in 8 of
    pure noise does it at 3 pairs: a check found one in a changed-demand run) and the
    interval decides."""
    six_base = [100.0] * 6
    v = verdict([94.0, 10.0, 93.0, 20.0, 90.0, 94.5], base=six_base)
    assert v.ci95_low < 0 < v.ci95_high
    assert v.verdict == REGRESSION and "in every one of the 6 replications" in v.reason
    for base, now in (([100.0] * 3, [94.0, 10.0, 93.0]), ([100.0] * 2, [94.0, 10.0])):
        v = verdict(now, base=base)
        assert v.ci95_low < 0 < v.ci95_high and v.relative < -0.05
        assert v.verdict == OK and not v.failed
    # The tolerance is each replication's own: 6 twins each worse by 5.5% of itself.
    twins = [100.0, 1000.0, 50.0, 400.0, 10.0, 2000.0]
    assert verdict([x * 0.945 for x in twins], base=twins).verdict == REGRESSION


def test_a_noisy_kpi_of_a_changed_scenario_does_not_fail_with_a_few_replications():
    """Three pairs of a noisy KPI (a mean wait), all higher by more than 5%, after a change
    that moved the random draws (as a demand change does) but not the system: Monte Carlo
    over pure noise (independent draws, same distribution): the check fails at most
    about as often as its interval's 2.5%, not 1 in 8."""
    import random

    rng = random.Random(1)
    trials, failed = 4000, 0
    for _ in range(trials):
        base = [rng.lognormvariate(0.4, 0.5) for _ in range(3)]
        now = [rng.lognormvariate(0.4, 0.5) for _ in range(3)]
        failed += verdict(now, "lower", base=base).failed
    assert failed / trials < 0.04


@pytest.mark.parametrize("direction", ["higher", "lower"])
def test_zero_variance_changes(direction):
    """Every pair moved by exactly the same amount (a zero-width interval), and a single
    replication (no interval): the tolerance decides."""
    bad = -1 if direction == "higher" else 1
    same_shift = [x + bad * 6 for x in BASE]  # 6 on a mean of 100.2: beyond 5%
    assert verdict(same_shift, direction).verdict == REGRESSION
    assert verdict([x + bad * 4 for x in BASE], direction).verdict == WITHIN
    assert verdict([100 + bad * 6], direction, base=[100.0]).verdict == REGRESSION
    assert verdict([100 + bad * 4], direction, base=[100.0]).verdict == OK
    assert verdict([100 - bad * 30], direction, base=[100.0]).verdict == BETTER


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=8),
       st.sampled_from(["higher", "lower", "none"]), st.floats(0, 0.5))
def test_identical_replications_always_pass(values, direction, tolerance):
    v = verdict(values, direction, tolerance, base=values)
    assert v.verdict == SAME and not v.failed


@settings(max_examples=300)
@given(st.lists(st.tuples(st.floats(1, 1e4), st.floats(-1e4, 1e4)), min_size=1, max_size=8),
       st.sampled_from(["higher", "lower"]), st.floats(0, 0.5), st.floats(1.01, 10))
def test_what_a_regression_means(pairs, direction, tolerance, factor):
    """A regression is worse beyond the tolerance; a run at least as good in every
    replication never regresses; making every replication worse by a larger factor
    never turns a regression into a pass."""
    base = [a for a, _ in pairs]
    now = [a + d for a, d in pairs]
    v = verdict(now, direction, tolerance, base=base)
    good = 1 if direction == "higher" else -1
    if v.verdict == REGRESSION:
        assert good * v.change < 0 and abs(v.relative) > tolerance
        worse_still = [a + factor * d for a, d in pairs]
        assert verdict(worse_still, direction, tolerance, base=base).verdict == REGRESSION
    if all(good * d >= 0 for _, d in pairs):
        assert not v.failed


def test_a_kpi_without_direction_never_fails():
    v = verdict(moved(-0.5), "none")
    assert v.verdict == CHANGED and not v.failed


def test_a_zero_baseline():
    """From 0, any change is infinitely large in relative terms; it fails when it is
    real (here: every replication worse), not when one replication moved."""
    zeros = [0.0] * 6
    assert verdict([0.0, 0.0, 2.0, 0.0, 0.0, 0.0], "lower", base=zeros).verdict == OK
    v = verdict([1.0, 2.0, 1.0, 1.5, 1.0, 2.0], "lower", base=zeros)
    assert v.verdict == REGRESSION and math.isinf(v.relative)


def test_censored_kpis():
    """Newly censored (orders that finished before no longer do) fails whatever its
    bound says; censored in the baseline is not compared."""
    base = samples([150.0, 152.0, 149.0])
    now = samples([151.0, NAN, 150.0], [NAN, 140.0, NAN])  # a bound below the baseline's value
    v = judge("lead_time_hours_p95", base, now, "lower", 0.05)
    assert v.verdict == CENSORED and v.failed and v.now_censored == 1
    censored_base = samples([150.0, NAN, 149.0], [NAN, 300.0, NAN])
    v = judge("lead_time_hours_p95", censored_base, now, "lower", 0.05)
    assert v.verdict == BASE_CENSORED and not v.failed


def test_the_censoring_flag_counts_replication_by_replication():
    base = samples([0, 1, 0])
    assert judge_censoring(base, samples([0, 1, 0])).verdict == SAME
    assert judge_censoring(base, samples([0, 0, 0])).verdict == OK
    v = judge_censoring(base, samples([1, 0, 0]))  # same total, but replication 0 got worse
    assert v.verdict == CENSORED and v.failed


def measurement(kpis: dict[str, list[float]], saturated=None, version="0.5.0", sha="x",
                resolved="name: a\n") -> Measurement:
    n = len(next(iter(kpis.values())))
    return Measurement(scenario_name="a", scenario_file="a.yaml", resolved_yaml=resolved,
                       scenario_sha256=sha, overrides={}, seed=1, replications=n,
                       horizon_days=4, warmup_days=1, sim_version=version,
                       kpis={k: samples(v) for k, v in kpis.items()},
                       saturated=tuple(tuple(s) for s in (saturated or [()] * n)))


def test_saturation_fails_whatever_the_baseline_did():
    base = measurement({"x": [1, 2]})
    assert judge_saturation(base, measurement({"x": [1, 2]})).verdict == SAME
    v = judge_saturation(base, measurement({"x": [1, 2]}, saturated=[(), ("east.pickers",)]))
    assert v.verdict == SATURATED and "east.pickers (in 1 of 2 replications)" in v.reason
    already = measurement({"x": [1, 2]}, saturated=[("east.pickers",)] * 2)
    assert judge_saturation(already, already).verdict == SATURATED


def test_compare_checks_the_defaults_then_the_flags():
    kpis = {k: BASE for k in [*DEFAULT_KPIS, "censored_percentiles"]}
    report = compare(measurement(kpis), measurement(kpis))
    assert [v.kpi for v in report.verdicts] == [*DEFAULT_KPIS, *FLAGS]
    assert not report.failures and report.differences == [] and report.notes == []


def test_compare_kpis_missing_on_either_side():
    base = measurement({"a_kpi": BASE, "throughput_orders_per_day": BASE})
    now = measurement({"throughput_orders_per_day": BASE, "b_kpi": BASE})
    report = compare(base, now, ["a_kpi", "b_kpi"])
    found = {v.kpi: v.verdict for v in report.verdicts}
    assert found["a_kpi"] == MISSING and found["b_kpi"] == NOT_IN_BASELINE
    assert [v.kpi for v in report.failures] == ["a_kpi"]


def test_notes_on_versions_and_on_numbers_that_moved():
    """Another simulator version: compared, with a warning. Same scenario, seed and
    version but different numbers: said, since only the model can have changed."""
    base = measurement({"throughput_orders_per_day": BASE}, version="0.4.0")
    report = compare(base, measurement({"throughput_orders_per_day": BASE}),
                     ["throughput_orders_per_day"])
    assert len(report.notes) == 1 and "saved by fulfillment-sim 0.4.0, this is 0.5.0" in report.notes[0]
    report = compare(measurement({"throughput_orders_per_day": BASE}),
                     measurement({"throughput_orders_per_day": moved(0.01)}),
                     ["throughput_orders_per_day"])
    assert "yet 1 KPIs moved (e.g. throughput_orders_per_day)" in report.notes[0]


def test_compare_says_what_changed_key_by_key():
    base = measurement({"x": BASE}, resolved="name: a\nstaff: {pickers: 3, packers: 2}\n")
    now = measurement({"x": BASE}, resolved="name: a\nstaff: {pickers: 1, packers: 2}\n", sha="y")
    assert compare(base, now, ["x"]).differences == [("staff.pickers", 3, 1)]
