"""Why no plan within the bounds meets the targets: staff too few (the planned pools are
busy at their upper bounds: raise the bounds), or staff not the binding constraint (the
pools have time to spare and the target is still missed: something no head count
changes holds it back, such as the carrier's pick-up days or transit times, and the
KPIs that show it are named).

Everything here reads the KPIs of the plan at the upper bounds; nothing is run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sim.analysis import half_width
from sim.kpis.registry import base_of
from sim.scenario.schema import Scenario
from sim.staffing.evaluate import Evaluation
from sim.staffing.pools import Variable
from sim.staffing.targets import MISSED, TargetCheck

# Planned pools busier than this at their upper bounds could still be the constraint.
BUSY_PCT = 85.0
# A pool not planned, at the site of a missed target, is named as a possible cause when it
# makes parcels wait at least this share of their time in the warehouse (a guess, stated
# as one: the planner is told to plan it too). How busy it is alone says nothing: a pool
# 80% busy whose parcels wait 2% of their time holds back no target a planner can reach.
UNPLANNED_WAIT_SHARE = 0.05


def _mean(ev: Evaluation, kpi: str) -> float:
    values = ev.values(kpi)
    if not values or all(v is None for v in values):
        return math.nan
    return half_width(values)[0]


def _site_of(kpi: str, scenario: Scenario) -> str:
    return base_of(kpi, scenario.sites, list(scenario.demand.channels))[1]


def _raised(high: int) -> int:
    """An upper bound to suggest instead of ``high``: twice it, and above it (0 -> 1)."""
    return max(2 * high, high + 1)


def _fmt(x: float) -> str:
    from sim.html_report import fmt

    return fmt(x)


def _clock(hour: float) -> str:
    minutes = round(hour * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _check_text(check: TargetCheck, confidence: float) -> str:
    t = check.target
    if check.missing:
        return (f"{t.kpi} has no value in {check.missing} of {check.n + check.missing} "
                f"replication(s) (undefined, or censored: orders still unfinished at the end)")
    ci = ("" if math.isnan(check.low) else
          f" ({100 * confidence:g}% CI {_fmt(check.low)} to {_fmt(check.high)})")
    verdict = "" if check.status == MISSED else ", not shown to hold with confidence"
    return f"{t.kpi} is {_fmt(check.mean)}{ci}, target {t.op} {t.value:g}{verdict}"


def utilisations(ev: Evaluation, variables: Sequence[Variable]) -> dict[str, float]:
    """Mean utilisation (%) of each planned pool in the plan ``ev``."""
    out = {}
    for v in variables:
        name = f"utilization_pct_{v.role}_{v.site}"
        out.setdefault(name, _mean(ev, name))
    return out


def why_infeasible(upper: Evaluation, variables: Sequence[Variable], scenario: Scenario,
                   confidence: float, maximum: int) -> list[str]:
    """Lines saying that the targets cannot be met within the bounds, and why."""
    if upper.invalid:
        return [f"the plan at the upper bounds ({upper.label}) is not a valid scenario: "
                f"{upper.invalid}"]
    if upper.saturated:
        planned = {f"{v.site}.{v.role}" for v in variables}
        unplanned = [p for p in upper.saturated if p not in planned]
        hint = (f"plan {' and '.join(unplanned)} too (--pool {' --pool '.join(unplanned)})" if unplanned
                else "staff is the constraint: raise the upper bounds, e.g. " + " ".join(
                    f"--bounds {v.name}={v.low}..{_raised(v.high)}" for v in variables))
        return [f"no plan within the bounds can be accepted: even at the upper bounds ({upper.label}) "
                f"{', '.join(upper.saturated)} {'is' if len(upper.saturated) == 1 else 'are'} "
                f"saturated (work piles up to the end of the run, so its KPIs cannot be trusted); "
                + hint]
    failing = [c for c in upper.checks if c.status != "met"]
    lines = [f"no plan within the bounds meets the targets: even at the upper bounds "
             f"({upper.label}), " + "; ".join(_check_text(c, confidence) for c in failing)]
    util = utilisations(upper, variables)
    busy = {k: u for k, u in util.items() if not math.isnan(u) and u >= BUSY_PCT}
    util_text = ", ".join(f"{k} {_fmt(u)}%" for k, u in util.items())
    planned_sites = {v.site for v in variables}
    for check in failing:
        site = _site_of(check.target.kpi, scenario)
        if site and site not in planned_sites:
            lines.append(f"{check.target.kpi} is measured at site {site!r}, but the planned pools "
                         f"are at {', '.join(sorted(planned_sites))}: plan {site}'s pools "
                         f"(--pool {site}.pickers --pool {site}.packers)")
            continue
        if busy:
            other_shifts = _unplanned_shifts(variables, scenario)
            raise_bounds = "raise the upper bounds, e.g. " + " ".join(
                f"--bounds {v.name}={v.low}..{_raised(v.high)}" for v in variables)
            if other_shifts:
                # (the utilisation is the whole pool's, over every shift: the busy one may
                # be a shift that is not planned)
                lines.append(f"staff may be the constraint: at the upper bounds the pools are still "
                             f"busy over all their shifts ({util_text}), and "
                             f"{' and '.join(other_shifts)} {'is' if len(other_shifts) == 1 else 'are'} "
                             "not planned: plan "
                             f"{'it' if len(other_shifts) == 1 else 'them'} too ("
                             + " ".join(f"--pool {name}" for name in other_shifts) + f"), or {raise_bounds}")
            else:
                lines.append(f"staff is the constraint: at the upper bounds the planned pools are "
                             f"still busy ({util_text}); {raise_bounds}")
            break
        unplanned = _busy_unplanned_pools(upper, variables, scenario, site)
        if unplanned:
            lines.append(f"{check.target.kpi} misses its target although at the upper bounds the "
                         f"planned pools have time to spare ({util_text}); pools that are not "
                         f"planned may hold it back: {'; '.join(unplanned)}. Plan them too ("
                         + " ".join(f"--pool {u.split(':')[0]}" for u in unplanned) + ")")
            continue
        lines.append(f"the binding constraint is not staff: {check.target.kpi} misses its target "
                     f"although at the upper bounds the planned pools have time to spare "
                     f"({util_text}): {_cause(check, upper, scenario, site)}")
        if check.status != MISSED and not check.missing:
            lines.append(f"{check.target.kpi} is close to its target at the upper bounds: with "
                         f"more replications (--max-replications above {maximum}) it might be "
                         "shown to hold")
    return lines


def _unplanned_shifts(variables: Sequence[Variable], scenario: Scenario) -> list[str]:
    """The shifts (``site.role.shift``) of pools planned shift by shift whose other shifts
    are not planned."""
    planned: dict[tuple[str, str], set[str]] = {}
    for v in variables:
        if v.shift is not None:
            planned.setdefault((v.site, v.role), set()).add(v.shift)
    return [f"{site}.{role}.{shift}" for (site, role), shifts in planned.items()
            for shift in scenario.warehouses[site].staff.shifts if shift not in shifts]


def _busy_unplanned_pools(ev: Evaluation, variables: Sequence[Variable], scenario: Scenario,
                          site: str) -> list[str]:
    """The pickers and packers not planned, at the target's site (every planned site for a
    pooled KPI), that could be what holds a target back: making parcels wait at least
    ``UNPLANNED_WAIT_SHARE`` of the time in the warehouse. Each as "SITE.ROLE: N% busy,
    W h waiting for them"."""
    planned = {(v.site, v.role) for v in variables}
    sites = [site] if site else sorted({v.site for v in variables})
    found = []
    for s in sites:
        in_warehouse = _mean(ev, f"warehouse_hours_mean_{s}")
        for role, wait_kpi in (("pickers", "pick_wait_hours_mean"), ("packers", "pack_wait_hours_mean")):
            if (s, role) in planned:
                continue
            busy, wait = _mean(ev, f"utilization_pct_{role}_{s}"), _mean(ev, f"{wait_kpi}_{s}")
            waits_long = (not math.isnan(wait) and not math.isnan(in_warehouse)
                          and wait >= UNPLANNED_WAIT_SHARE * in_warehouse)
            if waits_long:
                found.append(f"{s}.{role}: {_fmt(busy)}% busy, parcels wait {_fmt(wait)} h "
                             f"for them on average ({wait_kpi}_{s})")
    return found


def _cause(check: TargetCheck, ev: Evaluation, scenario: Scenario, site: str) -> str:
    """What holds the KPI back, from the KPIs that make it up."""
    base = base_of(check.target.kpi, scenario.sites, list(scenario.demand.channels))[0]
    sfx = f"_{site}" if site else ""
    warehouse = _mean(ev, f"warehouse_hours_mean{sfx}")
    waits = _mean(ev, f"pick_wait_hours_mean{sfx}") + _mean(ev, f"pack_wait_hours_mean{sfx}")
    lead = _mean(ev, f"lead_time_hours_mean{sfx}")
    carriers = ({scenario.warehouses[site].shipping.carrier} if site
                else {wh.shipping.carrier for wh in scenario.warehouses.values()})
    pickups = "; ".join(
        f"{name} collects {', '.join(scenario.carriers[name].pickup_days)} at "
        f"{', '.join(_clock(h) for h in scenario.carriers[name].pickup_times_h) or 'any time'}"
        for name in sorted(carriers))
    waiting = (f"only {_fmt(waits)} h is waiting for pickers and packers "
               f"(pick_wait_hours_mean{sfx} + pack_wait_hours_mean{sfx})")
    in_warehouse = (f"{_fmt(warehouse)} h is spent in the warehouse until the carrier collects "
                    f"(warehouse_hours_mean{sfx}: the work itself, waiting for payment or a wave, "
                    f"and for the pick-up: {pickups})")
    if base.startswith(("lead_time_hours", "on_time_delivery_pct")):
        return (f"of {_fmt(lead)} h from order to delivery (lead_time_hours_mean{sfx}), {waiting}; "
                f"{in_warehouse}, and the rest is transit ("
                + ", ".join(f"carriers.{name}.zones" for name in sorted(carriers)) + "). More staff "
                "changes none of these")
    if base.startswith(("warehouse_hours", "same_day_ship_pct")):
        return (f"{in_warehouse}, and of it {waiting}: the pick-up schedule and cut-off "
                "(pickup_times_h, pickup_days, cutoff_min) hold orders back, not staff")
    return (f"it depends on more than the planned pools' head counts (e.g. error rates, "
            f"carriers, stock); {base} at the upper bounds is {_fmt(check.mean)}")
