"""The staffing planner's entry point: :func:`plan_staffing` reads the scenario, parses
pools and targets, opens (or resumes) the results folder, searches on an executor, and
writes the outputs. ``fsim staff`` is a thin layer over it; so can a UI be (it passes
a ``progress`` callback and reads the :class:`StaffingResult`).
"""

from __future__ import annotations

import copy
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.loader import load_raw, scenario_to_yaml, validate_data
from sim.scenario.schema import Scenario
from sim.staffing.evaluate import Evaluation, Evaluator, ProgressCallback, guarantee_text
from sim.staffing.pools import Variable, plan_variables
from sim.staffing.targets import Target, parse_targets
from sim.sweep.task import Task, run_task

DEFAULT_REPLICATIONS = 5
DEFAULT_MAX_REPLICATIONS = 40
RUNNER_UPS = 3


@dataclass(frozen=True)
class KpiEstimate:
    """A KPI over a plan's replications: mean and the ``confidence`` interval (NaN
    bounds with one replication), replications with a value."""

    mean: float
    ci_low: float
    ci_high: float
    n: int


@dataclass(frozen=True)
class TargetResult:
    """One target for one plan: the estimate, the verdict (met, missed, undecided) and
    the bound that had to meet the value."""

    target: str
    kpi: str
    op: str
    value: float
    estimate: KpiEstimate
    verdict: str


@dataclass(frozen=True)
class PlanResult:
    """A decided plan: head count per variable (``{"east.pickers": 9}``), labour cost
    over the measurement window and per week, on-duty person-hours, replications run, whether it is
    accepted, each target's verdict, and (for the recommended plan and runner-ups)
    every KPI with its interval."""

    number: int
    staff: dict[str, int]
    label: str
    cost: float
    cost_per_week: float
    person_hours: float  # on-duty hours of the planned pools inside the window
    replications: int
    accepted: bool
    phase: str
    targets: list[TargetResult]
    utilisation_pct: dict[str, float]
    kpis: dict[str, KpiEstimate] = field(default_factory=dict)
    invalid: str | None = None
    saturated: tuple[str, ...] = ()  # pools saturated in some replication (rejected then)
    # pools saturated at sites the targets do not read (no planned pool there): not held against it
    saturated_elsewhere: tuple[str, ...] = ()


@dataclass
class StaffingResult:
    """What :func:`plan_staffing` found.

    ``recommended``: the cheapest accepted plan (by labour cost; by person-hours when
    the planned pools have no hourly cost; None when none is within the bounds:
    then ``diagnosis`` says why); ``runner_ups``: the next cheapest accepted plans
    decided; ``plans``: every plan decided, in the order they were decided;
    ``frontier``: the plans that no cheaper plan matches on every target's mean
    (cost-ordered: the cost / service frontier; plans invalid or saturated left out). ``runs``: simulation runs behind the
    decisions (plans × replications; ``runs_now`` of them run in this call, the others
    found in the folder); ``grid_plans``: the plans within the bounds, so
    ``grid_plans × start replications`` is the least an exhaustive grid would run.
    """

    scenario: str
    variables: list[Variable]
    targets: list[Target]
    confidence: float  # stated: over the whole sequence of looks at a plan
    recommended: PlanResult | None
    runner_ups: list[PlanResult]
    plans: list[PlanResult]
    frontier: list[PlanResult]
    diagnosis: list[str]
    runs: int
    runs_now: int
    grid_plans: int
    start_replications: int
    max_replications: int
    seed: int
    window_days: float
    out: Path
    files: list[Path] = field(default_factory=list)
    looks: list[int] = field(default_factory=list)  # replications at each look at a plan
    decision_confidence: float = 0.95  # of the interval each look decides with (and shown)

    @property
    def guarantee(self) -> str:
        """How a target is judged, in words (the headers of every output)."""
        return guarantee_text(self.confidence, self.decision_confidence, self.looks)

    @property
    def feasible(self) -> bool:
        return self.recommended is not None

    @property
    def share_of_grid(self) -> float:
        """Runs of the search / runs of the cheapest exhaustive grid."""
        return self.runs / (self.grid_plans * self.start_replications)


@dataclass(frozen=True)
class Inputs:
    """The scenario to plan on, read once: its raw data (after ``--set``) and line map,
    the validated scenario, and where it came from."""

    data: dict
    lines: dict
    scenario: Scenario
    path: Path | None
    overrides: dict[str, Any]


def read_inputs(scenario: str | Path | Scenario, overrides: Mapping[str, Any] | None = None) -> Inputs:
    """The scenario file (with ``overrides`` as ``--set``) or a Scenario object."""
    if isinstance(scenario, Scenario):
        if overrides:
            raise ScenarioError(["overrides need a scenario file (apply them to the Scenario first)"])
        data = scenario.model_dump(mode="json", by_alias=True, exclude_none=True)
        return Inputs(data, {}, scenario, None, {})
    path = Path(scenario)
    data, lines = load_raw(path, dict(overrides or {}) or None, "--set")
    base = validate_data(copy.deepcopy(data), dict(lines))
    return Inputs(data, lines, base, path, dict(overrides or {}))


def plan_staffing(scenario: str | Path | Scenario, pools: Sequence[str], targets: Sequence[str], *,
                  overrides: Mapping[str, Any] | None = None,
                  bounds: Mapping[str, tuple[int, int]] | None = None,
                  per_shift: bool = False, confidence: float = 0.95,
                  replications: int = DEFAULT_REPLICATIONS,
                  max_replications: int = DEFAULT_MAX_REPLICATIONS, seed: int | None = None,
                  out: str | Path | None = None, overwrite: bool = False,
                  executor: str = "serial", workers: int | None = None,
                  scheduler: str | None = None, progress: ProgressCallback | None = None,
                  figures: bool = True,
                  task_fn: Callable[[Task], dict] = run_task) -> StaffingResult:
    """Find the cheapest head counts for ``pools`` (``"east.pickers"``, or one shift
    ``"east.pickers.day"``; ``per_shift``: one count per shift) that meet every target
    (``"on_time_delivery_pct_east >= 95"``) with ``confidence``, within ``bounds``
    (``{"east.pickers": (1, 20)}``); see :mod:`sim.staffing.search`.

    ``replications``: the replications every plan starts with; ``max_replications``:
    the most a close decision gets. ``seed``: the scenario's by default. ``out``: the
    results folder (a temporary one if None); rerunning into the same folder reruns
    nothing that finished. ``executor``: serial, processes or dask (as ``fsim sweep``).
    ``progress(Progress)`` is called as runs start and plans are decided.

    Raises ScenarioError (bad scenario, pool, target, bound, option: exit 2) and
    OutputDirError; an infeasible search is a result (``feasible`` False, with the
    ``diagnosis``), not an error.
    """
    from sim.staffing.report import write_outputs
    from sim.staffing.search import search
    from sim.staffing.store import StaffStore
    from sim.sweep.executors import check_executor, make_executor

    if not 0.5 <= confidence < 1:
        raise ScenarioError([f"--confidence {confidence}: must be at least 0.5 and below 1 (e.g. 0.95)"])
    if replications < 2:
        raise ScenarioError([f"--replications {replications}: a plan needs at least 2 to have "
                             "a confidence interval"])
    if max_replications < replications:
        raise ScenarioError([f"--max-replications {max_replications}: must be at least "
                             f"--replications ({replications})"])
    inputs = read_inputs(scenario, overrides)
    base = inputs.scenario
    variables = plan_variables(base, pools, per_shift, bounds)
    parsed = parse_targets(targets, base)
    check_executor(executor, scheduler)
    seed = base.seed if seed is None else seed
    folder = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix="fsim-staff-"))
    store = StaffStore.open_search(folder, scenario_to_yaml(base), seed,
                                   str(inputs.path) if inputs.path else None, overwrite)
    with make_executor(executor, workers, scheduler) as pool:
        evaluator = Evaluator(data=inputs.data, lines=inputs.lines, base=base, variables=variables,
                              targets=parsed, confidence=confidence, start=replications,
                              maximum=max_replications, seed=seed, executor=pool, store=store,
                              progress=progress, task_fn=task_fn)
        outcome = search(evaluator, variables)
    result = _result(inputs, variables, parsed, confidence, outcome, evaluator, folder, seed)
    result.files = write_outputs(result, inputs, store, outcome, figures=figures)
    store.finish(feasible=result.feasible, runs=result.runs, plans_decided=len(result.plans),
                 recommended=result.recommended.label if result.recommended else None)
    return result


def _result(inputs: Inputs, variables: list[Variable], targets: list[Target], confidence: float,
            outcome, evaluator: Evaluator, folder: Path, seed: int) -> StaffingResult:
    from sim.staffing.cost import window_days
    from sim.staffing.diagnose import why_infeasible

    base = inputs.scenario
    confidence = evaluator.decision_confidence  # (the intervals shown are those that decided)
    plans = [plan_result(ev, variables, base, confidence) for ev in outcome.evaluations]
    by_number = {p.number: p for p in plans}
    accepted = sorted((p for p in plans if p.accepted),
                      key=lambda p: (p.cost, p.person_hours, p.number))
    recommended = runner_ups = None
    if outcome.best is not None:
        recommended = plan_result(outcome.best, variables, base, confidence, all_kpis=True)
        by_number[recommended.number] = recommended
        others = [p for p in accepted if p.number != recommended.number][:RUNNER_UPS]
        runner_ups = [plan_result(_evaluation(outcome, p.number), variables, base, confidence,
                                  all_kpis=True) for p in others]
    diagnosis = ([] if outcome.best is not None else
                 why_infeasible(outcome.upper, variables, base, confidence, evaluator.maximum))
    return StaffingResult(
        scenario=base.name, variables=variables, targets=targets, confidence=evaluator.confidence,
        recommended=recommended, runner_ups=runner_ups or [],
        plans=[by_number[p.number] for p in plans],
        # (not the plans invalid or saturated: a saturated plan's means are over the
        # orders its too few people got done, and can look better than they are)
        frontier=frontier([by_number[p.number] for p in plans if p.invalid is None and not p.saturated]),
        diagnosis=diagnosis, runs=evaluator.runs, runs_now=evaluator.runs_now,
        grid_plans=math.prod(v.high - v.low + 1 for v in variables),
        start_replications=evaluator.start, max_replications=evaluator.maximum, seed=seed,
        window_days=window_days(base), out=folder, looks=evaluator.looks,
        decision_confidence=evaluator.decision_confidence)


def _evaluation(outcome, number: int) -> Evaluation:
    return next(e for e in outcome.evaluations if e.number == number)


def frontier(plans: Sequence[PlanResult]) -> list[PlanResult]:
    """The plans, cheapest first, that no plan costing as much or less matches or beats
    on every target (by the mean): the cost / service trade-off among the plans
    decided. Of two plans of one cost, the better is on it, not the first decided (the
    worse was kept when plans were only held against those already on it); of two
    alike in cost and means, the first decided."""
    def price(p: PlanResult) -> tuple[float, float]:
        return p.cost, p.person_hours

    def beaten(p: PlanResult, q: PlanResult) -> bool:  # q at least as good for no more
        if q is p or price(q) > price(p):
            return False
        pairs = list(zip(q.targets, p.targets, strict=True))
        if not all(_at_least_as_good(q, tq, tp) for tq, tp in pairs):
            return False
        alike = price(q) == price(p) and all(_at_least_as_good(p, tp, tq) for tq, tp in pairs)
        return not alike or q.number < p.number

    return [p for p in sorted(plans, key=lambda p: (p.cost, p.person_hours, p.number))
            if not any(beaten(p, q) for q in plans)]


def _at_least_as_good(_plan: PlanResult, a: TargetResult, b: TargetResult) -> bool:
    """Whether estimate ``a`` is at least as good as ``b`` for their target."""
    if a.op in (">=", ">"):
        return a.estimate.mean >= b.estimate.mean
    return a.estimate.mean <= b.estimate.mean


def estimate(values: Sequence[float | None], confidence: float, kpi: str = "") -> KpiEstimate:
    """Mean and ``confidence`` interval of a KPI over replications, the interval cut to
    the values the KPI can take (:func:`sim.stats.kpi_mean_ci`; the verdicts on targets
    read the t-interval itself: :mod:`sim.staffing.targets`)."""
    from sim.stats import kpi_mean_ci

    x = [math.nan if v is None else float(v) for v in values]
    mean, low, high = kpi_mean_ci(kpi, x, confidence)
    return KpiEstimate(mean=mean, ci_low=low, ci_high=high, n=sum(not math.isnan(v) for v in x))


def plan_result(ev: Evaluation, variables: Sequence[Variable], base: Scenario, confidence: float,
                all_kpis: bool = False) -> PlanResult:
    """The public view of an evaluation."""
    from sim.staffing.cost import per_week
    from sim.staffing.diagnose import utilisations
    from sim.staffing.pools import plan_hours

    targets = [TargetResult(target=str(c.target), kpi=c.target.kpi, op=c.target.op,
                            value=c.target.value, estimate=estimate(ev.values(c.target.kpi), confidence, c.target.kpi),
                            verdict=c.status) for c in ev.checks]
    kpis = {}
    if all_kpis and ev.rows:
        kpis = {name: estimate(ev.values(name), confidence, name) for name in ev.rows[0]}
    return PlanResult(number=ev.number, staff={v.name: n for v, n in zip(variables, ev.plan, strict=True)},
                      label=ev.label, cost=ev.cost, cost_per_week=per_week(ev.cost, base),
                      person_hours=plan_hours(variables, ev.plan),
                      replications=ev.replications, accepted=ev.accepted, phase=ev.phase,
                      targets=targets, utilisation_pct=utilisations(ev, variables) if ev.rows else {},
                      kpis=kpis, invalid=ev.invalid, saturated=ev.saturated,
                      saturated_elsewhere=ev.saturated_elsewhere)
