"""The head counts a staffing plan chooses, and how a plan becomes a scenario.

A pool is named ``<site>.<role>`` (``east.pickers``; roles: pickers, packers) and maps
onto ``warehouses.<site>.staff.<role>``; ``<site>.<role>.<shift>`` (``east.pickers.day``)
is one shift of it. Each chosen number is a *variable* of the plan:

- ``east.pickers`` without ``--per-shift``: one head count on every shift of the site
  (the scenario's plain-number form; a site without shifts has one pool on duty around
  the clock);
- ``east.pickers`` with ``--per-shift``: one variable per shift (``east.pickers.day``,
  ``east.pickers.evening``);
- ``east.pickers.day``: that shift only; the pool's other shifts keep the scenario's
  counts.

Bounds (``--bounds east.pickers=1..20``, or per shift ``east.pickers.day=2..9``) default
to ``DEFAULT_LOW`` .. max(2 × the scenario's head count, ``DEFAULT_HIGH_AT_LEAST``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.loader import apply_overrides, validate_data
from sim.scenario.schema import Scenario
from sim.staffing.cost import hourly_cost, on_duty_hours_per_head

ROLES = ("pickers", "packers")
DEFAULT_LOW = 1
DEFAULT_HIGH_AT_LEAST = 10
MAX_HEAD_COUNT = 10_000  # per variable: beyond any warehouse, and each worker costs memory
PLAN_LABEL = "fsim staff plan"


@dataclass(frozen=True)
class Variable:
    """One head count the planner chooses: ``site``'s ``role`` on ``shift`` (None: on
    every shift of the site, or around the clock), between ``low`` and ``high``;
    ``cost_per_head``: one more worker's cost over the measurement window."""

    site: str
    role: str
    shift: str | None
    low: int
    high: int
    cost_per_head: float
    current: int  # the scenario's head count (largest over shifts for a whole pool)
    hours_per_head: float = 0.0  # one worker's on-duty hours inside the measurement window

    @property
    def name(self) -> str:
        return f"{self.site}.{self.role}" + (f".{self.shift}" if self.shift else "")

    @property
    def path(self) -> str:
        return f"warehouses.{self.site}.staff.{self.role}"


def _pool_names(scenario: Scenario) -> list[str]:
    return [f"{s}.{r}" for s in scenario.sites for r in ROLES]


def _allowed(scenario: Scenario) -> str:
    shifts = {s: list(wh.staff.shifts) for s, wh in scenario.warehouses.items() if wh.staff.shifts}
    text = f"pools: {', '.join(_pool_names(scenario))}"
    if shifts:
        text += "; one shift: " + ", ".join(f"{s}.<role>.{'|'.join(names)}"
                                            for s, names in shifts.items())
    return text


def _parse_pool(text: str, scenario: Scenario) -> tuple[str, str, str | None]:
    parts = text.strip().split(".")
    if len(parts) not in (2, 3) or not all(parts):
        raise ScenarioError([f"--pool {text!r}: expected SITE.ROLE or SITE.ROLE.SHIFT, e.g. "
                             f"{_pool_names(scenario)[0]} ({_allowed(scenario)})"])
    site, role = parts[0], parts[1]
    if site not in scenario.warehouses:
        raise ScenarioError([f"--pool {text!r}: {site!r} is not a site ({_allowed(scenario)})"])
    if role not in ROLES:
        raise ScenarioError([f"--pool {text!r}: {role!r} is not a staff role; roles: "
                             f"{', '.join(ROLES)} ({_allowed(scenario)})"])
    wh = scenario.warehouses[site]
    if role == "pickers" and wh.picking.zone is not None and wh.picking.zone.pickers_per_zone is not None:
        raise ScenarioError([f"--pool {text!r}: warehouses.{site}.picking.zone.pickers_per_zone "
                             f"sets the pickers of each zone, so staff.pickers is not used there; "
                             "plan packers, or remove pickers_per_zone to plan pickers"])
    shift = parts[2] if len(parts) == 3 else None
    if shift is not None and shift not in wh.staff.shifts:
        have = (f"shifts of {site}: {', '.join(wh.staff.shifts)}" if wh.staff.shifts
                else f"{site} has no shifts: its staff are on duty around the clock; plan {site}.{role}")
        raise ScenarioError([f"--pool {text!r}: {shift!r} is not a shift ({have})"])
    return site, role, shift


_BOUNDS = re.compile(r"\s*(\d+)\s*\.\.\s*(\d+)\s*")


def parse_bounds(texts: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``["east.pickers=1..20"]`` -> ``{"east.pickers": (1, 20)}`` (whole numbers,
    low <= high)."""
    out: dict[str, tuple[int, int]] = {}
    problems = []
    for text in texts:
        name, sep, rng = text.partition("=")
        match = _BOUNDS.fullmatch(rng) if sep else None
        if not match:
            problems.append(f"--bounds {text!r}: expected POOL=LOW..HIGH with whole numbers, "
                            "e.g. east.pickers=1..20")
            continue
        low, high = int(match.group(1)), int(match.group(2))
        if low > high:
            problems.append(f"--bounds {text!r}: LOW must be <= HIGH, got {low}..{high}")
        elif high > MAX_HEAD_COUNT:
            problems.append(f"--bounds {text!r}: at most {MAX_HEAD_COUNT:,} people, got {high:,}")
        elif name.strip() in out:
            problems.append(f"--bounds {text!r}: {name.strip()} has bounds already "
                            f"({out[name.strip()][0]}..{out[name.strip()][1]}): give each pool once")
        else:
            out[name.strip()] = (low, high)
    if problems:
        raise ScenarioError(problems)
    return out


def plan_variables(scenario: Scenario, pools: Sequence[str], per_shift: bool = False,
                   bounds: Mapping[str, tuple[int, int]] | None = None) -> list[Variable]:
    """The variables of a plan over ``pools`` (see the module docstring), with their
    bounds, cost and on-duty hours per head; ScenarioError (exit 2) names a bad pool, shift or bound
    and what is allowed."""
    if not pools:
        raise ScenarioError([f"at least one --pool is needed, e.g. --pool "
                             f"{_pool_names(scenario)[0]} ({_allowed(scenario)})"])
    problems: list[str] = []
    parsed: list[tuple[str, str, str | None]] = []
    for text in pools:
        try:
            parsed.append(_parse_pool(text, scenario))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    expanded: list[tuple[str, str, str | None]] = []
    for site, role, shift in parsed:
        shifts = scenario.warehouses[site].staff.shifts
        if shift is None and per_shift and shifts:
            expanded += [(site, role, name) for name in shifts]
        else:
            expanded.append((site, role, shift))
    seen: dict[tuple[str, str], list[str | None]] = {}
    for site, role, shift in expanded:
        others = seen.setdefault((site, role), [])
        if shift in others or (others and (shift is None or None in others)):
            problems.append(f"--pool {site}.{role}: given more than once (or whole and by shift); "
                            "name each pool or shift once")
        others.append(shift)
    if problems:
        raise ScenarioError(sorted(set(problems)))
    bounds = dict(bounds or {})
    names = {f"{s}.{r}" + (f".{sh}" if sh else "") for s, r, sh in expanded}
    names |= {f"{s}.{r}" for s, r, _ in expanded}
    unknown = [b for b in bounds if b not in names]
    if unknown:
        raise ScenarioError([f"--bounds {b}: not a pool being planned; planned: "
                             f"{', '.join(sorted(names))}" for b in unknown])
    variables = []
    for site, role, shift in expanded:
        counts = scenario.warehouses[site].staff.head_count(role)
        current = counts.get(shift, 0) if shift else max(counts.values(), default=0)
        name = f"{site}.{role}" + (f".{shift}" if shift else "")
        default = (DEFAULT_LOW, max(2 * current, DEFAULT_HIGH_AT_LEAST))
        low, high = bounds.get(name, bounds.get(f"{site}.{role}", default))
        hours = on_duty_hours_per_head(scenario, site, shift)
        variables.append(Variable(site=site, role=role, shift=shift, low=low, high=high,
                                  cost_per_head=hourly_cost(scenario, site, role) * hours,
                                  current=current, hours_per_head=hours))
    return variables


Plan = tuple[int, ...]  # one head count per variable, in the variables' order


def plan_cost(variables: Sequence[Variable], plan: Plan) -> float:
    """The plan's labour cost over the measurement window (:mod:`sim.staffing.cost`)."""
    return float(sum(v.cost_per_head * n for v, n in zip(variables, plan, strict=True)))


def plan_hours(variables: Sequence[Variable], plan: Plan) -> float:
    """The plan's on-duty person-hours inside the measurement window."""
    return float(sum(v.hours_per_head * n for v, n in zip(variables, plan, strict=True)))


def prices(variables: Sequence[Variable]) -> list[float]:
    """What one more head of each variable costs the search: its labour cost, or, when
    no planned pool has an hourly cost, its on-duty hours (then the cheapest plan is the
    one with the fewest person-hours)."""
    if any(v.cost_per_head > 0 for v in variables):
        return [v.cost_per_head for v in variables]
    return [v.hours_per_head for v in variables]


def staff_values(base: Scenario, variables: Sequence[Variable], plan: Plan) -> dict[str, Any]:
    """The scenario values a plan sets: ``{"warehouses.east.staff.pickers": 9}`` for a
    whole pool, ``{...: {"day": 9, "evening": 6}}`` when it is set by shift (shifts not
    in the plan keep the scenario's counts)."""
    out: dict[str, Any] = {}
    by_pool: dict[str, dict[str | None, int]] = {}
    for v, n in zip(variables, plan, strict=True):
        by_pool.setdefault(f"{v.site}.{v.role}", {})[v.shift] = int(n)
    for pool, counts in by_pool.items():
        site, role = pool.split(".")
        if None in counts:
            out[f"warehouses.{site}.staff.{role}"] = counts[None]
        else:
            current = base.warehouses[site].staff.head_count(role)
            out[f"warehouses.{site}.staff.{role}"] = {s: counts.get(s, current[s]) for s in current}
    return out


def plan_key(base: Scenario, variables: Sequence[Variable], plan: Plan) -> str:
    """A plan's identity, whatever variables named it: the head count of every planned
    pool on every shift, as canonical JSON (two plans that staff the same are one)."""
    full = {}
    for path, value in staff_values(base, variables, plan).items():
        site, role = path.split(".")[1], path.split(".")[-1]
        shifts = base.warehouses[site].staff.shifts
        full[f"{site}.{role}"] = (value if isinstance(value, dict)
                                  else {s: value for s in shifts} if shifts else {"always": value})
    return json.dumps(full, sort_keys=True, separators=(",", ":"))


def plan_label(variables: Sequence[Variable], plan: Plan) -> str:
    """``east.pickers=9, east.packers=6``."""
    return ", ".join(f"{v.name}={n}" for v, n in zip(variables, plan, strict=True))


def plan_scenario(data: dict, lines: dict, base: Scenario, variables: Sequence[Variable],
                  plan: Plan) -> Scenario:
    """The scenario with the plan's head counts (validated like ``--set`` values; a
    plan the schema refuses, e.g. fewer pickers than picking zones, raises
    ScenarioError naming the plan)."""
    values = staff_values(base, variables, plan)
    lines = {k: (list(v) if isinstance(v, list) else v) for k, v in lines.items()}
    raw = apply_overrides(data, values, lines, f"{PLAN_LABEL} ({plan_label(variables, plan)})")
    return validate_data(raw, lines)
