"""Service targets of a staffing plan: ``"on_time_delivery_pct_east >= 95"`` parsed into a
:class:`Target` (no eval: a KPI name, one of four comparison operators, a number), the
KPI checked against the registry (:mod:`sim.kpis.registry`) for the scenario's sites
and channels, and the decision rule that says whether replications meet it.

A target is met with confidence ``c`` when the bound of the two-sided ``c`` t-interval
of the KPI's mean over replications on the far side from the threshold meets it: for
``>=`` the lower bound is at least the value, for ``<=`` the upper bound at most. (So
each target holds with one-sided confidence (1 + c) / 2, at one look; the search looks
at a plan several times and passes each look a ``c`` that keeps the stated confidence
over them all: :mod:`sim.staffing.evaluate`.) It is missed when even the near bound
fails (the whole interval is on the wrong side), and undecided otherwise.
"""

from __future__ import annotations

import difflib
import math
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sim.analysis import half_width
from sim.errors import ScenarioError
from sim.kpis.registry import KPIS, PER_SITE, base_of, family_of
from sim.scenario.schema import Scenario

OPERATORS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}
# "KPI op value": a KPI name, an operator, a plain decimal number (no expressions).
_TARGET = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*"
                     r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*%?\s*")
EXAMPLE = '"on_time_delivery_pct_east >= 95"'

# KPIs that more staff makes worse (they contain the labour cost): a target on them is
# not monotone in head count, and cost is what the planner minimises anyway.
COST_KPIS = ("cost_per_order", "labour_cost_per_order")

MET, MISSED, UNDECIDED = "met", "missed", "undecided"


@dataclass(frozen=True)
class Target:
    """``kpi op value``: the mean of ``kpi`` over replications must satisfy the
    comparison (``op`` one of >=, <=, >, <)."""

    kpi: str
    op: str
    value: float

    @property
    def higher_is_better(self) -> bool:
        return self.op in (">=", ">")

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.value:g}"

    def holds(self, x: float) -> bool:
        return bool(OPERATORS[self.op](x, self.value))


@dataclass(frozen=True)
class TargetCheck:
    """One target over the replications run so far: mean, the interval's bounds,
    replications with a value, replications without one (undefined or censored: they
    count as a miss), and the verdict."""

    target: Target
    mean: float
    low: float
    high: float
    n: int
    missing: int
    status: str

    @property
    def bound(self) -> float:
        """The bound on the far side from the threshold (the one that must meet it)."""
        return self.low if self.target.higher_is_better else self.high


def check_target(target: Target, values: Sequence[float | None], confidence: float) -> TargetCheck:
    """The verdict on ``target`` from per-replication ``values``: met (the far bound of
    the ``confidence`` interval meets the value), missed (even the near bound fails, or
    a replication had no value: the KPI was undefined or censored there, which for a
    staffing target means the warehouse did not keep up), or undecided (more
    replications may tell)."""
    x = [math.nan if v is None else float(v) for v in values]
    missing = sum(math.isnan(v) for v in x)
    mean, half = half_width(x, confidence)
    n = len(x) - missing
    low, high = mean - half, mean + half
    if missing or n == 0:
        return TargetCheck(target, mean, low, high, n, missing, MISSED)
    if math.isnan(half):  # one replication: no interval yet
        return TargetCheck(target, mean, low, high, n, 0, UNDECIDED)
    far, near = (low, high) if target.higher_is_better else (high, low)
    if target.holds(far):
        status = MET
    elif not target.holds(near):
        status = MISSED
    else:
        status = UNDECIDED
    return TargetCheck(target, mean, low, high, n, 0, status)


# --- parsing ------------------------------------------------------------------------------


def kpi_names(scenario: Scenario) -> list[str]:
    """Every KPI name a replication of ``scenario`` reports that a target may use:
    pooled names, ``<kpi>_<site>`` and ``<kpi>_<channel>`` variants, pool KPIs per
    site (``utilization_pct_pickers_east``); stock KPIs only with ``inventory``. Families
    (``return_rate_pct_<reason>``) are not listed: :func:`parse_target` accepts them by
    their form, and the first run checks they exist."""
    sites, channels = scenario.sites, list(scenario.demand.channels)
    names = []
    for name, kpi in KPIS.items():
        if scenario.inventory is None and kpi.meaning.startswith("with `inventory`"):
            continue  # reported only when stock is modelled
        names.append(name)
        if kpi.by_group:
            names += [f"{name}_{g}" for g in (*sites, *channels)]
        elif name in PER_SITE:
            names += [f"{name}_{s}" for s in sites]
    return names


def parse_target(text: str, scenario: Scenario) -> Target:
    """``"KPI op value"`` into a :class:`Target`, or ScenarioError (exit 2) saying what
    is allowed: the form, the operators, a KPI of the registry (with the closest names)
    whose better direction agrees with the operator."""
    match = _TARGET.fullmatch(text)
    if not match:
        raise ScenarioError([f"--target {text!r}: expected 'KPI OP VALUE' with OP one of "
                             f"{', '.join(OPERATORS)} and VALUE a number, e.g. {EXAMPLE}"])
    name, op, number = match.groups()
    value = float(number)
    if not math.isfinite(value):
        raise ScenarioError([f"--target {text!r}: the value must be a finite number, got {number}"])
    names = kpi_names(scenario)
    family = family_of(name)
    if name not in names and family is None:
        close = difflib.get_close_matches(name, names, n=4, cutoff=0.6)
        hint = (f"did you mean {', '.join(close)}?" if close else
                "KPIs are named <kpi>, <kpi>_<site> or <kpi>_<channel>, e.g. on_time_delivery_pct_east")
        raise ScenarioError([f"--target {text!r}: {name!r} is not a KPI; {hint} (sites: "
                             f"{', '.join(scenario.sites)}; channels: "
                             f"{', '.join(scenario.demand.channels)}; every KPI: README, KPIs)"])
    base = _base(name, scenario)
    if base in COST_KPIS:
        raise ScenarioError([f"--target {text!r}: {base} includes the labour cost, which more "
                             "staff raises, so a target on it is not one staff can meet by being "
                             "added; fsim staff already finds the cheapest plan: give service "
                             f"targets (e.g. {EXAMPLE})"])
    kpi = family or KPIS[base]
    direction = kpi.direction
    # A value no run can reach: a share outside 0..100, a time or count below 0.
    low, high = (0.0, 100.0) if kpi.unit == "%" else (0.0, math.inf) if kpi.unit in _NON_NEGATIVE else (
        -math.inf, math.inf)
    # (a strict comparison with the bound itself cannot hold either: "> 100", "< 0")
    if (direction == "higher" and (value > high or (op == ">" and value >= high))) or \
            (direction == "lower" and (value < low or (op == "<" and value <= low))):
        raise ScenarioError([f"--target {text!r}: {base} is in {kpi.unit}, "
                             f"{'at most' if direction == 'higher' else 'at least'} "
                             f"{high if direction == 'higher' else low:g}: no plan can make it "
                             f"{op} {value:g}"])
    if base.startswith("utilization_pct_"):
        if op in (">=", ">"):
            raise ScenarioError([f"--target {text!r}: more staff lowers utilisation, so a floor "
                                 "on it is not met by adding staff; a cap reads "
                                 f"{name} <= {number}"])
        direction = "lower"
    if direction == "none":
        raise ScenarioError([f"--target {text!r}: {base} describes the workload (it is neither "
                             "better higher nor lower); a staffing target is on a service KPI, "
                             f"e.g. {EXAMPLE}"])
    if direction == "higher" and op in ("<=", "<"):
        raise ScenarioError([f"--target {text!r}: {base} is better higher, so a target on it "
                             f"reads {name} >= {number} (or >)"])
    if direction == "lower" and op in (">=", ">"):
        raise ScenarioError([f"--target {text!r}: {base} is better lower, so a target on it "
                             f"reads {name} <= {number} (or <)"])
    return Target(kpi=name, op=op, value=value)


_NON_NEGATIVE = ("h", "days", "count", "orders", "orders/day", "parcels", "lines/h", "m", "per 1000")


def _base(name: str, scenario: Scenario) -> str:
    return base_of(name, scenario.sites, list(scenario.demand.channels))[0]


def parse_targets(texts: Sequence[str], scenario: Scenario) -> list[Target]:
    """Every ``--target`` parsed (all problems reported together); at least one."""
    if not texts:
        raise ScenarioError([f"at least one --target is needed, e.g. --target {EXAMPLE}"])
    targets, problems = [], []
    for text in texts:
        try:
            targets.append(parse_target(text, scenario))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    seen = {}
    for t in targets:
        if (t.kpi, t.op) in seen:
            problems.append(f"--target {t}: {t.kpi} {t.op} is given twice "
                            f"(also --target {seen[(t.kpi, t.op)]}); keep one")
        seen[(t.kpi, t.op)] = t
    if problems:
        raise ScenarioError(problems)
    return targets


def sites_judged(targets: Sequence[Target], planned_sites: Sequence[str], scenario: Scenario) -> frozenset[str]:
    """The sites whose saturated staff pools reject a plan: those the targets read (a
    per-site KPI its site; a pooled or per-channel KPI every site) and those with a
    planned pool. With stock, every site: a site that cannot keep up changes where the
    others' orders are shipped from. A pool saturated elsewhere leaves the targets'
    KPIs as they would be without it (the sites share nothing else), so it is reported
    and not held against the plan."""
    every = frozenset(scenario.sites)
    if scenario.inventory is not None:
        return every
    sites = set(planned_sites)
    for t in targets:
        site = base_of(t.kpi, list(scenario.sites), list(scenario.demand.channels))[1]
        if not site:
            return every
        sites.add(site)
    return frozenset(sites)
