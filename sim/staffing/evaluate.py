"""Deciding whether a plan meets its targets, with as few runs as the decision needs.

Every plan is run with the same seed and replication numbers (common random numbers:
replication r of every plan sees the same orders), so two plans differ only by their
staff. A plan is looked at after ``start`` replications, then twice as many, and so on
to ``maximum`` (:func:`look_schedule`: 5, 10, 20, 40); while a target is undecided (its
interval straddles the value, :func:`sim.staffing.targets.check_target`) it gets the
next look. A plan is *accepted* when every target is met, *rejected* as soon as one is
missed, or when one is still undecided at ``maximum`` (not shown to hold).

Each look decides with the interval at :func:`confidence_per_look`: the stated
confidence's error split over the looks (Bonferroni), so a plan whose target does not
hold is accepted with at most the stated error over the whole sequence, however many
looks it takes. (Deciding every look at the stated confidence accepted a plan exactly
at its target about 10% of the time instead of 2.5% at 0.95: each new look is another
chance for the interval to clear the value.)

Runs go through a sweep executor (:mod:`sim.sweep.executors`) as sweep tasks
(:class:`sim.sweep.task.Task`), each recorded in the search's folder as it finishes
(:mod:`sim.staffing.store`): a rerun finds them there and does not run them again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.staffing.pools import Plan, Variable, plan_cost, plan_key, plan_label, plan_scenario
from sim.staffing.store import StaffStore
from sim.staffing.targets import MET, MISSED, Target, TargetCheck, check_target, sites_judged
from sim.sweep.task import Task, run_task, task_record

ACCEPTED, REJECTED = "accepted", "rejected"


def look_schedule(start: int, maximum: int) -> list[int]:
    """The replication counts at which a plan is looked at: ``start``, doubling, and
    ``maximum`` last (5, 10, 20, 40; 3, 6, 12, 24, 30)."""
    looks, n = [], start
    while n < maximum:
        looks.append(n)
        n *= 2
    return [*looks, maximum]


def confidence_per_look(confidence: float, looks: int) -> float:
    """The two-sided confidence each of ``looks`` looks decides with, so that the
    one-sided error over them all is at most the stated one, (1 - ``confidence``) / 2:
    each look's is that over ``looks`` (0.95 over 4 looks: 0.9875, 99.375% one-sided)."""
    return 1 - (1 - confidence) / looks


def guarantee_text(confidence: float, decision_confidence: float, looks: Sequence[int]) -> str:
    """How a target is judged, in words (every output of a search says it the same way;
    ``looks`` may be empty: a search written before the looks were recorded)."""
    at = f" at every look ({', '.join(map(str, looks))} replications)" if looks else ""
    return (f"each met by the far bound of its {100 * decision_confidence:.4g}% confidence "
            f"interval{at}, so with {50 * (1 + confidence):.4g}% one-sided confidence over them all")


class RunFailed(RuntimeError):
    """A simulation run raised (recorded in its task file; a rerun tries it again)."""


@dataclass
class Evaluation:
    """A plan and what its runs showed: ``rows`` (one KPI dict per replication, in
    replication order), the verdict on each target, and ``status`` (accepted or
    rejected; ``invalid`` holds the schema's reason when the plan is not a valid
    scenario). ``phase``: which step of the search asked for it first."""

    plan: Plan
    label: str
    key: str
    number: int
    cost: float
    phase: str
    rows: list[dict[str, float | None]] = field(default_factory=list)
    checks: list[TargetCheck] = field(default_factory=list)
    status: str = ""
    invalid: str | None = None
    saturated: tuple[str, ...] = ()  # pools ("site.role") saturated in some replication
    # ... at sites the targets do not read (no planned pool there): not held against it
    saturated_elsewhere: tuple[str, ...] = ()

    @property
    def replications(self) -> int:
        return len(self.rows)

    @property
    def accepted(self) -> bool:
        return self.status == ACCEPTED

    def values(self, kpi: str) -> list[float | None]:
        return [row.get(kpi) for row in self.rows]


@dataclass(frozen=True)
class Progress:
    """What the planner is doing, for a progress display: the search ``phase``, the
    plan being decided (its label, replications so far), plans decided and runs done
    (``runs_now``: run in this call; the others were found in the folder)."""

    phase: str
    plan: str
    replications: int
    plans_decided: int
    runs: int
    runs_now: int
    message: str = ""
    decided: bool = False  # the message is the plan's verdict (accepted or rejected, and why)


ProgressCallback = Callable[[Progress], None]


class Evaluator:
    """Runs and decides plans (see the module docstring); remembers every plan it
    decided, so asking again costs nothing."""

    def __init__(self, *, data: dict, lines: dict, base: Scenario, variables: Sequence[Variable],
                 targets: Sequence[Target], confidence: float, start: int, maximum: int,
                 seed: int, executor, store: StaffStore,
                 progress: ProgressCallback | None = None,
                 task_fn: Callable[[Task], dict] = run_task):
        self.data, self.lines, self.base = data, lines, base
        self.variables, self.targets = list(variables), list(targets)
        self.confidence, self.start, self.maximum = confidence, start, max(maximum, start)
        self.looks = look_schedule(self.start, self.maximum)
        self.decision_confidence = confidence_per_look(confidence, len(self.looks))
        self.judged = sites_judged(self.targets, [v.site for v in self.variables], base)
        self.seed, self.executor, self.store = seed, executor, store
        self.progress, self.task_fn = progress, task_fn
        self.records = store.records()
        self.decided: dict[str, Evaluation] = {}
        self.order: list[Evaluation] = []  # in the order decided
        self.runs_now = 0
        self.phase = ""

    # --- what was found --------------------------------------------------------------

    @property
    def runs(self) -> int:
        """Simulation runs behind every decision so far (plans × their replications)."""
        return sum(e.replications for e in self.order)

    def known(self, plan: Plan) -> Evaluation | None:
        return self.decided.get(plan_key(self.base, self.variables, plan))

    # --- deciding --------------------------------------------------------------------

    def evaluate(self, plan: Plan) -> Evaluation:
        """The decided evaluation of ``plan`` (running what it needs)."""
        plan = tuple(int(n) for n in plan)
        key = plan_key(self.base, self.variables, plan)
        if key in self.decided:
            return self.decided[key]
        label = plan_label(self.variables, plan)
        ev = Evaluation(plan=plan, label=label, key=key, number=self.store.plan_number(key),
                        cost=plan_cost(self.variables, plan), phase=self.phase)
        try:
            scenario = plan_scenario(self.data, self.lines, self.base, self.variables, plan)
        except ScenarioError as exc:
            ev.invalid = "; ".join(exc.problems)
            ev.status = REJECTED
            return self._decided(ev)
        for n in self.looks:
            self._run(ev, scenario, n)
            ev.checks = [check_target(t, ev.values(t.kpi), self.decision_confidence) for t in self.targets]
            saturated = self._saturated(ev, n)
            ev.saturated = tuple(p for p in saturated if _site(p) in self.judged)
            ev.saturated_elsewhere = tuple(p for p in saturated if _site(p) not in self.judged)
            if ev.saturated:
                # Too few people: work piles up without end, and a KPI over what got
                # done (a mean lead time over the orders delivered) can even look better.
                # Rejected whatever the targets say; more staff is the way (monotone).
                ev.status = REJECTED
            elif any(c.status == MISSED for c in ev.checks):
                ev.status = REJECTED
            elif all(c.status == MET for c in ev.checks):
                ev.status = ACCEPTED
            elif n >= self.maximum:
                ev.status = REJECTED
            if ev.status:
                return self._decided(ev)
        raise AssertionError("the last look decides")  # pragma: no cover

    def _decided(self, ev: Evaluation) -> Evaluation:
        self.decided[ev.key] = ev
        self.order.append(ev)
        why = f" (saturated: {', '.join(ev.saturated)})" if ev.saturated else ""
        if ev.saturated_elsewhere:
            why += f" ({', '.join(ev.saturated_elsewhere)} saturated: not at the targets' sites)"
        self._report(ev, f"{ev.label}: {ev.status}{why}", decided=True)
        return ev

    def _saturated(self, ev: Evaluation, n: int) -> tuple[str, ...]:
        """The pools saturated (their backlog growing to the end) in any of the plan's
        first ``n`` replications."""
        return tuple(sorted({pool for r in range(n) for pool in self.records[(ev.number, r)].get("saturated", [])}))

    def _run(self, ev: Evaluation, scenario: Scenario, n: int) -> None:
        """Replications 0..n-1 of the plan, from the folder where they were recorded,
        the rest on the executor."""
        todo = []
        for r in range(n):
            record = self.records.get((ev.number, r))
            if record is None or record.get("error"):
                todo.append(Task(ev.number, r, self.seed, scenario))
        failed = []
        if todo:
            self._report(ev, f"{ev.label}: {len(todo)} run(s)", replications=n - len(todo))
            for task, result in self.executor.map_unordered(self.task_fn, todo):
                record = result if isinstance(result, dict) else task_record(
                    task, {}, f"{type(result).__name__}: {result}", None, math.nan)
                self.store.write_task(record)
                self.records[task.key] = record
                self.runs_now += 1
                if record.get("error"):
                    failed.append(record)
        if failed:
            first = failed[0]
            raise RunFailed(f"plan {ev.label}: {len(failed)} run(s) failed (first: replication "
                            f"{first['replication']}: {first['error']}); see "
                            f"{self.store.out / 'tasks'}; rerun the same command to retry them")
        ev.rows = [self.records[(ev.number, r)]["kpis"] for r in range(n)]
        self._check_names(ev.rows[0])

    def _check_names(self, row: dict) -> None:
        from sim.sweep.runner import check_kpi_names

        check_kpi_names([t.kpi for t in self.targets], list(row), option="--target")

    def _report(self, ev: Evaluation, message: str, replications: int | None = None,
                decided: bool = False) -> None:
        if self.progress is not None:
            self.progress(Progress(phase=self.phase, plan=ev.label,
                                   replications=ev.replications if replications is None else replications,
                                   plans_decided=len(self.order), runs=self.runs,
                                   runs_now=self.runs_now, message=message, decided=decided))


def _site(pool: str) -> str:
    """The site of a pool named ``site.role``."""
    return pool.rsplit(".", 1)[0]
