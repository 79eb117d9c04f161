"""The staffing search (bisection per variable, then along a line and local search) against a
brute-force search over every plan, on deterministic monotone problems where whether a
plan is accepted is known without simulating (hypothesis draws the problems)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.staffing.pools import Variable
from sim.staffing.search import TRADE, search


@dataclass
class FakeEvaluation:
    plan: tuple[int, ...]
    accepted: bool


class FakeEvaluator:
    """Decides a plan by a rule (no simulation), once per plan, like Evaluator."""

    def __init__(self, rule):
        self.rule = rule
        self.order: list[FakeEvaluation] = []
        self.decided: dict[tuple[int, ...], FakeEvaluation] = {}
        self.phase = ""

    def evaluate(self, plan):
        plan = tuple(plan)
        if plan not in self.decided:
            self.decided[plan] = FakeEvaluation(plan, self.rule(plan) <= 0)
            self.order.append(self.decided[plan])
        return self.decided[plan]


def variables(highs, costs, lows=None):
    lows = lows or [1] * len(highs)
    return [Variable(site="s", role="pickers", shift=f"v{i}", low=lo, high=h, cost_per_head=c,
                     current=lo, hours_per_head=8.0) for i, (lo, h, c) in enumerate(zip(lows, highs, costs, strict=True))]


def brute_force(vs, rule):
    """The cheapest accepted plan over the whole grid (ties: any of them)."""
    best = None
    for plan in itertools.product(*(range(v.low, v.high + 1) for v in vs)):
        if rule(plan) <= 0:
            cost = sum(v.cost_per_head * n for v, n in zip(vs, plan, strict=True))
            if best is None or cost < best[0]:
                best = (cost, plan)
    return best


def cost_of(vs, plan):
    return sum(v.cost_per_head * n for v, n in zip(vs, plan, strict=True))


problem = st.integers(1, 3).flatmap(lambda d: st.tuples(
    st.lists(st.integers(3, 12), min_size=d, max_size=d),            # upper bounds
    st.lists(st.sampled_from([1.0, 1.5, 2.0, 3.0]), min_size=d, max_size=d),  # cost per head
    st.lists(st.integers(1, 12), min_size=d, max_size=d),            # per-variable minimum
))


@settings(max_examples=150, deadline=None)
@given(problem)
def test_separable_targets_give_the_brute_force_optimum(p):
    """Each variable has its own minimum (a pool's own capacity): the bisections find
    them and their joint plan is the cheapest, as brute force finds."""
    highs, costs, need = p
    vs = variables(highs, costs)
    rule = lambda plan: sum(max(n - x, 0) for x, n in zip(plan, need, strict=True))  # noqa: E731
    fake = FakeEvaluator(rule)
    outcome = search(fake, vs)
    truth = brute_force(vs, rule)
    if truth is None:
        assert outcome.best is None and not outcome.upper.accepted
        assert len(fake.order) == 1  # the upper bounds alone decide it
        return
    assert outcome.best is not None
    assert cost_of(vs, outcome.best.plan) == truth[0]


def cheaper_neighbours(vs, plan, lows):
    """The moves of the local search: one fewer in a variable, or a (up to TRADE) fewer
    in i for b more in j where b heads of j cost less than a of i (never below the
    bisections' lower bounds ``lows``, below which nothing is accepted)."""
    for i, v in enumerate(vs):
        for a in range(1, TRADE + 1):
            if plan[i] - a < max(v.low, lows[i]):
                break
            down = plan[:i] + (plan[i] - a,) + plan[i + 1:]
            if a == 1:
                yield down
            for j, w in enumerate(vs):
                b = 1
                while j != i and b * w.cost_per_head < a * v.cost_per_head and down[j] + b <= w.high:
                    yield down[:j] + (down[j] + b,) + down[j + 1:]
                    b += 1


@settings(max_examples=150, deadline=None)
@given(problem, st.integers(2, 30))
def test_shared_work_targets_give_the_brute_force_optimum(p, work):
    """Pools that share work (a minimum each, and a total to reach between them: a day
    and an evening shift that together must clear the day's orders): any plan that is
    not the cheapest has a cheaper accepted neighbour (one fewer, or one fewer swapped
    for one more of a cheaper variable), so the local search ends at the optimum."""
    highs, costs, need = p
    vs = variables(highs, costs)
    lows = [min(n, h) for n, h in zip(need, highs, strict=True)]

    def rule(plan):
        return (sum(max(n - x, 0) for x, n in zip(plan, lows, strict=True))
                + max(work - sum(plan), 0))

    outcome = search(FakeEvaluator(rule), vs)
    truth = brute_force(vs, rule)
    if truth is None:
        assert outcome.best is None
        return
    assert rule(outcome.best.plan) <= 0
    assert cost_of(vs, outcome.best.plan) == truth[0]


@settings(max_examples=150, deadline=None)
@given(problem, st.lists(st.sampled_from([0.5, 1.0, 1.5, 2.0]), min_size=3, max_size=3),
       st.floats(2, 40))
def test_weighted_work_targets_give_an_accepted_local_optimum(p, weights, work):
    """Pools of unequal productivity (a knapsack-like cover, where a local search can
    stop short of the optimum): the plan found is accepted and no move of the local
    search from it is both accepted and cheaper."""
    highs, costs, need = p
    vs = variables(highs, costs)
    lows = [min(n, h) for n, h in zip(need, highs, strict=True)]

    def rule(plan):
        capacity = sum(a * x for a, x in zip(weights, plan, strict=False))
        return sum(max(n - x, 0) for x, n in zip(plan, lows, strict=True)) + max(work - capacity, 0)

    outcome = search(FakeEvaluator(rule), vs)
    if brute_force(vs, rule) is None:
        assert outcome.best is None
        return
    best = outcome.best.plan
    assert rule(best) <= 0
    for plan in cheaper_neighbours(vs, best, outcome.lower_bounds or best):
        assert rule(plan) > 0 or cost_of(vs, plan) >= cost_of(vs, best), plan


def test_the_search_decides_far_fewer_plans_than_the_grid():
    """Two variables 1..20 with a shared-work rule: a handful of plans, not 400."""
    vs = variables([20, 20], [1.0, 1.2])
    rule = lambda plan: max(6 - plan[0], 0) + max(5 - plan[1], 0) + max(14 - sum(plan), 0)  # noqa: E731
    fake = FakeEvaluator(rule)
    outcome = search(fake, vs)
    assert cost_of(vs, outcome.best.plan) == brute_force(vs, rule)[0]
    assert len(fake.order) < 0.1 * 400


def test_without_hourly_costs_the_fewest_person_hours_win():
    """No planned pool has an hourly cost: plans are compared by on-duty hours (a
    12-hour shift's head costs more hours than an 8-hour one's)."""
    vs = [Variable(site="s", role="pickers", shift=name, low=1, high=10, cost_per_head=0.0,
                   current=1, hours_per_head=hours) for name, hours in (("long", 12.0), ("short", 8.0))]
    rule = lambda plan: max(2 - plan[0], 0) + max(9 - sum(plan), 0)  # noqa: E731
    outcome = search(FakeEvaluator(rule), vs)
    hours = {plan: 12 * plan[0] + 8 * plan[1]
             for plan in itertools.product(range(1, 11), repeat=2) if rule(plan) <= 0}
    assert outcome.best.plan == min(hours, key=hours.get) == (2, 7)
