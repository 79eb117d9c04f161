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
   Otherwise a greedy ascent from ``m``: the neighbours ``x + e_i``, cheapest first; the
   first accepted one is taken; if none is, the step that removes the most shortfall
   per unit of cost.
4. **Local search.** From the accepted plan, cheaper neighbours: one fewer in a variable
   (not below ``m``), or one fewer in one and k more in another whose k heads cost less
   than the one; cheapest first, skipping any plan below a rejected one; the first
   accepted is taken, until none is.

Every plan is decided by :class:`sim.staffing.evaluate.Evaluator`, with common random
numbers and sequential sampling; a plan asked for twice is decided once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.staffing.evaluate import Evaluation, Evaluator
from sim.staffing.pools import Plan, Variable, prices

PHASES = ("upper bounds", "bisection", "joint plan", "ascent", "local search")


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
        evaluator.phase = "ascent"
        x = _ascend(evaluator, variables, x)
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


def _ascend(evaluator: Evaluator, variables: Sequence[Variable], x: Evaluation) -> Evaluation:
    """From a rejected plan up to an accepted one (the upper bounds are accepted, so
    this ends)."""
    price = prices(variables)
    while not x.accepted:
        steps = [i for i, v in enumerate(variables) if x.plan[i] < v.high]
        steps.sort(key=lambda i: price[i])
        tried: list[tuple[float, float, Evaluation]] = []
        for i in steps:
            ev = evaluator.evaluate(_with(x.plan, i, x.plan[i] + 1))
            if ev.accepted:
                return ev
            gain = x.shortfall() - ev.shortfall()
            per_price = gain / price[i] if price[i] else gain
            tried.append((-per_price if math.isfinite(per_price) else math.inf, price[i], ev))
        tried.sort(key=lambda t: (t[0], t[1]))
        x = tried[0][2]
    return x


def _descend(evaluator: Evaluator, variables: Sequence[Variable], x: Evaluation,
             lows: Plan) -> Evaluation:
    """Cheaper accepted neighbours of ``x`` while there are any."""
    price = prices(variables)
    while True:
        candidates: list[Plan] = []
        for i in range(len(variables)):
            if x.plan[i] - 1 < lows[i]:
                continue
            down = _with(x.plan, i, x.plan[i] - 1)
            candidates.append(down)
            for j, w in enumerate(variables):
                k = 1  # one fewer in i for k more in j, while that is cheaper
                while j != i and k * price[j] < price[i] and down[j] + k <= w.high:
                    candidates.append(_with(down, j, down[j] + k))
                    k += 1
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
