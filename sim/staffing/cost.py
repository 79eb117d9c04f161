"""What a staffing plan costs: for each pool and shift, the head count × the pool's
hourly cost (``picker_hourly_cost``, ``packer_hourly_cost``) × the hours one worker of
that shift is on duty inside the measurement window (after warm-up, up to the last
arrival: shifts on their days, breaks removed, as :func:`sim.calendar.shift_duty_intervals`
lays them out; a pool with no shifts is on duty the whole window).

This is the labour cost the KPI ``labour_cost_per_order`` counts (same calendar, same
window); it does not depend on the simulation, so every candidate plan is priced
without running it. Overtime that finishes a job begun before a shift ends is not
on-duty time and is not priced.
"""

from __future__ import annotations

from sim.calendar import overlap_hours, shift_duty_intervals
from sim.kpis.views import window_h
from sim.scenario.schema import Scenario
from sim.units import DAYS_PER_WEEK, HOURS_PER_DAY

ROLE_COST_FIELD = {"pickers": "picker_hourly_cost", "packers": "packer_hourly_cost"}


def on_duty_hours_per_head(scenario: Scenario, site: str, shift: str | None) -> float:
    """Hours one worker of ``shift`` at ``site`` is on duty inside the measurement
    window (``shift=None``: one worker on every shift of the site, or around the clock
    where the site has no shifts)."""
    lo, hi = window_h(scenario)
    staff = scenario.warehouses[site].staff
    if not staff.shifts:
        return hi - lo
    names = list(staff.shifts) if shift is None else [shift]
    until_h = scenario.horizon.days * HOURS_PER_DAY
    return sum(overlap_hours(shift_duty_intervals(staff.shifts[name], scenario.horizon.start_weekday,
                                                  until_h), lo, hi)
               for name in names)


def hourly_cost(scenario: Scenario, site: str, role: str) -> float:
    """The pool's loaded cost per on-duty hour (currency units)."""
    return float(getattr(scenario.warehouses[site].staff, ROLE_COST_FIELD[role]))


def window_days(scenario: Scenario) -> float:
    lo, hi = window_h(scenario)
    return (hi - lo) / HOURS_PER_DAY


def per_week(cost: float, scenario: Scenario) -> float:
    """A cost over the measurement window as a cost per week (7 days)."""
    return cost * DAYS_PER_WEEK / window_days(scenario)
