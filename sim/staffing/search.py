"""The search for the cheapest plan that meets every target, using monotonicity: more
staff in any pool never makes a target worse in expectation, so the plans that meet
the targets are closed upwards, and a plan below a rejected one is rejected.

"Cheapest" is by labour cost; when no planned pool has an hourly cost, by on-duty
person-hours (:func:`sim.staffing.pools.prices`).

1. **Upper bounds.** The plan with every variable at its upper bound is decided first;
   if it is rejected, no plan within the bounds meets the targets (the caller says why:
   :mod:`sim.staffing.diagnose`).
2. **Bisection per variable.** With the other variables at their upper bounds, the
   smallest value of each variable that is accepted (about log2(high - low) plans
   each). No plan below it in that variable can be accepted, whatever the others: these
   are lower bounds ``m``.
3. **The joint plan.** If ``m`` itself is accepted it is the cheapest plan (every
   acceptable plan is >= ``m`` in each variable, and cost grows with head count).
   Otherwise bisection along the straight line from ``m`` to the upper bounds (each
   variable raised in proportion to its range, rounded up: plans that grow in every
   variable along it) finds the first accepted plan on it, in about log2 of the widest
   range plans. (Lower bounds from step 2 can be far apart from the joint answer, e.g.
   per shift, where the other shifts at their upper bounds absorb a shift's work: a
   step-by-step ascent from ``m`` would take many plans.)
4. **Local search.** From the accepted plan, cheaper neighbours: one fewer in a variable
   (not below ``m``), or a fewer (up to ``TRADE``) in one variable for b more in another
   whose b heads cost less than the a; cheapest first, skipping any plan below a
   rejected one; the first accepted is taken, until none is. The result is the
   cheapest plan no such move improves: the optimum where pools share work equally
   (any other acceptable plan has a cheaper acceptable neighbour), possibly not where
   their productivities differ (a cover problem, where a cheaper plan can be several
   moves away).

Every plan is decided by :class:`sim.staffing.evaluate.Evaluator`, with common random
numbers and sequential sampling; a plan asked for twice is decided once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.staffing.evaluate import Evaluation, Evaluator
from sim.staffing.pools import Plan, Variable, prices

TRADE = 2  # the local search trades up to this many heads of one variable at once
PHASES = ("upper bounds", "bisection", "joint plan", "line search", "local search")


@dataclass
class SearchOutcome:
    """What the search found: ``best`` (None when even the upper bounds are rejected),
    ``upper`` (the plan at the upper bounds), ``lower_bounds`` (from the bisections),
    and every plan decided, in order."""

    best: Evaluation | None
    upper: Evaluation
    lower_bounds: Plan | None
    evaluations: list[Evaluation] = field(default_factory=list)


def _below(a: Plan, b: Plan) -> bool:
    """Whether ``a`` has at most ``b``'s head count in every variable."""
    return all(x <= y for x, y in zip(a, b, strict=True))


def _with(plan: Plan, i: int, value: int) -> Plan:
    return plan[:i] + (value,) + plan[i + 1:]


def search(evaluator: Evaluator, variables: Sequence[Variable]) -> SearchOutcome:
    """Run the search (see the module docstring)."""
    highs: Plan = tuple(v.high for v in variables)
    evaluator.phase = "upper bounds"
    upper = evaluator.evaluate(highs)
    if not upper.accepted:
        return SearchOutcome(None, upper, None, list(evaluator.order))
    evaluator.phase = "bisection"
    lows = tuple(_smallest_accepted(evaluator, highs, i, v.low, v.high)
                 for i, v in enumerate(variables))
    evaluator.phase = "joint plan"
    x = evaluator.evaluate(lows)
    if not x.accepted:
        evaluator.phase = "line search"
        x = _along_the_line(evaluator, lows, highs)
        evaluator.phase = "local search"
        x = _descend(evaluator, variables, x, lows)
    return SearchOutcome(x, upper, lows, list(evaluator.order))


def _smallest_accepted(evaluator: Evaluator, highs: Plan, i: int, low: int, high: int) -> int:
    """The smallest value of variable ``i`` in ``[low, high]`` that is accepted with the
    others at ``highs`` (``high`` is known to be)."""
    while low < high:
        mid = (low + high) // 2
        if evaluator.evaluate(_with(highs, i, mid)).accepted:
            high = mid
        else:
            low = mid + 1
    return high


def _on_the_line(lows: Plan, highs: Plan, k: int, steps: int) -> Plan:
    """The plan ``k`` steps of ``steps`` along the line from ``lows`` to ``highs``."""
    return tuple(lo + -(-(k * (hi - lo)) // steps) for lo, hi in zip(lows, highs, strict=True))


def _along_the_line(evaluator: Evaluator, lows: Plan, highs: Plan) -> Evaluation:
    """The first accepted plan on the line from ``lows`` (rejected) to ``highs``
    (accepted), by bisection: the plans on it grow in every variable, so acceptance is
    monotone along it."""
    steps = max(hi - lo for lo, hi in zip(lows, highs, strict=True))
    low, high = 1, steps
    while low < high:
        mid = (low + high) // 2
        if evaluator.evaluate(_on_the_line(lows, highs, mid, steps)).accepted:
            high = mid
        else:
            low = mid + 1
    return evaluator.evaluate(_on_the_line(lows, highs, high, steps))


def _descend(evaluator: Evaluator, variables: Sequence[Variable], x: Evaluation,
             lows: Plan) -> Evaluation:
    """Cheaper accepted neighbours of ``x`` while there are any."""
    price = prices(variables)
    while True:
        candidates: list[Plan] = []
        for i in range(len(variables)):
            for a in range(1, TRADE + 1):  # a fewer in i ...
                if x.plan[i] - a < lows[i]:
                    break
                down = _with(x.plan, i, x.plan[i] - a)
                if a == 1:
                    candidates.append(down)
                for j, w in enumerate(variables):  # ... for b more in j, when that is cheaper
                    b = 1
                    while j != i and b * price[j] < a * price[i] and down[j] + b <= w.high:
                        candidates.append(_with(down, j, down[j] + b))
                        b += 1
        rejected = [e.plan for e in evaluator.order if not e.accepted]
        candidates = [c for c in dict.fromkeys(candidates)
                      if not any(_below(c, r) for r in rejected)]
        candidates.sort(key=lambda c: sum(p * n for p, n in zip(price, c, strict=True)))
        for plan in candidates:
            if any(_below(plan, e.plan) for e in evaluator.order if not e.accepted):
                continue  # a plan decided meanwhile rules it out
            ev = evaluator.evaluate(plan)
            if ev.accepted:
                x = ev
                break
        else:
            return x
