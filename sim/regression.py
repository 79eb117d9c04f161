"""``fsim check``'s verdicts: is a run worse than its baseline, KPI by KPI?

Both runs used the same seed and replications (common random numbers), so replication
r of the run and of the baseline saw the same random draws and are compared as a pair
(:func:`sim.analysis.paired_difference`). For each KPI, with Δ = run − baseline (mean
of the paired differences), its 95% CI, and the relative change Δ / |baseline mean|:

- a KPI with direction ``none`` never fails (``same`` or ``changed``);
- it is a **regression** when Δ is on the bad side for its direction (lower
  throughput, longer lead time) and |Δ / baseline| exceeds the tolerance, and the
  change is real: the 95% CI of Δ excludes zero on the bad side; or, by a sign test,
  every one of at least ``SIGN_TEST_PAIRS`` replications is worse than its baseline
  twin by more than the tolerance (a chance of at most 2^-n under noise, below the
  CI's 2.5%: it catches a consistent change that one wild pair hides from the t
  interval); or, with no usable interval (one replication, or every pair moved by
  exactly the same amount), the change exceeds the tolerance in every pair. (With
  fewer pairs "every one worse" is no evidence: 1 in 8 at 3 pairs of pure noise.)
- a change within the tolerance never fails, however significant (``within
  tolerance``); one beyond it that is not real is noise (``ok``); the same rule on the
  good side says ``better``.

Censored KPIs (a percentile that falls among orders unfinished at the end of the run:
only a lower bound is known): a KPI censored in a replication where the baseline's was
not fails (``censored``: orders that finished before do not finish now); a KPI
censored in the baseline is not compared (``censored in baseline``). The two flags:
``saturated_pools`` fails whenever the run saturates a staff pool, whatever the
baseline did; ``censored_percentiles`` fails when any replication has more censored
percentiles than the baseline's same replication.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.analysis import paired_difference
from sim.baseline import KpiSamples, Measurement, kpi_direction, kpi_unit

DEFAULT_KPIS = (
    "throughput_orders_per_day",
    "on_time_delivery_pct",
    "lead_time_hours_p95",
    "warehouse_hours_p95",
    "picking_accuracy_pct",
)
FLAGS = ("censored_percentiles", "saturated_pools")  # always checked
DEFAULT_TOLERANCE = 0.05
# "Every pair worse" counts as evidence from this many pairs: 2**-6 = 1.6% < 2.5%.
SIGN_TEST_PAIRS = 6

# Verdicts; only REGRESSION, CENSORED, SATURATED and MISSING fail a check.
SAME, OK, WITHIN, BETTER, CHANGED = "same", "ok", "within tolerance", "better", "changed"
REGRESSION, CENSORED, SATURATED, MISSING = "regression", "censored", "saturated", "missing"
BASE_CENSORED, NO_VALUE, NOT_IN_BASELINE = "censored in baseline", "no value", "not in baseline"
FAILING = (REGRESSION, CENSORED, SATURATED, MISSING)
NOT_COMPARED = (BASE_CENSORED, NO_VALUE, NOT_IN_BASELINE)


@dataclass(frozen=True)
class KpiVerdict:
    """One KPI of a check: baseline and run means over the paired replications (lower
    bounds where censored), Δ = run − baseline with its 95% CI, Δ relative to
    |baseline mean| (±inf when the baseline is 0), the verdict and why."""

    kpi: str
    unit: str
    direction: str
    verdict: str
    reason: str
    baseline_mean: float = math.nan
    now_mean: float = math.nan
    change: float = math.nan
    relative: float = math.nan
    ci95_low: float = math.nan
    ci95_high: float = math.nan
    n: int = 0
    baseline_censored: int = 0  # replications in which it is censored
    now_censored: int = 0

    @property
    def failed(self) -> bool:
        return self.verdict in FAILING


def judge(kpi: str, base: KpiSamples, now: KpiSamples, direction: str, tolerance: float,
          unit: str = "") -> KpiVerdict:
    """The verdict on one KPI (the rule: this module's docstring). ``base`` and ``now``
    are paired replication by replication."""
    n = min(len(base.values), len(now.values))
    base_cens, now_cens = base.censored[:n], now.censored[:n]
    a, b = base.bounded_values[:n], now.bounded_values[:n]
    d = paired_difference(a, b)
    rel = _relative(d.mean, d.mean_a)
    numbers = dict(kpi=kpi, unit=unit, direction=direction, baseline_mean=d.mean_a,
                   now_mean=d.mean_b, change=d.mean, relative=rel, ci95_low=d.ci95_low,
                   ci95_high=d.ci95_high, n=d.n, baseline_censored=sum(base_cens),
                   now_censored=sum(now_cens))
    newly = sum(1 for x, y in zip(base_cens, now_cens, strict=True) if y and not x)
    if newly:
        return KpiVerdict(**numbers, verdict=CENSORED, reason=(
            f"censored in {newly} of {n} replications where the baseline's was not: it falls "
            "among orders unfinished at the end of the run, so it is above the lower bound shown"))
    if any(base_cens):
        return KpiVerdict(**numbers, verdict=BASE_CENSORED, reason=(
            f"censored in {sum(base_cens)} of {n} replications of the baseline: only lower "
            "bounds are known, so it is not compared"))
    if d.n == 0:
        return KpiVerdict(**numbers, verdict=NO_VALUE,
                          reason="undefined in every replication of the baseline or of this run")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if not (math.isnan(x) or math.isnan(y))]
    if all(x == y for x, y in pairs):
        return KpiVerdict(**numbers, verdict=SAME, reason="identical in every replication")
    if direction not in ("higher", "lower"):
        return KpiVerdict(**numbers, verdict=CHANGED,
                          reason="no better or worse direction: shown, never fails")
    good = 1.0 if direction == "higher" else -1.0  # the sign of an improvement
    beyond = abs(rel) > tolerance
    # The CI of the change, turned so that positive is better (none with one pair).
    low, high = sorted((good * d.ci95_low, good * d.ci95_high))
    has_ci = not math.isnan(low)
    significantly_worse, significantly_better = has_ci and high < 0, has_ci and low > 0
    # Every pair beyond the tolerance of its own baseline twin, on one side: evidence
    # when there is no usable interval, or enough pairs for a sign test.
    counts = not (has_ci and low < high) or len(pairs) >= SIGN_TEST_PAIRS
    all_worse = counts and all(good * (y - x) < -tolerance * abs(x) for x, y in pairs)
    all_better = counts and all(good * (y - x) > tolerance * abs(x) for x, y in pairs)
    worse_for_sure = significantly_worse or all_worse
    better_for_sure = significantly_better or all_better
    tol = f"{100 * tolerance:g}%"
    if beyond and worse_for_sure:
        return KpiVerdict(**numbers, verdict=REGRESSION, reason=(
            f"worse by {_pct(rel)}, beyond the {tol} tolerance, and "
            + ("the 95% CI of the change excludes zero" if significantly_worse
               else f"worse by more than the tolerance in every one of the {len(pairs)} replications"
               + ("" if has_ci and low < high else " (no confidence interval)"))))
    if beyond and better_for_sure:
        return KpiVerdict(**numbers, verdict=BETTER, reason=f"better by {_pct(rel)}")
    if significantly_worse or significantly_better:
        return KpiVerdict(**numbers, verdict=WITHIN, reason=(
            f"{'worse' if significantly_worse else 'better'} by {_pct(rel)}: significant, but "
            f"within the {tol} tolerance"))
    return KpiVerdict(**numbers, verdict=OK, reason=(
        "the 95% CI of the change includes zero: noise" if not math.isnan(d.ci95_low)
        else f"within the {tol} tolerance (one replication: no confidence interval)"))


def judge_saturation(base: Measurement, now: Measurement) -> KpiVerdict:
    """``saturated_pools``: fails when any replication of the run saturates a pool."""
    n = now.replications
    counts: dict[str, int] = {}
    for pools in now.saturated:
        for pool in pools:
            counts[pool] = counts.get(pool, 0) + 1
    numbers = dict(kpi="saturated_pools", unit="count", direction="lower",
                   baseline_mean=_mean([len(p) for p in base.saturated]),
                   now_mean=_mean([len(p) for p in now.saturated]), n=n)
    numbers["change"] = numbers["now_mean"] - numbers["baseline_mean"]
    if counts:
        from sim.kpis.pools import SATURATION_MEANING, saturated_pools_text

        return KpiVerdict(**numbers, verdict=SATURATED, reason=(
            f"saturated staff pools: {saturated_pools_text(counts, n)}; they cannot keep up "
            f"({SATURATION_MEANING}), so the other KPIs depend on the length of the run"))
    return KpiVerdict(**numbers, verdict=SAME if not any(base.saturated) else OK,
                      reason="no staff pool saturated")


def judge_censoring(base: KpiSamples | None, now: KpiSamples | None) -> KpiVerdict:
    """``censored_percentiles``: fails when a replication of the run has more censored
    lead-time and warehouse-time percentiles than the baseline's same replication."""
    name = "censored_percentiles"
    if base is None or now is None:
        return KpiVerdict(name, "count", "lower", NO_VALUE,
                          f"not in the {'baseline' if base is None else 'run'}")
    pairs = [(x, y) for x, y in zip(base.values, now.values, strict=False)
             if not (math.isnan(x) or math.isnan(y))]
    numbers = dict(kpi=name, unit="count", direction="lower",
                   baseline_mean=_mean([x for x, _ in pairs]), now_mean=_mean([y for _, y in pairs]),
                   n=len(pairs))
    numbers["change"] = numbers["now_mean"] - numbers["baseline_mean"]
    more = sum(1 for x, y in pairs if y > x)
    if more:
        return KpiVerdict(**numbers, verdict=CENSORED, reason=(
            f"more percentiles censored than in the baseline in {more} of {len(pairs)} "
            "replications: orders that finished before are unfinished at the end of the run"))
    return KpiVerdict(**numbers, verdict=SAME if all(x == y for x, y in pairs) else OK,
                      reason="no more censored percentiles than the baseline")


@dataclass
class CheckReport:
    """A whole check: a verdict per KPI (the flags last), the tolerance, what differs
    between the baseline's resolved scenario and the run's (``(path, baseline value,
    run value)``), and notes for the reader."""

    verdicts: list[KpiVerdict]
    tolerance: float
    differences: list[tuple[str, object, object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[KpiVerdict]:
        return [v for v in self.verdicts if v.failed]


def compare(base: Measurement, now: Measurement, kpis: Sequence[str] = DEFAULT_KPIS,
            tolerance: float = DEFAULT_TOLERANCE) -> CheckReport:
    """Check ``now`` against ``base`` on ``kpis`` and the two flags. A KPI the baseline
    lacks is reported ``not in baseline`` (the command line refuses such a ``--kpi``
    before running); one the run lacks fails (``missing``)."""
    from sim.scenario.diff import resolved_diff

    verdicts = []
    for kpi in dict.fromkeys(k for k in kpis if k not in FLAGS):
        unit, direction = kpi_unit(kpi, now.sites, now.channels), kpi_direction(kpi, now.sites, now.channels)
        if kpi not in base.kpis:
            verdicts.append(KpiVerdict(kpi, unit, direction, NOT_IN_BASELINE,
                                       "the baseline has no such KPI: save it again to compare it"))
        elif kpi not in now.kpis:
            verdicts.append(KpiVerdict(kpi, unit, direction, MISSING,
                                       "the baseline has it but this run does not (a site or "
                                       "channel removed?)"))
        else:
            verdicts.append(judge(kpi, base.kpis[kpi], now.kpis[kpi], direction, tolerance, unit))
    verdicts.append(judge_censoring(base.kpis.get(FLAGS[0]), now.kpis.get(FLAGS[0])))
    verdicts.append(judge_saturation(base, now))
    report = CheckReport(verdicts, tolerance, resolved_diff(base.resolved(), now.resolved()))
    report.notes.extend(_notes(base, now))
    return report


def _notes(base: Measurement, now: Measurement) -> list[str]:
    """Why the numbers may differ for reasons other than the scenario."""
    notes = []
    if base.sim_version != now.sim_version:
        notes.append(
            f"the baseline was saved by fulfillment-sim {base.sim_version}, this is "
            f"{now.sim_version}: differences may come from the simulator rather than the "
            "scenario, and replications may no longer see the same random numbers; compared "
            "anyway. Save the baseline again once the new numbers are accepted")
    elif base.scenario_sha256 == now.scenario_sha256 and (base.seed, base.replications) == (
            now.seed, now.replications):
        moved = [k for k in base.kpis if k in now.kpis and not _identical(base.kpis[k], now.kpis[k])]
        if moved:
            notes.append(
                f"same scenario, seed and simulator version as the baseline, yet {len(moved)} "
                f"KPIs moved (e.g. {', '.join(moved[:3])}): the model or a library it uses "
                "changed since the baseline was saved")
    return notes


def _identical(a: KpiSamples, b: KpiSamples) -> bool:
    return all((x == y) or (math.isnan(x) and math.isnan(y))
               for x, y in zip(a.bounded_values, b.bounded_values, strict=False))


def _relative(change: float, reference: float) -> float:
    if math.isnan(change) or math.isnan(reference):
        return math.nan
    if reference == 0:
        return 0.0 if change == 0 else math.copysign(math.inf, change)
    return change / abs(reference)


def _pct(rel: float) -> str:
    if math.isinf(rel):
        return "an infinite share (from 0)"
    pct = 100 * abs(rel)
    return f"{pct:.1f}%" if pct >= 0.1 else f"{pct:.2g}%"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else math.nan
